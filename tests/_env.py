"""The isolated environment every test, subprocess and notebook kernel runs in.

This machine (and CI) sets CA bundles, proxies and pip options globally, and tools write to
$HOME: tests drop those variables and point HOME, XDG_*, Jupyter, IPython and Poetry dirs at a
temporary directory. The public index is never contacted (``NBEXT_PYPI_URL`` and
``NBEXT_PYPI_UPLOAD_URL`` are a closed port).
"""

from __future__ import annotations

from pathlib import Path

DROP_EXACT = frozenset(
    {
        "REQUESTS_CA_BUNDLE",
        "CURL_CA_BUNDLE",
        "SSL_CERT_FILE",
        "SSL_CERT_DIR",
        "NETRC",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "ALL_PROXY",
        "http_proxy",
        "https_proxy",
        "all_proxy",
        "IPYTHONDIR",
        "PYTHONPATH",
    }
)
DROP_PREFIXES = ("PIP_", "POETRY_", "NBEXT_", "JUPYTER_", "XDG_")


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
    env = {k: v for k, v in base.items() if not dropped(k)}
    env.update(isolated_vars(home))
    return env
