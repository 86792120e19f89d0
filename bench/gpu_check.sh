#!/usr/bin/env bash
# The prepared GPU check (bench/gpu_check.py): one command on a GPU machine, under 4 minutes on an H100; it writes
# bench/results_gpu.json. `--smoke` runs the same code at tiny size on the CPU (the test suite does).
# On a machine without selora's environment (the lent GPU machines have torch, transformers, peft and accelerate, not
# diffusers or fastcore), put the missing wheels in .whl first with `bash tools/gpu_wheels.sh` (here, where pip can
# reach the registry); this script installs them into /tmp/site and runs selora from this checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-$([ -x .venv/bin/python ] && echo .venv/bin/python || echo python3)}
if ls .whl/*.whl >/dev/null 2>&1; then
  "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site${PYTHONPATH:+:$PYTHONPATH}
fi
export PYTHONUNBUFFERED=1
exec "$PY" bench/gpu_check.py "$@"
