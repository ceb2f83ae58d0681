# Sourced by the scripts: create .venv (or $NBEXT_VENV) and install nbext with the given extra.
# Usage: ensure_venv EXTRA   -> sets VENV
# A failed pip install stops the calling script (set -euo pipefail): only pip's location warning
# is filtered out of its output, never its exit status.
ensure_venv() {
    VENV="${NBEXT_VENV:-.venv}"
    if [ ! -x "$VENV/bin/python" ]; then
        "${PYTHON:-python3}" -m venv "$VENV"
    fi
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[$1]" 2>&1 \
        | { grep -v "^WARNING: Location" || true; }
}
