#!/usr/bin/env bash
# Refresh requirements.lock: resolve the newest versions settings.ini allows in a new .venv-latest, run the whole
# test suite there (tools/test.sh --latest), and only if it passes write that environment's versions to the lock.
# Commit the new lock with the change that needed it; `git diff requirements.lock` shows what moved.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .venv-latest                                   # resolve afresh, from nothing
bash tools/test.sh --latest
.venv-latest/bin/python tools/lock.py write .venv-latest/bin/python requirements.lock.tmp
mv requirements.lock.tmp requirements.lock
.venv-latest/bin/python tools/lock.py check
echo "requirements.lock refreshed from the environment the tests just passed in (.venv-latest)."
