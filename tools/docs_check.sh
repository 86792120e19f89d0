#!/usr/bin/env bash
# The docs site without Quarto: nbdev's docs processing, a pandoc render of every page, and a check that every image
# and internal link resolves (tools/docs_check.py). `--screenshots` adds headless-Chromium screenshots of three pages
# under _docs_local/screenshots/. Installs pandoc (and Chromium, for --screenshots) from Debian's packages if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
need=(); command -v pandoc >/dev/null || need+=(pandoc)
if [[ " $* " == *" --screenshots "* ]]; then command -v chromium >/dev/null || need+=(chromium); fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO=sudo; else SUDO=none; fi
  if [ "$SUDO" != none ] && command -v apt-get >/dev/null; then
    $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "FAIL: the docs check needs ${need[*]}: install it (e.g. sudo apt-get install ${need[*]}) and rerun"; exit 1
  fi
fi
export PATH="$PWD/${SELORA_VENV:-.venv}/bin:$PATH" MPLBACKEND=Agg
OMP_NUM_THREADS=1 python tools/docs_check.py "$@"
