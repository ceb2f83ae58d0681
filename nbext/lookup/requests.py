"""One request to a source, and the boundary around it: whatever reading a source raises becomes
that source's answer (a :class:`~nbext.lookup.answers.PageResult` with its error line), never an
exception that ends the lookup."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

import httpx

from nbext.errors import BodyTooLarge, NotCached, TlsConnectError
from nbext.lookup.answers import PageResult
from nbext.lookup.results import OFFLINE_NOT_CACHED
from nbext.net.client import Http, Outages, SourceDown, short_error
from nbext.net.limits import Cap
from nbext.redact import redact_url
from nbext.sources.pool import Source

__all__ = ["SourceRequests"]

logger = logging.getLogger("nbext.lookup")


class SourceRequests:
    """GET requests to the sources of one lookup run, through nbext's HTTP stack."""

    def __init__(
        self,
        http: Http,
        *,
        timeout: float,
        refresh: frozenset[str] = frozenset(),
        http_cache: bool = True,
    ) -> None:
        self.http = http
        self.timeout = timeout
        self.refresh = refresh
        self.http_cache = http_cache
        #: Sources that could not be reached: their retries are spent once per lookup.
        self.outages = Outages()

    def fresh(self, name: str) -> dict[str, str] | None:
        """``--refresh``: revalidate this package's pages and files whatever their age."""
        return {"Cache-Control": "no-cache"} if name in self.refresh else None

    def get(
        self,
        source: Source,
        url: str,
        accept: str | None,
        extra: dict[str, str] | None = None,
        cap: Cap | None = None,
        consume: Callable[[Iterator[bytes]], object] | None = None,
    ) -> tuple[httpx.Response | None, PageResult]:
        """GET ``url`` from ``source``: the response (None when there is none) and the
        source's answer, whose ``error`` says what went wrong (nothing is raised).
        ``consume``: read a 200's body as it arrives (:meth:`nbext.net.client.Http.get`)."""
        result = PageResult(source=source, url=redact_url(url))
        started = time.perf_counter()
        headers = {"Accept": accept} if accept else {}
        headers.update(extra or {})
        response: httpx.Response | None = None
        try:
            response, events = self.http.get(
                url,
                source=source.name,
                headers=headers,
                cache=self.http_cache,
                cap=cap,
                outages=self.outages,
                consume=consume,
                retries=not source.probe,
                anonymous=source.probe,
            )
        except Exception as exc:  # the boundary: whatever reading a source raises is its row
            result.events = list(getattr(exc, "nbext_events", []))
            result.error = f"Source ({source.name}): {self.failure(exc, source, url)}"
            result.unreachable = isinstance(exc, SourceDown)
            if isinstance(exc, NotCached):
                result.cache = OFFLINE_NOT_CACHED
        else:
            result.events = events
            result.status = response.status_code
            result.gave_up = response.extensions.get("nbext_gave_up")
        result.elapsed = time.perf_counter() - started
        return response, result

    def failure(self, exc: Exception, source: Source, url: str) -> str:
        """What went wrong, in one line that names the fix."""
        shown = redact_url(url)
        check = f"Check the URL (%source show {source.name}) and that the server is running."
        if isinstance(exc, httpx.TimeoutException):
            text = str(exc) or f"timed out after {self.timeout:g} s"
            return f"{text} at {shown}. Check that the server is up, or raise requests.timeout."
        if isinstance(exc, TlsConnectError | NotCached | SourceDown | BodyTooLarge):
            return str(exc)
        if isinstance(exc, httpx.TooManyRedirects):
            return (
                f"too many redirects at {shown} (more than {self.http.client.max_redirects}: a "
                f"redirect loop?). Check the URL (%source show {source.name})."
            )
        if isinstance(exc, httpx.RemoteProtocolError) and str(exc).startswith("Invalid URL"):
            return f"a redirect to an invalid URL at {shown} ({exc}). {check}"
        if isinstance(exc, httpx.DecodingError):
            return f"the answer from {shown} could not be decoded ({exc})."
        if isinstance(exc, httpx.HTTPError):
            if str(exc).startswith("All attempts"):
                return f"{exc}. {check}"
            host = httpx.URL(url).netloc.decode()
            return f"cannot connect to {host} ({short_error(exc)}). {check}"
        logger.debug("unexpected error reading %s", shown, exc_info=True)
        return f"could not read {shown} ({type(exc).__name__}: {redact_url(short_error(exc))})."

    def forget(self, source: Source, response: httpx.Response) -> None:
        """A page that could not be read is not kept in the HTTP cache."""
        cache = self.http.cache
        if cache is not None and self.http_cache:
            cache.forget(source.name, str(response.url))
