"""The console script end to end, in a fresh process, and its outputs reloaded through the public API."""
import json, subprocess, sys
from pathlib import Path
import torch
from conftest import ROOT

def test_selora_demo_cli(tmp_path):
    exe = Path(sys.executable).parent/"selora-demo"
    r = subprocess.run([exe, "--out", tmp_path/"run", "--steps", "21", "--interval", "10"], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "growth events" in r.stdout
    out = tmp_path/"run"
    ranks = json.loads((out/"ranks.json").read_text())
    metrics = json.loads((out/"metrics.json").read_text())
    assert metrics["growth_events"] == len(ranks["history"]) > 0
    # the checkpoint reloads into a fresh tiny U-Net at the recorded ranks
    from diffusers import UNet2DConditionModel
    from selora import load_selora, rank_map
    from selora.inject import TINY_UNET
    unet = UNet2DConditionModel(**TINY_UNET)
    load_selora(unet, out/"adapter.safetensors")
    assert rank_map(unet) == ranks["unet"]

def test_selora_demo_bad_argument(tmp_path):
    exe = Path(sys.executable).parent/"selora-demo"
    r = subprocess.run([exe, "--steps", "many"], capture_output=True, text=True)
    assert r.returncode == 2 and "--steps" in r.stderr
