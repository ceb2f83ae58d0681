#!/usr/bin/env bash
# Open JupyterLab on the tutorials. Each tutorial starts nbext's embedded demo index on
# 127.0.0.1, so nothing else (no real index, no network) is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${NBEXT_VENV:-.venv}"
PY="${PYTHON:-python3}"
if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --disable-pip-version-check -e '.[lab]' 2>&1 \
    | grep -v "^WARNING: Location" || true
extra=()
if [ "$(id -u)" = "0" ]; then extra+=(--allow-root); fi
exec "$VENV/bin/jupyter" lab --ip 127.0.0.1 --ServerApp.root_dir="$PWD/notebooks" "${extra[@]}" "$@"
