"""What a workspace takes from the settings beyond Poetry's own reading of them, with the
caller's overrides (``Workspace(timeout=..., max_workers=..., no_cache=..., offline=...)``).

Each value is read when first needed, not when the workspace is created: a bad value in a
config file must not stop the workspace (and ``%config``, which repairs it) from being made.
"""

from __future__ import annotations

import os
from pathlib import Path

from nbext.config.settings import Settings

__all__ = ["DEFAULT_WORKERS", "Resolved"]

#: Lookups wait on the network, so more threads than Poetry's cpu_count + 4 pay off.
DEFAULT_WORKERS = 32


class Resolved:
    """A workspace's timeout, worker threads, cache switches and cache directory."""

    def __init__(
        self,
        settings: Settings,
        timeout: float | None = None,
        max_workers: int | None = None,
        no_cache: bool | None = None,
        offline: bool | None = None,
    ) -> None:
        self.settings = settings
        self._timeout = timeout
        self._max_workers = max_workers
        self._no_cache = no_cache
        self._offline = offline

    @property
    def timeout(self) -> float:
        """Seconds per request: the override, else ``requests.timeout`` (read when first
        needed, then kept)."""
        if self._timeout is None:
            self._timeout = self.settings.timeout
        return self._timeout

    @timeout.setter
    def timeout(self, value: float) -> None:
        self._timeout = value

    @property
    def max_workers(self) -> int:
        """Threads for concurrent requests: the override, else ``installer.max-workers`` when
        set (capped as Poetry caps it; a value Poetry refuses too is a :class:`ConfigError`),
        else :data:`DEFAULT_WORKERS`. Read when first needed, then kept."""
        if self._max_workers is None:
            configured = self.settings.get("installer.max-workers")
            self._max_workers = (
                self.settings.max_workers if configured is not None else DEFAULT_WORKERS
            )
        return self._max_workers

    @max_workers.setter
    def max_workers(self, value: int) -> None:
        self._max_workers = value

    @property
    def no_cache(self) -> bool:
        """Nothing is read from or written to any cache: the override, else
        ``POETRY_NO_CACHE`` (as Poetry's ``--no-cache``)."""
        if self._no_cache is not None:
            return self._no_cache
        return os.environ.get("POETRY_NO_CACHE", "").lower() in ("1", "true", "yes", "on")

    @property
    def offline(self) -> bool:
        """Answers come from the caches only: the override, else ``%config offline``."""
        if self._offline is not None:
            return self._offline
        return self.settings.flag("offline", False)

    @property
    def cache_dir(self) -> Path:
        """Poetry's ``cache-dir`` (``POETRY_CACHE_DIR``): artifacts and source caches."""
        return Path(str(self.settings.get("cache-dir"))).expanduser()
