#!/usr/bin/env bash
# Sets up .venv if needed and starts the demo: the sync server with demo data and the
# shopper's app paired to it, data in data/demo/. Open the addresses it prints (the app
# suits a phone-sized window best).
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=server,web
source scripts/setup.sh
exec .venv/bin/fieldaudit demo --data data/demo --port "${PORT:-8550}" --server-port "${SERVER_PORT:-8000}" "$@"
