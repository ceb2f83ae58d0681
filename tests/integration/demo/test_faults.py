"""Fault injection in the demo index: statuses, resets, stalls, truncated bodies and redirect
loops, each seen on a real socket.
"""

from __future__ import annotations

import select
import socket
import threading
import time

import httpx
import pytest

from nbext.demo import IndexServer
from tests.support.dists import DISTS


def test_fault_injection(index: IndexServer, client: httpx.Client) -> None:
    page = index.url + "acme-utils/"
    index.set_fault("/simple/acme-utils/", status=500, body=b"boom", times=2)
    assert [client.get(page).status_code for _ in range(3)] == [500, 500, 200]

    blob = bytes(range(256))
    index.set_fault(
        "/simple/",
        status=200,
        body=blob,
        content_type="application/octet-stream",
        headers={"X-Fault": "yes"},
    )
    for _ in range(2):
        r = client.get(page)
        assert r.status_code == 200 and r.content == blob
        assert r.headers["content-type"] == "application/octet-stream"
        assert r.headers["x-fault"] == "yes"
    # The newest matching fault wins; a fault beats auth and routing.
    index.set_fault("/simple/acme", status=503, times=1)
    assert client.get(page).status_code == 503
    assert client.get(page).status_code == 200  # back to the "/simple/" fault
    index.clear_faults()
    assert client.get(page).headers["content-type"].startswith("text/html")
    assert [r.status for r in index.requests] == [500, 500, 200, 200, 200, 503, 200, 200]


def _send_get(port: int, path: str) -> socket.socket:
    """A raw HTTP/1.1 GET (no Accept header: the HTML page); the caller closes the socket."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return sock


def _read_to_eof(sock: socket.socket) -> bytes:
    chunks = []
    for _ in range(10_000):  # bounded; each recv waits at most the socket's 5 s timeout
        chunk = sock.recv(65536)
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _handler_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if "process_request_thread" in t.name}


def test_fault_actions_are_validated_and_logged(index: IndexServer, client: httpx.Client) -> None:
    with pytest.raises(ValueError, match="action must be one of"):
        index.set_fault("/simple/", action="explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="delay must be >= 0"):
        index.set_fault("/simple/", action="stall", delay=-1)
    index.set_fault("/simple/acme-utils/", status=500, times=1)  # action="respond"
    assert client.get(index.url + "acme-utils/").status_code == 500
    assert client.get(index.url + "acme-utils/").status_code == 200
    assert [(r.status, r.fault) for r in index.requests] == [(500, "respond"), (200, None)]


def test_fault_reset_aborts_the_connection_with_a_rst(
    index: IndexServer, client: httpx.Client
) -> None:
    page = index.url + "acme-utils/"
    index.set_fault("/simple/acme-utils/", action="reset", times=2)
    with (
        _send_get(index.bound_port, "/simple/acme-utils/") as sock,
        pytest.raises(ConnectionResetError),  # a RST, not an orderly close (b"")
    ):
        sock.recv(1024)
    with pytest.raises(httpx.ReadError):
        client.get(page)
    assert client.get(page).status_code == 200  # used up: a new connection works
    assert [(r.path, r.status, r.fault) for r in index.requests] == [
        ("/simple/acme-utils/", 0, "reset"),
        ("/simple/acme-utils/", 0, "reset"),
        ("/simple/acme-utils/", 200, None),
    ]


def test_fault_stall_sends_nothing_then_closes() -> None:
    with IndexServer(DISTS) as server, httpx.Client(trust_env=False, timeout=0.3) as quick:
        server.set_fault("/simple/", action="stall", delay=0.5)
        t0 = time.monotonic()
        with _send_get(server.bound_port, "/simple/acme-utils/") as sock:
            assert select.select([sock], [], [], 0.2)[0] == []  # nothing yet
            assert _read_to_eof(sock) == b""  # closed after the delay, without a response
        assert 0.4 < time.monotonic() - t0 < 3
        with pytest.raises(httpx.ReadTimeout):
            quick.get(server.url + "acme-utils/")
        assert [(r.status, r.fault) for r in server.requests] == [(0, "stall"), (0, "stall")]


def test_fault_stall_ends_when_the_server_stops() -> None:
    before = _handler_threads()
    server = IndexServer(DISTS).start()
    try:
        server.set_fault("/simple/", action="stall")  # 30 s by default
        with _send_get(server.bound_port, "/simple/acme-utils/") as sock:
            for _ in range(200):  # bounded wait until the request has been read and logged
                if server.requests:
                    break
                time.sleep(0.01)
            assert [r.fault for r in server.requests] == ["stall"]
            assert select.select([sock], [], [], 0.1)[0] == []
            t0 = time.monotonic()
            server.stop()
            assert _read_to_eof(sock) == b""
            stalled = _handler_threads() - before
            for thread in stalled:
                thread.join(timeout=2)
            assert time.monotonic() - t0 < 2
            assert not any(t.is_alive() for t in stalled)  # the stop Event woke the stall
    finally:
        server.stop()


def test_fault_truncate_sends_half_the_promised_body(
    index: IndexServer, client: httpx.Client
) -> None:
    path = "/simple/acme-utils/"
    full = client.get(index.base_url + path, headers={"Accept": "text/html"}).content
    index.set_fault(path, action="truncate")  # no body: the normal answer, truncated
    with _send_get(index.bound_port, path) as sock:
        raw = _read_to_eof(sock)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert f"content-length: {len(full)}\r\n" in head.decode().lower() + "\r\n"
    assert "content-type: text/html" in head.decode().lower()
    assert body == full[: len(full) // 2]
    with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
        client.get(index.base_url + path)
    # With a body of its own: that status, those headers, half of that body.
    index.set_fault(path, action="truncate", status=503, body=b"0123456789", times=1)
    with _send_get(index.bound_port, path) as sock:
        raw = _read_to_eof(sock)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 ") and b"Content-Length: 10\r\n" in head + b"\r\n"
    assert body == b"01234"
    assert [(r.status, r.fault) for r in index.requests] == [
        (200, None),
        (200, "truncate"),
        (200, "truncate"),
        (503, "truncate"),
    ]


def test_fault_redirect_loop(index: IndexServer, client: httpx.Client) -> None:
    path = "/simple/acme-utils/"
    index.set_fault(path, status=302, headers={"Location": path})
    r = client.get(index.base_url + path)
    assert (r.status_code, r.headers["location"]) == (302, path)
    index.clear_log()
    with pytest.raises(httpx.TooManyRedirects):
        client.get(index.base_url + path, follow_redirects=True)
    assert [(r.path, r.status, r.fault) for r in index.requests] == [(path, 302, "respond")] * (
        client.max_redirects + 1
    )
