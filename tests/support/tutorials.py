"""What the tutorial tests share: the tutorials, the environment their kernel runs in, the
``nbext-tutorial`` kernel, and what a tutorial may leave behind (nothing).

The kernel's environment is :func:`tests.support.env.kernel_environ` with two changes, so that a
tutorial that forgets to isolate itself is caught:

* no ``POETRY_CONFIG_DIR``/``POETRY_CACHE_DIR``/``POETRY_DATA_DIR``: Poetry's (and nbext's)
  defaults apply, the ``pypoetry`` directories under the fresh ``HOME``'s XDG directories, which
  must still not exist afterwards (:func:`poetry_dirs`);
* ``TMPDIR`` is a fresh directory of the test: the tutorials' throwaway directories
  (``nbext-tutorial-*``) go there, and none may be left (:func:`leftovers`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.support.env import kernel_environ
from tests.support.paths import NOTEBOOKS_DIR, REPO_ROOT

__all__ = [
    "NOTEBOOKS",
    "TUTORIAL_KERNEL",
    "TutorialEnv",
    "leftovers",
    "load",
    "poetry_dirs",
    "register_tutorial_kernel",
    "wait_for_no_leftovers",
]

NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
#: The kernelspec of the tutorials that install into their kernel (scripts/tutorial_kernel.py).
TUTORIAL_KERNEL = "nbext-tutorial"
#: What the tutorials call their throwaway directories (``nbext.demo.throwaway_dir``).
THROWAWAY_GLOB = "nbext-tutorial-*"
POETRY_DIR_VARS = ("POETRY_CONFIG_DIR", "POETRY_CACHE_DIR", "POETRY_DATA_DIR")


class TutorialEnv:
    """A tutorial kernel's environment under ``base``: ``home`` (HOME), ``tmp`` (TMPDIR)."""

    def __init__(self, base: Path) -> None:
        self.home = base / "home"
        self.tmp = base / "tmp"
        self.tmp.mkdir(parents=True)
        self.environ = kernel_environ(dict(os.environ), self.home)
        for name in POETRY_DIR_VARS:
            del self.environ[name]
        self.environ["TMPDIR"] = str(self.tmp)


def load(notebook: Path) -> dict[str, Any]:
    nb: dict[str, Any] = json.loads(notebook.read_text(encoding="utf-8"))
    return nb


def register_tutorial_kernel(jupyter_path: Path) -> None:
    """The ``nbext-tutorial`` kernelspec and its throwaway venv under ``jupyter_path`` (set
    ``JUPYTER_PATH`` to it, for the process that looks the kernel up and for the kernel)."""
    subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "tutorial_kernel.py"), str(jupyter_path)],
        check=True,
        capture_output=True,
        timeout=300,
    )


def poetry_dirs(home: Path) -> list[Path]:
    """Poetry's default directories (``pypoetry`` under the XDG config, cache and data
    directories, or anywhere else) that exist under ``home``: a tutorial wrote there."""
    return sorted(p for p in home.rglob("*") if "pypoetry" in p.name)


def leftovers(tmp: Path) -> list[Path]:
    """The tutorials' throwaway directories still in ``tmp``."""
    return sorted(tmp.glob(THROWAWAY_GLOB))


def wait_for_no_leftovers(tmp: Path, timeout: float = 15.0) -> list[Path]:
    """:func:`leftovers`, once they are gone or after ``timeout`` seconds: a killed kernel's
    directories are removed by their watcher process, a moment after the kernel is gone."""
    deadline = time.monotonic() + timeout
    while (found := leftovers(tmp)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return found
