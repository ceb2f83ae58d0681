"""A lean HTTP/1.1 path for GET requests: ``http.client`` on pooled keep-alive connections,
answering with ordinary streaming ``httpx.Response`` objects.

Why not httpx for everything: a lookup of 60 packages on 3 sources makes 240 small GETs and is
CPU-bound. Under the thread pool httpx's client and httpcore cost 1.8-2.3 ms of CPU a request
(measured; `benchmarks/bench_peers.py`), ``http.client`` about a fifth of that. httpx stays in
charge of everything else: the client above (auth, redirects, the cache), the first request to
an HTTPS host (HTTP/2 is negotiated there by ALPN; :class:`nbext.net.transport.RoutingTransport`),
proxies, and injected transports (tests).

What this path does is what httpx's own transport does for these requests, plus one deadline:

* connections are per (scheme, host, port, TLS configuration), kept alive and reused; an idle
  connection the server has closed (its socket is readable) is dropped before reuse, so a
  request is never sent twice behind Poetry's retry loop;
* the request's :class:`~nbext.net.deadline.Deadline` covers connecting, the TLS handshake, the
  headers and the body: every socket operation gets the time that is left and the watchdog shuts
  the socket down when it runs out, so a server that drips bytes cannot hold a request longer;
* failures become the httpx exceptions the retry loop and the messages already know
  (``ConnectError``, ``ConnectTimeout``, ``ReadTimeout``, ``ReadError``,
  ``RemoteProtocolError``, ``WriteError``);
* the body is streamed raw; ``Content-Encoding`` is decoded (with a size cap) above.
"""

from __future__ import annotations

import datetime
import http.client
import select
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from nbext.net.deadline import (
    PHASE_BODY,
    PHASE_CONNECT,
    PHASE_HEADERS,
    PHASE_TLS,
    Deadline,
    Ticket,
    Watchdog,
    deadline_of,
    timeout_error,
    watchdog,
)

__all__ = ["WirePool"]

#: Idle connections kept per host (more are closed when returned).
MAX_IDLE_PER_HOST = 32
#: How long a host's resolved addresses are reused (seconds).
DNS_TTL = 60.0
#: Bytes asked of the socket per read of the body.
CHUNK = 64 * 1024

_Key = tuple[str, str, int, int]  # scheme, host, port, id(SSL context)


def _readable(sock: socket.socket | None) -> bool:
    """True when an idle socket has data or EOF waiting: the server closed it (or broke the
    protocol), so it must not carry another request."""
    if sock is None:
        return True
    try:
        ready, _w, _x = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(ready)


class _Conn:
    __slots__ = ("conn", "tls")

    def __init__(self, conn: http.client.HTTPConnection) -> None:
        self.conn = conn
        self.tls: str | None = None


