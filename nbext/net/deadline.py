"""One deadline per request, and the watchdog that enforces it on sockets.

httpx and ``http.client`` time out per operation: a server that drips one byte of headers every
10 s, or one byte of body every 5 s, never trips a 15 s read timeout and can hold a lookup for
hours. nbext gives each request (one attempt of Poetry's retry loop, redirects included) one
:class:`Deadline` that covers connecting, the TLS handshake, the response headers and the body.
The transports set every socket operation's timeout to the time that is left, and register the
socket with the :class:`Watchdog`: one daemon thread that shuts a socket down when its request's
deadline passes, so a read blocked on a dripping server returns at once. The transport then
raises the httpx timeout that names the phase (:func:`timeout_error`).

Pure bookkeeping: no I/O but ``socket.shutdown`` on expiry.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from dataclasses import dataclass, field

import httpx

__all__ = [
    "PHASE_BODY",
    "PHASE_CONNECT",
    "PHASE_HEADERS",
    "PHASE_TLS",
    "Deadline",
    "Ticket",
    "Watchdog",
    "deadline_of",
    "timeout_error",
    "watchdog",
]

PHASE_CONNECT = "connecting"
PHASE_TLS = "in the TLS handshake"
PHASE_HEADERS = "waiting for the response headers"
PHASE_BODY = "reading the body"

#: The request extension that carries the deadline through httpx's client to the transports.
EXTENSION = "nbext_deadline"


@dataclass
class Deadline:
    """When a request must be done (``time.monotonic()``), and how far it got."""

    timeout: float
    at: float = 0.0
    phase: str = PHASE_CONNECT
    received: int = 0  # body bytes received so far (for the message)
    expired: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        if not self.at:
            self.at = time.monotonic() + self.timeout

    def remaining(self) -> float:
        """Seconds left (a small positive floor: 0 would make a socket non-blocking)."""
        return max(self.at - time.monotonic(), 0.001)

    def passed(self) -> bool:
        return self.expired or time.monotonic() >= self.at

    def what(self) -> str:
        """``timed out after 15 s reading the body (3 bytes received)``."""
        text = f"timed out after {self.timeout:g} s {self.phase}"
        if self.phase == PHASE_BODY:
            text += f" ({self.received} bytes received)"
        return text


def deadline_of(request: httpx.Request, default: float) -> Deadline:
    """The request's deadline (set by :class:`nbext.net.client.Http`), or a new one for requests
    made without it (tests that drive a transport directly)."""
    found = request.extensions.get(EXTENSION)
    if isinstance(found, Deadline):
        return found
    deadline = Deadline(default)
    request.extensions[EXTENSION] = deadline
    return deadline


def timeout_error(deadline: Deadline, request: httpx.Request) -> httpx.TimeoutException:
    """The httpx timeout for the phase the request was in when its deadline passed."""
    text = deadline.what()
    if deadline.phase in (PHASE_CONNECT, PHASE_TLS):
        return httpx.ConnectTimeout(text, request=request)
    return httpx.ReadTimeout(text, request=request)


class Ticket:
    """One watched socket; :meth:`cancel` before the socket is closed or reused."""

    __slots__ = ("_watchdog", "deadline", "done", "sock")

    def __init__(self, watchdog: Watchdog, sock: socket.socket, deadline: Deadline) -> None:
        self._watchdog = watchdog
        self.sock: socket.socket | None = sock
        self.deadline = deadline
        self.done = False

    def rebind(self, sock: socket.socket) -> None:
        """Watch ``sock`` instead (the TLS socket that replaced the plain one)."""
        with self._watchdog._lock:
            self.sock = sock

    def cancel(self) -> None:
        with self._watchdog._lock:
            self.done = True
            self.sock = None


class Watchdog:
    """One thread that shuts down the sockets of requests past their deadline."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._heap: list[tuple[float, int, Ticket]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, sock: socket.socket, deadline: Deadline) -> Ticket:
        ticket = Ticket(self, sock, deadline)
        with self._lock:
            heapq.heappush(self._heap, (deadline.at, next(self._order), ticket))
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="nbext-deadlines", daemon=True
                )
                self._thread.start()
            elif self._heap[0][2] is ticket:
                self._wake.notify()
        return ticket

    def _run(self) -> None:
        with self._lock:
            while True:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._wake.wait()
                    continue
                at, _n, ticket = self._heap[0]
                left = at - time.monotonic()
                if left > 0:
                    self._wake.wait(left)
                    continue
                heapq.heappop(self._heap)
                if ticket.deadline.at > at + 1e-6:  # pushed back (a download that progresses)
                    heapq.heappush(self._heap, (ticket.deadline.at, next(self._order), ticket))
                    continue
                ticket.deadline.expired = True
                ticket.done = True
                _shutdown(ticket.sock)
                ticket.sock = None


def _shutdown(sock: socket.socket | None) -> None:
    """End every blocked read and write on ``sock`` (its owner closes it)."""
    if sock is None or sock.fileno() == -1:
        return
    # The plain socket's method, also for an SSLSocket: its own shutdown() drops the TLS object
    # under the reading thread's feet. An OSError: already closed, nothing is blocked on it.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


#: The process's watchdog (one thread for every client).
watchdog = Watchdog()
