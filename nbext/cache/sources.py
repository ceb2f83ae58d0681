"""``%cache`` for a workspace's sources: the listing, a clear with the pool's page URLs, and
``%cache refresh SOURCE`` (revalidate every page and file of the source the cache holds).

The requests of a refresh go through the workspace's client (``get``), concurrently on its
thread pool; this module only knows what is stored and how to count the answers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

from nbext.cache.commands import CacheTable, ClearPlan, plan_clear, storage_files, summarize
from nbext.cache.httpcache import HttpCache, cache_root
from nbext.cache.storage import read_index
from nbext.redact import redact_url
from nbext.report import Report
from nbext.sources.pool import Source, SourcePool

__all__ = ["cache_table", "clear_plan", "refresh"]


class _Answer(Protocol):
    """One HTTP exchange of a request (``nbext.net.client.Event``)."""

    @property
    def status(self) -> int | None: ...
    @property
    def cache(self) -> str | None: ...


class Get(Protocol):
    """``Http.get``: a GET for ``source``, with its response and its exchanges."""

    def __call__(
        self, url: str, *, source: str, headers: dict[str, str]
    ) -> tuple[object, Sequence[_Answer]]: ...


def cache_table(cache_dir: Path) -> CacheTable:
    """``poetry cache list``, with what is in each source's cache (entries, size, age)."""
    return CacheTable(cache_root(cache_dir), summarize(cache_root(cache_dir)))


def clear_plan(
    cache_dir: Path, sources: Callable[[], SourcePool], target: str | None, *, all: bool
) -> ClearPlan:
    """What ``%cache clear`` would delete; ``SOURCE:PKG`` takes the package's page on the
    source too, by its URL in the pool (read only then: ``--all`` works on a project whose
    sources no longer validate)."""

    def page_urls(source: str, package: str) -> list[str]:
        pool = sources()
        if not pool.has(source):
            return []
        return [redact_url(pool.get(source).page_url(package))]

    return plan_clear(cache_root(cache_dir), target, all=all, page_urls=page_urls)


def refresh(source: Source, cache: HttpCache | None, get: Get, executor: Executor) -> Report:
    """Revalidate every page and file of ``source`` that the HTTP cache holds."""
    report = Report()
    if cache is None:
        report.warnings.append("The cache is off (--no-cache): nothing to refresh.")
        return report
    storage = cache.storage(source.name)
    # Stored URLs are redacted; where the source's URL has credentials, put them back.
    real, shown = urlsplit(source.url).netloc, urlsplit(redact_url(source.url)).netloc
    urls: list[tuple[str, dict[str, str]]] = []
    for path in storage_files(storage):
        for url, headers in _stored_requests(path):
            parts = urlsplit(url)
            if shown != real and parts.netloc == shown:
                url = urlunsplit(parts._replace(netloc=real))
            urls.append((url, headers))
    futures = [
        executor.submit(
            get,
            url,
            source=source.name,
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
    report.info.append(f"{source.name}: {len(urls)} cached pages and files revalidated: {summary}")
    return report


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
