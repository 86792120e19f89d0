import os, pathlib
ROOT = pathlib.Path(__file__).resolve().parent.parent
os.environ.setdefault("MPLBACKEND", "Agg")
