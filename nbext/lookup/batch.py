"""One ``lookup_many``: the jobs, a :class:`~nbext.lookup.engine.Lookup` over the workspace's
client, pool and caches, and the notes every result gets.

The notes: the warnings the authenticator gave during this lookup (e.g. a keyring that did
not answer), and for each source asked whose TLS verification is off, that its answers could
come from anyone on the network.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Protocol

from packaging.utils import canonicalize_name
from poetry.core.constraints.version import VersionConstraint

from nbext.auth.credentials import Authenticator, PasswordManager
from nbext.auth.hints import auth_hint
from nbext.cache.artifacts import ArtifactCache
from nbext.cache.httpcache import cache_root
from nbext.cache.metadata import MetadataCache
from nbext.cache.pages import ParsedPages
from nbext.config.settings import Settings
from nbext.lookup.jobs import build_jobs, refresh_names
from nbext.lookup.results import LookupResults
from nbext.lookup.run import Lookup, LookupObserver
from nbext.lookup.survey import Survey
from nbext.net.client import Http
from nbext.net.tls import tls_settings
from nbext.project.declarations import Declared
from nbext.sources.pool import SourcePool

__all__ = ["LookupWorkspace", "lookup_many", "new_lookup"]


class LookupWorkspace(Protocol):
    """What a lookup takes from the workspace (``nbext.Workspace`` is one), read in this
    order: nothing is built before the requirements and their pins are known to be valid."""

    @property
    def declared(self) -> Declared: ...
    @property
    def sources(self) -> SourcePool: ...
    @property
    def no_cache(self) -> bool: ...
    @property
    def http(self) -> Http: ...
    @property
    def offline(self) -> bool: ...
    @property
    def authenticator(self) -> Authenticator: ...
    @property
    def executor(self) -> ThreadPoolExecutor: ...
    @property
    def python(self) -> VersionConstraint: ...
    @property
    def timeout(self) -> float: ...
    @property
    def passwords(self) -> PasswordManager: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def artifacts(self) -> ArtifactCache: ...
    @property
    def cache_dir(self) -> Path: ...


def lookup_many(
    ws: LookupWorkspace,
    requirements: Iterable[str],
    source: str | None,
    observer: LookupObserver | None,
    refresh: bool | Iterable[str],
    no_cache: bool,
    *,
    radar: bool = True,
) -> LookupResults:
    """Look ``requirements`` up with the workspace's pool, client and caches (see
    ``Workspace.lookup_many``); ``radar`` (and ``%config radar.enabled``, default true): each
    chosen package's verdict
    (:mod:`nbext.lookup.survey`: the other sources' pages, and the public index's when it is
    not a source and ``radar.public`` is on, asked alongside the lookup's own)."""
    pool = ws.sources
    jobs = build_jobs(ws.declared, pool, requirements, source)
    authenticator = ws.authenticator
    before = len(authenticator.warnings)
    run = new_lookup(
        ws, pool, observer=observer, refresh=refresh_names(refresh, jobs), no_cache=no_cache
    )
    survey = Survey.configured(run.page_fetcher, pool, ws.settings) if radar else None
    if survey is not None and survey.outsider is not None:  # every package is a private one
        survey.ask(str(canonicalize_name(dep.name)) for _text, dep, _pin in jobs)
    results = LookupResults(run.run(jobs))
    if survey is not None:
        _radar(survey, results)
    for warning in authenticator.warnings[before:]:
        for result in results:
            result.notes.append(warning)
    _tls_notes(ws, pool, results)
    return results


def _radar(survey: Survey, results: LookupResults) -> None:
    """Each chosen package's verdict; a note when it is not safe."""
    found = [r for r in results if r.chosen is not None]
    verdicts = survey.verdicts(
        {r.name: r.chosen.source for r in found if r.chosen is not None},
        {r.name: r.pinned for r in found},
    )
    for result in found:
        result.radar = verdicts.get(result.name)
        if result.radar is not None and result.radar.verdict != "safe":
            result.notes.append(result.radar.line())


def new_lookup(
    ws: LookupWorkspace,
    pool: SourcePool,
    *,
    observer: LookupObserver | None = None,
    refresh: frozenset[str] = frozenset(),
    no_cache: bool = False,
) -> Lookup:
    """A :class:`Lookup` over the workspace's client, thread pool and caches (``no_cache``,
    or the Workspace's: none read or written), its authenticator told the pool's sources."""
    uncached = no_cache or ws.no_cache
    if ws.http.cache is not None:
        ws.http.cache.offline = ws.offline  # read once per lookup
    ws.authenticator.set_sources((s.name, s.url) for s in pool)
    return Lookup(
        pool,
        ws.http,
        ws.executor,
        python=ws.python,
        timeout=ws.timeout,
        auth_hint=lambda name, status, sent: auth_hint(ws.passwords, name, status, sent),
        lazy_wheel=ws.settings.flag("solver.lazy-wheel", True),
        observer=observer,
        artifacts=None if uncached else ws.artifacts,
        metadata_cache=None if uncached else MetadataCache(cache_root(ws.cache_dir)),
        parsed_pages=None if uncached else ParsedPages.at(cache_root(ws.cache_dir)),
        refresh=refresh,
        http_cache=not uncached,
    )


def _tls_notes(ws: LookupWorkspace, pool: SourcePool, results: LookupResults) -> None:
    """A note on every result that a source whose TLS verification is off answered."""
    unverified = {
        s.name
        for s in pool
        if s.url.startswith("https:")
        and tls_settings(ws.settings, ws.authenticator.repository_for(s.url)).verify is False
    }
    for result in results:
        for row in result.per_source:
            if row.asked and row.source in unverified:
                result.notes.append(
                    f"TLS verification is off for {row.source} "
                    f"(certificates.{row.source}.cert = false): its answers could come "
                    "from anyone on the network."
                )
