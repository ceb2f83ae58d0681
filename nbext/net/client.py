"""HTTP for nbext: one shared ``httpx.Client`` per Workspace and a log of every exchange.

The transport is injectable (``httpx.MockTransport`` in unit tests). URLs and headers are
redacted before they are logged or shown: no credential ever reaches an event.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

import httpx

from nbext import _version
from nbext.auth.redact import redact_url
from nbext.cache.httpcache import CacheLayer, HttpCache
from nbext.constants import DEFAULT_TIMEOUT
from nbext.errors import SourceDown, TlsConnectError
from nbext.net.deadline import EXTENSION, Deadline
from nbext.net.limits import Cap, Limits
from nbext.net.wire import WirePool

__all__ = ["Event", "EventSink", "Http", "Outages", "redact_url", "short_error"]

logger = logging.getLogger("nbext.http")

_SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie"}


#: Poetry's retry loop: the first attempt plus 5 retries, on these statuses.
MAX_ATTEMPTS = 6
RETRY_STATUSES = frozenset({429, 500, 501, 502, 503, 504})
MAX_RETRY_AFTER = 60.0


def short_error(exc: BaseException) -> str:
    """ "[Errno 111] Connection refused" -> "connection refused" (errno numbers differ by OS)."""
    import re

    text = re.sub(r"\[Errno -?\d+\]\s*", "", (str(exc) or type(exc).__name__).splitlines()[0])
    return text[:1].lower() + text[1:200]


def _retryable_error(exc: httpx.HTTPError) -> bool:
    """Poetry retries connection errors; nbext does not retry what a retry cannot mend: a TLS
    failure, a timeout (the request's deadline is spent: six of them would hold a lookup for
    minutes), a body past its cap, or a redirect to a URL that cannot be parsed."""
    if isinstance(exc, TlsConnectError | SourceDown):
        return False
    if isinstance(exc, httpx.RemoteProtocolError) and str(exc).startswith("Invalid URL"):
        return False
    return isinstance(exc, httpx.ConnectError | httpx.RemoteProtocolError | httpx.ReadError)


def _duration(seconds: float) -> str:
    """``11 days``, ``3 h``, ``25 min``, ``40 s``."""
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.0f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.0f} h"
    if seconds >= 120:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:g} s"


def _asked_delay(response: httpx.Response) -> float | None:
    """The server's ``Retry-After`` in seconds (a number or an HTTP date), if it sent one."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None  # unreadable: Poetry ignores it too (float() fails)
    return max(when - time.time(), 0.0)


def _retry_after(response: httpx.Response, default: float, cap: float = 60.0) -> float:
    """The delay before the next attempt: ``Retry-After`` capped at ``cap``, else ``default``."""
    asked = _asked_delay(response)
    return default if asked is None else min(asked, cap)


def _elapsed(response: httpx.Response, started: float) -> float:
    try:
        return response.elapsed.total_seconds()
    except RuntimeError:  # transports that never set it (e.g. MockTransport)
        return time.perf_counter() - started


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: ("***" if k.lower() in _SECRET_HEADERS else v) for k, v in headers.items()}


def _redact_location(headers: httpx.Headers) -> dict[str, str]:
    """Response headers with a redirect's ``Location`` redacted (it may carry userinfo)."""
    out = dict(headers)
    if "location" in out:
        out["location"] = redact_url(out["location"])
    return out


#: How many events a client keeps for ``%netlog`` and tests (older ones are dropped).
MAX_EVENTS = 10_000


