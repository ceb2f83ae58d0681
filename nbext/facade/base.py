"""The state of a ``Workspace``: the services it builds (``Declared``, ``Settings``,
``Resolved``, ``Clients``) and what they answer (sources, client, caches, Python range); the
commands are in :mod:`nbext.facade.workspace`."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Self

import httpx
from poetry.core.constraints.version import VersionConstraint

from nbext.auth.credentials import Authenticator, PasswordManager
from nbext.cache.artifacts import ArtifactCache
from nbext.config.paths import config_dir
from nbext.config.resolved import Resolved
from nbext.config.settings import Settings
from nbext.lookup.jobs import python_range
from nbext.net.build import Clients
from nbext.net.client import Event, EventSink, Http
from nbext.project.declarations import Declared, find_project
from nbext.project.pyproject import Project
from nbext.sources.pool import SourcePool, SourceSpec

if TYPE_CHECKING:
    from nbext.auth.keyring import KeyringStore

__all__ = ["WorkspaceBase"]


class WorkspaceBase:
    """Sources, project and HTTP state for one kernel (or one script).

    **Parameters:**

    * ``project_dir`` - a directory whose ``pyproject.toml`` is used if present (with
      ``discover=True``, the nearest one in it or its parents, as Poetry finds it). Without a
      project, sources live in this object only.
    * ``transport`` - an ``httpx`` transport (``httpx.MockTransport`` in unit tests).
    * ``timeout`` - seconds per request (default 15, Poetry's).
    * ``max_workers`` - size of the thread pool that runs requests concurrently (default:
      ``installer.max-workers`` if configured, capped at cpu_count + 4 as Poetry does; else 32).
    * ``keyring_timeout`` - seconds any keyring call may take (then a warning, never a hang).
    * ``retry_sleep`` - how to wait between Poetry's retries (tests pass a no-op).
    * ``python`` - the Python range releases must support (default: the project's
      ``requires-python``, else the running interpreter's version).
    * ``no_cache`` - read and write no cache at all (default: ``POETRY_NO_CACHE``, as
      Poetry's ``--no-cache``).
    * ``offline`` - answer from the caches only (default: ``%config offline``).
    """

    def __init__(
        self,
        project_dir: str | Path | None = None,
        *,
        discover: bool = False,
        transport: httpx.BaseTransport | None = None,
        timeout: float | None = None,
        max_workers: int | None = None,
        python: str | None = None,
        keyring_timeout: float = 5.0,
        retry_sleep: Callable[[float], None] = time.sleep,
        no_cache: bool | None = None,
        offline: bool | None = None,
    ) -> None:
        self.directory = Path(project_dir or Path.cwd()).resolve()
        project = find_project(self.directory, discover=discover)
        #: The sources and pins: the project's, else this kernel session's.
        self.declared = Declared(project, self.directory)
        self.settings = Settings(
            config_dir=config_dir(),
            project_root=project.root if project else None,
            local_dir=project.root if project else self.directory,
        )
        self.resolved = Resolved(self.settings, timeout, max_workers, no_cache, offline)
        self._python = python
        self._retry_sleep = retry_sleep
        #: Called with every HTTP event (redacted), from the requesting thread: ``%netlog``
        #: and the live views add themselves here. Survives :meth:`close`.
        self.log_sinks: list[EventSink] = []
        #: The keyring, credentials, HTTP client and thread pool, built when first needed.
        self.clients = Clients(
            self.resolved,
            keyring_timeout=keyring_timeout,
            transport=transport,
            sleep=self._sleep,
            sinks=self.log_sinks,
        )

    def _sleep(self, seconds: float) -> None:
        self._retry_sleep(seconds)  # looked up at each wait: a test may swap it

    # -- state --------------------------------------------------------------------------------
    @property
    def project(self) -> Project | None:
        """The ``pyproject.toml`` this workspace reads and edits (None: kernel session only)."""
        return self.declared.project

    @property
    def timeout(self) -> float:
        """Seconds per request: the ``timeout`` argument, else ``requests.timeout`` (read
        when first needed, then kept)."""
        return self.resolved.timeout

    @timeout.setter
    def timeout(self, value: float) -> None:
        self.resolved.timeout = value

    @property
    def max_workers(self) -> int:
        """Threads for concurrent requests: the ``max_workers`` argument, else
        ``installer.max-workers`` when set (capped as Poetry caps it), else 32: lookups wait
        on the network, so more threads than Poetry's cpu_count + 4 pay off. Read when first
        needed, then kept; a value Poetry refuses too is a :class:`ConfigError`."""
        return self.resolved.max_workers

    @max_workers.setter
    def max_workers(self, value: int) -> None:
        self.resolved.max_workers = value

    @property
    def keyring_timeout(self) -> float:
        """Seconds any keyring call may take (then a warning, never a hang)."""
        return self.clients.keyring_timeout

    @keyring_timeout.setter
    def keyring_timeout(self, value: float) -> None:
        self.clients.keyring_timeout = value

    def _specs(self) -> tuple[list[SourceSpec], list[str]]:
        return self.declared.specs()

    def notices(self) -> list[str]:
        """Deprecation notices about the declared sources not shown yet (each shown once)."""
        return self.declared.notices()

    @property
    def sources(self) -> SourcePool:
        """The pool in Poetry's order; the implicit PyPI is included when it applies."""
        return self.declared.pool()

    @property
    def keyring(self) -> KeyringStore:
        """The keyring, time-limited; only touched when a credential is needed."""
        return self.clients.keyring

    @property
    def passwords(self) -> PasswordManager:
        return self.clients.passwords

    @property
    def authenticator(self) -> Authenticator:
        return self.clients.authenticator

    @property
    def http(self) -> Http:
        return self.clients.http

    @property
    def no_cache(self) -> bool:
        """Nothing is read from or written to any cache (HTTP, metadata, artifacts)."""
        return self.resolved.no_cache

    @property
    def offline(self) -> bool:
        """Answers come from the caches only; what is not cached is an error row."""
        return self.resolved.offline

    @property
    def cache_dir(self) -> Path:
        """Poetry's ``cache-dir`` (``POETRY_CACHE_DIR``): artifacts and source caches."""
        return self.resolved.cache_dir

    @property
    def artifacts(self) -> ArtifactCache:
        """Downloaded distributions, shared with Poetry (``<cache-dir>/artifacts``)."""
        return ArtifactCache(self.cache_dir / "artifacts")

    @property
    def events(self) -> list[Event]:
        """The HTTP events of this Workspace's client so far (redacted, oldest first)."""
        return self.clients.events

    @property
    def executor(self) -> ThreadPoolExecutor:
        return self.clients.executor

    @property
    def python(self) -> VersionConstraint:
        """The Python range a chosen release must support."""
        return python_range(self._python, self.project)

    def close(self) -> None:
        """Close the HTTP client and the thread pool (a closed Workspace reopens on use)."""
        self.clients.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = str(self.project.path) if self.project else "kernel session only"
        return f"Workspace({where}, sources={[s.name for s in self.sources]})"
