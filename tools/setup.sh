#!/usr/bin/env bash
# Create .venv (if missing) and install into it exactly the versions in requirements.lock, which the test suite
# passed with, then selora itself (editable) with its dev tools. Safe to re-run: it installs again only when the
# lock, settings.ini or setup.py changed.
#   bash tools/setup.sh            # the locked environment, in .venv
#   bash tools/setup.sh --latest   # the newest versions settings.ini allows, in .venv-latest (no lock): drift shows
# Refresh the lock with `bash tools/refresh_lock.sh` (it resolves afresh, runs the tests, writes the lock if they pass).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
latest=0; [ "${1:-}" = --latest ] && latest=1
VENV=${SELORA_VENV:-$([ $latest = 1 ] && echo .venv-latest || echo .venv)}
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
pip() { "$VENV/bin/python" -m pip "$@"; }
if [ $latest = 1 ]; then
  pip install -q --upgrade pip
  pip install -q --upgrade --upgrade-strategy eager -e ".[dev]"
else
  "$VENV/bin/python" tools/lock.py check            # every package settings.ini names is locked, in its range
  stamp=$(cat requirements.lock settings.ini setup.py | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$VENV/.selora-lock" 2>/dev/null)" != "$stamp" ]; then
    pip install -q -r requirements.lock               # the exact versions, transitive ones included
    pip install -q --no-deps -e .                     # selora itself: its requirements are all in the lock
    pip check
    extra=$("$VENV/bin/python" tools/lock.py diff "$VENV/bin/python" | grep -v "matches the lock" || true)
    [ -z "$extra" ] || printf 'note: %s holds packages the lock does not (an older install?):\n%s\n' "$VENV" "$extra"
    echo "$stamp" > "$VENV/.selora-lock"
  fi
fi
# papermill and nbdev find this environment's kernel by the name python3
"$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 --display-name "python3 (selora)" >/dev/null
