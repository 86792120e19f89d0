"""Project wiring that a notebook cannot hold: nbdev settings, README <-> CI, the docs config."""
import json, os, subprocess, sys, configparser, shutil
from pathlib import Path
import nbformat, pytest
from nbdev.clean import clean_nb
from conftest import ROOT

def _param_nb():
    nb = nbformat.v4.new_notebook()
    c = nbformat.v4.new_code_cell("method: str = 'selora'  # adapter", metadata={"tags": ["parameters"], "scrolled": True})
    nb.cells = [c]
    return nb

def test_settings_keep_papermill_tag():
    cfg = configparser.ConfigParser(); cfg.read(ROOT/"settings.ini")
    assert "tags" in cfg["DEFAULT"]["allowed_cell_metadata_keys"].split()

def test_nbdev_clean_keeps_parameters_tag(tmp_path):
    "Run the real nbdev_clean (reading this project's settings.ini) on a notebook with papermill's tag"
    (tmp_path/"nbs").mkdir()
    shutil.copy(ROOT/"settings.ini", tmp_path/"settings.ini")
    nbformat.write(_param_nb(), tmp_path/"nbs"/"p.ipynb")
    subprocess.run([Path(sys.executable).parent/"nbdev_clean", "--fname", "nbs/p.ipynb"], cwd=tmp_path, check=True)
    cell = nbformat.read(tmp_path/"nbs"/"p.ipynb", as_version=4).cells[0]
    assert cell.metadata.get("tags") == ["parameters"]
    assert "scrolled" not in cell.metadata          # other metadata is still cleaned

def test_without_the_setting_the_tag_is_lost():
    "The check above can fail: nbdev's default would strip the tag"
    nb = json.loads(nbformat.writes(_param_nb()))
    clean_nb(nb, allowed_cell_metadata_keys=[])
    assert "tags" not in nb["cells"][0]["metadata"]

