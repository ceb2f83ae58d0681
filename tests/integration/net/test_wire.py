"""The lean HTTP/1.1 path (``nbext.net.wire``) against real servers on 127.0.0.1: keep-alive reuse,
connections the server closed, gzip, HTTPS and mutual TLS after the first answer, TLS errors."""

from __future__ import annotations

import gzip
import json
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

import nbext
from nbext.demo import Dist, IndexServer
from nbext.net.wire import WirePool


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[nbext.Workspace]:
    monkeypatch.setenv("POETRY_CONFIG_DIR", str(tmp_path / "conf"))
    with nbext.Workspace(tmp_path, timeout=5) as workspace:
        yield workspace


def _wire(ws: nbext.Workspace) -> WirePool:
    assert ws.http.wire is not None
    return ws.http.wire


def test_plain_http_reuses_keep_alive_connections(
    ws: nbext.Workspace, index_factory: type[IndexServer]
) -> None:
    names = [f"pkg{i}" for i in range(8)]
    server = index_factory([Dist(n, "1.0") for n in names])
    ws.add_source("corp", server.url, "primary")
    for name in names:  # one after another: one connection carries them all
        assert ws.lookup(name).chosen is not None
    assert _wire(ws).opened == 1
    assert len(server.requests) == 2 * len(names)  # page + metadata each, nothing sent twice
    assert {e.http_version for e in ws.events} == {"HTTP/1.1"}


def _read(response: httpx.Response) -> httpx.Response:
    """The lean path streams the body; reading it whole frees the connection."""
    response.read()
    return response


def test_a_connection_the_server_closed_is_not_reused(index_factory: type[IndexServer]) -> None:
    server = index_factory([Dist("acme", "1.0")])
    pool = WirePool(timeout=5, context_for=lambda _url: ssl.create_default_context())
    try:
        url = httpx.URL(server.url + "acme/")
        assert _read(pool.send(httpx.Request("GET", url))).status_code == 200
        server._httpd.close_connections()  # type: ignore[union-attr]  # the idle one, server side
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:  # until the FIN has arrived
            idle = next(iter(pool._idle.values()))
            if not idle or __import__("select").select([idle[0].conn.sock], [], [], 0)[0]:
                break
            time.sleep(0.01)
        assert _read(pool.send(httpx.Request("GET", url))).status_code == 200
    finally:
        pool.close()
    assert pool.opened == 2
    assert len(server.project_requests("acme")) == 2  # the second request went out once


def test_gzip_pages_are_decoded(ws: nbext.Workspace, index_factory: type[IndexServer]) -> None:
    server = index_factory([Dist("acme", "1.0")])
    page = {
        "meta": {"api-version": "1.1"},
        "name": "acme",
        "files": [{"filename": "acme-3.0.tar.gz", "url": "acme-3.0.tar.gz", "hashes": {}}],
    }
    server.set_fault(
        "/simple/acme/",
        status=200,
        body=gzip.compress(json.dumps(page).encode()),
        content_type="application/vnd.pypi.simple.v1+json",
        headers={"Content-Encoding": "gzip"},
    )
    ws.add_source("corp", server.url, "primary")
    res = ws.lookup("acme")
    assert res.per_source[0].versions == ["3.0"]
    assert ws.events[0].request_headers["accept-encoding"] == "gzip, deflate"


# -- HTTPS: the first answer comes through httpx (HTTP/2 negotiation), then the lean path ---------


def _https(ca: trustme.CA, dists: list[Dist], *, mtls: bool = False) -> IndexServer:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    if mtls:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ca.configure_trust(ctx)
    return IndexServer(dists, ssl_context=ctx).start()


