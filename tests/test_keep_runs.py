"tools/keep_runs.py: a study's finished runs are kept, unfinished ones are not, and a kept run is where the sweep skips it"
import json, subprocess, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FILES = ("config.json", "params.json", "metrics.json", "log.csv", "ranks.json")

def fake_run(d:Path, status:str, export:bool=True):
    d.mkdir(parents=True)
    for f in FILES: (d/f).write_text("{}")
    (d/"status.json").write_text(json.dumps(dict(status=status)))
    (d/"checkpoints").mkdir(); (d/"checkpoints"/"step.pt").write_text("big")
    if export: (d/"best_lora_diffusers.safetensors").write_text("lora")

def test_keep_runs(tmp_path):
    src, dest = tmp_path/"runs", tmp_path/"kept"
    fake_run(src/"phantom_iu"/"lora"/"seed0", "done"); fake_run(src/"phantom_iu"/"lora"/"seed1", "done")
    fake_run(src/"phantom_iu"/"dylora"/"seed0", "failed")
    (src/"phantom_iu"/"adalora"/"seed0").mkdir(parents=True)          # started, not finished: no status.json
    r = subprocess.run([sys.executable, str(ROOT/"tools"/"keep_runs.py"), str(src), str(dest)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "kept 2 finished runs of 2" in r.stdout
    kept = sorted(str(p.relative_to(dest)) for p in dest.rglob("status.json"))
    assert kept == ["phantom_iu/lora/seed0/status.json", "phantom_iu/lora/seed1/status.json"]
    assert (dest/"phantom_iu"/"lora"/"seed0"/"best_lora_diffusers.safetensors").is_file()      # the first seed's export
    assert not (dest/"phantom_iu"/"lora"/"seed1"/"best_lora_diffusers.safetensors").exists()
    assert not (dest/"phantom_iu"/"lora"/"seed0"/"checkpoints").exists()
    from selora.study import run_status
    assert run_status(dest/"phantom_iu"/"lora"/"seed1") == "done"                              # the sweep skips it

def test_keep_runs_refuses_a_done_run_without_its_record(tmp_path):
    src = tmp_path/"runs"; fake_run(src/"lora"/"seed0", "done"); (src/"lora"/"seed0"/"ranks.json").unlink()
    r = subprocess.run([sys.executable, str(ROOT/"tools"/"keep_runs.py"), str(src), str(tmp_path/"kept")], capture_output=True, text=True)
    assert r.returncode != 0 and "lacks ranks.json" in r.stderr
