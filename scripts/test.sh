#!/usr/bin/env bash
# Sets up .venv (if needed) and runs the whole test suite. `.ci/run` calls this file.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
exec .venv/bin/python -m pytest "$@"
