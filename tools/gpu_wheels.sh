#!/usr/bin/env bash
# The wheels bench/gpu_check.sh needs on a lent GPU machine (Python 3.12, no network there), into .whl (git-ignored):
# the packages selora's core and the check import that the machine's image lacks, at the lock's versions.
set -euo pipefail
cd "$(dirname "$0")/.."
ver() { grep -i -E "^${1//-/[-_]}==" requirements.lock | cut -d= -f3; }
mkdir -p .whl
for p in diffusers fastcore importlib-metadata; do
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux2014_x86_64 --platform any -d .whl "$p==$(ver $p)"
done
ls .whl
