"""Poetry's retry loop, once, for every request nbext makes (GETs and uploads).

Poetry's loop (spec 5.3): up to 6 attempts; retried on connection errors and on 429, 500,
501, 502, 503, 504; the delay before retry *k* is ``Retry-After`` or ``0.5 * k``; never on
other 4xx. nbext's differences: a timeout, a TLS failure or a body past its cap is not retried
(:func:`retryable_error`); a ``Retry-After`` over the cap (``NBEXT_MAX_RETRY_AFTER``) is not
waited for: the answer is returned at once with the reason; and with :class:`Outages` a source
that cannot be reached costs its retries once per lookup.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import httpx

from nbext.errors import SourceDown, TlsConnectError
from nbext.net.events import Event, retry_event, short_error
from nbext.redact import redact_url

__all__ = [
    "MAX_ATTEMPTS",
    "RETRY_STATUSES",
    "Outages",
    "SourceDown",
    "asked_delay",
    "retryable_error",
    "retrying",
]

#: Poetry's retry loop: the first attempt plus 5 retries, on these statuses.
MAX_ATTEMPTS = 6
RETRY_STATUSES = frozenset({429, 500, 501, 502, 503, 504})

#: How long a request waits for the probe of its source (its whole retry schedule, with room).
PROBE_WAIT = 120.0


def retryable_error(exc: httpx.HTTPError) -> bool:
    """Poetry retries connection errors; nbext does not retry what a retry cannot mend: a TLS
    failure, a timeout (the request's deadline is spent: six of them would hold a lookup for
    minutes), a body past its cap, or a redirect to a URL that cannot be parsed."""
    if isinstance(exc, TlsConnectError | SourceDown):
        return False
    if isinstance(exc, httpx.RemoteProtocolError) and str(exc).startswith("Invalid URL"):
        return False
    return isinstance(exc, httpx.ConnectError | httpx.RemoteProtocolError | httpx.ReadError)


def duration(seconds: float) -> str:
    """``11 days``, ``3 h``, ``25 min``, ``40 s``."""
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.0f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.0f} h"
    if seconds >= 120:
        return f"{seconds / 60:.0f} min"
    return f"{seconds:g} s"


def asked_delay(response: httpx.Response) -> float | None:
    """The server's ``Retry-After`` in seconds (a number or an HTTP date), if it sent one."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None  # unreadable: Poetry ignores it too (float() fails)
    return max(when - time.time(), 0.0)


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

    def refuse_if_down(self, source: str, request: httpx.Request) -> None:
        """Raise :class:`SourceDown` for ``request`` when ``source`` is known to be down."""
        down = self.down(source)
        if down is not None:
            raise down.refusal(source, request)

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


def _as_is(exc: httpx.HTTPError, _attempt: int) -> Exception:
    return exc


def retrying(
    send: Callable[[int], httpx.Response],
    *,
    source: str,
    url: str,
    note: Callable[[Event], None],
    sleep: Callable[[float], None],
    max_retry_after: float,
    outages: Outages | None = None,
    final: Callable[[httpx.HTTPError, int], Exception] = _as_is,
) -> httpx.Response:
    """Poetry's retry loop around ``send(attempt)`` (see the module doc): the last response.

    ``send`` makes one attempt and logs what it got (its events go to ``note``), raising the
    httpx error when no answer came; with ``outages`` it refuses a source already down
    (:meth:`Outages.refuse_if_down`). The loop logs the waits (``note``) and sleeps them
    (``sleep``); an answer whose ``Retry-After`` is over ``max_retry_after`` is returned with
    the reason in its ``nbext_gave_up`` extension. When it gives up on an error it raises
    ``final(error, attempt)``.
    """

    def wait(delay: float, attempt: int) -> None:
        note(retry_event(source, url, delay, attempt))
        sleep(delay)

    prober = False
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            response = send(attempt)
        except httpx.HTTPError as exc:
            error: httpx.HTTPError = exc
            retry = attempt < MAX_ATTEMPTS and retryable_error(exc)
            if retry and outages is not None and not prober:
                probe = outages.join(source)
                prober = probe is None
                if probe is not None:
                    probe.done.wait(PROBE_WAIT)
                    if probe.failed() or not probe.done.is_set():
                        error = probe.refusal(source, exc.request)
                        retry = False
                    else:
                        continue  # the source answers again: try at once
            if not retry:
                if prober and outages is not None:
                    outages.settle(source, error, redact_url(url))
                raise final(error, attempt) from error
            wait(0.5 * attempt, attempt)
            continue
        if prober and outages is not None:
            outages.settle(source, None)
        if response.status_code not in RETRY_STATUSES or attempt == MAX_ATTEMPTS:
            return response
        asked = asked_delay(response)
        if asked is not None and asked > max_retry_after:
            text = (
                f"The server asks to retry in {duration(asked)}; not waiting (more "
                f"than NBEXT_MAX_RETRY_AFTER = {max_retry_after:g} s)."
            )
            note(retry_event(source, url, 0.0, attempt, text))
            response.extensions["nbext_gave_up"] = text
            return response
        wait(0.5 * attempt if asked is None else asked, attempt)
    raise AssertionError("unreachable")  # pragma: no cover
