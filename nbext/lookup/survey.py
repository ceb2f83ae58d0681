"""The radar's requests: every declared source, and the public index when it is not one of them,
asked for the names a lookup, a lock, an install or an audit took from a source other than the
public index; then :func:`~nbext.lookup.radar.judge` on what their pages said.

The requests go through the run's :class:`~nbext.lookup.fetch_pages.PageFetcher`, so a page the
run already read costs nothing, and through the HTTP cache, so the public index is asked once
per name. The public index is a probe (:attr:`Source.probe`): one attempt, no retries, never
with credentials (no configured source has its URL's name).

The radar never holds the work up: a lookup, a lock or an install waits at most
:data:`RADAR_WAIT` for the pages it did not need itself (its own pages are all there by then);
a source that has not answered by then is named as not known, and its answer still lands in
the cache for the next time. ``%source audit`` is the radar's own question, so it waits for
every source's deadline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from nbext.config.settings import Settings
from nbext.constants import pypi_simple_url
from nbext.lookup.answers import PageResult
from nbext.lookup.fetch_pages import PageFetcher
from nbext.lookup.radar import OUTSIDE, PUBLIC_NAME, RadarVerdict, Sighting, judge, sighting
from nbext.sources.pool import Priority, Source

__all__ = ["PUBLIC_NAME", "RADAR_WAIT", "Survey", "from_public", "public_source"]

#: Seconds a lookup, lock or install waits, after its own work, for the radar's other pages.
RADAR_WAIT = 2.0

#: Seconds the radar leaves the public index alone after it did not answer (no connection,
#: no answer in time): a network without a way out costs one attempt per name, not one per
#: name and cell.
QUIET = 300.0


def public_source(sources: Iterable[Source], enabled: bool) -> Source | None:
    """The public index as an undeclared source, when the radar should ask it."""
    if not enabled or any(s.kind == "pypi" for s in sources):
        return None
    return Source(
        name=PUBLIC_NAME, url=pypi_simple_url().rstrip("/"), priority=Priority.PRIMARY, probe=True
    )


def from_public(source: str, sources: Iterable[Source]) -> bool:
    """Whether ``source`` (a name as a lock or a result gives it) is the public index."""
    key = source.lower()
    return key == "pypi" or any(s.kind == "pypi" and s.key == key for s in sources)


@dataclass
class Survey:
    """The radar's pages for some names on every source (started at once, read when judged)."""

    pages: PageFetcher
    sources: list[Source]
    outsider: Source | None = None
    asked: dict[str, list[tuple[Source, Future[PageResult]]]] = field(default_factory=dict)
    #: The radar's own question (``%source audit``): ask the public index even when it did
    #: not answer a moment ago, and wait for every page's own deadline.
    insist: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: The first request to the public index: the others wait for its answer, so an index
    #: that cannot be reached costs one attempt, not one thread per name until a deadline.
    _gate: Future[PageResult] | None = field(default=None, repr=False)
    _gate_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def over(cls, pages: PageFetcher, sources: Iterable[Source], *, public: bool) -> Survey:
        """A survey of the declared ``sources``, and the public index when ``public`` and it
        is not one of them."""
        declared = list(sources)
        return cls(pages, declared, public_source(declared, public))

    @classmethod
    def configured(
        cls,
        pages: PageFetcher,
        sources: Iterable[Source],
        settings: Settings,
        *,
        public: bool | None = None,
    ) -> Survey | None:
        """The survey of a lookup, a lock or an install: None when ``%config radar.enabled``
        is false; the public index asked unless ``public`` (default ``%config radar.public``,
        on) is false or it is a source."""
        if not settings.flag("radar.enabled", True):
            return None
        return cls.for_audit(pages, sources, settings, public=public, insist=False)

    @classmethod
    def for_audit(
        cls,
        pages: PageFetcher,
        sources: Iterable[Source],
        settings: Settings,
        *,
        public: bool | None = None,
        insist: bool = True,
    ) -> Survey:
        """The survey of ``%source audit``, the radar's own question, whatever ``radar.enabled``
        says: the public index asked again even when it did not answer a moment ago, and each
        page waited for (``insist``)."""
        if public is None:
            public = settings.flag("radar.public", True)
        survey = cls.over(pages, sources, public=public)
        survey.insist = insist
        return survey

    @property
    def everyone(self) -> list[Source]:
        return [*self.sources, *([self.outsider] if self.outsider else [])]

    def ask(self, names: Iterable[str]) -> Survey:
        """Ask every source for these names now (the fetcher shares pages asked already)."""
        for name in names:
            with self._lock:
                if name in self.asked:
                    continue
                self.asked[name] = [(s, self._page(s, name)) for s in self.everyone]
        return self

    def _page(self, source: Source, name: str) -> Future[PageResult]:
        if source is not self.outsider:
            return self.pages.page(source, name)
        if self._quiet(source):
            return _done(_unanswered(source, name))
        with self._gate_lock:
            gate = self._gate
            if gate is None:
                self._gate = gate = self._probe(source, name)
                return gate
        if gate.done():
            if self._quiet(source):
                return _done(_unanswered(source, name))
            return self._probe(source, name)
        after: Future[PageResult] = Future()

        def go(_gate: Future[PageResult]) -> None:
            if self._quiet(source):
                after.set_result(_unanswered(source, name))
                return
            real = self._probe(source, name)
            real.add_done_callback(lambda done: after.set_result(done.result()))

        gate.add_done_callback(go)
        return after

    def _quiet(self, source: Source) -> bool:
        """Whether the public index did not answer a moment ago (``insist``: never)."""
        since = self.pages.requests.http.unanswered.get(source.url)
        return since is not None and time.monotonic() - since < QUIET and not self.insist

    def _probe(self, source: Source, name: str) -> Future[PageResult]:
        fut = self.pages.page(source, name)
        fut.add_done_callback(lambda done: self._answered(source, done))
        return fut

    def _answered(self, source: Source, done: Future[PageResult]) -> None:
        """Remember an outsider that could not be reached (an HTTP answer is an answer)."""
        page = done.result()
        if page.status is None and page.error and not page.releases:
            self.pages.requests.http.unanswered[source.url] = time.monotonic()

    def verdicts(
        self,
        chosen: Mapping[str, str],
        pins: Mapping[str, str | None],
    ) -> dict[str, RadarVerdict]:
        """The verdict for every name of ``chosen`` (name -> the source it comes from) that
        does not come from the public index; ``pins``: name -> the source it is pinned to.
        Pages not read yet are waited for :data:`RADAR_WAIT` seconds at most (``insist``:
        until their own deadlines)."""
        mine = {n: s for n, s in chosen.items() if not from_public(s, self.sources)}
        self.ask(mine)
        wait = None if self.insist else RADAR_WAIT
        deadline = None if wait is None else time.monotonic() + wait
        out: dict[str, RadarVerdict] = {}
        for name, here in mine.items():
            seen: Sighting | None = None
            others: list[Sighting] = []
            for source, fut in self.asked[name]:
                look = _read(
                    source,
                    fut,
                    deadline,
                    wait,
                    self.pages.requests.http.unanswered,
                    declared=source is not self.outsider,
                )
                if source.name.lower() == here.lower():
                    seen = look
                else:
                    others.append(look)
            pin = pins.get(name)
            out[name] = judge(
                name, seen or Sighting(here, "primary", ""), others, pinned=pin is not None
            )
        return out


def _done(page: PageResult) -> Future[PageResult]:
    fut: Future[PageResult] = Future()
    fut.set_result(page)
    return fut


def _unanswered(source: Source, name: str) -> PageResult:
    return PageResult(
        source=source,
        url=source.page_url(name),
        error=f"{source.name} did not answer a moment ago: not asked again yet",
    )


def _read(
    source: Source,
    fut: Future[PageResult],
    deadline: float | None,
    wait: float | None,
    unanswered: dict[str, float],
    *,
    declared: bool,
) -> Sighting:
    """What the page said, or that it did not answer before ``deadline``."""
    left = None if deadline is None else max(0.0, deadline - time.monotonic())
    try:
        page = fut.result(timeout=left)
    except FutureTimeout:
        if not declared:
            unanswered[source.url] = time.monotonic()
        return Sighting(
            source=source.name,
            priority=source.priority.value if declared else OUTSIDE,
            url="",
            error=f"no answer within {wait:g} s",
        )
    return sighting(source, page, declared=declared)
