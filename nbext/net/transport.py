"""The bottom of nbext's one transport stack.

::

    httpx.Client (auth, redirects: credentials never cross an origin)
      └── nbext.cache.httpcache.CacheLayer   hishel's RFC 9111 cache, per source, offline answers
            └── BoundedTransport        Content-Encoding decoded under a size cap; what was sent
                  └── RoutingTransport  the lean HTTP/1.1 path (nbext.net.wire) or httpx's own
                      (or the injected transport: ``Workspace(transport=...)`` replaces only this)

Every request carries one :class:`~nbext.net.deadline.Deadline` (set by
:class:`nbext.net.client.Http`), which both paths of the routing enforce on their sockets.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from nbext.errors import BodyTooLarge
from nbext.net.deadline import (
    PHASE_BODY,
    PHASE_HEADERS,
    PHASE_TLS,
    Deadline,
    Ticket,
    Watchdog,
    deadline_of,
    timeout_error,
    watchdog,
)
from nbext.net.limits import Cap, Limits
from nbext.net.tls import SourceTransport
from nbext.net.wire import WirePool
from nbext.redact import redact_url

__all__ = ["ACCEPT_ENCODING", "BoundedTransport", "Hop", "RoutingTransport", "hop_of"]

#: What nbext asks servers for: only the codings it decodes under a cap.
ACCEPT_ENCODING = "gzip, deflate"
#: Decompressed bytes produced per step, so a bomb never inflates past its cap in one go.
_STEP = 1024 * 1024


@dataclass(frozen=True)
class Hop:
    """What went out for one hop, as sent (after auth and the cache's conditional headers)."""

    sent_headers: dict[str, str]
    http_version: str | None
    tls: str | None


def hop_of(response: httpx.Response) -> Hop | None:
    found = response.extensions.get("nbext_hop")
    return found if isinstance(found, Hop) else None


def _tls_version(response: httpx.Response) -> str | None:
    """The TLS version of the connection that carried ``response`` (None for plain HTTP)."""
    if "nbext_tls" in response.extensions:  # the lean HTTP/1.1 path (nbext.net.wire)
        tls = response.extensions["nbext_tls"]
        return tls if isinstance(tls, str) else None
    stream = response.extensions.get("network_stream")
    if stream is None:
        return None
    try:
        ssl_object = stream.get_extra_info("ssl_object")
        return str(ssl_object.version()) if ssl_object is not None else None
    except Exception:  # a closed or foreign stream: the version is only a detail
        return None


# -- decoding under a cap ----------------------------------------------------------------------


class _Inflate:
    """gzip or deflate (zlib-wrapped or raw, as browsers accept it), bounded per step."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        wbits = zlib.MAX_WBITS | 16 if coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._zlib = zlib.decompressobj(wbits)
        self._first = coding == "deflate"

    def decode(self, data: bytes) -> Iterator[bytes]:
        while data:
            try:
                out = self._zlib.decompress(data, _STEP)
            except zlib.error:
                if not self._first:
                    raise
                self._first = False  # a raw deflate stream (no zlib header)
                self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                out = self._zlib.decompress(data, _STEP)
            self._first = False
            data = self._zlib.unconsumed_tail
            if out:
                yield out

    def flush(self) -> bytes:
        return self._zlib.flush()


def _decoders(value: str) -> list[_Inflate]:
    """Decoders in the order to apply them (the last coding applied is undone first)."""
    codings = [c.strip().lower() for c in value.split(",") if c.strip()]
    out = []
    for coding in reversed(codings):
        if coding == "identity":
            continue
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise httpx.DecodingError(
                f"the server sent Content-Encoding {coding!r}, which nbext does not accept "
                f"(it asks for {ACCEPT_ENCODING})"
            )
        out.append(_Inflate(coding))
    return out


class _BoundedBody(httpx.SyncByteStream):
    def __init__(
        self,
        raw: httpx.SyncByteStream,
        decoders: list[_Inflate],
        cap: Cap,
        request: httpx.Request,
    ) -> None:
        self._raw = raw
        self._decoders = decoders
        self._cap = cap
        self._request = request
        self._seen = 0

    def _count(self, chunk: bytes) -> bytes:
        self._seen += len(chunk)
        if self._seen > self._cap.bytes:
            self.close()
            raise BodyTooLarge(
                self._cap.message(redact_url(str(self._request.url))), request=self._request
            )
        return chunk

    def _decode(self, chunks: Iterator[bytes], depth: int) -> Iterator[bytes]:
        if depth == len(self._decoders):
            yield from chunks
            return
        decoder = self._decoders[depth]
        try:
            for chunk in chunks:
                yield from self._decode(decoder.decode(chunk), depth + 1)
            tail = decoder.flush()
        except zlib.error as exc:
            self.close()
            raise httpx.DecodingError(
                f"the {decoder.coding} body is corrupt ({exc})", request=self._request
            ) from exc
        if tail:
            yield from self._decode(iter([tail]), depth + 1)

    def __iter__(self) -> Iterator[bytes]:
        raw = (self._count_raw(c) for c in self._raw)
        for chunk in self._decode(raw, 0):
            if self._decoders:
                self._count(chunk)
            yield chunk

    def _count_raw(self, chunk: bytes) -> bytes:
        return chunk if self._decoders else self._count(chunk)

    def close(self) -> None:
        self._raw.close()


class BoundedTransport(httpx.BaseTransport):
    """Decodes ``Content-Encoding`` under the request's size cap and notes what was sent.

    The cap is the request's ``nbext_cap`` extension (a :class:`~nbext.net.limits.Cap`), else the
    page cap. A declared ``Content-Length`` over it is refused before a byte is read. The
    answer goes up decoded (no ``Content-Encoding``), so the cache above stores what it serves.
    """

    def __init__(self, inner: httpx.BaseTransport, limits: Limits) -> None:
        self.inner = inner
        self.limits = limits

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        cap = request.extensions.get("nbext_cap")
        if not isinstance(cap, Cap):
            cap = self.limits.page
        response = self.inner.handle_request(request)
        hop = Hop(dict(request.headers), _http_version(response), _tls_version(response))
        request.extensions["nbext_hop"] = hop  # read by the cache layer for a 304
        try:
            declared = int(response.headers.get("content-length", "0") or 0)
        except ValueError:
            declared = 0
        try:
            decoders = _decoders(response.headers.get("content-encoding", ""))
            if declared > cap.bytes and not decoders:
                raise BodyTooLarge(cap.message(redact_url(str(request.url))), request=request)
        except httpx.HTTPError as exc:
            response.close()
            exc.request = request
            raise
        headers = response.headers.raw
        if decoders:
            strip = (b"content-encoding", b"content-length")
            headers = [(k, v) for k, v in headers if k.lower() not in strip]
        assert isinstance(response.stream, httpx.SyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=headers,
            stream=_BoundedBody(response.stream, decoders, cap, request),
            request=request,
            extensions={**response.extensions, "nbext_hop": hop},
        )

    def close(self) -> None:
        self.inner.close()


def _http_version(response: httpx.Response) -> str | None:
    version = response.extensions.get("http_version")
    return version.decode("ascii", "replace") if isinstance(version, bytes) else None


# -- routing -----------------------------------------------------------------------------------


class RoutingTransport(httpx.BaseTransport):
    """Each request to the lean path or to httpx's transport.

    Plain HTTP always takes the lean path; an HTTPS host takes it once it has answered over
    HTTP/1.1 through httpx (which negotiates HTTP/2 where the server offers it); anything the
    environment sends through a proxy stays with httpx. On httpx's side the deadline is
    enforced with per-operation timeouts set to the time left, and, for new connections, the
    same watchdog (httpcore's ``trace`` extension hands over the socket).
    """

    def __init__(
        self,
        *,
        wire: WirePool,
        fallback: SourceTransport,
        timeout: float,
        dog: Watchdog = watchdog,
    ) -> None:
        self.wire = wire
        self.fallback = fallback
        self.timeout = timeout
        self.watchdog = dog
        self._http1: set[tuple[str, bytes]] = set()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        deadline = deadline_of(request, self.timeout)
        lean = (
            url.scheme == "http"
            or (url.scheme, url.netloc) in self._http1
            or bool(request.extensions.get("nbext_http1"))
        )
        if lean and self.fallback.proxy_for(url) is None:
            try:
                return self.wire.send(request)
            except httpx.HTTPError as exc:
                explained = self.fallback.explain(request, exc)
                if explained is not None:
                    raise explained from exc
                raise
        return self._via_httpx(request, deadline)

    def _via_httpx(self, request: httpx.Request, deadline: Deadline) -> httpx.Response:
        left = deadline.remaining()
        request.extensions["timeout"] = {"connect": left, "read": left, "write": left, "pool": left}
        tracked: list[Ticket] = []
        previous = request.extensions.get("trace")
        request.extensions["trace"] = self._tracer(deadline, tracked, previous)
        try:
            response = self.fallback.handle_request(request)
        except httpx.HTTPError as exc:
            for ticket in tracked:
                ticket.cancel()
            if deadline.expired or isinstance(exc, httpx.TimeoutException):
                raise timeout_error(deadline, request) from exc
            raise
        if response.http_version == "HTTP/1.1":
            self._http1.add((request.url.scheme, request.url.netloc))
            if not tracked:  # a reused connection: watch its socket for the body
                sock = _socket_of(response)
                if sock is not None:
                    tracked.append(self.watchdog.watch(sock, deadline))
        assert isinstance(response.stream, httpx.SyncByteStream)
        response.stream = _Watched(response.stream, deadline, tracked, request)
        return response

    def _tracer(
        self, deadline: Deadline, tracked: list[Ticket], previous: Any
    ) -> Callable[[str, dict[str, Any]], None]:
        def trace(name: str, info: dict[str, Any]) -> None:
            if name == "connection.connect_tcp.complete":
                sock = _stream_socket(info.get("return_value"))
                if sock is not None:
                    tracked.append(self.watchdog.watch(sock, deadline))
            elif name == "connection.start_tls.started":
                deadline.phase = PHASE_TLS
            elif name == "connection.start_tls.complete":
                sock = _stream_socket(info.get("return_value"))
                if sock is not None and tracked:
                    tracked[-1].rebind(sock)
            elif name.endswith("receive_response_headers.started"):
                deadline.phase = PHASE_HEADERS
            if callable(previous):
                previous(name, info)

        return trace

    def close(self) -> None:
        self.fallback.close()
        self.wire.close()


def _stream_socket(stream: Any) -> Any:
    try:
        return stream.get_extra_info("socket") if stream is not None else None
    except Exception:  # a foreign stream: no watchdog for it, the timeouts still apply
        return None


def _socket_of(response: httpx.Response) -> Any:
    return _stream_socket(response.extensions.get("network_stream"))


class _Watched(httpx.SyncByteStream):
    """httpx's body under the deadline: checked between chunks, the watchdog for a blocked read."""

    def __init__(
        self,
        inner: httpx.SyncByteStream,
        deadline: Deadline,
        tickets: list[Ticket],
        request: httpx.Request,
    ) -> None:
        self._inner = inner
        self._deadline = deadline
        self._tickets = tickets
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        deadline = self._deadline
        deadline.phase = PHASE_BODY
        deadline.received = 0
        try:
            for chunk in self._inner:
                deadline.received += len(chunk)
                if deadline.passed():
                    deadline.expired = True
                    raise timeout_error(deadline, self._request)
                yield chunk
        except httpx.HTTPError as exc:
            if deadline.expired and not isinstance(exc, httpx.TimeoutException):
                raise timeout_error(deadline, self._request) from exc
            if isinstance(exc, httpx.TimeoutException):
                raise timeout_error(deadline, self._request) from exc
            raise
        finally:
            self._cancel()
        if deadline.expired:
            raise timeout_error(deadline, self._request)

    def _cancel(self) -> None:
        for ticket in self._tickets:
            ticket.cancel()

    def close(self) -> None:
        self._cancel()
        self._inner.close()
