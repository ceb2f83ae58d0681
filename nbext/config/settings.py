"""Poetry-compatible configuration: the same files, keys, value types and environment variables.

Layers, later wins: defaults < ``config.toml`` < ``auth.toml`` (both in ``POETRY_CONFIG_DIR``
or the platform config dir) < ``poetry.toml`` (project-local) < ``POETRY_*`` environment
variables < session values (set from Python for this kernel only).

Files are read on every access that needs them (they are small; a terminal ``poetry config``
in parallel is seen at once) and written atomically (temporary file + rename), keeping every
key nbext does not know. Each change re-reads the file under a lock (``nbext.files.userfiles``), so
two kernels setting values at once lose neither. A new file is created with mode 0600, as
Poetry does; ``auth.toml``, and any file that holds a credential, is written 0600 even when
it existed with a wider mode (Poetry keeps the old mode).

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

import contextlib
import json
import math
import os
import re
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from copy import deepcopy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.exceptions import TOMLKitError

from nbext.auth.redact import redact_url
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
    not_toml,
)

__all__ = [
    "ConfigFile",
    "Settings",
    "env_name",
    "is_poetry_key",
    "split_key",
]

KeyPath = Sequence[str]


def boolean_validator(value: str) -> bool:
    return value in {"true", "false", "1", "0"}


def boolean_normalizer(value: str) -> bool:
    return value.lower() in ("true", "1")


def _int_at_least(minimum: int) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        try:
            return int(value) >= minimum
        except ValueError:
            return False

    return check


def _path(value: str) -> str:
    return str(Path(value))


def _reserved(name: str) -> bool:
    return bool(re.match(r":(all|none):", name))


def _filter_policy(value: str) -> list[str]:
    """Poetry's PackageFilterPolicy.normalize: true/false, :all:/:none:, canonical names."""
    from packaging.utils import canonicalize_name

    if boolean_validator(value):
        return [":all:"] if boolean_normalizer(value) else [":none:"]
    names = {n if _reserved(n) else canonicalize_name(n) for n in _str_list(value)}
    return sorted(names)


def _filter_policy_ok(value: str) -> bool:
    """Poetry's PackageFilterPolicy.validator."""
    if boolean_validator(value):
        return True
    names = value.strip().split(",")
    return all(
        not name or (_reserved(name) and len(names) == 1) or re.match(r"^[a-zA-Z\d_-]+$", name)
        for name in names
    )


def _identity(value: str) -> Any:
    return value


def _str_list(value: str) -> list[str]:
    return [v for part in value.split(",") if (v := part.strip())]


#: Keys with one value: (validator, normalizer), as ``poetry config`` checks them.
#: ``requests.timeout`` is nbext's: Poetry reads it only from ``POETRY_REQUESTS_TIMEOUT``;
#: ``offline`` is nbext's too (``POETRY_OFFLINE``; answers from the caches only).
UNIQUE_KEYS: dict[str, tuple[Callable[[str], bool], Callable[[str], Any]]] = {
    "cache-dir": (bool, _path),
    "data-dir": (bool, _path),
    "virtualenvs.create": (boolean_validator, boolean_normalizer),
    "virtualenvs.in-project": (boolean_validator, boolean_normalizer),
    "virtualenvs.options.always-copy": (boolean_validator, boolean_normalizer),
    "virtualenvs.options.system-site-packages": (boolean_validator, boolean_normalizer),
    "virtualenvs.options.no-pip": (boolean_validator, boolean_normalizer),
    "virtualenvs.path": (bool, _path),
    "virtualenvs.use-poetry-python": (boolean_validator, boolean_normalizer),
    "virtualenvs.prompt": (bool, str),
    "system-git-client": (boolean_validator, boolean_normalizer),
    "requests.max-retries": (_int_at_least(0), int),
    "requests.timeout": (_int_at_least(1), int),
    "offline": (boolean_validator, boolean_normalizer),
    "installer.re-resolve": (boolean_validator, boolean_normalizer),
    "installer.parallel": (boolean_validator, boolean_normalizer),
    "installer.max-workers": (_int_at_least(1), int),
    "installer.builtin-uninstall": (boolean_validator, boolean_normalizer),
    "installer.no-binary": (_filter_policy_ok, _filter_policy),
    "installer.only-binary": (_filter_policy_ok, _filter_policy),
    "solver.lazy-wheel": (boolean_validator, boolean_normalizer),
    "solver.min-release-age": (_int_at_least(0), int),
    "solver.min-release-age-exclude": (_filter_policy_ok, _filter_policy),
    "solver.min-release-age-exclude-source": (lambda v: bool(v.strip()), _str_list),
    "keyring.enabled": (boolean_validator, boolean_normalizer),
    "python.installation-dir": (bool, _path),
}

#: Normalizers applied to values read from POETRY_* environment variables (Poetry's rules:
#: booleans and ints are converted; certificate values are not, so ``..._CERT=false`` is a
#: path named "false" in Poetry; nbext follows Poetry here and says so in the docs).
_ENV_NORMALIZERS: dict[str, Callable[[str], Any]] = {
    key: norm
    for key, (validator, norm) in UNIQUE_KEYS.items()
    if validator is boolean_validator or norm is int
}

#: ``%config --list`` and reads hide these tables (Poetry's LIST_PROHIBITED_SETTINGS).
LIST_PROHIBITED = {"http-basic", "pypi-token"}

