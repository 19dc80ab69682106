# Sourced by the other scripts: creates .venv/ and installs the project (editable) with
# the extras in $EXTRAS (default: test, which holds the server and web extras too); the
# demo asks for server,web only. Re-installs Python packages only when pyproject.toml or
# the extras changed since the last install.
set -euo pipefail
PYTHON=${PYTHON:-python3}
EXTRAS=${EXTRAS:-test}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$( (cat pyproject.toml; echo "$EXTRAS") | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[$EXTRAS]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