class WirePool:
    """Keep-alive HTTP/1.1 connections (see the module docstring). Thread-safe."""

    def __init__(
        self,
        *,
        timeout: float,
        context_for: Callable[[httpx.URL], ssl.SSLContext],
        max_idle_per_host: int = MAX_IDLE_PER_HOST,
        dog: Watchdog = watchdog,
    ) -> None:
        self.timeout = timeout
        self.context_for = context_for
        self.max_idle = max_idle_per_host
        self.watchdog = dog
        self._lock = threading.Lock()
        self._idle: dict[_Key, deque[_Conn]] = {}
        self._closed = False
        self._resolving: dict[tuple[str, int], threading.Lock] = {}
        self._resolved: dict[tuple[str, int], tuple[float, list[tuple[Any, ...]]]] = {}
        #: Connections opened so far (tests and benchmarks read it).
        self.opened = 0

    # -- connections -------------------------------------------------------------------------

    def _checkout(self, url: httpx.URL) -> tuple[_Key, _Conn, ssl.SSLContext | None]:
        scheme = url.scheme
        port = url.port or (443 if scheme == "https" else 80)
        context = self.context_for(url) if scheme == "https" else None
        key: _Key = (scheme, url.host, port, id(context) if context is not None else 0)
        with self._lock:
            idle = self._idle.get(key)
            while idle:
                held = idle.pop()
                if not _readable(held.conn.sock):
                    return key, held, context
                held.conn.close()
        with self._lock:
            self.opened += 1
        return key, _Conn(http.client.HTTPConnection(url.host, port)), context

    def _checkin(self, key: _Key, held: _Conn) -> None:
        with self._lock:
            if not self._closed:
                idle = self._idle.setdefault(key, deque())
                if len(idle) < self.max_idle:
                    idle.append(held)
                    return
        held.conn.close()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            pools, self._idle = list(self._idle.values()), {}
        for idle in pools:
            for held in idle:
                held.conn.close()

    def _connect(
        self,
        held: _Conn,
        context: ssl.SSLContext | None,
        request: httpx.Request,
        deadline: Deadline,
    ) -> Ticket:
        """Open the connection under the deadline; the returned ticket watches its socket."""
        conn = held.conn
        deadline.phase = PHASE_CONNECT
        try:
            raw = self._dial(conn.host, conn.port, deadline)
        except TimeoutError as exc:
            raise timeout_error(deadline, request) from exc
        except OSError as exc:  # refused, unreachable, DNS
            raise httpx.ConnectError(str(exc), request=request) from exc
        ticket = self.watchdog.watch(raw, deadline)
        sock: socket.socket = raw
        try:
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if context is not None:
                deadline.phase = PHASE_TLS
                tls = context.wrap_socket(
                    raw, server_hostname=conn.host, do_handshake_on_connect=False
                )
                ticket.rebind(tls)
                sock = tls
                tls.settimeout(deadline.remaining())
                tls.do_handshake()
                held.tls = tls.version()
            conn.sock = sock
        except BaseException as exc:
            ticket.cancel()
            sock.close()
            if deadline.expired or isinstance(exc, TimeoutError):
                raise timeout_error(deadline, request) from exc
            if isinstance(exc, OSError):  # ssl.SSLError included: explained above this
                raise httpx.ConnectError(str(exc), request=request) from exc
            raise
        return ticket

    def _addresses(self, host: str, port: int) -> list[tuple[Any, ...]]:
        """The host's addresses, resolved once per minute per host: 32 connections opened at
        once asked the resolver 32 times, and the answers that were dropped came back after
        its 5 s retry (measured against the public index: 5.3 s where one lookup took 0.6 s).
        Concurrent callers wait for the first resolution instead of asking too."""
        key = (host, port)
        with self._lock:
            lock = self._resolving.setdefault(key, threading.Lock())
        with lock:
            held = self._resolved.get(key)
            if held is not None and held[0] > time.monotonic():
                return held[1]
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            addresses = [info[4] for info in found]
            self._resolved[key] = (time.monotonic() + DNS_TTL, addresses)
            return addresses

    def _dial(self, host: str, port: int, deadline: Deadline) -> socket.socket:
        """A TCP connection to the first of the host's addresses that answers."""
        error: OSError | None = None
        for address in self._addresses(host, port):
            family = socket.AF_INET6 if len(address) == 4 else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(deadline.remaining())
                sock.connect(address)
                return sock
            except TimeoutError:
                sock.close()
                raise
            except OSError as exc:
                sock.close()
                error = exc
        raise error or OSError(f"no address for {host}")

    # -- one request -------------------------------------------------------------------------

    def send(self, request: httpx.Request) -> httpx.Response:
        """Send a body-less request; the answer's body is streamed (see :class:`_Body`)."""
        url = request.url
        deadline = deadline_of(request, self.timeout)
        key, held, context = self._checkout(url)
        conn = held.conn
        started = time.perf_counter()
        if conn.sock is None:
            ticket = self._connect(held, context, request, deadline)
        else:
            ticket = self.watchdog.watch(conn.sock, deadline)
        try:
            deadline.phase = PHASE_HEADERS
            answer = self._exchange(conn, request, deadline)
        except BaseException:
            ticket.cancel()
            conn.close()
            raise
        response = httpx.Response(
            answer.status,
            # As bytes: header values may hold any latin-1 character, which httpx refuses
            # to encode from str.
            headers=[(k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.getheaders()],
            stream=_Body(self, key, held, answer, ticket, request, deadline),
            request=request,
            extensions={
                "http_version": b"HTTP/1.1" if answer.version == 11 else b"HTTP/1.0",
                "reason_phrase": (answer.reason or "").encode("latin-1", "replace"),
                "nbext_tls": held.tls,
            },
        )
        response.elapsed = datetime.timedelta(seconds=time.perf_counter() - started)
        return response

    def _exchange(
        self, conn: http.client.HTTPConnection, request: httpx.Request, deadline: Deadline
    ) -> http.client.HTTPResponse:
        assert conn.sock is not None
        target = request.url.raw_path.decode("ascii")
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        headers["Host"] = request.headers.get("host", request.url.netloc.decode("ascii"))
        try:
            conn.sock.settimeout(deadline.remaining())
            conn.request(request.method, target, headers=headers)
        except TimeoutError as exc:
            raise timeout_error(deadline, request) from exc
        except OSError as exc:
            if deadline.expired:
                raise timeout_error(deadline, request) from exc
            raise httpx.WriteError(str(exc), request=request) from exc
        try:
            conn.sock.settimeout(deadline.remaining())
            return conn.getresponse()
        except Exception as exc:
            raise _read_error(exc, request, deadline) from exc


def _read_error(exc: Exception, request: httpx.Request, deadline: Deadline) -> httpx.HTTPError:
    """What a failed read means, as the httpx exception the callers know."""
    if deadline.expired or isinstance(exc, TimeoutError):
        return timeout_error(deadline, request)
    if isinstance(exc, http.client.IncompleteRead):
        got, expected = len(exc.partial), len(exc.partial) + (exc.expected or 0)
        return httpx.RemoteProtocolError(
            "peer closed connection without sending complete message body "
            f"(received {got} bytes, expected {expected})",
            request=request,
        )
    if isinstance(exc, http.client.RemoteDisconnected):
        return httpx.RemoteProtocolError(
            "Server disconnected without sending a response.", request=request
        )
    if isinstance(exc, http.client.HTTPException):
        return httpx.RemoteProtocolError(str(exc) or type(exc).__name__, request=request)
    if isinstance(exc, OSError):
        return httpx.ReadError(str(exc), request=request)
    return httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}", request=request)


