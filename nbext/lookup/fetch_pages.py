"""Project pages from the sources, fetched on the lookup's thread pool: one request per
source and project however many requirements ask for it, one request and one parse for a
single-page index whatever the number of projects; whatever goes wrong is that source's row."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

import httpx

from nbext.cache.pages import ParsedPages, ReadPage, body_digest
from nbext.constants import ACCEPT_PYPI, ACCEPT_SIMPLE
from nbext.index.files import group_releases
from nbext.index.reader import PageFormatError, PageReader
from nbext.lookup.answers import PageResult
from nbext.lookup.requests import SourceRequests
from nbext.net.client import short_error
from nbext.redact import redact_url
from nbext.sources.pool import Source

__all__ = ["PageFetcher"]

logger = logging.getLogger("nbext.lookup")

#: Pages from this size on are kept as read (nbext.cache.pages). A small page is read faster
#: than its digest, a file write and a marshal load cost: 60 three-release demo pages were
#: 0.1 s slower cold with every page kept, where the 42 real pages (2 MB for the largest)
#: went from 2.6 s to 0.9 s warm.
KEEP_FROM = 32 * 1024


class PageFetcher:
    """Project pages, shared by every requirement of a lookup run."""

    def __init__(
        self,
        requests: SourceRequests,
        executor: ThreadPoolExecutor,
        *,
        auth_hint: Callable[[str, int, bool], str] | None = None,
        parsed: ParsedPages | None = None,
    ) -> None:
        self.requests = requests
        #: Pages read before, by the digest of their body (None: ``--no-cache``).
        self.parsed = parsed
        self.executor = executor
        self.auth_hint = auth_hint
        self._lock = threading.Lock()
        self._pages: dict[tuple[str, str], Future[PageResult]] = {}
        self._single: dict[str, Future[tuple[httpx.Response | None, PageResult]]] = {}
        self._readers: dict[str, PageReader] = {}

    def page(self, source: Source, name: str) -> Future[PageResult]:
        key = (source.key, name)
        with self._lock:
            fut = self._pages.get(key)
            if fut is None:
                fut = self.executor.submit(self._fetch_page, source, name)
                self._pages[key] = fut
            return fut

    def _fetch_page(self, source: Source, name: str) -> PageResult:
        """One source's page for ``name``; whatever goes wrong is that source's row."""
        try:
            return self._page(source, name)
        except Exception as exc:  # the boundary: one source's failure never ends the lookup
            logger.debug("reading %s for %s failed", source.name, name, exc_info=True)
            return PageResult(
                source=source,
                url=redact_url(source.page_url(name)),
                error=f"Source ({source.name}): could not be read ({type(exc).__name__}: "
                f"{redact_url(short_error(exc))}).",
            )

    def _page(self, source: Source, name: str) -> PageResult:
        if source.kind == "single-page":
            return self._from_single_page(source, name)
        accept = ACCEPT_PYPI if source.kind == "pypi" else ACCEPT_SIMPLE
        response, result = self.requests.get(
            source, source.page_url(name), accept, self.requests.fresh(name)
        )
        if response is not None:
            self._read_page(result, response, name)
        return result

    def _from_single_page(self, source: Source, name: str) -> PageResult:
        with self._lock:
            fut = self._single.get(source.key)
            owner = fut is None
            if fut is None:
                fut = Future()
                self._single[source.key] = fut
        if owner:
            try:
                fut.set_result(
                    self.requests.get(source, source.url, None, self.requests.fresh(name))
                )
            except BaseException as exc:  # pragma: no cover - defensive
                fut.set_exception(exc)
        response, shared = fut.result()
        result = PageResult(
            source=source,
            url=shared.url,
            status=shared.status,
            error=shared.error,
            elapsed=shared.elapsed if owner else 0.0,
            events=shared.events if owner else [],
        )
        if response is not None:
            with self._lock:  # the one page is parsed once for every project asked for
                reader = self._readers.get(source.key)
                if reader is None:
                    reader = PageReader(
                        response.content,
                        content_type=response.headers.get("content-type"),
                        url=str(response.extensions.get("nbext_url") or response.url),
                    )
                    self._readers[source.key] = reader
            self._read_page(result, response, name, reader)
        return result

    def _read_page(
        self,
        result: PageResult,
        response: httpx.Response,
        name: str,
        reader: PageReader | None = None,
    ) -> None:
        source, status = result.source, response.status_code
        base = str(response.extensions.get("nbext_url") or response.url)
        url = redact_url(base)
        if status == 404 or (source.kind == "pypi" and status != 200 and status not in (401, 403)):
            return
        if status in (401, 403):
            result.warning = f"Source ({source.name}): Authorization error accessing {url}"
            if self.auth_hint is not None:
                sent = "authorization" in response.request.headers
                result.warning += self.auth_hint(source.name, status, sent)
            return
        if not 200 <= status < 300:
            result.error = f"Source ({source.name}): HTTP {status} from {url}"
            if result.gave_up:
                result.error += f" ({result.gave_up.rstrip('.')})"
            return
        digest = None
        if reader is None and self.parsed is not None and len(response.content) >= KEEP_FROM:
            digest = body_digest(response.content)
            known = self.parsed.get(source.name, base, name, digest)
            if known is not None:  # the same bytes as before: read then, not again
                self._take(result, known, url)
                return
        try:
            if reader is None:
                reader = PageReader(
                    response.content,
                    content_type=response.headers.get("content-type"),
                    url=base,
                )
            page = reader.project(name)
        except PageFormatError as exc:
            self.requests.forget(source, response)
            result.error = (
                f"Source ({source.name}): {exc} at {url}. Check that the source URL points at a "
                f"simple index (usually ending in /simple/)."
            )
            return
        except Exception as exc:  # a hostile page, or a defect in nbext: only this source's row
            self.requests.forget(source, response)
            result.error = (
                f"Source ({source.name}): nbext could not read the page at {url} "
                f"({type(exc).__name__}: {redact_url(str(exc)[:200])}); please report this."
            )
            return
        read = ReadPage(
            group_releases(page.files),
            page.skipped,
            page.skipped_count,
            page.tracks,
            page.alternate_locations,
        )
        if digest is not None and self.parsed is not None:
            self.parsed.put(source.name, base, name, digest, read)
        self._take(result, read, url)

    @staticmethod
    def _take(result: PageResult, page: ReadPage, url: str) -> None:
        source = result.source
        result.releases = page.releases
        result.tracks = page.tracks
        result.alternate_locations = page.alternate_locations
        if page.skipped_count:
            more = page.skipped_count - len(page.skipped)
            result.notes.append(
                f"Source ({source.name}): {page.skipped_count} link"
                f"{'s' if page.skipped_count != 1 else ''} on {url} left out: "
                + "; ".join(page.skipped)
                + (f"; and {more} more" if more else "")
            )
