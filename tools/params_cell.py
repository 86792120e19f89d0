"""Write the papermill parameters cell of nbs/experiments/train.ipynb from `TrainConfig`, so that the two cannot drift.

Every field of `TrainConfig` becomes one flat `name: type = default  # its comment` line (the comment is the one beside
the field in `selora.config`), the design's fourteen first, then the rest in the dataclass's order; the evaluation's own
parameters follow. `resume` and `overwrite` are left out: the notebook resumes an unfinished run and refuses a
finished one with other settings by itself.

    python tools/params_cell.py           # rewrite the cell
    python tools/params_cell.py --check   # exit 1 if the cell is not what TrainConfig gives (tests/test_experiments.py)
"""
import dataclasses, json, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT/"nbs"/"experiments"/"train.ipynb"
FIRST = ("method", "dataset", "data_dir", "base_model", "seed", "threshold", "interval", "rank", "epochs", "max_steps",
         "batch_size", "lr", "resolution", "out_dir")          # DESIGN.md's papermill parameters, in its order
LEFT_OUT = ("resume", "overwrite")
EVAL = [   # the notebook's evaluation step (selora.eval.evaluate): (name, type, default, help)
    ("evaluate", "bool", True, "generate from the test split and compute the metrics afterwards"),
    ("eval_steps", "int", 50, "inference steps of the evaluation images"),
    ("guidance_scale", "float", 7.5, "classifier-free guidance of the evaluation images"),
    ("n_per_prompt", "int", 1, "evaluation images per test prompt"),
    ("eval_max_items", "int", None, "evaluate only the first N test items (None: all)"),
    ("clip_model", "str", "openai/clip-vit-large-patch14", 'CLIP score checkpoint (hub id or folder; "none" skips it)'),
    ("inception_weights", "str", None, "local torch-fidelity Inception weights (None: its cache or download)"),
]

def _literal(v)->str:
    return json.dumps(v) if isinstance(v, str) else repr(v)

def lines()->list[str]:
    "The parameters cell, line by line"
    from selora.config import TrainConfig, field_docs
    fields, docs, default = {f.name: f for f in dataclasses.fields(TrainConfig)}, field_docs(), TrainConfig()
    order = list(FIRST) + [n for n in fields if n not in FIRST and n not in LEFT_OUT]
    # a comment of several lines above its field becomes one line: a line break would leave code outside the comment
    rows = [(n, str(fields[n].type).replace(" ", "").removesuffix("|None"), getattr(default, n), " ".join(docs[n].split()))
            for n in order]
    rows += EVAL
    width = max(len(f"{n}: {t} = {_literal(v)}") for n, t, v, _ in rows)
    return [f"{n}: {t} = {_literal(v)}".ljust(width) + f"  # {h}" for n, t, v, h in rows]

def _cell(nb:dict)->dict:
    tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
    if len(tagged) != 1: raise SystemExit(f"{NOTEBOOK} must have exactly one cell tagged 'parameters', has {len(tagged)}")
    return tagged[0]

def main(argv=None):
    check = "--check" in (argv if argv is not None else sys.argv[1:])
    nb = json.loads(NOTEBOOK.read_text())
    cell, want = _cell(nb), "\n".join(lines())
    if check:
        if "".join(cell["source"]) != want:
            print(f"{NOTEBOOK.relative_to(ROOT)}: the parameters cell is not what TrainConfig gives; "
                  "run `python tools/params_cell.py` and commit the notebook")
            return 1
        print("the parameters cell matches TrainConfig"); return 0
    cell["source"] = [l + "\n" for l in want.split("\n")[:-1]] + [want.split("\n")[-1]]
    NOTEBOOK.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote the parameters cell of {NOTEBOOK.relative_to(ROOT)}: {len(want.splitlines())} parameters")
    return 0

if __name__ == "__main__": sys.exit(main())
