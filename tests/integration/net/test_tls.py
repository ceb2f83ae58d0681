"""Per-source TLS against real HTTPS index servers on 127.0.0.1 (trustme certificates)."""

from __future__ import annotations

import datetime
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

import nbext
from nbext.demo import Dist, IndexServer


def _server_ctx(ca: trustme.CA, *, mtls: bool) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    if mtls:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ca.configure_trust(ctx)
    return ctx


@pytest.fixture(scope="module")
def https_index(ca: trustme.CA) -> Iterator[IndexServer]:
    server = IndexServer([Dist("acme", "1.0")], ssl_context=_server_ctx(ca, mtls=False)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def mtls_index(ca: trustme.CA) -> Iterator[IndexServer]:
    server = IndexServer([Dist("acme", "2.0")], ssl_context=_server_ctx(ca, mtls=True)).start()
    yield server
    server.stop()


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[nbext.Workspace]:
    monkeypatch.setenv("POETRY_CONFIG_DIR", str(tmp_path / "conf"))
    with nbext.Workspace(tmp_path, timeout=5) as workspace:
        yield workspace


def test_untrusted_ca_names_the_source_and_the_config_key(
    ws: nbext.Workspace, https_index: IndexServer
) -> None:
    ws.add_source("corp", https_index.url, "primary")
    res = ws.lookup("acme")
    assert res.chosen is None
    error = res.per_source[0].error or ""
    assert error.startswith("Source (corp): TLS certificate of 127.0.0.1:")
    assert "%config certificates.corp.cert /path/to/ca-bundle.pem" in error


def test_ca_bundle_per_source(
    ws: nbext.Workspace, https_index: IndexServer, pems: dict[str, Path]
) -> None:
    ws.add_source("corp", https_index.url, "primary")
    ws.config_set("certificates.corp.cert", str(pems["ca"]))
    res = ws.lookup("acme")
    assert res.chosen is not None and (res.chosen.version, res.chosen.source) == ("1.0", "corp")
    assert res.chosen.metadata is not None  # the metadata file came over TLS too
    assert not any("TLS verification is off" in n for n in res.notes)


def test_verification_off_works_with_a_warning(
    ws: nbext.Workspace, https_index: IndexServer
) -> None:
    ws.add_source("corp", https_index.url, "primary")
    ws.config_set("certificates.corp.cert", "false")
    res = ws.lookup("acme")
    assert res.chosen is not None and res.chosen.source == "corp"
    assert any("TLS verification is off for corp" in n for n in res.notes)


def test_mutual_tls_needs_the_client_certificate(
    ws: nbext.Workspace, mtls_index: IndexServer, pems: dict[str, Path]
) -> None:
    ws.add_source("secure", mtls_index.url, "primary")
    ws.config_set("certificates.secure.cert", str(pems["ca"]))
    res = ws.lookup("acme")
    assert res.chosen is None
    error = res.per_source[0].error or ""
    assert "requires a client certificate" in error or "TLS handshake" in error, error
    ws.config_set("certificates.secure.client-cert", str(pems["client"]))
    ws.close()  # new settings, new connections
    res = ws.lookup("acme")
    assert res.chosen is not None and (res.chosen.version, res.chosen.source) == ("2.0", "secure")


def test_settings_of_one_source_do_not_apply_to_another_host(
    ws: nbext.Workspace, https_index: IndexServer
) -> None:
    ws.add_source("corp", https_index.url, "primary")
    ws.config_set("repositories.other", "https://127.0.0.1:9/simple/")
    ws.config_set("certificates.other.cert", "false")
    res = ws.lookup("acme")
    assert res.chosen is None and "TLS certificate of" in (res.per_source[0].error or "")


def test_system_trust_via_ssl_cert_file(
    ws: nbext.Workspace,
    https_index: IndexServer,
    pems: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # truststore reads the system store through OpenSSL's default paths on Linux, which
    # honour SSL_CERT_FILE: a CA "installed system-wide" for this process.
    monkeypatch.setenv("SSL_CERT_FILE", str(pems["ca"]))
    ws.add_source("corp", https_index.url, "primary")
    res = ws.lookup("acme")
    assert res.chosen is not None and res.chosen.source == "corp", repr(res)


def test_diagnose_names_the_trust_that_works(
    ws: nbext.Workspace, https_index: IndexServer, pems: dict[str, Path]
) -> None:
    ws.add_source("corp", https_index.url, "primary")
    report = ws.diagnose("corp")
    assert [a.ok for a in report.attempts] == [False, False]  # system store, certifi
    assert "%config certificates.corp.cert /path/to/ca.pem" in report.advice
    assert report.certificate["names"].startswith("127.0.0.1") or "127.0.0.1" in repr(report)
    assert report.tls_version in ("TLSv1.2", "TLSv1.3")
    assert len(report.chain) == 1  # the private root is in no store nbext tried
    assert "issuer not in the trust stores tried: OU=Testing CA" in repr(report)
    ws.config_set("certificates.corp.cert", str(pems["ca"]))
    report = ws.diagnose("corp")
    assert [(a.trust.split(" ")[0], a.ok) for a in report.attempts] == [
        ("system", False),
        ("certifi", False),
        ("configured", True),
    ]
    assert "issuer" in report.certificate and "valid until" in report.certificate
    text = repr(report)
    assert text.startswith(f"corp: {https_index.url.rstrip('/')}")
    assert "ok   configured CA" in text
    leaf, root = report.chain
    assert leaf["issuer"] == root["subject"] and root["self-signed"] == "yes"
    assert root["found in"] == "configured CA"
    assert f"    1. {root['subject']} (valid until " in text and "[configured CA]" in text
    assert "issuer not in the trust stores" not in text


def test_diagnose_says_verification_is_off(ws: nbext.Workspace, https_index: IndexServer) -> None:
    ws.add_source("corp", https_index.url, "primary")
    ws.config_set("certificates.corp.cert", "false")
    report = ws.diagnose("corp")
    assert not any(a.ok for a in report.attempts)
    assert report.advice.startswith(
        "verification is off (certificates.corp.cert = false): lookups accept this certificate"
    ), report.advice


def test_diagnose_mutual_tls_names_the_client_certificate(
    ws: nbext.Workspace, mtls_index: IndexServer, pems: dict[str, Path], tmp_path: Path
) -> None:
    ws.add_source("secure", mtls_index.url, "primary")
    ws.config_set("certificates.secure.cert", str(pems["ca"]))
    report = ws.diagnose("secure")
    # TLS 1.3: the client's handshake completes, then the server refuses the connection.
    assert report.tls_version == "TLSv1.3" and report.attempts[-1].ok
    assert report.client_cert.startswith(
        "required by the server (mutual TLS), none configured: "
    ), report.client_cert
    assert "CERTIFICATE_REQUIRED" in report.client_cert
    assert report.advice == (
        "the server wants a client certificate: %config certificates.secure.client-cert "
        "/path/to/client.pem (certificate and key in one PEM file)"
    )
    stranger = tmp_path / "stranger.pem"
    trustme.CA().issue_cert("x@example.test").private_key_and_cert_chain_pem.write_to_path(
        str(stranger)
    )
    ws.config_set("certificates.secure.client-cert", str(stranger))
    report = ws.diagnose("secure")
    assert report.client_cert.startswith(f"{stranger} refused by the server: "), report.client_cert
    assert "does not accept this client certificate" in report.advice
    ws.config_set("certificates.secure.client-cert", str(tmp_path / "missing.pem"))
    report = ws.diagnose("secure")
    assert "missing.pem cannot be loaded" in report.client_cert
    ws.config_set("certificates.secure.client-cert", str(pems["client"]))
    report = ws.diagnose("secure")
    assert report.client_cert == f"{pems['client']} (not refused by the server)"
    assert report.advice == ""
    assert f"  client certificate: {pems['client']} (not refused" in repr(report)


def test_an_expired_certificate_is_not_blamed_on_the_ca(
    ws: nbext.Workspace, ca: trustme.CA, pems: dict[str, Path]
) -> None:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", not_after=datetime.datetime(2021, 1, 1)).configure_cert(ctx)
    server = IndexServer([Dist("acme", "1.0")], ssl_context=ctx).start()
    try:
        ws.add_source("corp", server.url, "primary")
        ws.config_set("certificates.corp.cert", str(pems["ca"]))
        error = ws.lookup("acme").per_source[0].error or ""
        report = ws.diagnose("corp")
    finally:
        server.stop()
    assert "rejected: certificate has expired (a CA bundle does not fix that" in error, error
    assert "%source diagnose corp" in error
    assert "does not trust it" not in error and "Fix: %config" not in error
    assert report.certificate["valid until"] == "Jan  1 00:00:00 2021 GMT"
    assert report.advice.startswith("the certificate itself is rejected (certificate has expired)")


def test_diagnose_shows_the_chain_through_an_intermediate(
    ws: nbext.Workspace, tmp_path: Path
) -> None:
    root = trustme.CA()
    intermediate = root.create_child_ca()
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    intermediate.issue_cert("127.0.0.1").configure_cert(ctx)  # sends leaf + intermediate
    server = IndexServer([], ssl_context=ctx).start()
    try:
        ws.add_source("corp", server.url, "primary")
        only_root = tmp_path / "root.pem"
        root.cert_pem.write_to_path(str(only_root))
        ws.config_set("certificates.corp.cert", str(only_root))
        report = ws.diagnose("corp")
        assert report.attempts[-1].ok  # the server sent the intermediate: the root suffices
        assert len(report.chain) == 1  # ... but Python 3.11 cannot show what the server sent
        assert "issuer not in the trust stores tried" in repr(report)
        both = tmp_path / "both.pem"
        both.write_bytes(root.cert_pem.bytes() + intermediate.cert_pem.bytes())
        ws.config_set("certificates.corp.cert", str(both))
        report = ws.diagnose("corp")
    finally:
        server.stop()
    leaf, middle, top = report.chain
    assert leaf["issuer"] == middle["subject"] and middle["issuer"] == top["subject"]
    assert (middle["self-signed"], top["self-signed"]) == ("no", "yes")
    assert "    2. " in repr(report)


def test_diagnose_plain_http(ws: nbext.Workspace, index_factory: type[IndexServer]) -> None:
    server = index_factory([])
    ws.add_source("plain", server.url, "primary")
    assert "plain HTTP: no TLS to check" in repr(ws.diagnose("plain"))


def test_http2_when_the_server_offers_it(
    ws: nbext.Workspace, ca: trustme.CA, pems: dict[str, Path], tmp_path: Path
) -> None:
    import subprocess
    import sys
    import time

    from tests.support.env import isolated_environ
    from tests.support.servers import H2_SERVER_SCRIPT, free_port

    cert = ca.issue_cert("127.0.0.1")
    cert.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    cert.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    port = free_port()
    script = H2_SERVER_SCRIPT
    env = isolated_environ(dict(__import__("os").environ), tmp_path / "home")
    proc = subprocess.Popen(
        [
            sys.executable,
            str(script),
            str(tmp_path / "cert.pem"),
            str(tmp_path / "key.pem"),
            str(port),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket_ok = __import__("socket").create_connection(("127.0.0.1", port), 0.2)
                socket_ok.close()
                break
            except OSError:
                time.sleep(0.05)
        ws.add_source("h2", f"https://127.0.0.1:{port}/simple/", "primary")
        ws.config_set("certificates.h2.cert", str(pems["ca"]))
        res = ws.lookup(
            "acme",
        )
        page = res.per_source[0].events[0]
        assert page.status == 200
        assert page.response_headers.get("x-http-version") == "2"
        assert res.chosen is not None and res.chosen.version == "1.0"
        ws.lookup("acme")  # an HTTP/2 host stays on httpx (not the HTTP/1.1-only lean path)
        # An sdist read as it arrives goes over HTTP/1.1 (an unread HTTP/2 stream would hold
        # the connection's window); everything else over HTTP/2.
        assert {e.http_version for e in ws.events if ".tar." not in e.url} == {"HTTP/2"}
    finally:
        ws.close()  # hypercorn waits for open keep-alive connections on shutdown
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
