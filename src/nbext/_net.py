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

import httpx

from nbext import _version
from nbext._constants import DEFAULT_TIMEOUT
from nbext._httpcache import HttpCache
from nbext._redact import redact_url
from nbext._wire import WirePool

__all__ = ["Event", "EventSink", "Http", "redact_url", "short_error"]

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
    from nbext._tls import TlsConnectError

    if isinstance(exc, TlsConnectError):
        return False
    return isinstance(
        exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.RemoteProtocolError | httpx.ReadError
    )


def _retry_after(response: httpx.Response, default: float) -> float:
    value = response.headers.get("retry-after")
    if value is None:
        return default
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER)
    except ValueError:
        return default  # an HTTP date: Poetry ignores it too (float() fails)


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


def _sent_headers(exc: httpx.HTTPError, asked: Mapping[str, str] | None) -> dict[str, str]:
    """The headers of the request that failed, as it went out when the error knows it."""
    try:
        return dict(exc.request.headers)
    except RuntimeError:  # an error raised before any request was built
        return dict(asked or {})


def retry_event(source: str, url: str, delay: float, attempt: int) -> Event:
    """The wait before the next attempt, with Poetry's log text."""
    return Event(
        source=source,
        method="RETRY",
        url=redact_url(url),
        status=None,
        elapsed=delay,
        size=0,
        error=f"Retrying HTTP request in {delay:g} seconds.",
        attempt=attempt,
        started=time.time(),
    )


def _tls_version(response: httpx.Response) -> str | None:
    """The TLS version of the connection that carried ``response`` (None for plain HTTP)."""
    if "nbext_tls" in response.extensions:  # the lean HTTP/1.1 path (nbext._wire)
        return response.extensions["nbext_tls"]  # type: ignore[no-any-return]
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    try:
        ssl_object = stream.get_extra_info("ssl_object")
        return str(ssl_object.version()) if ssl_object is not None else None
    except Exception:  # a closed or foreign stream: the version is only a detail
        return None


