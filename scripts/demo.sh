#!/usr/bin/env bash
# Sets up .venv if needed and starts the demo: the shopper's app on a demo route for today,
# its data in data/demo/. Open the address it prints (a phone-sized window suits it best).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
exec .venv/bin/fieldaudit app --demo --data data/demo --port "${PORT:-8550}" "$@"
