#!/usr/bin/env bash
# Sets up .venv (and Chromium) if needed and runs the whole test suite. `.ci/run` calls this.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
source scripts/browser.sh
exec .venv/bin/python -m pytest "$@"
