#!/usr/bin/env bash
# Set up .venv, then run the main job on the embedded default (no downloads).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
.venv/bin/selora-demo "$@"
