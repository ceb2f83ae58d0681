"""The sdist and the wheel of this checkout, built once for the packaging tests.

A copy of the checkout (what a clone holds) is built by pypa ``build`` without isolation (the
backend, hatchling, is this venv's: no network): the sdist first, then the wheel from the
sdist, as ``python -m build`` does by default, so the wheel also proves that the sdist holds
what a build needs.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.env import isolated_environ
from tests.support.offline import copy_checkout, run_group

BUILD_TIMEOUT = 120  # seconds for the sdist and the wheel


@dataclass(frozen=True)
class Built:
    """The checkout that was built, its two distribution files and the build's output."""

    checkout: Path
    sdist: Path
    wheel: Path
    log: str

    @property
    def version(self) -> str:
        """nbext.__version__ of the checkout (the single source of the version)."""
        namespace: dict[str, object] = {}
        exec((self.checkout / "nbext" / "_version.py").read_text(encoding="utf-8"), namespace)
        return str(namespace["__version__"])


@pytest.fixture(scope="package")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("packaging")
    checkout = copy_checkout(root / "checkout")
    out = root / "dist"
    env = isolated_environ(dict(os.environ), root / "home")
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in the checkout to end up in the sdist
    cmd = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(checkout)]
    rc, log = run_group(cmd, cwd=root, env=env, timeout=BUILD_TIMEOUT)
    assert rc == 0, f"python -m build failed (exit {rc})\n{log}"
    [sdist] = out.glob("*.tar.gz")
    [wheel] = out.glob("*.whl")
    return Built(checkout, sdist, wheel, log)
