"""The demo index on the wire: the HTTP server and its request handler.

:class:`Handler` turns each request into a call on the index (:class:`Index`, which
:class:`IndexServer` is), logs it, and sends the :class:`Response` back, or misbehaves
as a fault says: resets the connection, stalls, or cuts the body short.  It also reads
upload bodies (``POST /legacy/``), refusing unusable lengths before reading anything.
"""

from __future__ import annotations

import contextlib
import re
import socket
import struct
import threading
from dataclasses import replace
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from .faults import Fault
from .records import RequestRecord, UploadRecord
from .response import (
    BODY_LESS,
    Response,
    fault_response,
    plain,
    reason_of,
    reason_phrase,
    redirect,
)

__all__ = ["LEGACY", "HTTPServer", "Handler", "Index"]

#: The upload endpoint's path (``/legacy``, without the slash, is answered with a 301).
LEGACY = "/legacy/"
#: A ``"reset"`` fault on an upload reads about half the body, at most this much.
_RESET_READ_MAX = 256 * 1024
_READ_CHUNK = 1024 * 1024


class Index(Protocol):
    """What the handler needs from the index it serves."""

    upload: bool
    max_upload_bytes: int

    def _respond(self, raw_path: str, headers: Message[str, str]) -> Response: ...

    def _accept_upload(
        self, path: str, headers: Message[str, str], body: bytes
    ) -> tuple[Response, UploadRecord]: ...

    def _take_fault(self, path: str) -> Fault | None: ...

    def _record(self, request: RequestRecord, upload: UploadRecord | None = None) -> None: ...


class HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], index: Index) -> None:
        self.index = index
        #: Set by :meth:`IndexServer.stop`; ends "stall" faults early.
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conn_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake up handler threads parked on idle keep-alive connections."""
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet (clients hanging up mid-response is normal in tests)."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nbext-demo-index/0.1"
    timeout = 30  # idle keep-alive connections are closed after this long
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log (requests go to ``IndexServer.requests``)."""

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def _unsupported(self) -> None:
        self.close_connection = True  # we do not read a request body
        self._dispatch(head=False, allowed=False)

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _unsupported

    def do_POST(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if not self.server.index.upload or path not in (LEGACY, LEGACY.rstrip("/")):
            self._unsupported()
        elif path == LEGACY:
            self._upload(path)
        else:
            # Like the public index: ``/legacy`` -> ``/legacy/`` (a client that does not
            # follow redirects then says so).  Drain a small body to keep the connection.
            length = self._content_length()
            if isinstance(length, int) and length <= self.server.index.max_upload_bytes:
                if isinstance(self._read_body(length), str):
                    self.close_connection = True
            else:
                self.close_connection = True
            resp = redirect(LEGACY)
            self._record(resp)
            self._send(resp, head=False)

    def _dispatch(self, *, head: bool, allowed: bool = True) -> None:
        index = self.server.index
        if allowed:
            try:
                resp = index._respond(self.path, self.headers)
            except Exception as exc:  # pragma: no cover - a bug in the demo server
                resp = Response(500, f"internal error: {exc!r}\n".encode())
        else:
            resp = Response(405, b"method not allowed\n", headers=[("Allow", "GET, HEAD")])
        self._record(resp)
        if resp.fault == "reset":
            self._reset()
            return
        if resp.fault == "stall":
            self._stall(resp.delay)
            return
        self._send(resp, head=head)

    def _request_record(self, resp: Response) -> RequestRecord:
        return RequestRecord(
            method=self.command,
            path=self.path,
            accept=self.headers.get("Accept"),
            has_auth=self.headers.get("Authorization") is not None,
            status=resp.status,
            range=self.headers.get("Range"),
            fault=resp.fault,
        )

    def _record(self, resp: Response) -> None:
        self.server.index._record(self._request_record(resp))

    def _send(self, resp: Response, *, head: bool) -> None:
        """Send ``resp`` (a ``"truncate"`` fault: only half of its body, then hang up)."""
        reason = reason_phrase(resp.reason) if resp.reason is not None else None
        self.send_response(resp.status, reason)
        if resp.content_type is not None:
            self.send_header("Content-Type", resp.content_type)
        for key, value in resp.headers:
            self.send_header(key, value)
        if resp.status not in BODY_LESS:
            self.send_header("Content-Length", str(len(resp.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not head and resp.status not in BODY_LESS:
            if resp.fault == "truncate":
                # Content-Length promised the whole body; send half of it and hang up.
                self.wfile.write(resp.body[: len(resp.body) // 2])
                self.close_connection = True
            else:
                self.wfile.write(resp.body)

    # -- uploads ---------------------------------------------------------------

    def _content_length(self) -> int | str | None:
        """The declared body length; ``None`` if not given, a string if unusable."""
        if self.headers.get("Transfer-Encoding") is not None:
            return None  # chunked bodies are not supported: ask for a length (411)
        value = self.headers.get("Content-Length")
        if value is None:
            return None
        if not re.fullmatch(r"[0-9]+", value.strip()):
            return "Invalid Content-Length header."
        return int(value.strip())

    def _read_body(self, length: int) -> bytes | str:
        """Read exactly ``length`` bytes; a string says why the client did not send them."""
        chunks: list[bytes] = []
        got = 0
        try:
            while got < length:
                chunk = self.rfile.read(min(length - got, _READ_CHUNK))
                if not chunk:
                    return f"interrupted: the client hung up after {got} of {length} bytes"
                chunks.append(chunk)
                got += len(chunk)
        except TimeoutError:
            return f"interrupted: timed out after {got} of {length} bytes"
        except OSError as exc:
            return f"interrupted: {type(exc).__name__} after {got} of {length} bytes"
        return b"".join(chunks)

    def _refuse_length(self, length: int | str | None) -> Response | None:
        """411 without a length, 413 over ``max_upload_bytes``: the body is never read."""
        if length is None:
            return plain(411, "Length Required")
        if isinstance(length, str):
            return plain(400, length)
        if length > self.server.index.max_upload_bytes:
            return plain(413, "Request Entity Too Large")
        return None

    def _upload(self, path: str) -> None:
        """``POST /legacy/``: faults first, then the body's length, the body, the upload."""
        index = self.server.index
        has_auth = self.headers.get("Authorization") is not None
        fault = index._take_fault(path)
        length = self._content_length()
        if fault is not None and fault.action in ("reset", "stall"):
            resp = Response(0, fault=fault.action)
            index._record(
                self._request_record(resp),
                UploadRecord(path, 0, fault.action, has_auth=has_auth, fault=fault.action),
            )
            if fault.action == "reset":
                if isinstance(length, int):  # the client is cut off mid-body
                    self._read_body(min(length // 2, _RESET_READ_MAX))
                self._reset()
            else:
                self._stall(fault.delay)
            return
        early = self._refuse_length(length)
        body = b""
        if early is None and isinstance(length, int):
            read = self._read_body(length)
            if isinstance(read, str):  # nothing is stored and nothing answered
                self.close_connection = True
                index._record(
                    self._request_record(Response(0)),
                    UploadRecord(path, 0, read, has_auth=has_auth),
                )
                return
            body = read
        else:
            self.close_connection = True  # the body (if any) is left unread
        if fault is not None and (fault.action == "respond" or fault.body):
            resp = fault_response(fault)
            record = UploadRecord(path, resp.status, reason_of(resp), has_auth=has_auth)
        elif early is not None:
            resp = early
            record = UploadRecord(path, resp.status, reason_of(resp), has_auth=has_auth)
        else:
            try:
                resp, record = index._accept_upload(path, self.headers, body)
            except Exception as exc:  # pragma: no cover - a bug in the demo server
                resp = Response(500, f"internal error: {exc!r}\n".encode())
                record = UploadRecord(path, 500, reason_of(resp), has_auth=has_auth)
        if fault is not None:
            resp.fault = fault.action
            record = replace(record, fault=fault.action)
        index._record(self._request_record(resp), record)
        self._send(resp, head=False)

    def _reset(self) -> None:
        """Abort the connection: SO_LINGER on with a 0 s timeout makes close() send a RST."""
        self.close_connection = True
        sock = self.connection
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # The socket really closes (RST, no FIN first) when ``finish()`` closes ``rfile``;
        # ``shutdown_request`` then finds it closed and skips its SHUT_WR.
        sock.close()

    def _stall(self, delay: float) -> None:
        """Send nothing for ``delay`` seconds (less if the server stops), then hang up."""
        self.close_connection = True
        self.server.stopping.wait(delay)
