#!/usr/bin/env bash
# Open JupyterLab on the tutorials. Each tutorial starts nbext's embedded demo index on
# 127.0.0.1, so nothing else (no real index, no network) is needed.
#
# Usage: bash scripts/lab.sh [--check] [JUPYTER LAB OPTIONS...]
#   --check  set everything up and say what and where, then print the command that would start
#            JupyterLab instead of starting it.
# The venv is .venv (or $NBEXT_VENV), with nbext's lab extra, editable from this checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
if [ "${1:-}" = "--check" ]; then
    check=1
    shift
fi
. scripts/_venv.sh
ensure_venv lab
# Tutorial 09 installs into its kernel: the nbext-tutorial kernel, a throwaway venv (the summary
# below names it).
"$VENV/bin/python" scripts/tutorial_kernel.py "$VENV/share/jupyter" >/dev/null
# JupyterLab's news pop-up off (in the venv's own config), then what was set up and where.
"$VENV/bin/python" scripts/lab_setup.py "$PWD/notebooks"
cmd=(
    # `jupyter lab`, by the venv's python itself (no reliance on the venv's console scripts).
    "$VENV/bin/python" -m jupyterlab --ip 127.0.0.1 --ServerApp.root_dir="$PWD/notebooks"
    # No news feed and no update check: the lab asks nothing of the internet.
    --LabApp.news_url=None --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate
)
if [ "$(id -u)" = "0" ]; then cmd+=(--allow-root); fi
cmd+=("$@")
if [ "$check" = 1 ]; then
    printf 'check: JupyterLab not started; the command would be:\n '
    printf ' %q' "${cmd[@]}"
    printf '\n'
    exit 0
fi
exec "${cmd[@]}"
