"""A lean HTTP/1.1 path for the lookup's GET requests: ``http.client`` on pooled keep-alive
connections, answering with ordinary ``httpx.Response`` objects.

Why not httpx for everything: a lookup of 60 packages on 3 sources makes 240 small GETs and is
CPU-bound. Under the thread pool httpx's client and httpcore cost 1.8-2.3 ms of CPU a request
(measured; `benchmarks/bench_peers.py`), ``http.client`` about a fifth of that. httpx stays in
charge of everything else: the first request to a host goes through it (HTTP/2 is negotiated
there by ALPN), a host that answered over HTTP/1.1 then moves to this path, and injected
transports (tests) never use it.

What this path does is exactly what the httpx client did for these requests:

* connections are per (scheme, host, port, TLS configuration), kept alive and reused; an idle
  connection the server has closed (its socket is readable) is dropped before reuse, so a
  request is never sent twice behind Poetry's retry loop;
* every socket operation has the request timeout (httpx's per-operation timeouts);
* failures become the httpx exceptions the retry loop and the messages already know
  (``ConnectError``, ``ConnectTimeout``, ``ReadTimeout``, ``ReadError``,
  ``RemoteProtocolError``, ``WriteError``);
* the body is read whole; ``Content-Encoding`` (gzip, deflate) is decoded by httpx.Response.
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
from collections.abc import Callable

import httpx

__all__ = ["WirePool"]

#: Idle connections kept per host (more are closed when returned).
MAX_IDLE_PER_HOST = 32

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
    ) -> None:
        self.timeout = timeout
        self.context_for = context_for
        self.max_idle = max_idle_per_host
        self._lock = threading.Lock()
        self._idle: dict[_Key, deque[_Conn]] = {}
        self._closed = False
        #: Connections opened so far (tests and benchmarks read it).
        self.opened = 0

    # -- connections -------------------------------------------------------------------------

    def _checkout(self, url: httpx.URL) -> tuple[_Key, _Conn]:
        scheme = url.scheme
        port = url.port or (443 if scheme == "https" else 80)
        context = self.context_for(url) if scheme == "https" else None
        key: _Key = (scheme, url.host, port, id(context) if context is not None else 0)
        with self._lock:
            idle = self._idle.get(key)
            while idle:
                held = idle.pop()
                if not _readable(held.conn.sock):
                    return key, held
                held.conn.close()
        host = url.host
        with self._lock:
            self.opened += 1
        conn: http.client.HTTPConnection
        if scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=self.timeout, context=context)
        else:
            conn = http.client.HTTPConnection(host, port, timeout=self.timeout)
        return key, _Conn(conn)

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

    # -- one request -------------------------------------------------------------------------

    def send(self, request: httpx.Request) -> httpx.Response:
        """Send a body-less request; the answer is read whole (an ``httpx.Response``)."""
        url = request.url
        key, held = self._checkout(url)
        conn = held.conn
        started = time.perf_counter()
        try:
            if conn.sock is None:
                self._connect(held, request)
            target = url.raw_path.decode("ascii")
            headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
            headers["Host"] = request.headers.get("host", url.netloc.decode("ascii"))
            try:
                conn.request(request.method, target, headers=headers)
            except TimeoutError as exc:
                raise httpx.WriteTimeout(str(exc) or "timed out", request=request) from exc
            except OSError as exc:
                raise httpx.WriteError(str(exc), request=request) from exc
            try:
                answer = conn.getresponse()
                body = answer.read()
            except TimeoutError as exc:
                raise httpx.ReadTimeout(str(exc) or "timed out", request=request) from exc
            except http.client.IncompleteRead as exc:
                got, expected = len(exc.partial), len(exc.partial) + (exc.expected or 0)
                raise httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message body "
                    f"(received {got} bytes, expected {expected})",
                    request=request,
                ) from exc
            except http.client.RemoteDisconnected as exc:
                raise httpx.RemoteProtocolError(
                    "Server disconnected without sending a response.", request=request
                ) from exc
            except http.client.HTTPException as exc:
                raise httpx.RemoteProtocolError(str(exc), request=request) from exc
            except OSError as exc:
                raise httpx.ReadError(str(exc), request=request) from exc
        except BaseException:
            conn.close()
            raise
        response = httpx.Response(
            answer.status,
            headers=answer.getheaders(),
            content=body,
            request=request,
            extensions={
                "http_version": b"HTTP/1.1" if answer.version == 11 else b"HTTP/1.0",
                "reason_phrase": (answer.reason or "").encode("latin-1", "replace"),
                "nbext_tls": held.tls,
            },
        )
        response.elapsed = datetime.timedelta(seconds=time.perf_counter() - started)
        if answer.will_close:
            conn.close()
        else:
            self._checkin(key, held)
        return response

    def _connect(self, held: _Conn, request: httpx.Request) -> None:
        conn = held.conn
        try:
            conn.connect()
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "timed out", request=request) from exc
        except OSError as exc:  # refused, unreachable, DNS, and ssl.SSLError (TLS)
            raise httpx.ConnectError(str(exc), request=request) from exc
        if isinstance(conn.sock, ssl.SSLSocket):
            held.tls = conn.sock.version()

