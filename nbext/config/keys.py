"""Poetry's configuration keys: which exist, their value types and checks, their defaults and
their ``POETRY_*`` environment variables. Pure: no I/O.

``poetry config KEY VALUE`` checks a value with the key's validator and stores what its
normalizer returns (:data:`UNIQUE_KEYS`); ``repositories.*``, ``http-basic.*``,
``pypi-token.*`` and ``certificates.*`` are tables with patterns of their own.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = [
    "AUTH_KEY",
    "BOOLEAN_TEXT",
    "CERT_KEY",
    "EXAMPLES",
    "LIST_PROHIBITED",
    "REPO_KEY",
    "UNIQUE_KEYS",
    "boolean_normalizer",
    "boolean_validator",
    "default_settings",
    "env_name",
    "env_repositories",
    "env_value",
    "is_poetry_key",
    "split_key",
]

#: Boolean texts ``poetry config`` accepts (exact case there; nbext's reads ignore case).
BOOLEAN_TEXT = frozenset({"true", "false", "1", "0"})

#: A valid value to show in the fix of an error about each key.
EXAMPLES: dict[str, str] = {
    "installer.max-workers": "4",
    "requests.timeout": "15",
    "requests.max-retries": "0",
    "solver.min-release-age": "0",
}

KeyPath = Sequence[str]


def boolean_validator(value: str) -> bool:
    return value in BOOLEAN_TEXT


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
#: ``offline`` is nbext's too (``POETRY_OFFLINE``; answers from the caches only), and so are
#: ``radar.enabled`` (whether lookups, locks and installs carry the dependency-confusion
#: radar's verdicts, default true) and ``radar.public`` (whether it also asks the public index).
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
    "radar.enabled": (boolean_validator, boolean_normalizer),
    "radar.public": (boolean_validator, boolean_normalizer),
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
ENV_NORMALIZERS: dict[str, Callable[[str], Any]] = {
    key: norm
    for key, (validator, norm) in UNIQUE_KEYS.items()
    if validator is boolean_validator or norm is int
}

#: ``%config --list`` and reads hide these tables (Poetry's LIST_PROHIBITED_SETTINGS).
LIST_PROHIBITED = {"http-basic", "pypi-token"}

REPO_KEY = re.compile(r"^repos?(?:itories)?(?:\.(.+?)(?:\.(url))?)?$")
AUTH_KEY = re.compile(r"^(http-basic|pypi-token)\.(.+)")
CERT_KEY = re.compile(r"^certificates\.(.+)\.(cert|client-cert)$")
ENV_REPO = re.compile(r"POETRY_REPOSITORIES_(?P<name>[A-Z_]+)_URL")


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


def env_value(key: str, value: str) -> Any:
    """The value of ``key`` read from its ``POETRY_*`` variable, converted as Poetry converts
    it (``ValueError`` for an integer key whose text ``int()`` refuses)."""
    return ENV_NORMALIZERS.get(key, _identity)(value)


def env_repositories(env: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Poetry's scan of ``POETRY_REPOSITORIES_<NAME>_URL`` (names lowercased, _ -> -)."""
    found: dict[str, dict[str, str]] = {}
    for key, value in env.items():
        m = ENV_REPO.match(key)
        if m:
            found[m.group("name").lower().replace("_", "-")] = {"url": value}
    return found
