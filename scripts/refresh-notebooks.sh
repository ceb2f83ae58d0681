#!/usr/bin/env bash
# Dev only: re-execute the tutorials in place, so that the saved outputs (what web viewers
# show and what strict nbval compares) are current. Then strip volatile metadata.
#
#   bash scripts/refresh-notebooks.sh                      # every notebooks/*.ipynb
#   bash scripts/refresh-notebooks.sh notebooks/01-sources.ipynb
#
# The kernel runs in the same isolated environment as tests/notebooks/test_notebooks.py: HOME,
# XDG_*, Jupyter/IPython and Poetry directories under a temporary directory, no CA-bundle, proxy
# or pip variables, the public index pointed at a closed local port, and this checkout's nbext
# first on PYTHONPATH (the venv's editable install may point at another checkout).
#
# NBEXT_NO_INSTALL=1 uses the venv as it is (${NBEXT_VENV:-.venv}) instead of installing this
# checkout into it: for a venv shared between checkouts.
set -euo pipefail
notebooks=()
for nb in "$@"; do notebooks+=("$(realpath "$nb")"); done
cd "$(dirname "$0")/.."
if [ "${#notebooks[@]}" -eq 0 ]; then notebooks=(notebooks/*.ipynb); fi
. scripts/_venv.sh
if [ -n "${NBEXT_NO_INSTALL:-}" ]; then VENV="${NBEXT_VENV:-.venv}"; else ensure_venv test; fi
PY="$VENV/bin/python"
checkout="$PWD"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

for var in $(compgen -e); do
    case "$var" in
        REQUESTS_CA_BUNDLE | CURL_CA_BUNDLE | SSL_CERT_FILE | SSL_CERT_DIR | NETRC | \
            HTTP_PROXY | HTTPS_PROXY | ALL_PROXY | http_proxy | https_proxy | all_proxy | \
            PIP_* | POETRY_* | NBEXT_* | JUPYTER_* | IPYTHONDIR | XDG_* | PYTHONPATH)
            unset "$var" ;;
    esac
done
# The kernel imports this checkout's nbext (not another checkout's editable install).
export PYTHONPATH="$PWD"
export HOME="$tmp/home"
export XDG_CONFIG_HOME="$HOME/.config" XDG_CACHE_HOME="$HOME/.cache" XDG_DATA_HOME="$HOME/.local/share"
export XDG_RUNTIME_DIR="$tmp/runtime"
export JUPYTER_CONFIG_DIR="$HOME/.jupyter" JUPYTER_DATA_DIR="$HOME/.local/share/jupyter"
export JUPYTER_RUNTIME_DIR="$tmp/runtime/jupyter" JUPYTER_PLATFORM_DIRS=1
export IPYTHONDIR="$HOME/.ipython"
export POETRY_CONFIG_DIR="$HOME/poetry-config" POETRY_CACHE_DIR="$HOME/poetry-cache"
export POETRY_DATA_DIR="$HOME/poetry-data"
export PYTHON_KEYRING_BACKEND=keyring.backends.null.Keyring
export NBEXT_PYPI_URL="http://127.0.0.1:9/simple/" NBEXT_PYPI_UPLOAD_URL="http://127.0.0.1:9/legacy/"
export NO_PROXY='*'
export PYTHONPATH="$checkout"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR" "$JUPYTER_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
# Tutorial 09 installs into its kernel: a throwaway venv (the nbext-tutorial kernelspec).
export JUPYTER_PATH="$tmp/jupyter-path"
"$PY" scripts/tutorial_kernel.py "$JUPYTER_PATH" >/dev/null

for nb in "${notebooks[@]}"; do
    echo "== $nb"
    "$VENV/bin/jupyter" execute --inplace --timeout=300 "$nb" </dev/null
done

# Widget state can hold secrets (a Password's value) and model ids; execution timestamps
# change on every run. Neither belongs in a committed notebook. Nor do the empty outputs that
# live views leave when they take themselves out of the cell (a display updated to nothing).
"$PY" - "${notebooks[@]}" <<'EOF'
import sys

import nbformat

for path in sys.argv[1:]:
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = [
                o for o in cell.outputs if not (o.output_type == "display_data" and not o.data)
            ]
    nbformat.validate(nb)
    nbformat.write(nb, path)
    print(f"stripped {path}")
EOF
