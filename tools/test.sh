#!/usr/bin/env bash
# Set up .venv from the lock, then run every check CI runs: notebooks and package in sync, nbdev_test, pytest
# (the benchmarks' quick modes included), and the docs site's processing, render and links (tools/docs_check.sh;
# Quarto's own render is the one step it leaves out).
#   bash tools/test.sh            # in .venv, the locked versions (what CI runs)
#   bash tools/test.sh --latest   # in .venv-latest, the newest versions settings.ini allows: drift shows up here first
set -euo pipefail
cd "$(dirname "$0")/.."
latest=(); [ "${1:-}" = --latest ] && latest=(--latest)
export SELORA_VENV=${SELORA_VENV:-$([ ${#latest[@]} = 1 ] && echo .venv-latest || echo .venv)}
bash tools/setup.sh "${latest[@]}"
export PATH="$PWD/$SELORA_VENV/bin:$PATH" MPLBACKEND=Agg
if [ ${#latest[@]} = 1 ]; then
  echo "The newest versions, against requirements.lock:"; python tools/lock.py diff "$(command -v python)"
fi
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
# the same for pytest: two workers (pytest-xdist), one torch thread each
OMP_NUM_THREADS=1 python -m pytest -q -n 2 tests
bash tools/docs_check.sh