def test_readme_is_generated_from_index():
    r = subprocess.run([sys.executable, str(ROOT/"tools"/"readme.py"), "--check"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr

def test_ci_runs_the_readme_test_command():
    lines = [l.strip() for l in (ROOT/".ci"/"run").read_text().splitlines()]
    cmds = [l for l in lines if l and not l.startswith(("#", "set ")) and l != "#!/usr/bin/env bash"]
    readme = (ROOT/"README.md").read_text()
    assert cmds == ["bash tools/test.sh"]
    assert "bash tools/test.sh" in readme and "bash tools/demo.sh" in readme

def test_quarto_config_is_where_nbdev_reads_it():
    top = ROOT/"_quarto.yml"
    assert top.is_symlink() and top.resolve() == (ROOT/"nbs"/"_quarto.yml").resolve()
    side = (ROOT/"nbs"/"sidebar.yml").read_text()
    listed = [l.strip()[2:] for l in side.splitlines() if l.strip().startswith("- ") and l.strip().endswith(".ipynb")]
    assert listed, "sidebar lists no notebooks"
    missing = [n for n in listed if not (ROOT/"nbs"/n).exists()]
    assert not missing, f"sidebar.yml lists notebooks that do not exist: {missing}"
    nbs = {p.name for p in (ROOT/"nbs").glob("[0-9]*.ipynb")} | {"index.ipynb"} | {f"experiments/{p.name}" for p in (ROOT/"nbs"/"experiments").glob("[!_]*.ipynb")}
    assert nbs <= set(listed), f"notebooks missing from sidebar.yml: {sorted(nbs - set(listed))}"

def test_notebook_links_resolve():
    "Every relative link in a notebook's markdown (as Quarto will render it) points at a file that exists"
    import re
    bad = []
    for p in sorted((ROOT/"nbs").rglob("*.ipynb")):
        if ".ipynb_checkpoints" in p.parts: continue
        for c in nbformat.read(p, as_version=4).cells:
            if c.cell_type != "markdown": continue
            for link in re.findall(r"\]\(([^)\s]+)\)", c.source):
                if re.match(r"^[a-z]+:|^#", link): continue          # external or in-page
                target = (p.parent/link.split("#")[0]).resolve()
                if not target.exists(): bad.append(f"{p.relative_to(ROOT)} -> {link}")
    assert not bad, f"links to missing files: {bad}"

_HEAVY = ("diffusers", "transformers", "peft", "accelerate", "pandas", "torch_fidelity", "torchvision", "matplotlib", "seaborn")

def _py(code):
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()

def test_core_imports_on_its_own():
    "settings.ini's promise: the core (layer, fisher, grow, inject, io) needs only torch and safetensors"
    out = _py("import sys; import selora.layer, selora.fisher, selora.grow, selora.inject, selora.io\n"
              f"print(' '.join(m for m in {_HEAVY!r} if m in sys.modules))")
    assert out == "", f"importing the core loaded {out}"

def test_the_check_above_can_fail():
    "The same probe sees the heavy libraries once a module that needs them is imported"
    out = _py(f"import sys, selora.eval; print(' '.join(m for m in {_HEAVY!r} if m in sys.modules))")
    assert "torch_fidelity" in out.split(), out   # eval needs torch-fidelity

def test_public_names_resolve():
    "Every name in selora.__all__ resolves; `train` is the function, its loop the module selora.training (no name shared)"
    out = _py("import selora, selora.training\nfrom selora import train, TrainConfig, make_adapter\nselora.inject.TINY_UNET\n"
              "[getattr(selora, n) for n in selora.__all__]\n"
              "print(train is selora.training.train, callable(selora.train), type(selora).__name__, "
              "sorted(selora.__all__) == sorted(set(dir(selora)) & set(selora.__all__)))")
    assert out == "True True module True"

def test_readme_code_runs(tmp_path):
    "The README's 'Use it in your own code' block runs as written, grows ranks, and its export loads in diffusers"
    readme = (ROOT/"README.md").read_text()
    sec = readme[readme.index("## Use it in your own code"):]
    code = sec[sec.index("```python") + len("```python"):sec.index("```", sec.index("```python") + 9)]
    check = ("\nassert sum(rank_map(pipe.unet).values()) + sum(rank_map(pipe.text_encoder).values()) > len(layers), 'nothing grew'\n"
             "fresh = load_base('embedded'); fresh.load_lora_weights('selora.safetensors'); print('loaded')\n")
    r = subprocess.run([sys.executable, "-c", code + check], capture_output=True, text=True, cwd=tmp_path,
                       env=dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT)))
    assert r.returncode == 0, r.stderr[-3000:]
    assert "total rank" in r.stdout and r.stdout.strip().endswith("loaded"), r.stdout

def test_lock_covers_settings_and_names_what_is_missing(tmp_path):
    "The committed lock pins every requirement of settings.ini in its range; a lock that does not stops setup, naming the package and the refresh command"
    lock = ROOT/"requirements.lock"
    r = subprocess.run([sys.executable, str(ROOT/"tools"/"lock.py"), "check"], capture_output=True, text=True)
    # tools/refresh_lock.sh runs the tests in .venv-latest before it writes the lock: a package settings.ini has just
    # gained is not in the old lock yet, and the new lock is checked by the script itself once written
    if os.environ.get("SELORA_VENV") != ".venv-latest": assert r.returncode == 0, r.stderr
    bad = tmp_path/"requirements.lock"
    bad.write_text("".join(l for l in lock.read_text().splitlines(True) if not l.startswith("datasets==")))
    r = subprocess.run([sys.executable, str(ROOT/"tools"/"lock.py"), "check", str(bad)], capture_output=True, text=True)
    assert r.returncode == 2 and "datasets" in r.stderr and "bash tools/refresh_lock.sh" in r.stderr, r.stderr
