"""Poetry-compatible configuration: the same files, keys, value types and environment variables.

Layers, later wins: defaults < ``config.toml`` < ``auth.toml`` (both in ``POETRY_CONFIG_DIR``
or the platform config dir) < ``poetry.toml`` (project-local) < ``POETRY_*`` environment
variables < session values (set from Python for this kernel only).

Files are read on every access that needs them (they are small; a terminal ``poetry config``
in parallel is seen at once). :mod:`nbext.config.tomlfile` reads and writes each file (under
its lock, atomically, 0600 when it holds a credential); :mod:`nbext.config.keys` has the keys,
their types and their environment variables.

Typed values are read as Poetry reads them, and a value Poetry cannot use either is a one-line
:class:`~nbext.errors.ConfigError` naming the key, where the value came from and the fix,
raised when the value is needed (so ``%config`` can still repair it):

* ``installer.max-workers``: Python's ``int()`` of the value (``2.5`` -> 2, ``"3"`` -> 3, as
  Poetry); 0, negative numbers and non-numbers are refused (Poetry fails with "max_workers must
  be greater than 0" or "invalid literal for int()").
* integer keys set by ``POETRY_*`` variables: ``int()`` of the text, as Poetry; ``abc`` or
  ``2.5`` is refused (Poetry fails with "invalid literal for int()").
* ``requests.timeout`` (nbext's): a number of seconds greater than 0.
* boolean keys (``keyring.enabled``, ``solver.lazy-wheel``, ``offline``...): TOML booleans;
  a quoted ``"true"``/``"false"``/``"1"``/``"0"`` (any case) means what it says, where Poetry
  takes every non-empty string for true (nbext does better here); any other value is read as
  Poetry reads it (Python truthiness).
"""

from __future__ import annotations

import json
import math
import os
import re
import threading
from collections.abc import Mapping
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nbext.config.keys import (
    BOOLEAN_TEXT,
    EXAMPLES,
    KeyPath,
    boolean_normalizer,
    default_settings,
    env_name,
    env_repositories,
    env_value,
    split_key,
)
from nbext.config.tomlfile import ConfigFile
from nbext.errors import ConfigError

__all__ = ["Settings"]


def _merge(base: dict[str, Any], other: Mapping[str, Any]) -> None:
    for key, value in other.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = deepcopy(dict(value)) if isinstance(value, Mapping) else value


