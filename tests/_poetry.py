"""Run the real Poetry (pinned) against local index servers, for parity tests.

* :func:`tool_venv` - a dedicated virtual environment with some requirements from the package
  registry, created once (under a file lock held inside it; a marker file written last says
  it is complete) and reused by later runs.
* :func:`poetry_bin` - the one at ``<repo>/.venv-poetry`` with ``poetry==POETRY_VERSION``.
* :func:`poetry_lock` - ``poetry lock`` on a project directory in a scrubbed environment (its
  own HOME, XDG and POETRY_* directories, no keyring, no CA bundles, no ``PIP_*``): a
  :class:`LockResult` with ``{name: (version, source or None)}`` from poetry.lock, or the
  error text (``... version solving failed.``) and Poetry's output when it fails.

Poetry's implicit PyPI is the real public index: a project given to :func:`poetry_lock` must
declare at least one primary source (and none named ``pypi``) so that Poetry never uses it.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "POETRY_VERSION",
    "VENV_DIR",
    "LockResult",
    "PoetryUnavailable",
    "poetry_bin",
    "poetry_lock",
    "poetry_python",
    "run_checked",
    "tool_venv",
]

POETRY_VERSION = "2.5.1"
REPO_ROOT = Path(__file__).resolve().parent.parent
VENV_DIR = REPO_ROOT / ".venv-poetry"
INSTALL_TIMEOUT = 600.0  # seconds for venv + pip install
LOCK_WAIT_TIMEOUT = 660.0  # seconds to wait for another run that is creating the venv
LOCK_TIMEOUT = 60.0  # seconds for one `poetry lock`

# CA-bundle variables point requests/httpx at the machine's bundle; Poetry talking to plain
# http://127.0.0.1 servers needs none of them, and pip keeps its own PIP_CERT.
_CA_VARS = frozenset(
    {"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "AWS_CA_BUNDLE"}
)
_PROXY_VARS = frozenset(
    {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"}
)


class PoetryUnavailable(RuntimeError):
    """The Poetry virtual environment could not be created."""


def _base_python() -> str:
    """The interpreter this one's venv was made from (a venv's python would nest venvs)."""
    base = getattr(sys, "_base_executable", None)
    if base and Path(base).exists():
        return str(base)
    for name in ("python3", "python"):
        candidate = Path(sys.base_prefix) / "bin" / name
        if candidate.exists():
            return str(candidate)
    return sys.executable


def _install_env() -> dict[str, str]:
    """``os.environ`` for venv + pip: no CA-bundle overrides, the machine's PIP_* kept."""
    env = {k: v for k, v in os.environ.items() if k not in _CA_VARS and k != "PYTHONWARNINGS"}
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    return env


@contextlib.contextmanager
def _file_lock(path: Path, timeout: float) -> Iterator[None]:
    """An exclusive ``flock`` on ``path``, waiting at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    with open(path, "a+b") as fh:
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise PoetryUnavailable(
                        f"Timed out after {timeout:g} s waiting for {path} (another test run "
                        "creating the Poetry environment?)."
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


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
        proc = subprocess.run(
            cmd,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise error(f"{what} timed out after {timeout:g} s: {cmd}") from exc
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip()[-3000:]
        raise error(f"{what} failed (exit {proc.returncode}){hint}\n$ {' '.join(cmd)}\n{tail}")
    return proc.stdout


def tool_venv(
    venv: Path,
    requirements: list[str],
    executable: str,
    *,
    error: type[Exception],
    hint: str = "",
) -> Path:
    """``venv/bin/<executable>`` of a venv with ``requirements`` from the package registry,
    created once and reused.

    Creation happens under an exclusive lock held inside the venv (so concurrent runs wait
    for each other). A marker file naming the requirements is written last: a venv without
    it (a run killed half-way) is emptied, all but the lock file, and built again. A venv's
    scripts hard-code its path, so it is built in place rather than elsewhere and renamed.
    Raises ``error`` with pip's output if it cannot be created.
    """
    marker, lock_name = venv / ".nbext-venv-ok", ".nbext-venv.lock"
    wanted = " ".join(requirements)
    exe = venv / "bin" / executable

    def ready() -> bool:
        return (
            exe.is_file()
            and marker.is_file()
            and marker.read_text(encoding="utf-8").strip() == wanted
        )

    if ready():
        return exe
    venv.mkdir(parents=True, exist_ok=True)
    with _file_lock(venv / lock_name, LOCK_WAIT_TIMEOUT):
        if ready():  # another run finished it while we waited
            return exe
        deadline = time.monotonic() + INSTALL_TIMEOUT
        for entry in venv.iterdir():
            if entry.name == lock_name:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        env = _install_env()

        def run(cmd: list[str], what: str) -> None:
            remaining = max(deadline - time.monotonic(), 30.0)
            run_checked(cmd, env, remaining, what, error=error, hint=hint)

        run([_base_python(), "-m", "venv", str(venv)], "python -m venv")
        python = venv / "bin" / "python"
        run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                *requirements,
            ],
            f"pip install {wanted}",
        )
        if not exe.is_file():
            raise error(f"pip installed {wanted} but {exe} is missing")
        marker.write_text(wanted + "\n", encoding="utf-8")
    return exe


def poetry_bin(venv: Path = VENV_DIR) -> Path:
    """The ``poetry`` executable of a venv with Poetry ``POETRY_VERSION``, created if needed.

    Raises :class:`PoetryUnavailable` (with pip's output) if it cannot be created.
    """
    hint = f"; the parity tests need Poetry {POETRY_VERSION} from the package registry."
    return tool_venv(
        venv, [f"poetry=={POETRY_VERSION}"], "poetry", error=PoetryUnavailable, hint=hint
    )


def poetry_env(home: Path) -> dict[str, str]:
    """A clean environment for running Poetry: everything of its own under ``home``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in _CA_VARS
        and k not in _PROXY_VARS
        and not k.startswith(("PIP_", "POETRY_", "XDG_", "VIRTUAL_ENV", "PYTHON", "NBEXT_"))
    }
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / "xdg-config"),
            "XDG_CACHE_HOME": str(home / "xdg-cache"),
            "XDG_DATA_HOME": str(home / "xdg-data"),
            "POETRY_CONFIG_DIR": str(home / "poetry-config"),
            "POETRY_CACHE_DIR": str(home / "poetry-cache"),
            "POETRY_DATA_DIR": str(home / "poetry-data"),
            "POETRY_KEYRING_ENABLED": "false",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
            "POETRY_VIRTUALENVS_CREATE": "false",
            "NO_PROXY": "*",
            "no_proxy": "*",
            "NO_COLOR": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


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
            proc = subprocess.run(
                cmd,
                cwd=project_dir,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
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
    import json

    poetry_bin()
    python = VENV_DIR / "bin" / "python"
    prelude = "import json, sys\npayload = json.loads(sys.stdin.read())\n"
    with tempfile.TemporaryDirectory(prefix="poetry-python-") as home:
        env = poetry_env(Path(home))
        proc = subprocess.run(
            [str(python), "-c", prelude + code],
            input=json.dumps(payload),
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    if proc.returncode != 0:
        tail = proc.stderr[-3000:]
        raise RuntimeError(f"Poetry's Python failed (exit {proc.returncode}):\n{tail}")
    return json.loads(proc.stdout)
