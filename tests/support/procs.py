"""Child processes of the tests: run one and capture it, start one behind a log file, stop one.

* :func:`run_captured` - ``subprocess.run`` the way every test runs a tool: output captured as
  text, stdin ``/dev/null`` (or ``input``), a timeout, no exception on a non-zero exit.
* :func:`run_checked` - the same, but a failure (or timeout) raises an error naming what failed
  with the tail of its output; returns stdout.
* :func:`spawn_logged` - start a server with its stdout and stderr in a log file.
* :func:`terminate` - stop a process by its own PID: SIGTERM, a bounded wait, SIGKILL.
* :func:`run_python` / :func:`popen_python` - Python code in a separate process with the nbext
  under test: a second kernel editing the same files, or a process without the rights root has
  (:func:`unprivileged_prefix`, to test unreadable files). The child imports nbext from the same
  place as the test process (``PYTHONPATH``, :func:`tests.support.env.child_env`), so these tests
  check the code under test even when another nbext is installed. It inherits the test's
  isolated environment (HOME, POETRY_* dirs...).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from tests.support.env import child_env

__all__ = [
    "STOP_TIMEOUT",
    "popen_python",
    "run_captured",
    "run_checked",
    "run_python",
    "spawn_logged",
    "terminate",
    "unprivileged_prefix",
]

STOP_TIMEOUT = 5.0  # seconds to wait after SIGTERM (then after SIGKILL)


def run_captured(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120.0,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` with its output captured as text and stdin ``input`` (else /dev/null);
    raises ``subprocess.TimeoutExpired`` after ``timeout`` seconds, never on the exit status."""
    return subprocess.run(
        list(cmd),
        cwd=cwd,
        env=None if env is None else dict(env),
        input=input,
        stdin=subprocess.DEVNULL if input is None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_checked(
    cmd: list[str],
    env: Mapping[str, str],
    timeout: float,
    what: str,
    *,
    error: type[Exception] = RuntimeError,
    hint: str = "",
    cwd: Path | None = None,
) -> str:
    """Run ``cmd`` with no stdin; its stdout, or ``error`` naming ``what`` with the output's
    tail when it fails or times out."""
    try:
        proc = run_captured(cmd, env=env, cwd=cwd, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise error(f"{what} timed out after {timeout:g} s: {cmd}") from exc
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip()[-3000:]
        raise error(f"{what} failed (exit {proc.returncode}){hint}\n$ {' '.join(cmd)}\n{tail}")
    return proc.stdout


def spawn_logged(
    cmd: Sequence[str], *, cwd: Path, env: Mapping[str, str], log_path: Path
) -> subprocess.Popen[bytes]:
    """Start ``cmd`` in ``cwd`` with no stdin, its stdout and stderr written to ``log_path``."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def terminate(proc: subprocess.Popen[bytes], timeout: float = STOP_TIMEOUT) -> None:
    """SIGTERM ``proc`` (by its own PID), wait, SIGKILL if it lingers; reaps it either way."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=timeout)
    else:
        proc.wait(timeout=timeout)


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
    cmd = [*prefix, sys.executable, "-c", code]
    return run_captured(cmd, env=child_env(env), cwd=cwd, timeout=timeout)
