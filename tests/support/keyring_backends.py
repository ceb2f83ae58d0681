"""Keyring backends for tests, and helpers to install them.

* :class:`FileKeyring` - a real, persistent backend: a JSON file (``$NBEXT_TEST_KEYRING_FILE``,
  else ``$XDG_DATA_HOME/nbext-test-keyring.json``), written atomically under a file lock, so
  several processes (nbext, Poetry) can share it. Its name ("keyring backends FileKeyring") does
  not say "plaintext", so Poetry 2.5 and nbext use it, unlike keyrings.alt's PlaintextKeyring.
  It answers username-less ``get_credential`` lookups (keyrings.alt does not), as the Secret
  Service does. Every call is counted in ``calls``.
* :class:`BlockingKeyring` - every call blocks until :meth:`BlockingKeyring.release` (at most
  ``BLOCK_SECONDS``): for "never hang" tests.
* :class:`LockedKeyring` - every call raises ``keyring.errors.KeyringLocked``.

In another process: ``PYTHON_KEYRING_BACKEND=tests.support.keyring_backends.FileKeyring`` with the
repository root on ``PYTHONPATH`` (see :func:`subprocess_env`). In this process:
``with use_backend(FileKeyring(path)): ...``. This module imports only the standard library and
keyring (and ``tests/support/paths.py``, the standard library only), so Poetry's own virtual
environment can load it too.

keyring registers every backend class it sees: in a process that imported this module, keyring's
own choice (no ``PYTHON_KEYRING_BACKEND``, nothing set) is :class:`FileKeyring` (priority 20),
and the real chainer chains it. Blocking and Locked have a negative priority, so they are never
chosen or chained; install them explicitly.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.core
from keyring.backend import KeyringBackend
from keyring.credentials import SimpleCredential
from keyring.errors import KeyringLocked, PasswordDeleteError

from tests.support.paths import REPO_ROOT

__all__ = [
    "BLOCK_SECONDS",
    "REPO_ROOT",
    "BlockingKeyring",
    "FileKeyring",
    "LockedKeyring",
    "keyring_file",
    "subprocess_env",
    "use_backend",
]

BLOCK_SECONDS = 300.0
FILE_VAR = "NBEXT_TEST_KEYRING_FILE"
BACKEND = "tests.support.keyring_backends.FileKeyring"


def keyring_file() -> Path:
    """Where :class:`FileKeyring` keeps its entries (read from the environment at each call)."""
    explicit = os.environ.get(FILE_VAR)
    if explicit:
        return Path(explicit)
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "nbext-test-keyring.json"


class FileKeyring(KeyringBackend):
    """A persistent JSON-file keyring: ``{service: {username: password}}``."""

    priority = 20  # type: ignore[assignment]  # above SecretService (5) and the chainer (10)

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        super().__init__()
        self._path = Path(path) if path is not None else None
        self.calls: Counter[str] = Counter()
        self._count_lock = threading.Lock()

    @property
    def path(self) -> Path:
        return self._path if self._path is not None else keyring_file()

    def __repr__(self) -> str:
        return f"<FileKeyring {self.path}>"

    def _count(self, what: str) -> None:
        with self._count_lock:
            self.calls[what] += 1

    @contextlib.contextmanager
    def _locked(self) -> Iterator[Path]:
        path = self.path
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path.with_name(path.name + ".lock"), "a+b") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield path
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    @staticmethod
    def _load(path: Path) -> dict[str, dict[str, str]]:
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except FileNotFoundError:
            return {}
        return data if isinstance(data, dict) else {}

    @staticmethod
    def _save(path: Path, data: dict[str, dict[str, str]]) -> None:
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=1, sort_keys=True)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def entries(self) -> dict[str, dict[str, str]]:
        """Everything stored (for assertions)."""
        with self._locked() as path:
            return self._load(path)

    def get_password(self, service: str, username: str) -> str | None:
        self._count("get_password")
        with self._locked() as path:
            return self._load(path).get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._count("set_password")
        with self._locked() as path:
            data = self._load(path)
            data.setdefault(service, {})[username] = password
            self._save(path, data)

    def delete_password(self, service: str, username: str) -> None:
        self._count("delete_password")
        with self._locked() as path:
            data = self._load(path)
            users = data.get(service, {})
            if username not in users:
                raise PasswordDeleteError("Password not found")
            del users[username]
            if not users:
                del data[service]
            self._save(path, data)

    def get_credential(self, service: str, username: str | None) -> SimpleCredential | None:
        self._count("get_credential")
        with self._locked() as path:
            users = self._load(path).get(service, {})
        if username is not None:
            password = users.get(username)
            return None if password is None else SimpleCredential(username, password)
        for user, password in users.items():  # username-less: the first entry, like pip wants
            return SimpleCredential(user, password)
        return None


class BlockingKeyring(KeyringBackend):
    """Every call blocks until :meth:`release` (or ``BLOCK_SECONDS``), then finds nothing."""

    priority = -1  # type: ignore[assignment]  # never chosen by default

    def __init__(self) -> None:
        super().__init__()
        self._released = threading.Event()
        self.calls = 0

    def release(self) -> None:
        """Let every blocked call return (call it when the test ends)."""
        self._released.set()

    def _block(self) -> None:
        self.calls += 1
        self._released.wait(BLOCK_SECONDS)

    def get_password(self, service: str, username: str) -> str | None:
        self._block()
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self._block()

    def delete_password(self, service: str, username: str) -> None:
        self._block()
        raise PasswordDeleteError("Password not found")

    def get_credential(self, service: str, username: str | None) -> SimpleCredential | None:
        self._block()
        return None


class LockedKeyring(KeyringBackend):
    """A keyring that is locked: every call raises ``KeyringLocked``."""

    priority = -1  # type: ignore[assignment]  # never chosen by default

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("Failed to unlock the collection!")

    def get_credential(self, service: str, username: str | None) -> SimpleCredential | None:
        raise KeyringLocked("Failed to unlock the collection!")


@contextlib.contextmanager
def use_backend(backend: KeyringBackend) -> Iterator[KeyringBackend]:
    """Make ``backend`` keyring's backend in this process; restore the previous one after.

    A :class:`BlockingKeyring` is released on exit, so no thread stays blocked.
    """
    # keyring.set_keyring cannot set "not chosen yet" back, hence the private global.
    previous = keyring.core._keyring_backend
    keyring.set_keyring(backend)
    try:
        yield backend
    finally:
        keyring.core._keyring_backend = previous
        if isinstance(backend, BlockingKeyring):
            backend.release()


def subprocess_env(base: dict[str, str], path: Path) -> dict[str, str]:
    """``base`` plus what a child process needs to use :class:`FileKeyring` at ``path``."""
    env = dict(base)
    env[FILE_VAR] = str(path)
    env["PYTHON_KEYRING_BACKEND"] = BACKEND
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    return env
