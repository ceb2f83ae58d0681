"""A TCP server on 127.0.0.1 that misbehaves on purpose, for the hardening tests.

Each connection reads the request head (and keeps it: ``heads``), then runs a *script*: a
function of the socket and the head that sends whatever it likes, as slowly as it likes. The
scripts below cover what an index should never be able to do to a kernel: drip headers or a
body, accept TCP and never start TLS, send a decompression bomb, redirect to an unparsable URL.
The server runs in threads of the test process, is started by a fixture and stopped by it
(``stop`` wakes every script and closes every socket).
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import zlib
from collections.abc import Callable
from typing import Any

Script = Callable[["Hostile", socket.socket, bytes], None]


class Hostile:
    def __init__(
        self, script: Script, *, tls: ssl.SSLContext | None = None, scheme: str = ""
    ) -> None:
        """``scheme="https"`` without ``tls``: a plain TCP server behind an https URL (it
        accepts the connection and never answers the TLS handshake)."""
        self.script = script
        self.tls = tls
        self.scheme = scheme or ("https" if tls else "http")
        self.heads: list[bytes] = []
        self.connections = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self.port = self._listener.getsockname()[1]

    @property
    def base(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.base}/simple/"

    def start(self) -> Hostile:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def _accept(self) -> None:
        while not self.stopping.is_set():
            try:
                conn, _addr = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._socks.append(conn)
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, conn: socket.socket) -> None:
        try:
            sock = conn
            if self.tls is not None:
                sock = self.tls.wrap_socket(conn, server_side=True)
                with self._lock:
                    self._socks.append(sock)
            head = _read_head(sock)
            with self._lock:
                self.heads.append(head)
            self.script(self, sock, head)
        except (OSError, ValueError):
            pass
        finally:
            with contextlib.suppress(OSError):
                conn.close()

    def wait(self, seconds: float) -> bool:
        """Sleep, or return True at once when the server stops."""
        return self.stopping.wait(seconds)

    def stop(self) -> None:
        self.stopping.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the accept() (close does not)
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            socks = list(self._socks)
        for sock in socks:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
        for thread in self._threads:
            thread.join(5)

    def __enter__(self) -> Hostile:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def _read_head(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data and len(data) < 65536:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


# -- scripts -------------------------------------------------------------------------------------


def respond(raw: bytes) -> Script:
    """Send ``raw`` (status line, headers, body) and hang up."""

    def script(server: Hostile, sock: socket.socket, head: bytes) -> None:
        sock.sendall(raw)

    return script


def answer(status: str, headers: list[tuple[str, str]], body: bytes = b"") -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers)]
    if not any(k.lower() == "content-length" for k, _v in headers):
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def drip(prefix: bytes, data: bytes, interval: float) -> Script:
    """Send ``prefix`` at once, then ``data`` one byte every ``interval`` seconds."""

    def script(server: Hostile, sock: socket.socket, head: bytes) -> None:
        sock.sendall(prefix)
        for byte in data:
            if server.wait(interval):
                return
            sock.sendall(bytes([byte]))

    return script


def silent(server: Hostile, sock: socket.socket, head: bytes) -> None:
    """Read the request, then say nothing until the server stops."""
    server.wait(120)


_BOMBS: dict[int, bytes] = {}


def gzip_bomb(decompressed: int) -> bytes:
    """gzip of ``decompressed`` zero bytes (1 GB of zeros: about 1 MB), made once per run."""
    if decompressed not in _BOMBS:
        packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
        block = bytes(1024 * 1024)
        parts = [packer.compress(block) for _ in range(decompressed // len(block))]
        parts.append(packer.flush())
        _BOMBS[decompressed] = b"".join(parts)
    return _BOMBS[decompressed]
