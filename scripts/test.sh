#!/usr/bin/env bash
# Run the whole test suite from a fresh clone: venv, dependencies, lint, types, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/_venv.sh
ensure_venv test
bash scripts/system-deps.sh
"$VENV/bin/python" -m pip check >/dev/null
echo "== ruff"
"$VENV/bin/ruff" check nbext tests benchmarks scripts hatch_build.py
"$VENV/bin/ruff" format --check nbext tests benchmarks scripts hatch_build.py
echo "== mypy"
"$VENV/bin/mypy"
echo "== pytest"
set +e
"$VENV/bin/python" -m pytest "$@" </dev/null
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
    echo "pytest collected no tests: failing the run" >&2
    exit 1
fi
exit "$rc"
