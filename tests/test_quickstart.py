"""The README's main job (`selora-quickstart`, what `bash tools/demo.sh` runs) end to end in a fresh process, offline,
on the shipped embedded base, with a few steps."""
import json, os, subprocess, sys
from pathlib import Path

def test_quickstart_cli(tmp_path):
    exe = Path(sys.executable).parent/"selora-quickstart"
    env = dict(os.environ, HF_HUB_OFFLINE="1", SELORA_OFFLINE="1", SELORA_CACHE=str(tmp_path/"cache"), OMP_NUM_THREADS="1")
    r = subprocess.run([exe, "--out", tmp_path/"qs", "--steps", "6", "--eval-items", "12", "--eval-steps", "2"],
                       capture_output=True, text=True, timeout=900, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    out = tmp_path/"qs"
    for f in ("metrics.json", "ranks.json", "rank_heatmap.png", "rank_growth.png", "samples.png", "findings.png", "best_lora_diffusers.safetensors"):
        assert (out/f).exists(), f
        assert str(out/f) in r.stdout                       # it prints where the results are
    m = json.loads((out/"metrics.json").read_text())
    cfg = json.loads((out/"config.json").read_text())
    assert m["steps"] == 6 and cfg["base_model"] == "embedded"
    from selora.study import QUICKSTART_LR                 # one run of the study: its tuned rate, decaying to zero
    assert (cfg["lr"], cfg["lr_scheduler"], cfg["threshold"]) == (QUICKSTART_LR, "cosine", 1.1)
    assert all(m[k] is not None for k in ("fd_phantom", "faithfulness_auroc", "in_domain_rate"))   # the offline metrics are computed
    assert m["fid_2048"] is None and "Inception" in m["skipped"]["fid_2048"]    # FID is skipped offline, with its reason
    assert len(list((out/"eval_best_test"/"images").glob("*.png"))) == 12