class _Body(httpx.SyncByteStream):
    """The raw body of one answer; the connection goes back to the pool when it is read whole
    (and is closed when it is not)."""

    def __init__(
        self,
        pool: WirePool,
        key: _Key,
        held: _Conn,
        answer: http.client.HTTPResponse,
        ticket: Ticket,
        request: httpx.Request,
        deadline: Deadline,
    ) -> None:
        self._pool = pool
        self._key = key
        self._held: _Conn | None = held
        self._answer = answer
        self._ticket = ticket
        self._request = request
        self._deadline = deadline

    def __iter__(self) -> Iterator[bytes]:
        answer, deadline = self._answer, self._deadline
        deadline.phase = PHASE_BODY
        sock = self._held.conn.sock if self._held is not None else None
        deadline.received = got = 0
        while True:
            try:
                if sock is not None:
                    sock.settimeout(deadline.remaining())
                chunk = answer.read1(CHUNK)
            except Exception as exc:
                self.close()
                raise _read_error(exc, self._request, deadline) from exc
            if not chunk:
                break
            got += len(chunk)
            deadline.received = got
            yield chunk
        if deadline.expired:  # the watchdog's shutdown looks like the end of the body
            self.close()
            raise timeout_error(deadline, self._request)
        if answer.length:  # read1() ends quietly where read() says IncompleteRead
            self.close()
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body "
                f"(received {got} bytes, expected {got + answer.length})",
                request=self._request,
            )
        answer.close()  # read whole: the connection is free for the next request
        self._release()

    def _release(self) -> None:
        held, self._held = self._held, None
        self._ticket.cancel()
        if held is None:
            return
        if self._answer.will_close:
            held.conn.close()
        else:
            self._pool._checkin(self._key, held)

    def close(self) -> None:
        held, self._held = self._held, None
        self._ticket.cancel()
        self._answer.close()  # its file holds the socket open until it is closed too
        if held is not None:
            held.conn.close()
