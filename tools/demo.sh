#!/usr/bin/env bash
# Set up .venv, then run the main job on the embedded default (no downloads): a short SeLoRA fine-tune of the
# embedded base on the embedded phantom data, its evaluation and its rank heatmap (selora-quickstart).
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
.venv/bin/selora-quickstart "$@"
