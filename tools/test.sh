#!/usr/bin/env bash
# Set up .venv, then run every check CI runs: notebooks and package in sync, nbdev_test, pytest, and the docs
# site's processing, render and links (tools/docs_check.sh; Quarto's own render is the one step it leaves out).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export PATH="$PWD/.venv/bin:$PATH" MPLBACKEND=Agg
snapshot() { git status --porcelain --untracked-files=all; git diff; }
before=$(snapshot)
nbdev_export
nbdev_clean
if [ "$(snapshot)" != "$before" ]; then
  echo "FAIL: nbdev_export / nbdev_clean changed files; run both and commit the result:"; git status --short; exit 1
fi
echo "nbdev_export and nbdev_clean change nothing."
# two notebooks at a time, one torch thread each: no oversubscription of the 2 cores
OMP_NUM_THREADS=1 nbdev_test --n_workers 2 --timing
python -m pytest -q tests
bash tools/docs_check.sh
