"""What every bench/ script shares: the `--quick` switch that the test suite runs, and the record of the environment
that opens every results file.

`--quick` runs the script's own code at tiny sizes with two repetitions, so that a change that breaks a benchmark
fails CI (`tests/test_bench.py`). Its numbers mean nothing, so it writes no results file unless `--out` names one.
"""
import argparse, json, time
from pathlib import Path

def parser(doc:str, default_out:str)->argparse.ArgumentParser:
    "The script's argument parser, with --quick and --out"
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="tiny sizes, 2 repetitions: checks that the script runs (the test suite runs this); "
                         "writes no results file unless --out names one")
    ap.add_argument("--out", default=None, help=f"the results file (default: bench/{default_out}; none with --quick)")
    ap.set_defaults(_default_out=str(Path(__file__).with_name(default_out)))
    return ap

def record(quick:bool)->dict:
    "What a results file opens with: the date, whether it was a quick run, and selora's `environment()`"
    from selora.io import environment
    return dict(date=time.strftime("%Y-%m-%d"), quick=quick, environment=environment())

def write(a:argparse.Namespace, res:dict, merge:bool=False):
    "Write `res` to --out (or the default file, unless --quick); `merge` keeps the file's other keys"
    out = a.out or (None if a.quick else a._default_out)
    if out is None: return print("quick run: no results file written (pass --out to write one)")
    p = Path(out)
    old = json.loads(p.read_text()) if merge and p.exists() else {}
    p.write_text(json.dumps(old | res, indent=1) + "\n")
    print(f"wrote {p}")
