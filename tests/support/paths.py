"""Where things are in the repository, for helpers at any depth under ``tests/``.

The tool venvs (``.venv-poetry``, ``.venv-twine``, ``.venv-devpi``, ``.venv-readme``) stay at
the repository root (they are ``.gitignore``d there), whatever folder the helper that builds
them lives in.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DATA_DIR", "NOTEBOOKS_DIR", "REPO_ROOT", "TESTS_DIR"]

REPO_ROOT = Path(__file__).resolve().parents[2]
TESTS_DIR = REPO_ROOT / "tests"
#: Captured index pages and other fixed inputs (see ``tests/data/README.md``).
DATA_DIR = TESTS_DIR / "data"
#: The tutorials.
NOTEBOOKS_DIR = REPO_ROOT / "notebooks"