class Http:
    """The shared client. Thread-safe: ``httpx.Client`` may be shared between threads."""

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_connections: int = 32,
        auth: httpx.Auth | None = None,
        sleep: Callable[[float], None] = time.sleep,
        sinks: list[EventSink] | None = None,
        wire: WirePool | None = None,
        explain: Callable[[httpx.Request, httpx.HTTPError], httpx.HTTPError | None] | None = None,
        proxied: Callable[[httpx.URL], bool] | None = None,
        cache: HttpCache | None = None,
    ) -> None:
        self.sleep = sleep
        #: The lean HTTP/1.1 path (``nbext._wire``) for hosts that answered over HTTP/1.1;
        #: ``explain`` turns its TLS failures into the messages the httpx path gives.
        self.wire = wire
        self._explain = explain
        self._proxied = proxied  # URLs the environment sends through a proxy: httpx only
        #: The HTTP cache (None: ``--no-cache``); range requests bypass it.
        self.cache = cache
        self._http1: set[tuple[str, bytes]] = set()
        self.client = httpx.Client(
            transport=transport,
            auth=auth,
            timeout=httpx.Timeout(timeout),
            follow_redirects=True,
            headers={"User-Agent": f"nbext/{_version.__version__}"},
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
        )
        self._lock = threading.Lock()
        self.events: deque[Event] = deque(maxlen=MAX_EVENTS)
        #: Called with every event, from the thread that made the request (shared with the
        #: Workspace, so ``%netlog`` survives a new client).
        self.sinks: list[EventSink] = sinks if sinks is not None else []

    def _send(
        self, url: str, headers: dict[str, str], source: str, *, cache: bool = True
    ) -> httpx.Response:
        """One GET with redirects (followed here, hop by hop, so that the HTTP cache stores
        each hop under its own URL) and credentials (the auth flow runs on every hop)."""
        target = httpx.URL(url)
        history: list[httpx.Response] = []
        for _hop in range(self.client.max_redirects + 1):
            request = self.client.build_request("GET", target, headers=headers)
            if cache and self.cache is not None and "range" not in request.headers:
                response = self.cache.handle(source, request, self._network)
            else:
                response = self._network(request)
            location = response.headers.get("location")
            if not (response.is_redirect and location):
                response.history = history
                return response
            history.append(response)
            following = target.join(location)
            if following.host == target.host and not following.userinfo and target.userinfo:
                following = following.copy_with(userinfo=target.userinfo)
            target = following
        raise httpx.TooManyRedirects("Exceeded maximum allowed redirects.", request=request)

    def _network(self, request: httpx.Request) -> httpx.Response:
        """One hop over the network: the lean path once the host is known to speak HTTP/1.1
        (plain HTTP always does), else the httpx client (HTTP/2 negotiation, proxies)."""
        target = request.url
        if self.wire is not None:
            lean = target.scheme == "http" or (target.scheme, target.netloc) in self._http1
            if lean and not (self._proxied is not None and self._proxied(target)):
                return self._wire_auth(request)
        response = self.client.send(request, follow_redirects=False)
        if self.wire is not None and response.http_version == "HTTP/1.1":
            self._http1.add((target.scheme, target.netloc))
        return response

    def _wire_auth(self, request: httpx.Request) -> httpx.Response:
        assert self.wire is not None
        auth = self.client.auth
        if auth is None:
            return self._wire_send(request)
        flow = auth.sync_auth_flow(request)
        sent = next(flow)
        while True:
            response = self._wire_send(sent)
            try:
                sent = flow.send(response)
            except StopIteration:
                return response

    def _wire_send(self, request: httpx.Request) -> httpx.Response:
        assert self.wire is not None
        try:
            return self.wire.send(request)
        except httpx.HTTPError as exc:
            explained = self._explain(request, exc) if self._explain is not None else None
            if explained is not None:
                raise explained from exc
            raise

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
    ) -> tuple[httpx.Response, list[Event]]:
        """GET ``url`` for ``source`` with Poetry's retry loop; returns the last response and
        the events of every attempt.

        Poetry's loop (spec 5.3): up to 6 attempts; retried on connection errors and on 429,
        500, 501, 502, 503, 504; the delay before retry *k* is ``Retry-After`` (seconds, capped
        at 60 s so a cell never hangs) or ``0.5 * k``; never on other 4xx, never on a read
        timeout (the request's deadline) or a TLS failure. After the last attempt the status
        is returned, or the connection error raised.
        """
        events: list[Event] = []
        for attempt in range(1, MAX_ATTEMPTS + 1):
            started = time.perf_counter()
            wall = time.time()
            try:
                response = self._send(url, dict(headers or {}), source, cache=cache)
            except httpx.HTTPError as exc:
                event = Event(
                    source=source,
                    method="GET",
                    url=redact_url(url),
                    status=None,
                    elapsed=time.perf_counter() - started,
                    size=0,
                    error=f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
                    request_headers=redact_headers(_sent_headers(exc, headers)),
                    attempt=attempt,
                    started=wall,
                )
                events.append(event)
                self._record(event)
                if attempt == MAX_ATTEMPTS or not _retryable_error(exc):
                    gave_up = attempt > 1 and _retryable_error(exc)
                    if gave_up and isinstance(exc, httpx.TransportError):
                        host = httpx.URL(url).netloc.decode()
                        raise type(exc)(
                            f"All attempts to connect to {host} failed ({short_error(exc)})",
                            request=exc.request,
                        ) from exc
                    raise
                self._wait(source, url, 0.5 * attempt, events, attempt)
                continue
            for hop in (*response.history, response):
                tls = _tls_version(hop) if hop.url.scheme == "https" else None
                event = Event(
                    source=source,
                    method=hop.request.method,
                    url=redact_url(str(hop.request.url)),
                    status=hop.status_code,
                    elapsed=_elapsed(hop, started),
                    size=len(hop.content) if hop.is_closed else 0,
                    # What went out, as sent (none for an answer from the cache).
                    request_headers=(
                        redact_headers(dict(hop.request.headers))
                        if hop.extensions.get("nbext_sent", True)
                        else {}
                    ),
                    response_headers=redact_headers(_redact_location(hop.headers)),
                    attempt=attempt,
                    started=wall,
                    http_version=hop.http_version,
                    tls=tls,
                    cache=hop.extensions.get("nbext_cache"),
                )
                events.append(event)
                self._record(event)
            if response.status_code in RETRY_STATUSES and attempt < MAX_ATTEMPTS:
                self._wait(source, url, _retry_after(response, 0.5 * attempt), events, attempt)
                continue
            return response, events
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(
        self, source: str, url: str, delay: float, events: list[Event], attempt: int
    ) -> None:
        event = retry_event(source, url, delay, attempt)
        events.append(event)
        self._record(event)
        self.sleep(delay)

    def close(self) -> None:
        self.client.close()
        if self.wire is not None:
            self.wire.close()
