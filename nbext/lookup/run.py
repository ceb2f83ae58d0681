"""Lookups across sources with Poetry's exact rules (spec section 2).

* A dependency pinned to a source (``source = "x"`` in the project, or ``source=`` here) asks
  that source only, whatever its priority.
* Otherwise every primary source is asked (concurrently) and their candidates concatenated in
  pool order; supplemental sources are asked one at a time, in order, only while nothing has
  matched; explicit sources are never asked (:mod:`nbext.lookup.search`).
* Within a source: the constraint filters versions; yanked releases are dropped unless the
  constraint is an exact version; pre-releases are dropped unless nothing stable matched.
* The candidates are sorted (not yanked, stable, version) descending with a stable sort: the
  highest version wins, and for the same version the first source in pool order.
* The chosen release must support the project's Python range (Requires-Python from its
  metadata), as Poetry's solver requires; otherwise the next candidate is tried.
  (These rules: :mod:`nbext.lookup.rules`; the words that explain them:
  :mod:`nbext.lookup.explain`.)

Each requirement is a generator (:meth:`Lookup._solve`) that yields the futures it waits for;
:func:`nbext.lookup.schedule.run_all` runs them all on this thread while every request of every
requirement runs on one bounded thread pool, and identical page requests are shared.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol

from packaging.utils import canonicalize_name
from poetry.core.constraints.version import Version, VersionConstraint
from poetry.core.packages.dependency import Dependency

from nbext.cache.artifacts import ArtifactCache
from nbext.cache.metadata import MetadataCache
from nbext.cache.pages import ParsedPages
from nbext.index.choice import choose_metadata_files
from nbext.index.files import Release
from nbext.lookup.answers import MetadataResult, PageResult
from nbext.lookup.explain import (
    metadata_note,
    nothing_text,
    reason_text,
    shadowed_note,
    yanked_skipped,
)
from nbext.lookup.fetch_metadata import MetadataFetcher
from nbext.lookup.fetch_pages import PageFetcher
from nbext.lookup.requests import SourceRequests
from nbext.lookup.requirements import Pin
from nbext.lookup.results import Chosen, LookupResult, SourceRow
from nbext.lookup.rules import (
    owner_source,
    page_requires_python,
    python_for,
    python_ok,
    sorted_candidates,
)
from nbext.lookup.schedule import Step, run_all
from nbext.lookup.search import search
from nbext.net.client import Http
from nbext.redact import redact_url
from nbext.sources.pool import Source, SourcePool

__all__ = ["Lookup", "LookupObserver"]


class LookupObserver(Protocol):
    """Watches a lookup as it runs (the live view in a notebook; None elsewhere).

    ``update`` is called from the thread that runs the lookup, each time a row changes
    (a source is asked, answers or is skipped) and once more with ``done=True``. The result
    is the one being filled in: read it, never keep or change it.
    """

    def update(self, index: int, result: LookupResult, done: bool) -> None: ...


@dataclass
class _Job:
    """One requirement of a run, and its result once solved."""

    text: str
    dependency: Dependency
    pin: Pin | None
    index: int = 0
    result: LookupResult | None = None


class Lookup:
    """One run of lookups over a pool (its fetchers are shared by all its requirements)."""

    def __init__(
        self,
        pool: SourcePool,
        http: Http,
        executor: ThreadPoolExecutor,
        *,
        python: VersionConstraint,
        timeout: float,
        auth_hint: Callable[[str, int, bool], str] | None = None,
        lazy_wheel: bool = True,
        observer: LookupObserver | None = None,
        artifacts: ArtifactCache | None = None,
        metadata_cache: MetadataCache | None = None,
        parsed_pages: ParsedPages | None = None,
        refresh: frozenset[str] = frozenset(),
        http_cache: bool = True,
    ) -> None:
        self.pool = pool
        self.python = python
        self.observer = observer
        requests = SourceRequests(http, timeout=timeout, refresh=refresh, http_cache=http_cache)
        self.page_fetcher = PageFetcher(
            requests, executor, auth_hint=auth_hint, parsed=parsed_pages
        )
        self.metadata_fetcher = MetadataFetcher(
            requests,
            executor,
            lazy_wheel=lazy_wheel,
            artifacts=artifacts,
            metadata_cache=metadata_cache,
        )

    def run(self, jobs: Sequence[tuple[str, Dependency, Pin | None]]) -> list[LookupResult]:
        """Every requirement's result, in order; their generators run on this thread."""
        items = [_Job(text, dep, pin, index) for index, (text, dep, pin) in enumerate(jobs)]
        run_all([self._solve(job) for job in items])
        return [job.result for job in items if job.result is not None]

    def _solve(self, job: _Job) -> Step:
        """One requirement: search the sources, take the best candidate whose Requires-Python
        covers the project's, fill in ``job.result``."""
        dep = job.dependency
        name = canonicalize_name(dep.name)
        rows: dict[str, SourceRow] = {
            s.key: SourceRow(source=s.name, priority=s.priority.value, url=redact_url(s.url))
            for s in self.pool
        }
        answers: dict[str, PageResult] = {}
        result = LookupResult(
            requirement=job.text,
            name=name,
            constraint=str(dep.constraint),
            per_source=[rows[s.key] for s in self.pool],
            pinned=job.pin.source if job.pin else None,
            python=str(self.python),
        )

        def notify(done: bool = False) -> None:
            if self.observer is not None:
                self.observer.update(job.index, result, done)

        notify()
        python = python_for(self.python, dep)
        if python.is_empty():
            # Poetry drops a dependency whose markers exclude the project's Python
            # (Provider._get_dependencies_with_overrides): nothing is locked for it.
            for row in rows.values():
                row.skipped = "no: the marker excludes the project's Python"
            result.message = (
                f"nothing to choose: the marker {dep.marker} excludes the project's Python "
                f"{self.python}, so Poetry locks nothing for {dep.pretty_name}"
            )
            job.result = result
            notify(done=True)
            return
        skipped_python: list[str] = []
        rejected: set[Version] = set()
        seen_meta: set[Future[MetadataResult]] = set()
        current = dep
        order: list[Source] = []
        # Poetry's solver: take the best candidate; when its Requires-Python does not cover the
        # project's range, exclude that version and go on; when the candidates run out, search
        # the sources again with the narrowed constraint (which may now reach supplementals or
        # the pre-release fallback). Pages are fetched once per lookup (the PageFetcher memoises).
        for _round in range(64):
            matches: dict[str, list[Release]] = {}
            order = yield from search(
                self.pool, self.page_fetcher, job.pin, current, name, rows, answers, matches, notify
            )
            candidates = sorted_candidates(order, matches, current)
            fresh = [(s, r) for s, r in candidates if r.version not in rejected]
            if not fresh:
                break
            for source, release in fresh:
                if release.version in rejected:
                    continue
                owner = owner_source(source, release, order, answers, job.pin is not None)
                owner_release = next(
                    r for r in answers[owner.key].releases if r.version == release.version
                )
                files = choose_metadata_files(owner_release)
                said = files[0].requires_python if len(files) == 1 else None
                if said and not python_ok(said, python):
                    # The page's requires-python is the file's Requires-Python (the index copies
                    # it from the metadata): Poetry would skip it after reading the metadata;
                    # nbext skips it without the requests.
                    skipped_python.append(f"{release.version} (requires Python {said})")
                    rejected.add(release.version)
                    continue
                mfut = self.metadata_fetcher.metadata(owner, owner_release)
                yield [mfut]  # type: ignore[list-item]
                meta = mfut.result()
                if mfut not in seen_meta:
                    seen_meta.add(mfut)
                    rows[owner.key].events.extend(meta.events)
                    rows[owner.key].requests += sum(1 for e in meta.events if e.is_request)
                    for text in (meta.warning, meta.error):
                        if text and text not in result.notes:
                            result.notes.append(text)
                    notify()
                note = metadata_note(meta, files, owner_release)
                if meta.metadata is not None:
                    rp = meta.metadata.requires_python
                    where = ""
                else:
                    # Unreadable metadata: the index page's data-requires-python still counts
                    rp = page_requires_python(files, owner_release)
                    where = ", says the index page"
                if rp and not python_ok(rp, python):
                    skipped_python.append(f"{release.version} (requires Python {rp}{where})")
                    rejected.add(release.version)
                    continue
                shown = files[-1] if files else None  # of a py2/py3 pair, the py3 wheel
                result.chosen = Chosen(
                    name=name,
                    version=str(release.version),
                    source=owner.name,
                    reason=reason_text(
                        job.pin,
                        job.dependency,
                        self.python,
                        owner,
                        owner_release,
                        release,
                        candidates,
                        order,
                        skipped_python,
                    ),
                    yanked=owner_release.yanked,
                    yanked_reason=owner_release.yanked_reason or None,
                    prerelease=release.version.is_unstable(),
                    file=shown.filename if shown else None,
                    url=redact_url(shown.url) if shown else None,
                    metadata=meta.metadata,
                    metadata_via=meta.via if meta.metadata else None,
                    metadata_note=note,
                )
                shadowed = shadowed_note(owner, release, order, matches, job.pin is not None)
                if shadowed:
                    result.notes.append(shadowed)
                if owner_release.yanked:
                    why = owner_release.yanked_reason
                    result.notes.append(
                        f"Warning: {name} {release.version} is yanked on {owner.name}"
                        + (f" (reason: {why})" if why else "")
                        + "; Poetry would lock it with the same warning."
                    )
                break
            if result.chosen is not None:
                break
            constraint = current.constraint
            for version in sorted(rejected):
                constraint = constraint.difference(version)
            current = current.with_constraint(constraint)
        for page in answers.values():
            if page.warning and page.warning not in result.notes:
                result.notes.insert(0, page.warning)
            for note in page.notes:
                if note not in result.notes:
                    result.notes.append(note)
        result.notes.extend(yanked_skipped(dep, order, answers, result.chosen))
        if result.chosen is None:
            explicit = [s.name for s in self.pool.explicit]
            result.message = nothing_text(
                job.pin, dep, self.python, explicit, order, rows, skipped_python
            )
        job.result = result
        notify(done=True)
