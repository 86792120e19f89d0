"""Execute notebooks in place so that the docs show real outputs (figures come from executed notebooks).
Usage: python tools/run_nbs.py nbs/00_layer.ipynb [...]; then run nbdev_clean. Slow cells run too."""
import os, sys, time, nbformat
# figures must be captured inline: a non-interactive backend (MPLBACKEND=Agg, as the test scripts set) would drop them
os.environ.pop("MPLBACKEND", None)
from pathlib import Path
from nbclient import NotebookClient
for p in map(Path, sys.argv[1:]):
    t = time.time()
    nb = nbformat.read(p, as_version=4)
    NotebookClient(nb, timeout=1800, kernel_name="python3", resources={"metadata": {"path": str(p.parent)}}).execute()
    nbformat.write(nb, p)
    print(f"{p}: executed in {time.time() - t:.0f} s", flush=True)
