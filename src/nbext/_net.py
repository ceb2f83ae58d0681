"""HTTP for nbext: one shared ``httpx.Client`` per Workspace and a log of every exchange.

The transport is injectable (``httpx.MockTransport`` in unit tests). URLs and headers are
redacted before they are logged or shown: no credential ever reaches an event.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx

from nbext import _version
from nbext._constants import DEFAULT_TIMEOUT
from nbext._redact import redact_url

__all__ = ["Event", "Http", "redact_url"]

_SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie"}


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

    def line(self) -> str:
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
    ) -> None:
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
        with self._lock:
            self.events.append(event)
            sinks = list(self.sinks)
        for sink in sinks:
            sink(event)

    def get(
        self, url: str, *, source: str, headers: Mapping[str, str] | None = None
    ) -> tuple[httpx.Response, list[Event]]:
        """GET ``url`` for ``source``; returns the response and the events it produced.

        Raises ``httpx.HTTPError`` subclasses for transport failures (after logging them).
        """
        started = time.perf_counter()
        events: list[Event] = []
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
            self._record(event)
            raise
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
        return response, events

    def close(self) -> None:
        self.client.close()