@dataclass
class Settings:
    """The merged view of every layer, with Poetry's ``get`` semantics."""

    config_dir: Path
    project_root: Path | None = None  # its poetry.toml is read (Poetry: only in a project)
    environ: Mapping[str, str] | None = None
    local_dir: Path | None = None  # where --local writes (default: the project, else here)

    def __post_init__(self) -> None:
        self.session: dict[str, Any] = {}
        if self.local_dir is None:
            self.local_dir = self.project_root or Path.cwd()
        self._cache_lock = threading.Lock()
        self._cached: tuple[object, dict[str, Any]] | None = None

    @property
    def env(self) -> Mapping[str, str]:
        return os.environ if self.environ is None else self.environ

    @property
    def config_file(self) -> ConfigFile:
        return ConfigFile(self.config_dir / "config.toml")

    @property
    def auth_file(self) -> ConfigFile:
        return ConfigFile(self.config_dir / "auth.toml", secret=True)

    @property
    def local_file(self) -> ConfigFile | None:
        return ConfigFile(self.project_root / "poetry.toml") if self.project_root else None

    def files(self) -> list[ConfigFile]:
        """The files that hold values, lowest precedence first."""
        out = [self.config_file, self.auth_file]
        if self.local_file is not None:
            out.append(self.local_file)
        return out

    def merged(self) -> dict[str, Any]:
        """Defaults < config.toml < auth.toml < poetry.toml < session values (a copy)."""
        return deepcopy(self._merged())

    def _signature(self) -> object:
        """What the merged view depends on: each file's (mtime, size, inode), the session."""
        stamps: list[object] = []
        for f in self.files():
            try:
                st = f.path.stat()
            except OSError:
                stamps.append(None)
            else:
                stamps.append((st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino))
        return (tuple(stamps), repr(self.session))

    def _merged(self) -> dict[str, Any]:
        # Files are read again only when they change (a `poetry config` in a terminal is seen
        # at once): parsing TOML on every request cost a millisecond each.
        signature = self._signature()
        with self._cache_lock:
            if self._cached is not None and self._cached[0] == signature:
                return self._cached[1]
        data = default_settings()
        for f in self.files():
            _merge(data, f.data())
        _merge(data, self.session)
        with self._cache_lock:
            self._cached = (signature, data)
        return data

    def get(self, key: str | KeyPath, default: Any = None) -> Any:
        """A value: the environment first (Poetry's rule), then the merged layers.

        Session values (set from Python) win over everything, including the environment.
        """
        keys = split_key(key)
        found, node = _lookup(self.session, keys)
        if found:
            return node
        if keys == ["repositories"]:
            from_env = self.env_repositories()
            if from_env:
                return from_env
        variable = env_name(keys)
        value = self.env.get(variable)
        if value is not None:
            dotted = ".".join(keys)
            try:
                return env_value(dotted, value)
            except ValueError:  # int() of the text, as Poetry: "abc", "2.5"
                raise self.invalid(dotted, value, "it must be a whole number") from None
        found, node = _lookup(self._merged(), keys)
        if not found:
            return default
        if isinstance(node, dict):
            return {k: self.get([*keys, k]) for k in node}
        return self._process(node)

    def _process(self, value: Any) -> Any:
        """Poetry's ``{other-key}`` substitution in string values (unknown keys stay)."""
        if isinstance(value, list):
            return list(value)  # the cached view is shared: hand out a copy
        if not isinstance(value, str):
            return value

        def resolve(match: re.Match[str]) -> str:
            found = self.get(match.group(1))
            return str(found) if found is not None else match.group(0)

        return re.sub(r"{(.+?)}", resolve, value)

    def env_repositories(self) -> dict[str, dict[str, str]]:
        """Poetry's scan of ``POETRY_REPOSITORIES_<NAME>_URL`` (names lowercased, _ -> -)."""
        return env_repositories(self.env)

    def all(self) -> dict[str, Any]:
        data = self.merged()

        def walk(node: dict[str, Any], prefix: list[str]) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for key, value in node.items():
                if isinstance(value, dict):
                    out[key] = walk(value, [*prefix, key])
                else:
                    out[key] = self.get([*prefix, key])
            return out

        return walk(data, [])

    # -- where a value comes from, and refusing it ------------------------------------------

    def origin(self, key: str | KeyPath) -> str:
        """Where the value of ``key`` comes from: ``"session"``, the ``POETRY_*`` variable's
        name, the path of the file that sets it (the one that wins), or ``"default"``."""
        keys = split_key(key)
        if _lookup(self.session, keys)[0]:
            return "session"
        if env_name(keys) in self.env:
            return env_name(keys)
        for f in reversed(self.files()):
            if f.get(keys) is not None:
                return str(f.path)
        return "default"

    def invalid(self, key: str, value: Any, need: str) -> ConfigError:
        """The one-line error for a value of ``key`` that cannot be used: where it came from,
        what it must be (``need``) and how to change it."""
        origin = self.origin(key)
        example = EXAMPLES.get(key, "VALUE")
        if origin.startswith("POETRY_"):
            where = f"{origin}={json.dumps(str(value))}"
            fix = (
                f"set {origin} to a valid value (such as {example}) or remove it from the "
                "environment"
            )
        else:
            where = f"{key} = {json.dumps(value, default=str)}"
            if origin == "session":
                where += " (set for this session)"
                fix = f"change or delete Workspace.settings.session[...] for {key}"
            elif origin == "default":
                fix = f"%config {key} {example}"
            else:
                where += f" in {origin}"
                fix = self._file_fix(key, Path(origin), example)
        return ConfigError(f"{where} is not usable: {need}. Fix: {fix}.", key=key, origin=origin)

    def _file_fix(self, key: str, path: Path, example: str) -> str:
        if path == self.config_file.path:
            return f"%config {key} {example} (or %config --unset {key})"
        local = self.local_file
        if local is not None and path == local.path:
            return f"%config --local {key} {example} (or %config --local --unset {key})"
        return f"edit {path} (%config {key} {example} sets it in config.toml)"

    # -- typed accessors used by the rest of nbext -------------------------------------------

    def flag(self, key: str, default: bool) -> bool:
        """A boolean setting: a TOML boolean as it is; ``"true"``/``"false"``/``"1"``/``"0"``
        (any case) for what they say; any other value as Poetry reads it (truthiness)."""
        value = self.get(key)
        if value is None:
            return default
        if isinstance(value, str) and value.lower() in BOOLEAN_TEXT:
            return boolean_normalizer(value)
        return bool(value)

    @property
    def keyring_enabled(self) -> bool:
        return self.flag("keyring.enabled", True)

    @property
    def timeout(self) -> float:
        """``requests.timeout`` in seconds (nbext's key; Poetry: POETRY_REQUESTS_TIMEOUT)."""
        value = self.get("requests.timeout", 15)
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            seconds = math.nan
        if not (seconds > 0 and math.isfinite(seconds)):
            raise self.invalid("requests.timeout", value, "it must be a number of seconds above 0")
        return seconds

    @property
    def max_workers(self) -> int:
        """``installer.max-workers`` as Poetry computes it (``int()`` of the value, capped at
        cpu_count + 4); a value Poetry cannot use either (0, negative, not a number) is a
        :class:`ConfigError`."""
        default = (os.cpu_count() or 1) + 4
        wanted = self.get("installer.max-workers")
        if wanted is None:
            return default
        try:
            number = int(wanted)
        except (TypeError, ValueError, OverflowError):
            number = 0
        if number < 1:
            raise self.invalid(
                "installer.max-workers",
                wanted,
                "it must be a whole number of at least 1 (Poetry refuses it too)",
            )
        return min(default, number)


def _lookup(tree: Any, keys: KeyPath) -> tuple[bool, Any]:
    """``(True, value)`` when ``keys`` name a value in the nested ``tree``, else ``(False,
    None)``."""
    node = tree
    for part in keys:
        if not isinstance(node, dict) or part not in node:
            return False, None
        node = node[part]
    return True, node
