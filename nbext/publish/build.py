"""``%publish --build``: ``python -m build`` into the dist directory."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from nbext.publish.results import PublishError

__all__ = ["BUILD_TIMEOUT", "build", "strip_ansi"]

BUILD_TIMEOUT = 900.0  # seconds for `python -m build` (an isolated build installs its backend)

# ECMA-48 escape sequences as terminals read them: CSI (colours, cursor moves, ``ESC [ ... m``),
# OSC (titles, hyperlinks; ended by BEL or ST) and the short escapes (charsets, keypad modes).
# One regular expression: not worth a dependency.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC
    r"|\x1b[ -/]*[0-~]"  # the others: ESC, intermediate bytes, one final byte (ESC ( B, ESC =)
    r"|\x9b[0-?]*[ -/]*[@-~]"  # CSI as one C1 character
)
# Variables that make a child colour its output although it writes to a pipe: ipykernel sets
# them in the kernel's environment, for the shell commands of ``!cmd``.
_FORCE_COLOUR = ("FORCE_COLOR", "CLICOLOR_FORCE", "PY_COLORS")


def strip_ansi(text: str) -> str:
    """``text`` without terminal escape sequences (colours, bold, cursor moves, links)."""
    return _ANSI.sub("", text)


def build(project_root: Path, dist_dir: Path, *, isolation: bool = True) -> str:
    """``python -m build`` (sdist, then a wheel built from it) into ``dist_dir``; its output.

    Isolated by default: the build backend is installed into a fresh environment, as pip does
    (from the package index pip is configured with). ``isolation=False`` uses the kernel's
    environment (works offline when the backend, e.g. poetry-core, is installed there).
    """
    cmd = [sys.executable, "-m", "build", "--outdir", str(dist_dir), str(project_root)]
    if not isolation:
        cmd.insert(3, "--no-isolation")
    env = {k: v for k, v in os.environ.items() if k not in _FORCE_COLOUR}
    env.setdefault("PYTHONUNBUFFERED", "1")
    env["NO_COLOR"] = "1"  # build, pip and most tools honour it (https://no-color.org)
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
    # What a backend prints can still hold escapes (a tool that ignores NO_COLOR): the
    # notebook shows plain text, in text/plain and in HTML alike.
    output = strip_ansi(proc.stdout + proc.stderr).strip()
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