REPO_KEY = re.compile(r"^repos?(?:itories)?(?:\.(.+?)(?:\.(url))?)?$")
AUTH_KEY = re.compile(r"^(http-basic|pypi-token)\.(.+)")
CERT_KEY = re.compile(r"^certificates\.(.+)\.(cert|client-cert)$")
_ENV_REPO = re.compile(r"POETRY_REPOSITORIES_(?P<name>[A-Z_]+)_URL")


def default_settings() -> dict[str, Any]:
    from nbext.config.paths import default_cache_dir, default_data_dir

    return {
        "cache-dir": str(default_cache_dir()),
        "data-dir": str(default_data_dir()),
        "virtualenvs": {
            "create": True,
            "in-project": None,
            "path": os.path.join("{cache-dir}", "virtualenvs"),
            "options": {"always-copy": False, "system-site-packages": False, "no-pip": False},
            "use-poetry-python": False,
            "prompt": "{project_name}-py{python_version}",
        },
        "requests": {"max-retries": 0, "timeout": 15},
        "installer": {
            "re-resolve": False,
            "parallel": True,
            "max-workers": None,
            "no-binary": None,
            "only-binary": None,
            "builtin-uninstall": False,
        },
        "python": {"installation-dir": os.path.join("{data-dir}", "python")},
        "solver": {
            "lazy-wheel": True,
            "min-release-age": 0,
            "min-release-age-exclude": None,
            "min-release-age-exclude-source": None,
        },
        "system-git-client": False,
        "keyring": {"enabled": True},
    }


def split_key(key: str | KeyPath) -> list[str]:
    return key.split(".") if isinstance(key, str) else list(key)


def env_name(key: str | KeyPath) -> str:
    """``POETRY_`` + segments upper-cased with ``-`` -> ``_`` (a ``.`` inside a segment stays)."""
    return "POETRY_" + "_".join(k.upper().replace("-", "_") for k in split_key(key))


def is_poetry_key(token: str) -> bool:
    """Whether a ``%config`` first token is Poetry's (and not an IPython ``Class.trait``)."""
    return bool(
        token in UNIQUE_KEYS
        or REPO_KEY.match(token)
        or AUTH_KEY.match(token)
        or CERT_KEY.match(token)
    )


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
            raise ConfigError(cannot_read(self.path, exc), origin=str(self.path)) from exc

    def read(self) -> tomlkit.TOMLDocument:
        if not self.exists():
            return tomlkit.document()
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(cannot_read(self.path, exc), origin=str(self.path)) from exc
        try:
            return tomlkit.parse(text)
        except TOMLKitError as exc:
            raise ConfigError(not_toml(self.path, exc), origin=str(self.path)) from exc

    def data(self) -> dict[str, Any]:
        return self.read().unwrap()

    def _cannot_write(self, exc: OSError) -> ConfigError:
        return ConfigError(cannot_write(self.path, exc), origin=str(self.path))

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
        node: Any = self.session
        for part in keys:
            if not isinstance(node, dict) or part not in node:
                break
            node = node[part]
        else:
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
                return _ENV_NORMALIZERS.get(dotted, _identity)(value)
            except ValueError:  # int() of the text, as Poetry: "abc", "2.5"
                raise self.invalid(dotted, value, "it must be a whole number") from None
        node = self._merged()
        for part in keys:
            if not isinstance(node, dict) or part not in node:
                return default
            node = node[part]
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
        found: dict[str, dict[str, str]] = {}
        for key, value in self.env.items():
            m = _ENV_REPO.match(key)
            if m:
                found[m.group("name").lower().replace("_", "-")] = {"url": value}
        return found

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
        node: Any = self.session
        for part in keys:
            if not isinstance(node, dict) or part not in node:
                break
            node = node[part]
        else:
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
        example = _EXAMPLES.get(key, "VALUE")
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
        if isinstance(value, str) and value.lower() in _BOOLEAN_TEXT:
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


_BOOLEAN_TEXT = frozenset({"true", "false", "1", "0"})

#: A valid value to show in the fix of an error about each key.
_EXAMPLES: dict[str, str] = {
    "installer.max-workers": "4",
    "requests.timeout": "15",
    "requests.max-retries": "0",
    "solver.min-release-age": "0",
}


def format_list(settings: Settings) -> list[str]:
    """``poetry config --list`` lines: ``key = json``, sorted, secrets tables hidden.

    As Poetry prints it: a string whose stored form differs from its value (a ``{cache-dir}``
    placeholder) shows both, ``key = "raw"  # value``.
    """
    lines: list[str] = []

    def walk(node: dict[str, Any], raw: dict[str, Any], prefix: str) -> None:
        for key, value in sorted(node.items()):
            if prefix + key in LIST_PROHIBITED:
                continue
            raw_value = raw.get(key) if isinstance(raw, dict) else None
            if isinstance(value, dict):
                walk(value, raw_value if isinstance(raw_value, dict) else {}, f"{prefix}{key}.")
                continue
            if isinstance(value, list):
                value = "[" + ", ".join(str(v) for v in value) + "]"
            if prefix.startswith("repositories."):
                # A URL Poetry stored with its credentials: shown without the password.
                shown = redact_url(raw_value) if isinstance(raw_value, str) else raw_value
                lines.append(f"{prefix}{key} = {json.dumps(shown)}")
            elif isinstance(raw_value, str) and raw_value != value:
                lines.append(f"{prefix}{key} = {json.dumps(raw_value)}  # {value}")
            else:
                lines.append(f"{prefix}{key} = {json.dumps(value)}")

    walk(settings.all(), settings.merged(), "")
    return lines
