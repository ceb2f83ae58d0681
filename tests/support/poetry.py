"""Run the real Poetry (pinned) against local index servers, for parity tests.

* :func:`poetry_bin` - the one at ``<repo>/.venv-poetry`` with ``poetry==POETRY_VERSION``
  (:mod:`tests.support.toolvenvs`).
* :func:`poetry_lock` - ``poetry lock`` on a project directory in a scrubbed environment
  (:func:`tests.support.env.poetry_env`: its own HOME, XDG and POETRY_* directories, no
  keyring, no CA bundles, no ``PIP_*``): a :class:`LockResult` with ``{name: (version, source
  or None)}`` from poetry.lock, or the error text (``... version solving failed.``) and
  Poetry's output when it fails.
* :func:`poetry_python` - code run by the Python of Poetry's venv, to ask Poetry's own classes.

Poetry's implicit PyPI is the real public index: a project given to :func:`poetry_lock` must
declare at least one primary source (and none named ``pypi``) so that Poetry never uses it.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import tempfile
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.env import poetry_env
from tests.support.procs import run_captured
from tests.support.toolvenvs import POETRY_VENV, POETRY_VERSION, PoetryUnavailable, poetry_bin

__all__ = [
    "POETRY_VENV",
    "POETRY_VERSION",
    "LockResult",
    "PoetryUnavailable",
    "parse_lock",
    "poetry_bin",
    "poetry_lock",
    "poetry_python",
]

LOCK_TIMEOUT = 60.0  # seconds for one `poetry lock`


@dataclass(frozen=True)
class LockResult:
    """What ``poetry lock`` did: the locked packages, or why it failed."""

    packages: dict[str, tuple[str, str | None]]
    error: str | None
    output: str

    @property
    def ok(self) -> bool:
        return self.error is None


def parse_lock(path: Path) -> dict[str, tuple[str, str | None]]:
    """``{name: (version, source reference or None)}`` from a poetry.lock file."""
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    out: dict[str, tuple[str, str | None]] = {}
    for pkg in data.get("package", []):
        source = pkg.get("source")
        ref = source.get("reference") if isinstance(source, dict) else None
        out[str(pkg["name"])] = (str(pkg["version"]), ref)
    return out


def poetry_lock(
    project_dir: Path,
    env: Mapping[str, str] | None = None,
    *,
    poetry: Path | None = None,
    timeout: float = LOCK_TIMEOUT,
) -> LockResult:
    """Run ``poetry lock`` in ``project_dir`` and return the locked packages or the error.

    ``env`` defaults to :func:`poetry_env` with a fresh temporary home (deleted afterwards).
    """
    exe = poetry or poetry_bin()
    lock_file = project_dir / "poetry.lock"
    lock_file.unlink(missing_ok=True)
    with contextlib.ExitStack() as stack:
        if env is None:
            home = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="poetry-home-")))
            env = poetry_env(home)
        cmd = [str(exe), "lock", "-n", "--no-interaction", "--no-ansi", "-v"]
        try:
            proc = run_captured(cmd, env=env, cwd=project_dir, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            text = "".join(
                part.decode(errors="replace") if isinstance(part, bytes) else part
                for part in (exc.stdout, exc.stderr)
                if part
            )
            return LockResult({}, f"poetry lock timed out after {timeout:g} s", text)
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0 or not lock_file.is_file():
        return LockResult({}, _error_text(output, proc.returncode), output)
    return LockResult(parse_lock(lock_file), None, output)


def _error_text(output: str, code: int) -> str:
    """The interesting part of Poetry's failure output."""
    for marker in ("version solving failed", "Repository", "does not exist", "Error"):
        for line in output.splitlines():
            if marker in line:
                return f"{line.strip()} (exit {code})"
    return f"poetry lock failed (exit {code}): {output[-500:]}"


def poetry_python(code: str, payload: object, *, timeout: float = 120.0) -> Any:
    """Run ``code`` with the Python of Poetry's venv (so it can import Poetry's own parsers)
    and return what it prints as JSON. ``payload`` is given to it as JSON on stdin, as the
    variable ``payload``; it prints its answer with ``print(json.dumps(...))``."""
    poetry_bin()
    python = POETRY_VENV / "bin" / "python"
    prelude = "import json, sys\npayload = json.loads(sys.stdin.read())\n"
    with tempfile.TemporaryDirectory(prefix="poetry-python-") as home:
        env = poetry_env(Path(home))
        cmd = [str(python), "-c", prelude + code]
        proc = run_captured(cmd, env=env, timeout=timeout, input=json.dumps(payload))
    if proc.returncode != 0:
        tail = proc.stderr[-3000:]
        raise RuntimeError(f"Poetry's Python failed (exit {proc.returncode}):\n{tail}")
    return json.loads(proc.stdout)
