"""Which sources a requirement asks, in which order (Poetry's ``RepositoryPool.find_packages``),
as a generator the lookup's scheduler runs: it yields the page futures it waits for and fills
in each source's row as its answer comes."""

from __future__ import annotations

from collections.abc import Callable, Generator, Sequence
from concurrent.futures import Future

from poetry.core.packages.dependency import Dependency

from nbext.index.files import Release
from nbext.lookup.answers import PageResult
from nbext.lookup.fetch_pages import PageFetcher
from nbext.lookup.requirements import Pin
from nbext.lookup.results import SourceRow
from nbext.lookup.rules import filter_releases
from nbext.lookup.schedule import AnyOf
from nbext.sources.pool import Priority, Source, SourcePool

__all__ = ["search"]


def search(
    pool: SourcePool,
    pages: PageFetcher,
    pin: Pin | None,
    dep: Dependency,
    name: str,
    rows: dict[str, SourceRow],
    answers: dict[str, PageResult],
    matches: dict[str, list[Release]],
    notify: Callable[[], None],
) -> Generator[list[Future[object]], None, list[Source]]:
    """Poetry's ``RepositoryPool.find_packages``: which sources, in which order."""

    def asking(sources: Sequence[Source]) -> None:
        for src in sources:
            if not rows[src.key].asked:
                rows[src.key].pending = True
        notify()

    def take(page: PageResult) -> None:
        src = page.source
        answers[src.key] = page
        found = filter_releases(page.releases, dep)
        matches[src.key] = found
        row = rows[src.key]
        row.asked = True
        row.pending = False
        row.skipped = ""
        row.status = page.status
        row.elapsed = page.elapsed
        row.error = page.error
        row.unreachable = page.unreachable
        row.warning = page.warning
        row.versions = [str(r.version) for r in found]
        row.listed = len(page.releases)
        row.tracks = page.tracks
        row.alternate_locations = page.alternate_locations
        if not row.events:
            row.requests = sum(1 for e in page.events if e.is_request)
            row.events = list(page.events)
        answered = [e for e in page.events if e.status is not None]
        row.cache = (answered[-1].cache or "") if answered else page.cache

    def ask_one(src: Source) -> Generator[list[Future[object]], None, None]:
        fut = pages.page(src, name)
        if not fut.done():
            asking([src])
        yield [fut]  # type: ignore[list-item]
        take(fut.result())
        notify()

    if pin is not None:
        pinned = pool.get(pin.source)
        why = f"pinned to {pinned.name}" if pin.origin == "project" else "--source"
        for s in pool:
            if s.key != pinned.key:
                rows[s.key].skipped = f"no: {why}"
        yield from ask_one(pinned)
        return [pinned]
    for s in pool.explicit:
        rows[s.key].skipped = "no: explicit (pins only)"
    searchable = pool.searchable
    first = [s for s in searchable if s.priority is not Priority.SUPPLEMENTAL]
    supplementals = [s for s in searchable if s.priority is Priority.SUPPLEMENTAL]
    futures = [pages.page(s, name) for s in first]
    if futures:
        asking(first)
        # Take each answer as it comes, so a live view shows the fast sources first.
        remaining = list(zip(first, futures, strict=True))
        while remaining:
            yield AnyOf(f for _, f in remaining)  # type: ignore[misc]
            for _, f in remaining:
                if f.done():
                    take(f.result())
            remaining = [(s, f) for s, f in remaining if not f.done()]
            notify()
    order = list(first)
    for i, s in enumerate(supplementals):
        if any(matches.values()):
            winner = next(o for o in order if matches.get(o.key))
            reason = (
                "a primary source matched"
                if winner.priority is not Priority.SUPPLEMENTAL
                else f"{winner.name} matched first"
            )
            for rest in supplementals[i:]:
                if not rows[rest.key].asked:
                    rows[rest.key].skipped = f"no: {reason}"
            break
        yield from ask_one(s)
        order.append(s)
    return order
