#!/usr/bin/env bash
# Create .venv (if missing) and install selora with its dev tools into it. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"
# papermill and nbdev find this environment's kernel by the name python3
.venv/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "python3 (selora)" >/dev/null
