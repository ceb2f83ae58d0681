"""``Workspace``: the public Python API that the magics, scripts and tests share."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import httpx
from packaging.utils import canonicalize_name
from poetry.core.constraints.version import VersionConstraint, parse_constraint
from poetry.core.packages.dependency import Dependency

from nbext.auth.credentials import Authenticator, PasswordManager, SourceAuth
from nbext.auth.hints import auth_hint
from nbext.auth.redact import redact_url
from nbext.cache.artifacts import ArtifactCache
from nbext.cache.commands import CacheTable, ClearPlan, plan_clear, storage_files, summarize
from nbext.cache.httpcache import HttpCache, cache_root, read_index
from nbext.cache.metadata import MetadataCache
from nbext.config.commands import ConfigCommand, PasswordPrompt
from nbext.config.paths import config_dir
from nbext.config.settings import Settings
from nbext.constants import IMPLICIT_PYPI_NOTE, PYPI_NAME
from nbext.errors import NbextError, RequirementError, SourceError, UnknownSourceError
from nbext.lookup.engine import (
    Lookup,
    LookupObserver,
    Pin,
    kernel_python_constraint,
    parse_requirement,
)
from nbext.lookup.results import LookupResult, LookupResults
from nbext.net.client import Event, EventSink, Http
from nbext.net.diagnose import Diagnosis, diagnose
from nbext.net.tls import SourceTransport, tls_settings
from nbext.net.transport import RoutingTransport
from nbext.net.wire import WirePool
from nbext.project.pyproject import FILENAME, DependencyPin, Project, find_pyproject
from nbext.project.status import Status, status
from nbext.publish.publish import (
    CredentialPrompt,
    PublishContext,
    PublishError,
    PublishObserver,
    PublishResult,
    publish,
)
from nbext.report import Report, SourceTable
from nbext.sources.pool import (
    Priority,
    SourcePool,
    SourceSpec,
    build_pool,
    is_pypi_name,
    validate_name,
    validate_url,
)

if TYPE_CHECKING:
    from nbext.auth.keyring import KeyringStore

__all__ = ["Workspace", "workspace"]

_DEFAULT_PRIORITY_WARNING = "The default priority will change to supplemental in a future release."


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
        path: Path | None
        if discover:
            path = find_pyproject(self.directory)
        else:
            candidate = self.directory / FILENAME
            path = candidate if candidate.is_file() else None
        self.project: Project | None = Project(path) if path else None
        self._transport = transport
        self.settings = Settings(
            config_dir=config_dir(),
            project_root=self.project.root if self.project else None,
            local_dir=self.project.root if self.project else self.directory,
        )
        # Read from the settings on first use, not here: a bad value in a config file must
        # not stop the Workspace (and %config, which repairs it) from being created.
        self._timeout = timeout
        self._max_workers = max_workers
        self.keyring_timeout = keyring_timeout
        self._retry_sleep = retry_sleep
        self._no_cache = no_cache
        self._offline = offline
        self._keyring: KeyringStore | None = None
        self._passwords: PasswordManager | None = None
        self._authenticator: Authenticator | None = None
        self._python = python
        self._session_sources: list[SourceSpec] = []
        self._session_pins: dict[str, Pin] = {}
        self._http: Http | None = None
        #: Called with every HTTP event (redacted), from the requesting thread: ``%netlog``
        #: and the live views add themselves here. Survives :meth:`close`.
        self.log_sinks: list[EventSink] = []
        self._executor: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._seen_notices: set[str] = set()
        self._kernel_only_said = False
        self._pending: list[str] = []

    # -- state --------------------------------------------------------------------------------

    @property
    def timeout(self) -> float:
        """Seconds per request: the ``timeout`` argument, else ``requests.timeout`` (read
        when first needed, then kept)."""
        if self._timeout is None:
            self._timeout = self.settings.timeout
        return self._timeout

    @timeout.setter
    def timeout(self, value: float) -> None:
        self._timeout = value

    @property
    def max_workers(self) -> int:
        """Threads for concurrent requests: the ``max_workers`` argument, else
        ``installer.max-workers`` when set (capped as Poetry caps it), else 32: lookups wait
        on the network, so more threads than Poetry's cpu_count + 4 pay off. Read when first
        needed, then kept; a value Poetry refuses too is a :class:`ConfigError`."""
        if self._max_workers is None:
            configured = self.settings.get("installer.max-workers")
            self._max_workers = self.settings.max_workers if configured is not None else 32
        return self._max_workers

    @max_workers.setter
    def max_workers(self, value: int) -> None:
        self._max_workers = value

    def _specs(self) -> tuple[list[SourceSpec], list[str]]:
        if self.project is not None:
            return self.project.source_specs()
        return list(self._session_sources), []

    def notices(self) -> list[str]:
        """Deprecation notices about the declared sources not shown yet (each shown once)."""
        _specs, notices = self._specs()
        fresh = [n for n in notices if n not in self._seen_notices]
        self._seen_notices.update(fresh)
        pending, self._pending = self._pending, []
        return pending + fresh

    @property
    def sources(self) -> SourcePool:
        """The pool in Poetry's order; the implicit PyPI is included when it applies."""
        specs, _ = self._specs()
        return build_pool(specs)

    @property
    def keyring(self) -> KeyringStore:
        """The keyring, time-limited; only touched when a credential is needed."""
        with self._lock:
            if self._keyring is None:
                from nbext.auth.keyring import KeyringStore

                self._keyring = KeyringStore(enabled=True, timeout=self.keyring_timeout)
            return self._keyring

    @property
    def passwords(self) -> PasswordManager:
        if self._passwords is None:
            self._passwords = PasswordManager(self.settings, self.keyring)
        return self._passwords

    @property
    def authenticator(self) -> Authenticator:
        if self._authenticator is None:
            self._authenticator = Authenticator(self.settings, self.passwords)
        return self._authenticator

    @property
    def http(self) -> Http:
        if self._http is not None:  # every lookup comes here: no new objects once built
            return self._http
        # Built outside self._lock: the authenticator creates the keyring store under it.
        auth = SourceAuth(self.authenticator)
        transport = self._transport
        if transport is None:
            size = max(self.max_workers * 4, 32)  # idle connections to every host stay open
            source_transport = SourceTransport(
                self.settings,
                self.authenticator.repository_for,
                limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
            )
            wire = WirePool(timeout=self.timeout, context_for=source_transport.wire_context)
            transport = RoutingTransport(wire=wire, fallback=source_transport, timeout=self.timeout)
        cache = None
        if not self.no_cache:
            cache = HttpCache(cache_root(self.cache_dir), offline=self.offline)
        with self._lock:
            if self._http is None:
                self._http = Http(
                    transport=transport,
                    timeout=self.timeout,
                    max_connections=max(self.max_workers * 4, 32),
                    auth=auth,
                    sleep=self._retry_sleep,
                    sinks=self.log_sinks,
                    cache=cache,
                )
            return self._http

    @property
    def no_cache(self) -> bool:
        """Nothing is read from or written to any cache (HTTP, metadata, artifacts)."""
        if self._no_cache is not None:
            return self._no_cache
        return os.environ.get("POETRY_NO_CACHE", "").lower() in ("1", "true", "yes", "on")

    @property
    def offline(self) -> bool:
        """Answers come from the caches only; what is not cached is an error row."""
        if self._offline is not None:
            return self._offline
        return self.settings.flag("offline", False)

    @property
    def cache_dir(self) -> Path:
        """Poetry's ``cache-dir`` (``POETRY_CACHE_DIR``): artifacts and source caches."""
        return Path(str(self.settings.get("cache-dir"))).expanduser()

    @property
    def artifacts(self) -> ArtifactCache:
        """Downloaded distributions, shared with Poetry (``<cache-dir>/artifacts``)."""
        return ArtifactCache(self.cache_dir / "artifacts")

    @property
    def events(self) -> list[Event]:
        """The HTTP events of this Workspace's client so far (redacted, oldest first)."""
        if self._http is None:
            return []
        with self._http._lock:
            return list(self._http.events)

    @property
    def executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(
                    max_workers=self.max_workers, thread_name_prefix="nbext"
                )
            return self._executor

    @property
    def python(self) -> VersionConstraint:
        """The Python range a chosen release must support."""
        if self._python:
            try:
                return parse_constraint(self._python)
            except ValueError as exc:  # poetry-core's ParseConstraintError
                raise RequirementError(
                    f"Invalid python range {self._python!r} given to Workspace ({exc}). Fix: "
                    'pass a range such as ">=3.11".'
                ) from None
        if self.project is not None:
            declared = self.project.python_constraint()
            if declared is not None:
                return declared
        return kernel_python_constraint()

    def close(self) -> None:
        """Close the HTTP client and the thread pool (a closed Workspace reopens on use)."""
        with self._lock:
            if self._executor is not None:
                self._executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
            if self._http is not None:
                self._http.close()
                self._http = None

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
        report = Report()
        validate_name(name)
        if is_pypi_name(name):
            name = PYPI_NAME
            if url:
                raise SourceError("The URL of PyPI is fixed and cannot be set.", source=name)
        elif not url:
            raise SourceError("A custom source cannot be added without a URL.", source=name)
        else:
            validate_url(name, url)
        if priority is None:
            report.warnings.append(_DEFAULT_PRIORITY_WARNING)
            prio = Priority.PRIMARY
        else:
            prio = priority if isinstance(priority, Priority) else Priority.parse(priority)
        if prio is Priority.SECONDARY:
            report.warnings.append(
                "Warning: Priority 'secondary' is deprecated. Consider changing the priority to "
                "one of the non-deprecated values: 'primary', 'supplemental', 'explicit'. "
                "(Poetry 2 rejects it; nbext searches it like a primary source, as Poetry 1.x did.)"
            )
        elif prio is Priority.DEFAULT:
            report.warnings.append(
                "Warning: Priority 'default' is deprecated. You can achieve the same effect by "
                "changing the priority to 'primary' and putting the source first. (Poetry 2 "
                "rejects it.)"
            )
        # Checked against the sources as they are while the file is locked: another kernel
        # adding sources to the same project at the same time is seen, and nothing is lost.
        with self.project.locked() if self.project is not None else contextlib.nullcontext():
            self._put_source(name, url, prio, report)
        return report

    def _put_source(self, name: str, url: str | None, prio: Priority, report: Report) -> None:
        """Validate the new pool (Poetry's checks) and write the source."""
        specs, _ = self._specs()
        if prio is Priority.DEFAULT:
            others = [s.name for s in specs if s.priority is Priority.DEFAULT]
            others = [n for n in others if n.lower() != name.lower()]
            if others:
                raise SourceError(
                    f"Source with name {others[0]} is already set to default. Only one default "
                    f"source can be configured at a time.",
                    source=name,
                )
        new = SourceSpec(name=name, url=url, priority=prio)
        updated = False
        candidate: list[SourceSpec] = []
        for spec in specs:
            if spec.name.lower() == name.lower():
                candidate.append(new)
                updated = True
            else:
                candidate.append(spec)
        if not updated:
            candidate.append(new)
        try:
            build_pool(candidate)
        except SourceError as exc:
            if "explicit" in str(exc):
                raise
            raise SourceError(f"Failed to validate addition of {name}: {exc}", source=name) from exc
        if updated:
            report.info.append(f"Source with name {name} already exists. Updating.")
        else:
            report.info.append(f"Adding source with name {name}.")
        if self.project is not None:
            clean = url
            if url:
                # Credentials never go into pyproject.toml (it is usually committed): they
                # become http-basic.NAME, in the keyring when there is one. (Poetry would
                # write the URL as typed.)
                clean, saved = self._config_command.url_credentials(name, url, FILENAME)
                report.warnings.extend(saved.warnings)
                self._after_config_change()
            self.project.write_source(name, clean, prio)
        else:
            self._session_sources = candidate
            self._say_kernel_only(report)

    def _say_kernel_only(self, report: Report) -> None:
        if not self._kernel_only_said:
            self._kernel_only_said = True
            report.warnings.append(
                f"No {FILENAME} in {self.directory} or its parents: sources live in this kernel "
                f"only and are lost when it restarts. Create a project there (a {FILENAME}) to "
                "keep them."
            )

    def remove_source(self, name: str) -> Report:
        """Remove the source(s) with that name, case-insensitively (``poetry source remove``)."""
        report = Report()
        if self.project is not None:
            removed = self.project.delete_source(name)
        else:
            removed = [s.name for s in self._session_sources if s.name.lower() == name.lower()]
            self._session_sources = [
                s for s in self._session_sources if s.name.lower() != name.lower()
            ]
        if not removed:
            raise UnknownSourceError(f"Source with name {name} was not found.", source=name)
        for stored in removed:
            report.info.append(f"Removing source with name {stored}.")
        still = sorted({pin.name for pin in self._pins() if pin.source.lower() == name.lower()})
        if still:
            report.warnings.append(
                f"Dependencies still pinned to {name}: {', '.join(still)}. Their lookups will "
                f'fail with: Repository "{name.lower()}" does not exist.'
            )
        return report

    def show_sources(self, *names: str) -> SourceTable:
        """The declared sources (``poetry source show``), optionally filtered by name."""
        specs, _ = self._specs()
        pool = self.sources
        if not specs:
            return SourceTable(entries=[], empty=True, note=IMPLICIT_PYPI_NOTE)
        wanted = {n.lower() for n in names}
        chosen = [s for s in specs if not wanted or s.name.lower() in wanted]
        if names and not chosen:
            raise SourceError(f"No source found with name(s): {', '.join(names)}")
        entries = []
        for spec in chosen:
            entry = {"name": PYPI_NAME if is_pypi_name(spec.name) else spec.name}
            if spec.url and not is_pypi_name(spec.name):
                entry["url"] = redact_url(spec.url)
            entry["priority"] = spec.effective_priority.value
            entries.append(entry)
        note = IMPLICIT_PYPI_NOTE if (not names and pool.has_implicit_pypi) else ""
        return SourceTable(entries=entries, note=note)

    def diagnose(self, name: str) -> Diagnosis:
        """Which trust store accepts the source's TLS certificate, and what it is."""
        source = self.sources.get(name)
        tls = tls_settings(self.settings, source.name)
        return diagnose(source.name, source.url, tls, timeout=self.timeout)

    def check(self) -> list[str]:
        """``poetry check``'s source errors: pins naming a source that does not exist."""
        names = set(self.sources.names)
        bad = sorted({p.source for p in self._pins() if p.source not in names})
        return [f'Error: Invalid source "{b}" referenced in dependencies.' for b in bad]

    # -- %add ---------------------------------------------------------------------------------

    def _pins(self) -> list[DependencyPin]:
        out: list[DependencyPin] = []
        if self.project is not None:
            out += self.project.pins()
        for name, pin in self._session_pins.items():
            out.append(DependencyPin(name, pin.source, pin.group))
        return out

    def add(self, requirement: str, *, source: str | None = None, group: str = "main") -> Report:
        """Add a dependency with an optional source pin (``poetry add [--source S] [--group G]``).

        ``requirement`` is ``pkg``, ``pkg@CONSTRAINT`` (``pkg@*``, ``pkg@^1.2``) or PEP 508.
        Without a constraint the latest version is looked up and ``^latest`` written.
        """
        report = Report()
        text = requirement.strip()
        if source is not None:
            pool = self.sources
            if not pool.has(source):
                raise UnknownSourceError(
                    f'Repository "{source.lower()}" does not exist. Add it first with '
                    f"%source add {source} <url>.",
                    source=source,
                )
            source = pool.get(source).name
        if self.project is not None and self.project.has_dependency(text, group):
            # Poetry skips a package that is already declared, named without a constraint.
            report.info.extend(
                [
                    "The following packages are already present in the pyproject.toml "
                    f"({self.project.path}) and will be skipped:\n",
                    f"  - {text}",
                    "\nTo change its constraint or its source pin, give a constraint: "
                    f"%add {text}@^X.Y [--source NAME], or %add {text}@latest for the "
                    "latest version.\n",
                    "Nothing to add.",
                ]
            )
            return report
        dep = parse_requirement(text)
        extras = tuple(sorted(dep.extras))
        constraint = _poetry_constraint_text(text)
        if constraint is None:
            found = self.lookup(dep.name, source=source)
            if found.chosen is None:
                raise RequirementError(
                    f"Could not find a matching version of package {dep.name}: {found.message}"
                )
            constraint = f"^{found.chosen.version}"
            report.info.append(f"Using version {constraint} for {dep.pretty_name}")
        _pep508_constraint(constraint)  # validates the constraint before anything is written
        if self.project is None:
            if source:
                self._session_pins[canonicalize_name(dep.name)] = Pin(source, "project", group)
            self._say_kernel_only(report)
            report.info.append(
                f"Pinned {dep.pretty_name} ({constraint}) to source {source} in this kernel"
                if source
                else f"Noted {dep.pretty_name} ({constraint}); no project file to write it to"
            )
            return report
        where, kept = self.project.write_dependency(
            dep.pretty_name,
            constraint=constraint,
            source=source,
            group=group,
            extras=extras,
        )
        pin = f' with source = "{source}"' if source else ""
        report.info.append(f"Added {dep.pretty_name} ({constraint}) to {where}{pin}.")
        if kept:
            report.warnings.append(
                f"{dep.pretty_name} stays pinned to source {kept}: like Poetry, nbext keeps an "
                f"existing source pin when --source is not given. Use --source NAME to change it."
            )
        return report

    # -- %lookup ------------------------------------------------------------------------------

    def _pin_for(self, name: str, source: str | None) -> Pin | None:
        if source is not None:
            return Pin(source, "argument")
        key = canonicalize_name(name)
        if self.project is not None:
            pin = self.project.pin_for(key)
            if pin is not None:
                return Pin(pin.source, "project", pin.group)
        return self._session_pins.get(key)

    def _jobs(
        self, requirements: Iterable[str], source: str | None
    ) -> tuple[SourcePool, list[tuple[str, Dependency, Pin | None]]]:
        pool = self.sources
        jobs: list[tuple[str, Dependency, Pin | None]] = []
        for text in requirements:
            dep = parse_requirement(text)
            pin = self._pin_for(dep.name, source)
            if pin is not None and not pool.has(pin.source):
                raise UnknownSourceError(
                    _unknown_pin(pool, pin, dep.name, in_file=self.project is not None),
                    source=pin.source,
                )
            jobs.append((text.strip(), dep, pin))
        return pool, jobs

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
        pool, jobs = self._jobs(list(requirements), source)
        uncached = no_cache or self.no_cache
        if self.http.cache is not None:
            self.http.cache.offline = self.offline  # read once per lookup
        if refresh is True:
            fresh = frozenset(canonicalize_name(dep.name) for _t, dep, _p in jobs)
        elif refresh is False:
            fresh = frozenset()
        else:
            fresh = frozenset(canonicalize_name(n) for n in refresh)
        self.authenticator.set_sources((s.name, s.url) for s in pool)
        before = len(self.authenticator.warnings)
        run = Lookup(
            pool,
            self.http,
            self.executor,
            python=self.python,
            timeout=self.timeout,
            auth_hint=self._auth_hint,
            lazy_wheel=self.settings.flag("solver.lazy-wheel", True),
            observer=observer,
            artifacts=None if uncached else self.artifacts,
            metadata_cache=None if uncached else MetadataCache(cache_root(self.cache_dir)),
            refresh=fresh,
            http_cache=not uncached,
        )
        results = LookupResults(run.run(jobs))
        for warning in self.authenticator.warnings[before:]:
            for result in results:
                result.notes.append(warning)
        unverified = {
            s.name
            for s in pool
            if s.url.startswith("https:")
            and tls_settings(self.settings, self.authenticator.repository_for(s.url)).verify
            is False
        }
        for result in results:
            for row in result.per_source:
                if row.asked and row.source in unverified:
                    result.notes.append(
                        f"TLS verification is off for {row.source} "
                        f"(certificates.{row.source}.cert = false): its answers could come "
                        "from anyone on the network."
                    )
        return results

    def _auth_hint(self, source: str, status: int, sent: bool) -> str:
        return auth_hint(self.passwords, source, status, sent)

    # -- %cache -------------------------------------------------------------------------------

    def cache_list(self) -> CacheTable:
        """``poetry cache list``, with what is in each source's cache (entries, size, age)."""
        return CacheTable(cache_root(self.cache_dir), summarize(cache_root(self.cache_dir)))

    def cache_clear_plan(self, target: str | None = None, *, all: bool = False) -> ClearPlan:
        """What ``cache_clear`` would delete and the question Poetry asks first."""

        def page_urls(source: str, package: str) -> list[str]:
            pool = self.sources
            if not pool.has(source):
                return []
            return [redact_url(pool.get(source).page_url(package))]

        return plan_clear(cache_root(self.cache_dir), target, all=all, page_urls=page_urls)

    def cache_clear(self, target: str | None = None, *, all: bool = False) -> Report:
        """``poetry cache clear [SOURCE[:PKG[:VERSION]]] [--all] -n`` (see ``%cache?``)."""
        return self.cache_clear_plan(target, all=all).execute()

    def cache_refresh(self, source: str) -> Report:
        """Revalidate every page and file of ``source`` that the HTTP cache holds."""
        src = self.sources.get(source)
        report = Report()
        if self.http.cache is None:
            report.warnings.append("The cache is off (--no-cache): nothing to refresh.")
            return report
        storage = self.http.cache.storage(src.name)
        # Stored URLs are redacted; where the source's URL has credentials, put them back.
        real, shown = urlsplit(src.url).netloc, urlsplit(redact_url(src.url)).netloc
        urls: list[tuple[str, dict[str, str]]] = []
        for path in storage_files(storage):
            for url, headers in _stored_requests(path):
                parts = urlsplit(url)
                if shown != real and parts.netloc == shown:
                    url = urlunsplit(parts._replace(netloc=real))
                urls.append((url, headers))
        futures = [
            self.executor.submit(
                self.http.get,
                url,
                source=src.name,
                headers={**headers, "Cache-Control": "no-cache"},
            )
            for url, headers in urls
        ]
        states: dict[str, int] = {}
        for fut in futures:
            try:
                _response, events = fut.result()
            except Exception as exc:  # one failure is a line, not a crash
                key = f"failed ({type(exc).__name__})"
                states[key] = states.get(key, 0) + 1
                continue
            final = [e for e in events if e.status is not None]
            state = (final[-1].cache or "?") if final else "?"
            states[state] = states.get(state, 0) + 1
        summary = ", ".join(f"{n} {state}" for state, n in sorted(states.items()))
        report.info.append(f"{src.name}: {len(urls)} cached pages and files revalidated: {summary}")
        return report

    def status(self) -> Status:
        """``%nbext``: project, sources with priorities, where credentials are configured
        (never their values; the keyring is not read), cache size, version."""
        return status(
            self.project.path if self.project is not None else None,
            self.sources,
            self.settings,
            self.cache_dir,
            no_cache=self.no_cache,
            offline=self.offline,
        )

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
        if self.project is None:
            raise PublishError(
                "No project to publish: this Workspace has no pyproject.toml. Fix: "
                "Workspace(project_dir) (in a notebook: %cd into the project, then "
                "%reload_ext nbext)"
            )
        name, version, package_mode = self.project.package_info()

        def get(url: str, label: str, headers: dict[str, str]) -> httpx.Response:
            return self.http.get(url, source=label, headers=headers, cache=False)[0]

        def invalidate(source: str, package: str) -> None:
            with contextlib.suppress(NbextError):  # nothing cached for it: nothing to drop
                self.cache_clear(f"{source}:{package}")

        ctx = PublishContext(
            settings=self.settings,
            passwords=self.passwords,
            sources=self.sources,
            get=get,
            record=self.http.record,
            invalidate=invalidate,
            project_root=self.project.root,
            project_name=name,
            project_version=version,
            package_mode=package_mode,
            transport=self._transport,
            timeout=self.timeout,
            sleep=self._retry_sleep,
            source_urls={spec.name: spec.url for spec in self._specs()[0] if spec.url},
            repository_for=self.authenticator.repository_for,
        )
        return publish(
            ctx,
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
        self,
        key: str,
        *values: str,
        local: bool = False,
        prompt: PasswordPrompt | None = None,
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
        if self._authenticator is not None:
            self._authenticator.forget()


def _stored_requests(path: Path) -> list[tuple[str, dict[str, str]]]:
    """The (redacted URL, varying request headers) of each entry of an HTTP cache file."""
    try:
        return [
            (
                str(item["request"]["url"]),
                {k: ", ".join(v) for k, v in item["request"]["headers"].items()},
            )
            for item in read_index(path)
        ]
    except (KeyError, TypeError, AttributeError):
        return []


def _poetry_constraint_text(text: str) -> str | None:
    """The constraint part of ``pkg@c`` / PEP 508 text, in Poetry's notation; None if absent."""
    if "@" in text and "://" not in text:
        constraint = text.partition("@")[2].strip()
        return None if constraint in ("", "latest") else constraint
    dep = Dependency.create_from_pep_508(text)
    constraint = str(dep.constraint)
    return None if constraint == "*" and not any(op in text for op in "<>=!~") else constraint


def _pep508_constraint(constraint: str) -> str:
    """Poetry constraint to the PEP 508 form Poetry 2 writes in ``project.dependencies``."""
    if constraint.strip() == "*":
        return "*"
    try:
        parsed = parse_constraint(constraint)
    except Exception as exc:
        raise RequirementError(f"Invalid constraint {constraint!r}: {exc}") from None
    text = str(parsed)
    if text and text[0].isdigit():
        return f"=={text}"
    return text


_default: Workspace | None = None
_default_lock = threading.Lock()


def workspace() -> Workspace:
    """The kernel's default Workspace (the one the magics use).

    It follows the working directory like Poetry does for each command: it attaches the
    ``pyproject.toml`` found in the working directory or its parents, and when ``%cd`` leads
    to another project, a new Workspace for that project replaces it (with a notice).
    """
    global _default
    with _default_lock:
        cwd = Path.cwd()
        found = find_pyproject(cwd)
        current = _default
        if current is not None:
            attached = current.project.path if current.project else None
            if attached == (found.resolve() if found else None):
                return current
            if found is None and attached is None:
                return current
        _default = Workspace(cwd, discover=True)
        if current is not None:
            where = str(found) if found else "no project (sources live in this kernel only)"
            _default._pending.append(f"nbext now uses {where}.")
            current.close()
        return _default


def _reset_default() -> None:
    global _default
    with _default_lock:
        if _default is not None:
            _default.close()
        _default = None


def _unknown_pin(pool: SourcePool, pin: Pin, name: str, *, in_file: bool) -> str:
    """Poetry's error for a pin to an undeclared source, then what fixes it."""
    poetry = f'Repository "{pin.source.lower()}" does not exist.'
    if pin.origin == "argument":
        return f"{poetry} The declared sources are: {', '.join(pool.names) or 'none'}."
    where = "pyproject.toml" if in_file else "this kernel"
    group = "" if pin.group == "main" else f" (group {pin.group})"
    return (
        f"{poetry} {name} is pinned to it in {where}{group}: declare it with "
        f"%source add {pin.source} URL, or remove the pin."
    )
