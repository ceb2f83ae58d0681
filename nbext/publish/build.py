"""``%publish --build``: ``python -m build`` into the dist directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from nbext.publish.results import PublishError

__all__ = ["BUILD_TIMEOUT", "build"]

BUILD_TIMEOUT = 900.0  # seconds for `python -m build` (an isolated build installs its backend)


def build(project_root: Path, dist_dir: Path, *, isolation: bool = True) -> str:
    """``python -m build`` (sdist, then a wheel built from it) into ``dist_dir``; its output.

    Isolated by default: the build backend is installed into a fresh environment, as pip does
    (from the package index pip is configured with). ``isolation=False`` uses the kernel's
    environment (works offline when the backend, e.g. poetry-core, is installed there).
    """
    cmd = [sys.executable, "-m", "build", "--outdir", str(dist_dir), str(project_root)]
    if not isolation:
        cmd.insert(3, "--no-isolation")
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    try:
        proc = subprocess.run(
            cmd,
            cwd=project_root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise PublishError(f"The build did not finish within {BUILD_TIMEOUT:g} s") from exc
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0:
        tail = "\n".join(output.splitlines()[-25:])
        hint = (
            " (an isolated build installs the build backend from the package index: offline, "
            "try --no-isolation)"
            if isolation and ("Could not find" in output or "No matching" in output)
            else ""
        )
        err = PublishError(f"The build failed (exit {proc.returncode}){hint}:\n{tail}")
        raise err
    return output
