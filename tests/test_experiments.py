"""The experiment notebooks run headlessly under papermill with tiny parameters (nbdev_test skips them: nbs/experiments/.notest)."""
import json, os, sys
from pathlib import Path
import nbformat, papermill as pm, pytest
from conftest import ROOT
from conftest import make_folder

def test_train_notebook_parameters_cell():
    "The parameters cell is what tools/params_cell.py writes from TrainConfig: every field but resume/overwrite, DESIGN's first"
    import subprocess, dataclasses
    r = subprocess.run([sys.executable, str(ROOT/"tools"/"params_cell.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    nb = nbformat.read(ROOT/"nbs"/"experiments"/"train.ipynb", as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    names = [l.split(":")[0] for l in tagged[0].source.splitlines() if l.strip()]
    assert names[:14] == ["method", "dataset", "data_dir", "base_model", "seed", "threshold", "interval", "rank", "epochs",
                          "max_steps", "batch_size", "lr", "resolution", "out_dir"]
    from selora.config import TrainConfig
    assert {f.name for f in dataclasses.fields(TrainConfig)} - set(names) == {"resume", "overwrite"}

def test_train_notebook_papermill_smoke(tmp_path):
    data = make_folder(tmp_path/"data", n_test=4)
    out = tmp_path/"run"
    os.environ.setdefault("SELORA_CACHE", str(tmp_path/"cache"))
    params = dict(method="selora", dataset="folder", data_dir=str(data), base_model="tiny", epochs=1, batch_size=4, resolution=32,
                  interval=2, out_dir=str(out), eval_steps=2, clip_model="none", eval_max_items=4)
    pm.execute_notebook(str(ROOT/"nbs"/"experiments"/"train.ipynb"), str(tmp_path/"train.ipynb"), kernel_name="python3",
                        parameters=params, cwd=str(tmp_path), progress_bar=False)
    m = json.loads((out/"metrics.json").read_text())
    assert m["steps"] == 6 and (out/"training_curves.png").exists() and (out/"lora_diffusers.safetensors").exists()
    assert json.loads((out/"config.json").read_text())["base_model"] == "tiny"     # the injected value, not the default
    assert (out/"rank_heatmap.png").exists() and (out/"rank_growth.png").exists()
    from selora.eval import METRIC_KEYS
    for k in METRIC_KEYS:   # offline here: every metric is null with a reason, none is a made-up number
        assert m[k] is None and m["skipped"][k], k
    assert "Inception" in m["skipped"]["fid_2048"] and "clip_model=None" in m["skipped"]["clip_score"]
    assert "phantom_iu" in m["skipped"]["fd_phantom"]
    assert m["eval"]["n_generated"] >= 1 and len(list((out/"eval_best_test"/"images").glob("*.png"))) == m["eval"]["n_generated"]
    assert json.loads((out/"config.json").read_text())["resolved"]["lr"] == 1e-4            # the paper protocol's
    # a rerun with other settings is refused, naming them; the same settings are skipped as finished
    again = lambda **kw: pm.execute_notebook(str(ROOT/"nbs"/"experiments"/"train.ipynb"), str(tmp_path/"again.ipynb"), kernel_name="python3",
                                             parameters=dict(params, **kw), cwd=str(tmp_path), progress_bar=False)
    with pytest.raises(pm.PapermillExecutionError, match=r"other settings: lr \(run: None, now: 0.001\)"): again(lr=1e-3, evaluate=False)
    again(evaluate=False)
    assert json.loads((out/"metrics.json").read_text())["steps"] == 6

def test_pretrain_base_notebook_papermill_smoke(tmp_path):
    "Every parameter of the pretraining notebook reaches BaseConfig, and a finished run is measured without retraining"
    out = tmp_path/"base"
    params = dict(out_dir=str(out), preset="tiny", vae_steps=2, steps=2, vae_batch=2, batch_size=2, n_scenes=8, warmup=1,
                  vae_domain_share=0.5, chroma_weight=0.5, eval_every=0, n_inference_steps=2, eval_seeds=1)
    for name in ("a", "b"):   # the second pass finds the finished run and only re-measures it
        pm.execute_notebook(str(ROOT/"nbs"/"experiments"/"pretrain_base.ipynb"), str(tmp_path/f"{name}.ipynb"), kernel_name="python3",
                            parameters=params, cwd=str(tmp_path), progress_bar=False)
    cfg = json.loads((out/"config.json").read_text())
    assert {k: cfg[k] for k in params if k in cfg} == {k: v for k, v in params.items() if k in cfg}
    assert len(set(params) - set(cfg)) == 2     # n_inference_steps and eval_seeds only steer the measurement
    m = json.loads((out/"metrics.json").read_text())
    assert m["checkpoint_step"] == 2 and m["summary"]["steps"] == 2 and set(m["prompt_accuracy"]) == {"colour", "shape", "position", "all"}
    assert len(json.loads((out/"log.json").read_text())["vae"]) == 2   # not trained twice
    assert (out/"loss.png").exists() and (out/"samples.png").exists() and (out/"vae_phantoms.png").exists()
