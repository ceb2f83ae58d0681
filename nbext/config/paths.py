"""Poetry's directories: config, cache and data (same environment variables, same defaults)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["config_dir", "default_cache_dir", "default_data_dir"]


def config_dir() -> Path:
    """``POETRY_CONFIG_DIR`` or platformdirs' roaming user config dir for ``pypoetry``."""
    if env := os.environ.get("POETRY_CONFIG_DIR"):
        return Path(env).expanduser()
    from platformdirs import user_config_path

    return user_config_path("pypoetry", appauthor=False, roaming=True)


def default_cache_dir() -> Path:
    if env := os.environ.get("POETRY_CACHE_DIR"):
        return Path(env).expanduser()
    from platformdirs import user_cache_path

    return user_cache_path("pypoetry", appauthor=False)


def default_data_dir() -> Path:
    for var in ("POETRY_HOME", "POETRY_DATA_DIR"):
        if env := os.environ.get(var):
            return Path(env).expanduser()
    from platformdirs import user_data_path

    return user_data_path("pypoetry", appauthor=False, roaming=True)
