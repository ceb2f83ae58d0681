"""The environments tests run things in: every environment dict of the suite is built here.

This machine (and CI) sets CA bundles, proxies and pip options globally, and tools write to
$HOME: tests drop those variables and point HOME, XDG_*, Jupyter, IPython and Poetry dirs at a
temporary directory. The public index is never contacted (``NBEXT_PYPI_URL`` and
``NBEXT_PYPI_UPLOAD_URL`` are a closed port).

* :func:`isolated_environ` - the isolation of the whole session (``tests/conftest.py``), of
  kernels, JupyterLab and nbval runs: ``base`` without the machine's settings, plus
  :func:`isolated_vars`.
* :func:`kernel_environ` - :func:`isolated_environ` for a kernel (or an nbval run) that must
  import the nbext under test, whichever checkout the venv's editable install points at.
* :func:`poetry_env` - for running the real Poetry: its own dirs under ``home``, no keyring,
  no virtualenv creation, no proxy, no ``PYTHON*``/``PIP_*``/``NBEXT_*`` settings.
* :func:`subprocess_env` - for server subprocesses (pypiserver, ``http.server``, devpi, twine):
  ``os.environ`` without CA bundles, ``PIP_*`` and warning filters; ``HOME=home``.
* :func:`install_env` - for ``python -m venv`` + ``pip install`` of the tool venvs: no CA-bundle
  overrides, the machine's ``PIP_*`` kept.
* :func:`child_env` - a Python child that imports the nbext under test (``PYTHONPATH``).

All of them are :func:`scrubbed` ``os.environ`` (or ``base``) plus a few variables.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from pathlib import Path

import nbext

__all__ = [
    "CA_VARS",
    "NBEXT_ROOT",
    "PROXY_VARS",
    "child_env",
    "dropped",
    "install_env",
    "isolated_environ",
    "isolated_vars",
    "kernel_environ",
    "poetry_env",
    "scrubbed",
    "subprocess_env",
]

#: CA-bundle variables point requests/httpx at the machine's bundle; nothing talking to plain
#: http://127.0.0.1 servers needs them, and pip keeps its own PIP_CERT.
CA_VARS = frozenset(
    {"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "AWS_CA_BUNDLE"}
)
PROXY_VARS = frozenset(
    {"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"}
)
DROP_EXACT = CA_VARS | PROXY_VARS | {"NETRC", "IPYTHONDIR", "PYTHONPATH"}
DROP_PREFIXES = ("PIP_", "POETRY_", "NBEXT_", "JUPYTER_", "XDG_")
#: What Poetry must not inherit: pip's and Poetry's settings, a venv, Python's own options.
POETRY_DROP_PREFIXES = ("PIP_", "POETRY_", "XDG_", "VIRTUAL_ENV", "PYTHON", "NBEXT_")
#: Where the child processes find the nbext under test (the test process's own).
NBEXT_ROOT = str(Path(nbext.__file__).resolve().parent.parent)


def scrubbed(
    base: Mapping[str, str] | None = None,
    *,
    drop: Collection[str] = (),
    prefixes: tuple[str, ...] = (),
) -> dict[str, str]:
    """``base`` (default ``os.environ``) without the variables in ``drop`` or whose name
    starts with one of ``prefixes``."""
    items = (os.environ if base is None else base).items()
    return {k: v for k, v in items if k not in drop and not k.startswith(prefixes)}


def dropped(name: str) -> bool:
    return name in DROP_EXACT or name.startswith(DROP_PREFIXES)


def isolated_vars(home: Path) -> dict[str, str]:
    """Variables to set (directories under ``home``, which is created)."""
    runtime = home / "runtime"
    (runtime / "jupyter").mkdir(parents=True, exist_ok=True)
    runtime.chmod(0o700)
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_RUNTIME_DIR": str(runtime),
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "JUPYTER_DATA_DIR": str(home / ".local" / "share" / "jupyter"),
        "JUPYTER_RUNTIME_DIR": str(runtime / "jupyter"),
        "JUPYTER_PLATFORM_DIRS": "1",
        "IPYTHONDIR": str(home / ".ipython"),
        "POETRY_CONFIG_DIR": str(home / "poetry-config"),
        "POETRY_CACHE_DIR": str(home / "poetry-cache"),
        "POETRY_DATA_DIR": str(home / "poetry-data"),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
        "NBEXT_PYPI_URL": "http://127.0.0.1:9/simple/",
        "NBEXT_PYPI_UPLOAD_URL": "http://127.0.0.1:9/legacy/",
        "NO_PROXY": "*",
    }


def isolated_environ(base: dict[str, str], home: Path) -> dict[str, str]:
    """``base`` without the machine's settings, plus :func:`isolated_vars`."""
    env = scrubbed(base, drop=DROP_EXACT, prefixes=DROP_PREFIXES)
    env.update(isolated_vars(home))
    return env


def kernel_environ(base: dict[str, str], home: Path) -> dict[str, str]:
    """:func:`isolated_environ`, with the nbext under test (:data:`NBEXT_ROOT`) first on
    ``PYTHONPATH``: a kernel started in another directory would otherwise import the nbext
    the venv's editable install points at, which in a second checkout (a git worktree) is
    not the code under test."""
    env = isolated_environ(base, home)
    env["PYTHONPATH"] = NBEXT_ROOT
    return env


def poetry_env(home: Path) -> dict[str, str]:
    """A clean environment for running Poetry: everything of its own under ``home`` (the dirs
    of :func:`isolated_vars`), no keyring, no virtualenv creation, no proxy, no colours."""
    env = scrubbed(drop=CA_VARS | PROXY_VARS, prefixes=POETRY_DROP_PREFIXES)
    env.update(isolated_vars(home))
    env.update(
        {
            "POETRY_KEYRING_ENABLED": "false",
            "POETRY_VIRTUALENVS_CREATE": "false",
            "no_proxy": "*",
            "NO_COLOR": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def subprocess_env(home: Path) -> dict[str, str]:
    """``os.environ`` without CA-bundle, ``PIP_*`` and warning settings; ``HOME=home``."""
    env = scrubbed(drop=CA_VARS | {"PYTHONWARNINGS"}, prefixes=("PIP_",))
    env["HOME"] = str(home)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def install_env() -> dict[str, str]:
    """``os.environ`` for venv + pip: no CA-bundle overrides, the machine's PIP_* kept."""
    return scrubbed(drop=CA_VARS | {"PYTHONWARNINGS", "PYTHONPATH", "VIRTUAL_ENV"})


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """``os.environ`` with the nbext under test first on ``PYTHONPATH``, plus ``extra``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = NBEXT_ROOT
    env.update(extra or {})
    return env
