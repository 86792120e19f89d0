"""Sweeps: papermill runs in their own folders, a failing run that does not stop the sweep, a rerun that skips
finished runs, and dispatch through submitit's local executor (the path SLURM takes)."""
import json, os
from pathlib import Path
import pytest
from conftest import ROOT
from conftest import make_folder
from selora.study import sweep_grid, sweep, run_status

TINY = dict(base_model="tiny", epochs=1, batch_size=4, resolution=32, interval=2,
            eval_steps=2, clip_model="none", eval_max_items=2)

@pytest.fixture
def data(tmp_path, monkeypatch):
    monkeypatch.setenv("SELORA_CACHE", str(tmp_path/"cache")); monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    return make_folder(tmp_path/"data", n_test=2)

def test_local_sweep_failure_and_rerun(tmp_path, data):
    runs = sweep_grid(methods=("lora",), datasets=("folder",), seeds=(0,), root=tmp_path/"study", data_dir=str(data), **TINY)
    bad = dict(runs[0], method="nope", out_dir=str(tmp_path/"study"/"bad"))   # an invalid config: the run fails
    lines = []
    res = sweep(runs + [bad], executor="local", print_fn=lines.append)
    assert [r["status"] for r in res] == ["done", "failed"]
    assert "method" in res[1]["error"] and "nope" in res[1]["error"]          # the error names the field
    good = Path(runs[0]["out_dir"])
    for f in ("train.ipynb", "config.json", "metrics.json", "ranks.json", "papermill.log", "rank_heatmap.png", "status.json"):
        assert (good/f).exists(), f
    assert json.loads((good/"config.json").read_text())["method"] == "lora"
    assert any("done in" in l for l in lines) and any("FAILED" in l for l in lines)
    mtime = (good/"metrics.json").stat().st_mtime
    lines.clear()
    res2 = sweep(runs + [bad], executor="local", print_fn=lines.append)       # the finished run is skipped
    assert "1 already done" in lines[0] and len(res2) == 1 and res2[0]["status"] == "failed"
    assert (good/"metrics.json").stat().st_mtime == mtime

def test_submitit_local_executor(tmp_path, data):
    pytest.importorskip("submitit")
    runs = sweep_grid(methods=("selora",), datasets=("folder",), seeds=(1,), root=tmp_path/"study", data_dir=str(data), **TINY)
    res = sweep(runs, executor="submitit", cluster="local", slurm=dict(timeout_min=10), submitit_folder=tmp_path/"submitit", print_fn=print)
    assert res[0]["status"] == "done", res
    assert run_status(runs[0]["out_dir"]) == "done"
    m = json.loads((Path(runs[0]["out_dir"])/"metrics.json").read_text())
    assert m["total_rank"] > 0 and "skipped" in m
    assert any((tmp_path/"submitit").iterdir())   # submitit's own job logs

def test_aggregate_notebook(tmp_path, data):
    "The aggregation notebook turns a sweep's run folders into tables and figures (papermill, tiny runs)"
    import papermill as pm
    runs = sweep_grid(methods=("selora", "lora"), datasets=("folder",), seeds=(0,), root=tmp_path/"study", data_dir=str(data), **TINY)
    assert [r["status"] for r in sweep(runs, print_fn=lambda s: None)] == ["done", "done"]
    pm.execute_notebook(str(ROOT/"nbs"/"experiments"/"aggregate.ipynb"), str(tmp_path/"aggregate.ipynb"), kernel_name="python3",
                        parameters=dict(root=str(tmp_path/"study")), cwd=str(tmp_path), progress_bar=False)
    res = tmp_path/"study"/"results"
    for f in ("runs.csv", "methods.md", "lambda.md", "rank_heatmap.png", "rank_growth.png", "qualitative.png"):
        assert (res/f).exists(), f
    assert "| folder | lora |" in (res/"methods.md").read_text() and "| folder | selora |" in (res/"methods.md").read_text()