def test_https_moves_to_the_lean_path_after_an_http1_answer(
    ws: nbext.Workspace, ca: trustme.CA, pems: dict[str, Path]
) -> None:
    server = _https(ca, [Dist("acme", "1.0"), Dist("tool", "2.0")])
    try:
        ws.add_source("corp", server.url, "primary")
        ws.config_set("certificates.corp.cert", str(pems["ca"]))
        assert ws.lookup("acme").chosen is not None
        assert ws.lookup("tool").chosen is not None
        http, events, port = ws.http, ws.events, server.bound_port
    finally:
        ws.close()
        server.stop()
    assert ("https", f"127.0.0.1:{port}".encode()) in http._http1
    assert http.wire is not None and http.wire.opened >= 1
    assert all(e.tls and e.tls.startswith("TLSv1.") for e in events)
    assert [e.status for e in events] == [200, 200, 200, 200]


def test_mutual_tls_on_the_lean_path(
    ws: nbext.Workspace, ca: trustme.CA, pems: dict[str, Path]
) -> None:
    server = _https(ca, [Dist("acme", "1.0"), Dist("tool", "2.0")], mtls=True)
    try:
        ws.add_source("corp", server.url, "primary")
        ws.config_set("certificates.corp.cert", str(pems["ca"]))
        ws.config_set("certificates.corp.client-cert", str(pems["client"]))
        for name in ("acme", "tool", "acme"):
            assert ws.lookup(name).chosen is not None, name
        assert _wire(ws).opened >= 1 and ws.events[-1].tls
        # without the client certificate the same host refuses, on the lean path too
        ws.config_unset("certificates.corp.client-cert")
        res, port = ws.lookup("tool"), server.bound_port
    finally:
        ws.close()
        server.stop()
    error = res.per_source[0].error or ""
    # With TLS 1.3 the refusal arrives after the handshake: as the alert (usually) or as a
    # failed read, depending on timing; both name the host.
    needs_cert = error.startswith(f"Source (corp): 127.0.0.1:{port} requires a client certificate")
    failed = error.startswith(f"Source (corp): TLS handshake with 127.0.0.1:{port} failed")
    assert needs_cert or failed, error
    if needs_cert:
        assert "Fix: %config certificates.corp.client-cert /path/to/client.pem" in error


def test_tls_failure_on_the_lean_path_names_the_key(
    ws: nbext.Workspace, ca: trustme.CA, pems: dict[str, Path]
) -> None:
    server = _https(ca, [Dist("acme", "1.0")])
    try:
        ws.add_source("corp", server.url, "primary")
        ws.config_set("certificates.corp.cert", str(pems["ca"]))
        assert ws.lookup("acme").chosen is not None  # the host is on the lean path now
        ws.config_set("certificates.corp.cert", str(pems["other"]))
        res = ws.lookup("acme")
    finally:
        ws.close()
        server.stop()
    assert res.chosen is None
    error = res.per_source[0].error or ""
    assert error.startswith("Source (corp): TLS certificate of 127.0.0.1:"), error
    assert "certificates.corp.cert (certificates.corp.cert) does not trust it" not in error
    assert "%config certificates.corp.cert /path/to/ca-bundle.pem" in error


def test_a_host_is_resolved_once_for_many_connections(
    index_factory: type[IndexServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket
    import threading

    server = index_factory([Dist("acme", "1.0")])
    asked: list[str] = []
    real = socket.getaddrinfo

    def counting(host: str, *args: object, **kwargs: object) -> object:
        asked.append(host)
        time.sleep(0.05)  # a slow resolver: the other connections wait for this answer
        return real(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", counting)
    pool = WirePool(timeout=5, context_for=lambda _url: ssl.create_default_context())
    url = httpx.URL(f"http://localhost:{server.bound_port}/simple/acme/")
    statuses: list[int] = []

    def get() -> None:
        statuses.append(_read(pool.send(httpx.Request("GET", url))).status_code)

    try:
        threads = [threading.Thread(target=get) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        pool.close()
    assert statuses == [200] * 8
    assert pool.opened == 8  # eight connections at once ...
    assert asked == ["localhost"]  # ... and one question to the resolver
