"The docs check (tools/docs_check.py) finds what it is there to find: cells docs processing would run, broken links"
import json, sys
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent/"tools"))
import docs_check

def _nb(path, *cells):
    path.write_text(json.dumps({"cells": [{"cell_type": t, "id": f"c{i}", "metadata": {}, "source": s, **({"outputs": []} if t == "code" else {})}
                                          for i, (t, s) in enumerate(cells)], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path

def test_cells_docs_processing_would_run(tmp_path):
    nb = _nb(tmp_path/"a.ipynb", ("code", "#| hide\nfrom fastcore.test import *\nimport matplotlib; matplotlib.use('Agg')"),
             ("markdown", "## A section"), ("code", "import json\nfrom pathlib import Path"),
             ("code", "#| export\nimport os\ndef f(): return os.sep"), ("code", "x = 1\ndef g():\n    import math\n    return math.pi"),
             ("code", "import torch\nmodel = torch.nn.Linear(2, 2)"), ("code", "y = 2"))
    assert docs_check.docs_executed_cells(nb) == ["c4", "c5"]   # the setup cell, imports alone and exports are fine

def test_broken_links_and_anchors(tmp_path, monkeypatch):
    monkeypatch.setattr(docs_check, "OUT", tmp_path)
    (tmp_path/"a.html").write_text('<h2 id="here">x</h2><a href="b.html#there">ok</a><a href="b.html#nowhere">bad anchor</a>'
                                   '<a href="c.html">missing page</a><img src="a_files/fig1.png"><a href="https://x.org">out</a>')
    (tmp_path/"b.html").write_text('<p id="there"></p><a href="a.html#here">back</a><img src="missing.png">')
    (tmp_path/"a_files").mkdir(); (tmp_path/"a_files"/"fig1.png").write_bytes(b"png")
    problems = docs_check.check_links()
    assert len(problems) == 3, problems
    assert any("#nowhere" in p for p in problems) and any("c.html" in p for p in problems) and any("missing.png" in p for p in problems)
