"Every bench/ script runs in its quick mode, so that a change that breaks a benchmark fails CI (its numbers mean nothing)."
import json, math, os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted(p.name for p in (ROOT/"bench").glob("bench_*.py"))
# what each results file must hold: a path of keys to a ratio the script computes
RATIO = {"bench_core.py": ("results", 0, "b_probed_over_plain"), "bench_adapters.py": ("results", 0, "time_over_lora", "selora"),
         "bench_allreduce.py": ("per tensor / flattened",), "bench_cache.py": ("embedded", "text encoder frozen (latents and text cached)", "ratio"),
         "bench_memory.py": ("ratios", "with checkpointing, probed / plain step"),
         "bench_peft.py": ("models", "llama", "probed_over_plain", "selora"), "bench_train.py": ("selora_over_lora",),
         "bench_overhead.py": ("ratios", "selora amortised / lora_final"), "bench_engines.py": ("ddp / manual",)}

def test_every_script_is_covered():
    assert set(SCRIPTS) == set(RATIO), set(SCRIPTS) ^ set(RATIO)

@pytest.mark.parametrize("script", SCRIPTS)
def test_quick_mode_runs(script, tmp_path):
    out = tmp_path/"results.json"
    r = subprocess.run([sys.executable, str(ROOT/"bench"/script), "--quick", "--out", str(out)], capture_output=True, text=True,
                       timeout=600, cwd=tmp_path, env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore"})
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(out.read_text())
    assert res["quick"] is True and len(res["environment"]["commit"]) == 40, res.get("environment")
    v = res
    for k in RATIO[script]: v = v[k]
    assert isinstance(v, float) and math.isfinite(v) and v > 0, (script, v)

def test_quick_mode_writes_nothing_by_default(tmp_path, capsys):
    sys.path.insert(0, str(ROOT/"bench"))
    try: from _common import parser, write
    finally: sys.path.remove(str(ROOT/"bench"))
    a = parser("doc", "results_x.json").parse_args(["--quick"])
    write(a, {"x": 1.0})
    assert "no results file written" in capsys.readouterr().out and not (ROOT/"bench"/"results_x.json").exists()
    a = parser("doc", "results_x.json").parse_args(["--quick", "--out", str(tmp_path/"r.json")])
    write(a, {"x": 1.0})
    assert json.loads((tmp_path/"r.json").read_text()) == {"x": 1.0}

def test_gpu_check_smoke(tmp_path):
    "The prepared GPU check (bench/gpu_check.sh) runs its own code at tiny size on the CPU: every figure it reports is there"
    out = tmp_path/"gpu.json"
    r = subprocess.run(["bash", str(ROOT/"bench"/"gpu_check.sh"), "--smoke", "--out", str(out)], capture_output=True, text=True,
                       timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1", "PYTHONWARNINGS": "ignore", "PYTHON": sys.executable})
    assert r.returncode == 0, r.stderr[-3000:]
    res = json.loads(out.read_text())
    assert res["quick"] is True and len(res["environment"]["commit"]) == 40
    ratios = [*res["step / lora-r4"].values(), *res["probed / plain"].values(), res["capacity / growing"],
              res["selora / lora-at-selora"], res["compile"]["compiled / eager"]]
    assert all(isinstance(v, float) and math.isfinite(v) and v > 0 for v in ratios), ratios
    assert res["compile"]["frames compiled after warm-up, growth included"] == 0     # growth did not recompile
    assert res["fp16"]["finite"] and len(res["fp16"]["losses"]) == 20