@dataclass(frozen=True)
class Event:
    """One HTTP exchange, a failed attempt or a retry wait, already redacted.

    ``kind`` is ``"response"`` (an answer, redirects included: one event per hop),
    ``"error"`` (no answer: connection, TLS or timeout failure) or ``"retry"`` (the wait
    before the next attempt). ``attempt`` counts Poetry's attempts (1 to 6); ``started`` is
    the wall-clock time the attempt began; ``http_version`` and ``tls`` describe the
    connection (``HTTP/2``, ``TLSv1.3``); ``cache`` is the HTTP cache's verdict when a
    cache is in use.
    """

    source: str
    method: str
    url: str
    status: int | None
    elapsed: float
    size: int
    error: str | None = None
    request_headers: dict[str, str] = field(default_factory=dict)
    response_headers: dict[str, str] = field(default_factory=dict)
    attempt: int = 1
    started: float = 0.0
    http_version: str | None = None
    tls: str | None = None
    cache: str | None = None

    @property
    def kind(self) -> str:
        if self.method == "RETRY":
            return "retry"
        return "error" if self.status is None else "response"

    @property
    def is_request(self) -> bool:
        """True when the event went to the network (not a retry wait, not a cache answer)."""
        if self.method == "RETRY":
            return False
        return not (self.cache or "").startswith(("hit", "offline"))

    @property
    def is_redirect(self) -> bool:
        return self.status is not None and 300 <= self.status < 400 and self.status != 304

    def line(self) -> str:
        """The ``-vv`` line: ``[corp] GET URL -> 200 (1234 bytes, 5 ms)``."""
        if self.method == "RETRY":
            return f"[{self.source}] {self.error}"
        cached = self.cache or ""
        if self.status is None:
            outcome = f"failed: {self.error}"
        elif cached.startswith(("hit", "offline")):
            outcome = f"{self.status} from the cache, no request sent"
        elif cached.startswith("revalidated"):
            outcome = "304 Not Modified: the cached copy is used"
        elif self.is_redirect and "location" in self.response_headers:
            outcome = f"{self.status} redirect to {self.response_headers['location']}"
        else:
            outcome = str(self.status)
        extra = [f"{self.size} bytes", f"{self.elapsed * 1000:.0f} ms"]
        if self.cache:
            extra.append(f"cache: {self.cache}")
        if self.attempt > 1:
            extra.append(f"attempt {self.attempt}")
        return f"[{self.source}] {self.method} {self.url} -> {outcome} ({', '.join(extra)})"

    def detail_lines(self) -> list[str]:
        """The ``-vvv`` block under :meth:`line`: connection, then headers (redacted)."""
        lines = []
        conn = " ".join(x for x in (self.http_version, self.tls) if x)
        if conn:
            lines.append(f"  * {conn}")
        lines += [f"  > {k}: {v}" for k, v in sorted(self.request_headers.items())]
        lines += [f"  < {k}: {v}" for k, v in sorted(self.response_headers.items())]
        return lines


EventSink = Callable[[Event], None]


def retry_event(source: str, url: str, delay: float, attempt: int, text: str = "") -> Event:
    """The wait before the next attempt, with Poetry's log text (or why there is none)."""
    return Event(
        source=source,
        method="RETRY",
        url=redact_url(url),
        status=None,
        elapsed=delay,
        size=0,
        error=text or f"Retrying HTTP request in {delay:g} seconds.",
        attempt=attempt,
        started=time.time(),
    )


