"""What every request leaves in the log: :class:`Event`, already redacted.

One event per exchange (a redirect hop, a failed attempt, a retry wait), for ``%netlog``,
``-vv`` and the tests. URLs and headers are redacted before they reach an event: no credential
ever does.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from nbext.redact import redact_url

__all__ = [
    "MAX_EVENTS",
    "Event",
    "EventSink",
    "redact_headers",
    "retry_event",
    "short_error",
    "shown_response_headers",
]

_SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie"}

#: How many events a client keeps for ``%netlog`` and tests (older ones are dropped).
MAX_EVENTS = 10_000


def short_error(exc: BaseException) -> str:
    """ "[Errno 111] Connection refused" -> "connection refused" (errno numbers differ by OS)."""
    text = re.sub(r"\[Errno -?\d+\]\s*", "", (str(exc) or type(exc).__name__).splitlines()[0])
    return text[:1].lower() + text[1:200]


def redact_headers(headers: Mapping[str, str]) -> dict[str, str]:
    return {k: ("***" if k.lower() in _SECRET_HEADERS else v) for k, v in headers.items()}


def shown_response_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Response headers as logged: secrets and a redirect's ``Location`` redacted (it may carry
    userinfo)."""
    shown = redact_headers(headers)
    if "location" in shown:
        shown["location"] = redact_url(shown["location"])
    return shown


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
