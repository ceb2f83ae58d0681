"""One Poetry config file (``config.toml``, ``auth.toml`` or ``poetry.toml``): read, and
changed key by key under its lock, written atomically with the mode its content calls for.

Every key nbext does not know is kept. Each change re-reads the file under a lock
(``nbext.files.userfiles``), so two kernels setting values at once lose neither. A new file
is created with mode 0600, as Poetry does; ``auth.toml``, and any file that holds a
credential, is written 0600 even when it existed with a wider mode (Poetry keeps the old mode).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import tomlkit

from nbext.config.keys import KeyPath, split_key
from nbext.errors import ConfigError
from nbext.files.atomic import write_text_atomic
from nbext.files.userfiles import (
    SECRET_MODE,
    cannot_read,
    cannot_write,
    holds_credentials,
    locked,
    make_private_dir,
    mode_for,
    read_toml,
)

__all__ = ["ConfigFile"]


class ConfigFile:
    """One TOML config file (config.toml, auth.toml or poetry.toml).

    ``secret``: the file holds credentials by design (auth.toml), so it is always written
    0600; other files are written 0600 when they hold a credential, else keep their mode.
    """

    def __init__(self, path: Path, *, secret: bool = False) -> None:
        self.path = path
        self.secret = secret

    def exists(self) -> bool:
        try:
            return self.path.is_file()
        except OSError as exc:  # a directory on the way that cannot be searched
            raise self._error(cannot_read(self.path, exc)) from exc

    def read(self) -> tomlkit.TOMLDocument:
        if not self.exists():
            return tomlkit.document()
        return read_toml(self.path, self._error)

    def data(self) -> dict[str, Any]:
        return self.read().unwrap()

    def _error(self, message: str) -> ConfigError:
        return ConfigError(message, origin=str(self.path))

    def _cannot_write(self, exc: OSError) -> ConfigError:
        return self._error(cannot_write(self.path, exc))

    def _write(self, doc: tomlkit.TOMLDocument) -> None:
        """Replace the file with ``doc`` (call with the lock held)."""
        secret = self.secret or holds_credentials(doc.unwrap())
        try:
            mode = mode_for(self.path, secret=secret, new=SECRET_MODE)
            write_text_atomic(self.path, tomlkit.dumps(doc), mode=mode)
        except OSError as exc:
            raise self._cannot_write(exc) from exc

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            make_private_dir(self.path.parent)
        except OSError as exc:
            raise self._cannot_write(exc) from exc
        with locked(self.path, cannot=self._cannot_write):
            yield

    def _update(self, change: Callable[[tomlkit.TOMLDocument], bool]) -> bool:
        """Read the file under its lock, apply ``change`` and write the result if ``change``
        returns True (never a document read before the lock was taken)."""
        with self._locked():
            doc = self.read()
            if not change(doc):
                return False
            self._write(doc)
            return True

    def get(self, key: str | KeyPath) -> Any:
        node: Any = self.data()
        for part in split_key(key):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def add(self, key: str | KeyPath, value: Any) -> None:
        keys = split_key(key)

        def change(doc: tomlkit.TOMLDocument) -> bool:
            node: Any = doc
            for part in keys[:-1]:
                if part not in node or not isinstance(node[part], dict):
                    node[part] = tomlkit.table()
                node = node[part]
            node[keys[-1]] = value
            return True

        self._update(change)

    def remove(self, key: str | KeyPath) -> bool:
        """Remove a key and prune the tables it leaves empty (Poetry's remove_property)."""
        if not self.exists():
            return False
        keys = split_key(key)

        def change(doc: tomlkit.TOMLDocument) -> bool:
            stack: list[tuple[Any, str]] = []
            node: Any = doc
            for part in keys:
                if not isinstance(node, dict) or part not in node:
                    return False
                stack.append((node, part))
                node = node[part]
            while stack:
                parent, part = stack.pop()
                del parent[part]
                if parent:
                    break
            return True

        return self._update(change)