class Outages:
    """Within one lookup, a source that cannot be reached costs its retries once.

    The first request that meets a connection error on a source goes on with Poetry's retries
    (the probe); the source's other requests that fail meanwhile wait for its verdict instead
    of retrying too. When the probe gives up, every later request to that source fails at once
    with :class:`SourceDown`; when it gets through, the waiting requests try again at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._probes: dict[str, _Probe] = {}

    def down(self, source: str) -> _Probe | None:
        with self._lock:
            probe = self._probes.get(source)
        return probe if probe is not None and probe.failed() else None

    def join(self, source: str) -> _Probe | None:
        """None: the caller is the probe (it retries). Else the probe to wait for."""
        with self._lock:
            probe = self._probes.get(source)
            if probe is None or (probe.done.is_set() and probe.error is None):
                self._probes[source] = _Probe()
                return None
            return probe

    def settle(self, source: str, error: httpx.HTTPError | None, first: str = "") -> None:
        with self._lock:
            probe = self._probes.get(source)
        if probe is not None and not probe.done.is_set():
            probe.error, probe.first = error, first
            probe.done.set()


class _Probe:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: httpx.HTTPError | None = None
        self.first = ""  # the URL that failed, redacted

    def failed(self) -> bool:
        return self.done.is_set() and self.error is not None

    def refusal(self, source: str, request: httpx.Request) -> SourceDown:
        return SourceDown(
            f"not asked: {source} could not be reached earlier in this lookup "
            f"({short_error(self.error) if self.error else 'unknown error'})",
            request=request,
        )


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
        from nbext.net.transport import ACCEPT_ENCODING, BoundedTransport, RoutingTransport

        self.sleep = sleep
        self.timeout = timeout
        self.limits = limits or Limits.from_env()
        #: The HTTP cache (None: ``--no-cache``); range requests bypass it.
        self.cache = cache
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
    ) -> tuple[httpx.Response, list[Event]]:
        """GET ``url`` for ``source`` with Poetry's retry loop; returns the last response and
        the events of every attempt. A failure raises the httpx error, with the events so far
        in its ``nbext_events`` attribute.

        Poetry's loop (spec 5.3): up to 6 attempts; retried on connection errors and on 429,
        500, 501, 502, 503, 504; the delay before retry *k* is ``Retry-After`` or ``0.5 * k``;
        never on other 4xx. nbext's differences: one deadline per attempt covers connect, TLS,
        headers and body, and a timeout is not retried; a ``Retry-After`` over the cap
        (``NBEXT_MAX_RETRY_AFTER``) is not waited for; with ``outages`` a source that cannot
        be reached costs its retries once per lookup. ``cap`` bounds the body (default: the
        page cap).
        """
        target, credentials = _split_userinfo(url)
        events: list[Event] = []
        prober = False
        for attempt in range(1, MAX_ATTEMPTS + 1):
            started, wall = time.perf_counter(), time.time()
            extensions: dict[str, Any] = {
                "nbext_source": source,
                "nbext_use_cache": cache,
                "nbext_hops": [],
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
                down = outages.down(source) if outages is not None else None
                if down is not None:
                    raise down.refusal(source, request)
                response = self.client.send(request)
            except httpx.HTTPError as exc:
                hops = extensions["nbext_hops"]
                self._hop_events(hops, url, source, attempt, wall, events, started)
                self._error_event(exc, url, headers, source, attempt, wall, started, events)
                retry = attempt < MAX_ATTEMPTS and _retryable_error(exc)
                if retry and outages is not None and not prober:
                    probe = outages.join(source)
                    prober = probe is None
                    if probe is not None:
                        probe.done.wait(_PROBE_WAIT)
                        if probe.failed() or not probe.done.is_set():
                            exc = probe.refusal(source, exc.request)
                            retry = False
                        else:
                            continue  # the source answers again: try at once
                if not retry:
                    if prober and outages is not None:
                        outages.settle(source, exc, redact_url(url))
                    raise self._final(exc, url, attempt, events) from exc
                self._wait(source, url, 0.5 * attempt, events, attempt)
                continue
            if prober and outages is not None:
                outages.settle(source, None)
            response.extensions["nbext_url"] = _with_userinfo(response.url, url)
            hops = [*response.history, response]
            self._hop_events(hops, url, source, attempt, wall, events, started)
            if response.status_code in RETRY_STATUSES and attempt < MAX_ATTEMPTS:
                asked = _asked_delay(response)
                if asked is not None and asked > self.limits.retry_after:
                    text = (
                        f"The server asks to retry in {_duration(asked)}; not waiting (more "
                        f"than NBEXT_MAX_RETRY_AFTER = {self.limits.retry_after:g} s)."
                    )
                    event = retry_event(source, url, 0.0, attempt, text)
                    events.append(event)
                    self._record(event)
                    response.extensions["nbext_gave_up"] = text
                    return response, events
                self._wait(source, url, 0.5 * attempt if asked is None else asked, events, attempt)
                continue
            return response, events
        raise AssertionError("unreachable")  # pragma: no cover

    def _final(
        self, exc: httpx.HTTPError, url: str, attempt: int, events: list[Event]
    ) -> httpx.HTTPError:
        """The error to raise after the last attempt, carrying the events."""
        out = exc
        if attempt > 1 and _retryable_error(exc) and isinstance(exc, httpx.TransportError):
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
        events: list[Event],
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
        events.append(event)
        self._record(event)

    def _hop_events(
        self,
        hops: list[httpx.Response],
        url: str,
        source: str,
        attempt: int,
        wall: float,
        events: list[Event],
        started: float,
    ) -> None:
        from nbext.net.transport import hop_of

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
                size=len(hop.content) if hop.is_stream_consumed else 0,
                # What went out, as sent (none for an answer from the cache).
                request_headers=(
                    redact_headers(info.sent_headers if info else dict(hop.request.headers))
                    if sent
                    else {}
                ),
                response_headers=redact_headers(_redact_location(hop.headers)),
                attempt=attempt,
                started=wall,
                http_version=(info.http_version if info else None) or hop.http_version,
                tls=(info.tls if info else None) if hop.url.scheme == "https" else None,
                cache=hop.extensions.get("nbext_cache"),
            )
            events.append(event)
            self._record(event)

    def _wait(self, source: str, url: str, delay: float, events: list[Event], attempt: int) -> None:
        event = retry_event(source, url, delay, attempt)
        events.append(event)
        self._record(event)
        self.sleep(delay)

    def close(self) -> None:
        self.client.close()


#: How long a request waits for the probe of its source (its whole retry schedule, with room).
_PROBE_WAIT = 120.0


def _remember_hop(response: httpx.Response) -> None:
    """httpx's response hook: every hop of a request, so a failure mid-redirect keeps the
    hops before it in the log."""
    hops = response.request.extensions.get("nbext_hops")
    if isinstance(hops, list):
        hops.append(response)


def _basic(user: str, password: str) -> str:
    import base64

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
