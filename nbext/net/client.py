"""HTTP for nbext: one shared ``httpx.Client`` per Workspace and a log of every exchange.

The transport is injectable (``httpx.MockTransport`` in unit tests). URLs and headers are
redacted before they are logged or shown: no credential ever reaches an event
(:mod:`nbext.net.events`). Every GET goes through Poetry's retry loop
(:mod:`nbext.net.retry`).
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import unquote

import httpx

from nbext import _version
from nbext.cache.httpcache import CacheLayer, HttpCache
from nbext.constants import DEFAULT_TIMEOUT
from nbext.net.deadline import EXTENSION, Deadline
from nbext.net.events import (
    MAX_EVENTS,
    Event,
    EventSink,
    redact_headers,
    short_error,
    shown_response_headers,
)
from nbext.net.limits import Cap, Limits
from nbext.net.retry import Outages, SourceDown, retryable_error, retrying
from nbext.net.transport import ACCEPT_ENCODING, BoundedTransport, RoutingTransport, hop_of
from nbext.net.wire import WirePool
from nbext.redact import redact_url

# Event, EventSink, Outages, SourceDown and short_error live in nbext.net.events and
# nbext.net.retry; they stay importable from here for the modules that import them so.
__all__ = ["Event", "EventSink", "Http", "Outages", "SourceDown", "short_error"]

logger = logging.getLogger("nbext.http")


def _elapsed(response: httpx.Response, started: float) -> float:
    try:
        return response.elapsed.total_seconds()
    except RuntimeError:  # transports that never set it (e.g. MockTransport)
        return time.perf_counter() - started


class Http:
    """The shared client over nbext's one transport stack (see :mod:`nbext.net.transport`).

    httpx's client follows redirects and runs the auth flow, so credentials never go to another
    origin (it drops ``Authorization`` when a redirect leaves the origin, as requests does);
    the cache, the size caps and the deadline sit below it; ``transport`` (the routing of
    :mod:`nbext.net.transport`, or an injected ``httpx.MockTransport``) is the bottom. Thread-safe.
    """

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_connections: int = 32,
        auth: httpx.Auth | None = None,
        sleep: Callable[[float], None] = time.sleep,
        sinks: list[EventSink] | None = None,
        cache: HttpCache | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.sleep = sleep
        self.timeout = timeout
        self.limits = limits or Limits.from_env()
        #: The HTTP cache (None: ``--no-cache``); range requests bypass it.
        self.cache = cache
        #: Indexes that are not sources and did not answer the radar (URL -> when, monotonic):
        #: it does not ask them again for a while (:mod:`nbext.lookup.survey`).
        self.unanswered: dict[str, float] = {}
        bottom = transport or httpx.HTTPTransport(
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            )
        )
        #: The routing transport when nbext chose the bottom (None for an injected one).
        self.routing = bottom if isinstance(bottom, RoutingTransport) else None
        stack: httpx.BaseTransport = BoundedTransport(bottom, self.limits)
        if cache is not None:
            stack = CacheLayer(stack, cache)
        self.client = httpx.Client(
            transport=stack,
            auth=auth,
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            headers={
                "User-Agent": f"nbext/{_version.__version__}",
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            event_hooks={"response": [_remember_hop]},
        )
        self._lock = threading.Lock()
        self.events: deque[Event] = deque(maxlen=MAX_EVENTS)
        #: Called with every event, from the thread that made the request (shared with the
        #: Workspace, so ``%netlog`` survives a new client).
        self.sinks: list[EventSink] = sinks if sinks is not None else []

    @property
    def wire(self) -> WirePool | None:
        """The lean HTTP/1.1 path, when nbext chose the transport."""
        return self.routing.wire if self.routing is not None else None

    @property
    def _http1(self) -> set[tuple[str, bytes]]:
        return self.routing._http1 if self.routing is not None else set()

    def record(self, event: Event) -> None:
        """Log ``event`` and pass it to the sinks (``%netlog``): for requests made elsewhere,
        such as uploads."""
        self._record(event)

    def _record(self, event: Event) -> None:
        if logger.isEnabledFor(logging.DEBUG):  # redacted already: `logging` sees every request
            logger.debug("%s", event.line())
        with self._lock:
            self.events.append(event)
            sinks = list(self.sinks)
        for sink in sinks:
            try:
                sink(event)
            except Exception:  # a broken display must never break a request
                logger.exception("nbext: an event sink failed")

    def get(
        self,
        url: str,
        *,
        source: str,
        headers: Mapping[str, str] | None = None,
        cache: bool = True,
        cap: Cap | None = None,
        outages: Outages | None = None,
        consume: Callable[[Iterator[bytes]], object] | None = None,
        retries: bool = True,
        anonymous: bool = False,
    ) -> tuple[httpx.Response, list[Event]]:
        """GET ``url`` for ``source`` with Poetry's retry loop (:func:`nbext.net.retry.retrying`:
        with ``outages`` a source that cannot be reached costs its retries once per lookup);
        returns the last response and the events of every attempt. A failure raises the httpx
        error, with the events so far in its ``nbext_events`` attribute.

        One deadline per attempt covers connect, TLS, headers and body (a timeout is not
        retried). ``cap`` bounds the body (default: the page cap). With ``consume``, a 200's body
        is not read whole: ``consume`` gets its chunks and may stop early (the rest is never
        downloaded); what it returns, or the exception it raised, is in the response's
        ``nbext_consumed`` extension. ``retries=False``: one attempt, whatever it gets (the
        radar's look at an index that is not a source must never hold a lookup up).
        """
        target, credentials = _split_userinfo(url)
        events: list[Event] = []

        def note(event: Event) -> None:
            events.append(event)
            self._record(event)

        def send(attempt: int) -> httpx.Response:
            started, wall = time.perf_counter(), time.time()
            extensions: dict[str, Any] = {
                "nbext_source": source,
                # A body read as it arrives is not stored: the cache would read it whole.
                "nbext_use_cache": cache and consume is None,
                # ... and goes over HTTP/1.1: httpcore does not reset an HTTP/2 stream left
                # unread, whose data then fills the connection's window and stalls every other
                # request on it (measured: 15 s stalls on the public index).
                "nbext_http1": consume is not None,
                "nbext_hops": [],
                "nbext_anonymous": anonymous,
                EXTENSION: Deadline(self.timeout),
            }
            if cap is not None:
                extensions["nbext_cap"] = cap
            sent_headers = dict(headers or {})
            if credentials is not None:
                extensions["nbext_url_credentials"] = credentials
                if self.client.auth is None:  # no auth flow to apply them
                    sent_headers["Authorization"] = _basic(*credentials)
            try:
                request = self.client.build_request(
                    "GET", target, headers=sent_headers, extensions=extensions
                )
                if outages is not None:
                    outages.refuse_if_down(source, request)
                response = self.client.send(request, stream=consume is not None)
                if consume is not None:
                    _consumed(response, consume)
            except httpx.HTTPError as exc:
                hops = extensions["nbext_hops"]
                self._hop_events(hops, url, source, attempt, wall, note, started)
                self._error_event(exc, url, headers, source, attempt, wall, started, note)
                raise
            response.extensions["nbext_url"] = _with_userinfo(response.url, url)
            hops = [*response.history, response]
            self._hop_events(hops, url, source, attempt, wall, note, started)
            return response

        if not retries:
            try:
                return send(1), events
            except httpx.HTTPError as exc:
                raise self._final(exc, url, 1, events) from None
        response = retrying(
            send,
            source=source,
            url=url,
            note=note,
            sleep=self.sleep,
            max_retry_after=self.limits.retry_after,
            outages=outages,
            final=lambda exc, attempt: self._final(exc, url, attempt, events),
        )
        return response, events

    def _final(
        self, exc: httpx.HTTPError, url: str, attempt: int, events: list[Event]
    ) -> httpx.HTTPError:
        """The error to raise after the last attempt, carrying the events."""
        out = exc
        if attempt > 1 and retryable_error(exc) and isinstance(exc, httpx.TransportError):
            host = httpx.URL(url).netloc.decode()
            out = type(exc)(
                f"All attempts to connect to {host} failed ({short_error(exc)})",
                request=exc.request,
            )
        out.nbext_events = list(events)  # type: ignore[attr-defined]
        return out

    def _error_event(
        self,
        exc: httpx.HTTPError,
        url: str,
        asked: Mapping[str, str] | None,
        source: str,
        attempt: int,
        wall: float,
        started: float,
        note: EventSink,
    ) -> None:
        try:
            failed, sent = _shown(exc.request.url, url), dict(exc.request.headers)
        except RuntimeError:  # an error raised before any request was built
            failed, sent = redact_url(url), dict(asked or {})
        event = Event(
            source=source,
            method="GET",
            url=failed,
            status=None,
            elapsed=time.perf_counter() - started,
            size=0,
            error=f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
            request_headers=redact_headers(sent),
            attempt=attempt,
            started=wall,
        )
        note(event)

    def _hop_events(
        self,
        hops: list[httpx.Response],
        url: str,
        source: str,
        attempt: int,
        wall: float,
        note: EventSink,
        started: float,
    ) -> None:
        for hop in hops:
            if not hop.is_closed and not hop.is_stream_consumed:
                continue  # the hop that failed: its error event says what happened
            info = hop_of(hop)
            sent = hop.extensions.get("nbext_sent", True)
            event = Event(
                source=source,
                method=hop.request.method,
                url=_shown(hop.request.url, url),
                status=hop.status_code,
                elapsed=_elapsed(hop, started),
                size=_size(hop),
                # What went out, as sent (none for an answer from the cache).
                request_headers=(
                    redact_headers(info.sent_headers if info else dict(hop.request.headers))
                    if sent
                    else {}
                ),
                response_headers=shown_response_headers(hop.headers),
                attempt=attempt,
                started=wall,
                http_version=(info.http_version if info else None) or hop.http_version,
                tls=(info.tls if info else None) if hop.url.scheme == "https" else None,
                cache=hop.extensions.get("nbext_cache"),
            )
            note(event)

    def close(self) -> None:
        self.client.close()


def _remember_hop(response: httpx.Response) -> None:
    """httpx's response hook: every hop of a request, so a failure mid-redirect keeps the
    hops before it in the log."""
    hops = response.request.extensions.get("nbext_hops")
    if isinstance(hops, list):
        hops.append(response)


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _with_userinfo(final: httpx.URL, url: str) -> str:
    """The final URL, with the credentials of the URL asked for when it is on the same
    origin: links on the page resolve against it, as Poetry resolves them against requests'
    URL (which keeps the userinfo)."""
    if "@" not in url:
        return str(final)
    original = httpx.URL(url)
    same = (final.scheme, final.host, final.port) == (original.scheme, original.host, original.port)
    if not original.userinfo or not same:
        return str(final)
    return str(final.copy_with(userinfo=original.userinfo))


def _shown(hop: httpx.URL, url: str) -> str:
    """A hop's URL as logged: redacted, with the user of the URL asked for on its origin."""
    return redact_url(_with_userinfo(hop, url))


def _split_userinfo(url: str) -> tuple[httpx.URL, tuple[str, str] | None]:
    """The URL without credentials, and the credentials (percent-decoded) it carried.

    The credentials travel beside the request (the auth flow turns them into a header), so no
    layer below, no log, no cache key and no redirect ever sees them in a URL.
    """
    parsed = httpx.URL(url)
    if not parsed.userinfo:
        return parsed, None
    user, _, password = parsed.userinfo.decode("ascii", "replace").partition(":")
    return parsed.copy_with(userinfo=b""), (unquote(user), unquote(password))


def _consumed(response: httpx.Response, consume: Callable[[Iterator[bytes]], object]) -> None:
    """Hand a 200's body to ``consume`` as it arrives (anything else is read whole), then close
    the response: what was not read is never downloaded."""
    try:
        if response.status_code != 200:
            response.read()
            return
        try:
            response.extensions["nbext_consumed"] = consume(response.iter_bytes())
        except httpx.HTTPError:
            raise
        except Exception as exc:  # the reader's own failure: the caller's to judge
            response.extensions["nbext_consumed"] = exc
    finally:
        response.close()


def _size(hop: httpx.Response) -> int:
    """The body bytes of a hop: read whole, or as far as a consumer read it."""
    if not hop.is_stream_consumed:
        return 0
    try:
        return len(hop.content)
    except httpx.ResponseNotRead:
        return hop.num_bytes_downloaded
