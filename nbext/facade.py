"""``Workspace``: the public Python API that the magics, scripts and tests share.

A facade: it builds the services (``Declared``, ``Settings``, ``Resolved``, ``Clients``) and
hands each call to the module that owns the rule (``nbext.project``, ``nbext.lookup``,
``nbext.cache``, ``nbext.publish``, ``nbext.config``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from poetry.core.constraints.version import VersionConstraint

from nbext.auth.commands import ConfigCommand, PasswordPrompt
from nbext.auth.credentials import Authenticator, PasswordManager
from nbext.cache import sources as source_caches
from nbext.cache.artifacts import ArtifactCache
from nbext.cache.commands import CacheTable, ClearPlan
from nbext.config.paths import config_dir
from nbext.config.resolved import Resolved
from nbext.config.settings import Settings
from nbext.lookup import batch
from nbext.lookup.add import add_dependency
from nbext.lookup.jobs import python_range
from nbext.lookup.results import LookupResult, LookupResults
from nbext.lookup.run import LookupObserver
from nbext.net.build import Clients
from nbext.net.client import Event, EventSink, Http
from nbext.net.diagnose import Diagnosis, diagnose
from nbext.net.tls import tls_settings
from nbext.project import source_commands
from nbext.project.declarations import Declared, find_project
from nbext.project.pyproject import Project
from nbext.project.status import Status, status
from nbext.publish.publish import CredentialPrompt, PublishObserver, PublishResult, publish
from nbext.publish.workspace_context import publish_context
from nbext.report import Report, SourceTable
from nbext.sources.pool import Priority, SourcePool, SourceSpec

if TYPE_CHECKING:
    from nbext.auth.keyring import KeyringStore

__all__ = ["Workspace"]


class Workspace:
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

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = str(self.project.path) if self.project else "kernel session only"
        return f"Workspace({where}, sources={[s.name for s in self.sources]})"

    # -- %source ------------------------------------------------------------------------------
    def add_source(
        self, name: str, url: str | None = None, priority: str | Priority | None = None
    ) -> Report:
        """Add a source, or update the one with that name (``poetry source add``)."""
        return source_commands.add_source(
            self.declared, name, url, priority, url_credentials=self._url_credentials
        )

    def _url_credentials(self, name: str, url: str, kept_in: str) -> tuple[str, Report]:
        clean, saved = self._config_command.url_credentials(name, url, kept_in)
        self._after_config_change()
        return clean, saved

    def remove_source(self, name: str) -> Report:
        """Remove the source(s) with that name, case-insensitively (``poetry source remove``)."""
        return source_commands.remove_source(self.declared, name)

    def show_sources(self, *names: str) -> SourceTable:
        """The declared sources (``poetry source show``), optionally filtered by name."""
        return source_commands.show_sources(self.declared, *names)

    def diagnose(self, name: str) -> Diagnosis:
        """Which trust store accepts the source's TLS certificate, and what it is."""
        source = self.sources.get(name)
        tls = tls_settings(self.settings, source.name)
        return diagnose(source.name, source.url, tls, timeout=self.timeout)

    def check(self) -> list[str]:
        """``poetry check``'s source errors: pins naming a source that does not exist."""
        return source_commands.check_pins(self.declared)

    # -- %add ---------------------------------------------------------------------------------
    def add(self, requirement: str, *, source: str | None = None, group: str = "main") -> Report:
        """Add a dependency with an optional source pin (``poetry add [--source S] [--group G]``).

        ``requirement`` is ``pkg``, ``pkg@CONSTRAINT`` (``pkg@*``, ``pkg@^1.2``) or PEP 508.
        Without a constraint the latest version is looked up and ``^latest`` written.
        """
        return add_dependency(
            self.declared, requirement, source=source, group=group, lookup=self.lookup
        )

    # -- %lookup ------------------------------------------------------------------------------
    def lookup(
        self,
        requirement: str,
        *,
        source: str | None = None,
        observer: LookupObserver | None = None,
        refresh: bool = False,
        no_cache: bool = False,
    ) -> LookupResult:
        """Look one requirement up with Poetry's rules; honours the project's source pin."""
        return self.lookup_many(
            [requirement], source=source, observer=observer, refresh=refresh, no_cache=no_cache
        )[0]

    def lookup_many(
        self,
        requirements: Iterable[str],
        *,
        source: str | None = None,
        observer: LookupObserver | None = None,
        refresh: bool | Iterable[str] = False,
        no_cache: bool = False,
    ) -> LookupResults:
        """Look several requirements up concurrently; one result per requirement, in order.

        ``observer`` (e.g. the notebook's live view) is told about every row as it changes.
        ``refresh`` (True, or package names): revalidate those packages' pages and files on
        every source whatever their cached age, and refetch their metadata (``%lookup
        --refresh``: the "I just published and cannot see it" fix). ``no_cache``: this lookup
        reads and writes no cache (``%lookup --no-cache``; the Workspace's ``no_cache`` does
        so for every lookup).
        """
        return batch.lookup_many(self, requirements, source, observer, refresh, no_cache)

    # -- %cache -------------------------------------------------------------------------------
    def cache_list(self) -> CacheTable:
        """``poetry cache list``, with what is in each source's cache (entries, size, age)."""
        return source_caches.cache_table(self.cache_dir)

    def cache_clear_plan(self, target: str | None = None, *, all: bool = False) -> ClearPlan:
        """What ``cache_clear`` would delete and the question Poetry asks first."""
        return source_caches.clear_plan(self.cache_dir, self.declared.pool, target, all=all)

    def cache_clear(self, target: str | None = None, *, all: bool = False) -> Report:
        """``poetry cache clear [SOURCE[:PKG[:VERSION]]] [--all] -n`` (see ``%cache?``)."""
        return self.cache_clear_plan(target, all=all).execute()

    def cache_refresh(self, source: str) -> Report:
        """Revalidate every page and file of ``source`` that the HTTP cache holds."""
        src = self.sources.get(source)
        return source_caches.refresh(src, self.http.cache, self.http.get, self.executor)

    def status(self) -> Status:
        """``%nbext``: project, sources with priorities, where credentials are configured
        (never their values; the keyring is not read), cache size, version."""
        return status(self.project, self.sources, self.resolved)

    def publish(
        self,
        repository: str | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
        dist_dir: str | Path = "dist",
        build: bool = False,
        isolation: bool = True,
        skip_existing: bool = False,
        dry_run: bool = False,
        cert: str | None = None,
        client_cert: str | None = None,
        check_url: str | None = None,
        prompt: CredentialPrompt | None = None,
        observer: PublishObserver | None = None,
    ) -> PublishResult:
        """``poetry publish [-r NAME] [-u USER] [-p PASSWORD] [--build] [--dist-dir DIR]
        [--skip-existing] [--dry-run] [--cert F] [--client-cert F]`` (see ``%publish?``).

        ``prompt(repository, username)`` is asked for credentials when the server answers
        401; ``observer`` sees the build and each file's progress. Raises
        :class:`~nbext.publish.publish.PublishError` (with the partial result) when it stops.
        """
        return publish(
            publish_context(self, transport=self.clients.transport, sleep=self._sleep),
            repository,
            username=username,
            password=password,
            dist_dir=dist_dir,
            build_first=build,
            isolation=isolation,
            skip_existing=skip_existing,
            dry_run=dry_run,
            cert=cert,
            client_cert=client_cert,
            check_url=check_url,
            prompt=prompt,
            observer=observer,
        )

    # -- %config ------------------------------------------------------------------------------
    @property
    def _config_command(self) -> ConfigCommand:
        return ConfigCommand(self.settings, self.passwords)

    def config_list(self) -> list[str]:
        """``poetry config --list``: ``key = value`` lines; credentials are never listed."""
        return self._config_command.list()

    def config_get(self, key: str) -> str:
        """``poetry config KEY``."""
        return self._config_command.get(key)

    def config_set(
        self, key: str, *values: str, local: bool = False, prompt: PasswordPrompt | None = None
    ) -> Report:
        """``poetry config KEY VALUE...`` (``http-basic``/``pypi-token`` go to the keyring)."""
        report = self._config_command.set(key, values, local=local, prompt=prompt)
        self._after_config_change()
        return report

    def config_unset(self, key: str, *, local: bool = False) -> Report:
        """``poetry config --unset KEY``."""
        report = self._config_command.unset(key, local=local)
        self._after_config_change()
        return report

    def _after_config_change(self) -> None:
        self.clients.forget_credentials()
