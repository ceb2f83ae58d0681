#!/usr/bin/env bash
# Open JupyterLab on the tutorials. Each tutorial starts nbext's embedded demo index on
# 127.0.0.1, so nothing else (no real index, no network) is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
ensure_venv lab
# Tutorial 09 installs into its kernel: the nbext-tutorial kernel, a throwaway venv.
"$VENV/bin/python" scripts/tutorial_kernel.py "$VENV/share/jupyter"
extra=()
if [ "$(id -u)" = "0" ]; then extra+=(--allow-root); fi
exec "$VENV/bin/jupyter" lab --ip 127.0.0.1 --ServerApp.root_dir="$PWD/notebooks" "${extra[@]}" "$@"
