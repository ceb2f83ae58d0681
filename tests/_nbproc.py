"""Python code run in a separate process with the nbext under test: a second kernel editing
the same files, or a process without the rights root has (to test unreadable files).

The child imports nbext from the same place as the test process (``PYTHONPATH`` is set to it),
so these tests check the code under test even when another nbext is installed. It inherits the
test's isolated environment (HOME, POETRY_* dirs...).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import nbext
import pytest

__all__ = ["child_env", "popen_python", "run_python", "unprivileged_prefix"]

NBEXT_ROOT = str(Path(nbext.__file__).resolve().parent.parent)


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = NBEXT_ROOT
    env.update(extra or {})
    return env


def unprivileged_prefix() -> list[str]:
    """The command prefix that makes file permissions apply to the child: nothing for a normal
    user; for root, ``setpriv`` dropping the capabilities that bypass them (the uid stays 0,
    so the interpreter and the venv stay reachable). Skips the test when neither works."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: file permissions cannot be tested")
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}"]


def popen_python(
    code: str, *, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code],
        env=child_env(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run_python(
    code: str,
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    unprivileged: bool = False,
    timeout: float = 120.0,
) -> subprocess.CompletedProcess[str]:
    prefix = unprivileged_prefix() if unprivileged else []
    return subprocess.run(
        [*prefix, sys.executable, "-c", code],
        env=child_env(env),
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
