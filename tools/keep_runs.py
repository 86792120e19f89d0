"""Keep the records of a sweep's finished runs, so that a study longer than one sitting carries on elsewhere.

    python tools/keep_runs.py runs/study_matched study/matched_3200     # copy the finished runs' records
    cp -r study/matched_3200/. runs/study_matched                        # later, on a fresh machine: put them back
    selora-sweep --root runs/study_matched ...                            # the same commands: finished runs are skipped

A run's record is what the results page and the sweep read: config.json, params.json, status.json, metrics.json,
log.csv and ranks.json, the evaluation figure (evaluation.png) where there is one, plus the best adapter's diffusers export (best_lora_diffusers.safetensors) of each arm's
first seed, which the page's image grids load. Checkpoints, executed notebooks and logs are left behind. Only runs
whose status.json says "done" are kept; a record already kept is overwritten only if the run is newer.
"""
import argparse, shutil, sys
from pathlib import Path

RECORD = ("config.json", "params.json", "status.json", "metrics.json", "log.csv", "ranks.json")
EXPORT = "best_lora_diffusers.safetensors"
FIGURES = ("evaluation.png",)   # kept where the run made them (evaluated runs)

def finished_runs(root:Path)->list[Path]:
    "Run folders under root whose status says done (`selora.study.run_status`, as the sweep reads it)"
    from selora.study import run_status
    return sorted(p.parent for p in root.rglob("status.json") if run_status(p.parent) == "done")

def keep(src:Path, dest:Path, exports:str="first-seed")->list[Path]:
    "Copy the records of every finished run under src to the same place under dest; returns the runs kept"
    kept = []
    for run in finished_runs(src):
        missing = [f for f in RECORD if not (run/f).is_file()]
        if missing: sys.exit(f"{run} says done but lacks {', '.join(missing)}: not a finished training run")
        out = dest/run.relative_to(src)
        if (out/"status.json").is_file() and (out/"status.json").stat().st_mtime >= (run/"status.json").stat().st_mtime: continue
        out.mkdir(parents=True, exist_ok=True)
        files = list(RECORD) + ([EXPORT] if exports == "all" or (exports == "first-seed" and run.name == "seed0") else [])
        files += [f for f in FIGURES if (run/f).is_file()]
        for f in files: shutil.copy2(run/f, out/f)
        kept.append(out)
    return kept

if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("src", type=Path, help="a sweep's root (selora-sweep --root)")
    p.add_argument("dest", type=Path, help="where the records go (for example a folder of the repository)")
    p.add_argument("--exports", choices=("first-seed", "all", "none"), default="first-seed",
                   help="which runs keep their best adapter's export (default: seed0 of each arm)")
    a = p.parse_args()
    if not a.src.is_dir(): sys.exit(f"{a.src}: no such folder")
    kept = keep(a.src, a.dest, a.exports)
    print(f"kept {len(kept)} finished runs of {len(finished_runs(a.src))} under {a.dest}")
