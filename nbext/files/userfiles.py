"""The user's files nbext changes: ``pyproject.toml``, ``config.toml``, ``auth.toml`` and
``poetry.toml``. Every read-modify-write of one of them runs under a lock, and a file that
holds a secret is written readable by its owner only.

* **Locks.** Two kernels (or a kernel and a script) editing one file must not lose each
  other's changes: each edit takes an exclusive lock, reads the file again inside it, changes
  it and replaces it atomically. The lock is filelock's (``flock`` on Unix) on a hidden, empty
  file beside the one edited: ``.pyproject.toml.lock`` next to ``pyproject.toml``,
  ``.auth.toml.lock`` next to ``auth.toml``, and so on. It stays after use (removing it while
  another process waits would let two writers in); it is harmless to delete when no nbext
  runs, and belongs in ``.gitignore`` (``.*.lock``). Locks are reentrant in one thread and
  exclusive between threads and processes; waiting ends after :data:`LOCK_TIMEOUT` seconds
  with a :class:`~nbext.errors.FileBusyError` that names the file, and nothing is changed.
* **Secrets.** ``auth.toml``, and any other of these files that holds a credential (an
  ``http-basic`` or ``pypi-token`` table, a URL with a password in it), is written with mode
  0600 even when it existed with 0644 (Poetry keeps the old mode). The temporary file is 0600
  from its creation, so there is no moment when the secret is readable by others. Directories
  nbext creates for such files (the Poetry config directory) are created 0700.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from urllib.parse import urlsplit

import tomlkit
from filelock import FileLock, Timeout
from tomlkit.exceptions import TOMLKitError

from nbext.errors import FileBusyError

__all__ = [
    "LOCK_TIMEOUT",
    "PRIVATE_DIR_MODE",
    "SECRET_MODE",
    "cannot_read",
    "cannot_write",
    "holds_credentials",
    "lock_path",
    "locked",
    "make_private_dir",
    "mode_for",
    "not_toml",
    "read_toml",
]

#: Seconds to wait for another process's edit of the same file (an edit takes milliseconds).
LOCK_TIMEOUT = 10.0
#: Mode of a file that holds a secret, and of a new config file (as Poetry creates them).
SECRET_MODE = 0o600
#: Mode of a directory nbext creates to hold config files.
PRIVATE_DIR_MODE = 0o700

_SECRET_TABLES = ("http-basic", "pypi-token")


def lock_path(path: Path) -> Path:
    """The lock file of ``path``: ``.NAME.lock`` in the same directory (symlinks resolved, so
    every way to reach one file takes one lock)."""
    real = Path(os.path.realpath(path))
    return real.with_name(f".{real.name}.lock")


@contextlib.contextmanager
def locked(
    path: Path,
    *,
    cannot: Callable[[OSError], Exception] | None = None,
    timeout: float | None = None,
) -> Iterator[None]:
    """Hold the lock of ``path`` (see the module docstring) for the body of the ``with``.

    Raises :class:`~nbext.errors.FileBusyError` after ``timeout`` seconds (default
    :data:`LOCK_TIMEOUT`). When the lock file cannot be created (a read-only directory), the
    ``OSError`` is raised, or ``cannot(error)`` when given (the caller's error naming the file).
    """
    wait = LOCK_TIMEOUT if timeout is None else timeout
    lock_file = lock_path(path)
    # One instance per lock file and thread: the same thread may take it again (an edit that
    # calls another edit of the same file), other threads and processes wait.
    lock = FileLock(str(lock_file), is_singleton=True)
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise FileBusyError(
            path=str(path),
            lock_path=str(lock_file),
            timeout=wait,
        ) from None
    except OSError as exc:
        if cannot is None:
            raise
        raise cannot(exc) from exc
    try:
        yield
    finally:
        lock.release()


def holds_credentials(data: object) -> bool:
    """Whether a parsed config or project file holds a secret: a non-empty ``http-basic`` or
    ``pypi-token`` table, a ``password`` value, or a URL with a password in it, anywhere."""
    if isinstance(data, Mapping):
        for key, value in data.items():
            if key in _SECRET_TABLES and value:
                return True
            if key == "password" and isinstance(value, str) and value:
                return True
            if holds_credentials(value):
                return True
        return False
    if isinstance(data, list):
        return any(holds_credentials(item) for item in data)
    if isinstance(data, str) and "@" in data and "://" in data:
        try:
            return bool(urlsplit(data).password)
        except ValueError:
            return False
    return False


def mode_for(path: Path, *, secret: bool, new: int = SECRET_MODE) -> int:
    """The mode to write ``path`` with: its own (``new`` for a new file); with ``secret``,
    readable and writable by the owner only (0600, or 0700 for a file that was executable)."""
    try:
        current = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        current = new
    if secret:
        return (current & 0o700) | SECRET_MODE
    return current


def make_private_dir(directory: Path) -> None:
    """Create ``directory`` (and missing parents) if needed; the directory itself 0700, like
    any directory meant for secrets. An existing directory keeps its mode."""
    if directory.is_dir():
        return
    directory.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        directory.mkdir(mode=PRIVATE_DIR_MODE)


def cannot_read(path: Path, exc: OSError | UnicodeDecodeError) -> str:
    """One line saying why ``path`` cannot be read, and the fix."""
    if isinstance(exc, UnicodeDecodeError):
        return (
            f"Cannot read {path}: it is not UTF-8 text ({exc.reason} at byte {exc.start}). "
            "Fix: save it as UTF-8; nbext has not changed it."
        )
    if isinstance(exc, PermissionError):
        return (
            f"Cannot read {path}: permission denied. Fix: make it (and the directories above "
            f"it) readable for you, e.g. chmod u+r {path}; nbext has not changed it."
        )
    return f"Cannot read {path}: {exc.strerror or exc}. Fix the file; nbext has not changed it."


def cannot_write(path: Path, exc: OSError) -> str:
    """One line saying why ``path`` cannot be written, and the fix."""
    if isinstance(exc, PermissionError):
        return (
            f"Cannot write {path}: permission denied. Fix: make the file and its directory "
            f"{path.parent} writable for you (nbext writes a temporary file and a lock file "
            "there); nbext has not changed it."
        )
    return f"Cannot write {path}: {exc.strerror or exc}; nbext has not changed it."


def not_toml(path: Path, exc: Exception) -> str:
    """One line for a file that does not parse as TOML: the file, tomlkit's reason with its
    line and column, and the fix."""
    return f"{path} is not valid TOML ({exc}). Fix that line in the file; nbext has not changed it."


def read_toml(
    path: Path,
    error: Callable[[str], Exception],
    *,
    missing: Callable[[], Exception] | None = None,
) -> tomlkit.TOMLDocument:
    """``path`` parsed by tomlkit (comments and formatting kept). A file that cannot be read or
    does not parse raises ``error(message)``, the message naming the file and the fix
    (:func:`cannot_read`, :func:`not_toml`); a missing file raises ``missing()`` when given."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        if missing is not None and isinstance(exc, FileNotFoundError):
            raise missing() from None
        raise error(cannot_read(path, exc)) from exc
    try:
        return tomlkit.parse(text)
    except TOMLKitError as exc:
        raise error(not_toml(path, exc)) from exc
