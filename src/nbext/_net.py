"""HTTP for nbext: one shared ``httpx.Client`` per Workspace and a log of every exchange.

The transport is injectable (``httpx.MockTransport`` in unit tests). URLs and headers are
redacted before they are logged or shown: no credential ever reaches an event.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx

from nbext import _version
from nbext._constants import DEFAULT_TIMEOUT
from nbext._redact import redact_url

__all__ = ["Event", "Http", "redact_url", "short_error"]

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


@dataclass(frozen=True)
class Event:
    """One HTTP exchange (or a failed attempt), already redacted."""

    source: str
    method: str
    url: str
    status: int | None
    elapsed: float
    size: int
    error: str | None = None
    request_headers: dict[str, str] = field(default_factory=dict)
    response_headers: dict[str, str] = field(default_factory=dict)

    @property
    def is_request(self) -> bool:
        return self.method != "RETRY"

    def line(self) -> str:
        if not self.is_request:
            return f"[{self.source}] {self.error}"
        outcome = str(self.status) if self.status is not None else f"failed: {self.error}"
        return (
            f"[{self.source}] {self.method} {self.url} -> {outcome} "
            f"({self.size} bytes, {self.elapsed * 1000:.0f} ms)"
        )


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
    ) -> None:
        self.sleep = sleep
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
        self.events: list[Event] = []
        self.sinks: list[Callable[[Event], None]] = []

    def _record(self, event: Event) -> None:
        logger.debug("%s", event.line())  # redacted already; `logging` users see every request
        with self._lock:
            self.events.append(event)
            sinks = list(self.sinks)
        for sink in sinks:
            sink(event)

    def get(
        self, url: str, *, source: str, headers: Mapping[str, str] | None = None
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
            try:
                response = self.client.get(url, headers=dict(headers or {}))
            except httpx.HTTPError as exc:
                event = Event(
                    source=source,
                    method="GET",
                    url=redact_url(url),
                    status=None,
                    elapsed=time.perf_counter() - started,
                    size=0,
                    error=f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__,
                    request_headers=redact_headers(dict(headers or {})),
                )
                events.append(event)
                self._record(event)
                if attempt == MAX_ATTEMPTS or not _retryable_error(exc):
                    if attempt > 1 and isinstance(exc, httpx.ConnectError):
                        host = httpx.URL(url).netloc.decode()
                        raise httpx.ConnectError(
                            f"All attempts to connect to {host} failed ({short_error(exc)})",
                            request=exc.request,
                        ) from exc
                    raise
                self._wait(source, url, 0.5 * attempt, events)
                continue
            for hop in (*response.history, response):
                event = Event(
                    source=source,
                    method=hop.request.method,
                    url=redact_url(str(hop.request.url)),
                    status=hop.status_code,
                    elapsed=_elapsed(hop, started),
                    size=len(hop.content) if hop.is_closed else 0,
                    request_headers=redact_headers(dict(hop.request.headers)),
                    response_headers=redact_headers(dict(hop.headers)),
                )
                events.append(event)
                self._record(event)
            if response.status_code in RETRY_STATUSES and attempt < MAX_ATTEMPTS:
                self._wait(source, url, _retry_after(response, 0.5 * attempt), events)
                continue
            return response, events
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait(self, source: str, url: str, delay: float, events: list[Event]) -> None:
        event = Event(
            source=source,
            method="RETRY",
            url=redact_url(url),
            status=None,
            elapsed=delay,
            size=0,
            error=f"Retrying HTTP request in {delay:g} seconds.",
        )
        events.append(event)
        self._record(event)
        self.sleep(delay)

    def close(self) -> None:
        self.client.close()
