"Shared by the tests: the project root, a captioned image folder, the selora-train command line and run readers."
import csv, json, os, pathlib, sys
from pathlib import Path
import numpy as np
from PIL import Image
from safetensors import safe_open
ROOT = pathlib.Path(__file__).resolve().parent.parent
os.environ.setdefault("MPLBACKEND", "Agg")

def make_folder(root:Path, n_train=24, n_val=8, n_test=0, shape=(32, 32)):
    "A captioned image folder (imagefolder metadata.jsonl with a split column) of simple shapes, `shape` pixels each"
    root.mkdir(parents=True, exist_ok=True)
    rng, rows = np.random.default_rng(0), []
    for i in range(n_train + n_val + n_test):
        a = np.zeros(shape, np.uint8); x, y = rng.integers(4, 20, 2); a[y:y + 10, x:x + 10] = 255
        Image.fromarray(a).save(root/f"{i}.png")
        rows.append({"file_name": f"{i}.png", "text": f"a square at {x} {y}", "split": "train" if i < n_train else "val" if i < n_train + n_val else "test"})
    (root/"metadata.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    return root

def cmd(data, out, **over):
    args = dict(base_model="tiny", dataset="folder", data_dir=str(data), resolution=32, batch_size=4, epochs=4,
                interval=2, threshold=1.0, checkpoint_every=1, lr=1e-3, out_dir=str(out)) | over
    return [str(Path(sys.executable).parent/"selora-train")] + [x for k, v in args.items() for x in (f"--{k}", str(v))]

def env(): return os.environ | {"SELORA_CACHE": os.environ.get("SELORA_CACHE", "/tmp/selora-test-cache"), "OMP_NUM_THREADS": "1"}

def adapter_tensors(p):
    with safe_open(str(p), "pt") as f: return {k: f.get_tensor(k) for k in f.keys()}

def logged_steps(out):
    rows = list(csv.reader((out/"log.csv").open()))[1:]
    return [int(r[0]) for r in rows if r]
