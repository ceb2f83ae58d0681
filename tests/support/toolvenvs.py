"""The pinned tools nbext is compared with, each in a virtual environment of its own.

* :func:`tool_venv` - a dedicated virtual environment with some requirements from the package
  registry, created once (under a file lock held inside it; a marker file written last says
  it is complete) and reused by later runs.
* :func:`poetry_bin`, :func:`twine_bin`, :func:`devpi_bin` - the executables of Poetry
  (``<repo>/.venv-poetry``), twine (``.venv-twine``) and devpi-server (``.venv-devpi``), at
  the versions below, installed on first use.
* :func:`readme_renderer_python` - the python of ``.venv-readme``: readme_renderer with its
  ``md`` extra (comrak), which renders Markdown as the package index does (without the extra,
  readme_renderer renders no Markdown at all). The venvs stay at the repository root
  (``.gitignore``d there) wherever this module lives.
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from tests.support.env import install_env
from tests.support.paths import REPO_ROOT
from tests.support.procs import run_checked

__all__ = [
    "DEVPI_VENV",
    "DEVPI_VERSION",
    "POETRY_VENV",
    "POETRY_VERSION",
    "README_RENDERER_VERSION",
    "README_VENV",
    "TWINE_VENV",
    "TWINE_VERSION",
    "DevpiUnavailable",
    "PoetryUnavailable",
    "ReadmeRendererUnavailable",
    "TwineUnavailable",
    "base_python",
    "devpi_bin",
    "poetry_bin",
    "readme_renderer_python",
    "tool_venv",
    "twine_bin",
]

POETRY_VERSION = "2.5.1"
TWINE_VERSION = "7.0.0"
DEVPI_VERSION = "6.20.3"
POETRY_VENV = REPO_ROOT / ".venv-poetry"
TWINE_VENV = REPO_ROOT / ".venv-twine"
DEVPI_VENV = REPO_ROOT / ".venv-devpi"
README_RENDERER_VERSION = "46.0"
README_VENV = REPO_ROOT / ".venv-readme"
INSTALL_TIMEOUT = 600.0  # seconds for venv + pip install
LOCK_WAIT_TIMEOUT = 660.0  # seconds to wait for another run that is creating the venv


class PoetryUnavailable(RuntimeError):
    """The Poetry virtual environment could not be created."""


class TwineUnavailable(RuntimeError):
    """The twine virtual environment could not be created."""


class DevpiUnavailable(RuntimeError):
    """devpi-server could not be installed or started."""


class ReadmeRendererUnavailable(RuntimeError):
    """The readme_renderer[md] virtual environment could not be created."""


def base_python() -> str:
    """The interpreter this one's venv was made from (a venv's python would nest venvs)."""
    base = getattr(sys, "_base_executable", None)
    if base and Path(base).exists():
        return str(base)
    for name in ("python3", "python"):
        candidate = Path(sys.base_prefix) / "bin" / name
        if candidate.exists():
            return str(candidate)
    return sys.executable


@contextlib.contextmanager
def _file_lock(path: Path, timeout: float, error: type[Exception]) -> Iterator[None]:
    """An exclusive ``flock`` on ``path``, waiting at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    with open(path, "a+b") as fh:
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise error(
                        f"Timed out after {timeout:g} s waiting for {path} (another test run "
                        "creating the same environment?)."
                    ) from None
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


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
    with _file_lock(venv / lock_name, LOCK_WAIT_TIMEOUT, error):
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
        env = install_env()

        def run(cmd: list[str], what: str) -> None:
            remaining = max(deadline - time.monotonic(), 30.0)
            run_checked(cmd, env, remaining, what, error=error, hint=hint)

        run([base_python(), "-m", "venv", str(venv)], "python -m venv")
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


def _pinned(venv: Path, requirement: str, error: type[Exception], needed_by: str) -> Path:
    """The executable named like the project of ``requirement`` (``name==version``)."""
    executable = requirement.partition("==")[0]
    hint = f"; {needed_by} {requirement} from the package registry."
    return tool_venv(venv, [requirement], executable, error=error, hint=hint)


def poetry_bin(venv: Path = POETRY_VENV) -> Path:
    """The ``poetry`` executable (``poetry==POETRY_VERSION``), created if needed.

    Raises :class:`PoetryUnavailable` (with pip's output) if it cannot be created.
    """
    return _pinned(venv, f"poetry=={POETRY_VERSION}", PoetryUnavailable, "the parity tests need")


def twine_bin(venv: Path = TWINE_VENV) -> Path:
    """The ``twine`` executable (``twine==TWINE_VERSION``), installed on first use."""
    return _pinned(venv, f"twine=={TWINE_VERSION}", TwineUnavailable, "the comparison needs")


def devpi_bin(venv: Path = DEVPI_VENV) -> Path:
    """The ``devpi-server`` executable (``devpi-server==DEVPI_VERSION``), installed once."""
    return _pinned(venv, f"devpi-server=={DEVPI_VERSION}", DevpiUnavailable, "the tests need")


def readme_renderer_python(venv: Path = README_VENV) -> Path:
    """The python of a venv with ``readme-renderer[md]==README_RENDERER_VERSION`` (run
    ``python -m readme_renderer FILE.md``), created if needed."""
    requirement = f"readme-renderer[md]=={README_RENDERER_VERSION}"
    hint = f"; the long-description check needs {requirement} from the package registry."
    return tool_venv(venv, [requirement], "python", error=ReadmeRendererUnavailable, hint=hint)
