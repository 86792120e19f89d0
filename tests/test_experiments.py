"""The experiment notebooks run headlessly under papermill with tiny parameters (nbdev_test skips them: nbs/experiments/.notest)."""
import json, os, sys
from pathlib import Path
import nbformat, papermill as pm
from conftest import ROOT
from test_train_resume import make_folder

def test_train_notebook_parameters_cell():
    nb = nbformat.read(ROOT/"nbs"/"experiments"/"train.ipynb", as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    names = [l.split(":")[0] for l in tagged[0].source.splitlines() if l.strip()]
    assert names == ["method", "dataset", "data_dir", "base_model", "seed", "threshold", "interval", "rank", "epochs",
                     "max_steps", "batch_size", "lr", "resolution", "out_dir"]

def test_train_notebook_papermill_smoke(tmp_path):
    data = make_folder(tmp_path/"data")
    out = tmp_path/"run"
    os.environ.setdefault("SELORA_CACHE", str(tmp_path/"cache"))
    pm.execute_notebook(str(ROOT/"nbs"/"experiments"/"train.ipynb"), str(tmp_path/"train.ipynb"), kernel_name="python3",
                        parameters=dict(method="selora", dataset="folder", data_dir=str(data), base_model="tiny",
                                        epochs=1, batch_size=4, resolution=32, interval=2, out_dir=str(out)),
                        cwd=str(tmp_path), progress_bar=False)
    m = json.loads((out/"metrics.json").read_text())
    assert m["steps"] == 6 and (out/"training_curves.png").exists() and (out/"lora_diffusers.safetensors").exists()
    assert json.loads((out/"config.json").read_text())["base_model"] == "tiny"     # the injected value, not the default
