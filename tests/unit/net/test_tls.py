"""Per-source TLS (nbext.net.tls): what a failed handshake is explained as."""

from __future__ import annotations

import ssl
from pathlib import Path


def test_a_hang_up_in_the_handshake_suggests_the_client_certificate() -> None:
    """TLS 1.3: a server refusing the client certificate may just close the connection,
    and Python says "EOF occurred in violation of protocol"; the row says what to check."""
    from nbext.net.tls import TlsSettings, _explain

    eof = ssl.SSLEOFError(8, "EOF occurred in violation of protocol (_ssl.c:2427)")
    without = _explain(eof, TlsSettings(source="corp"), "127.0.0.1:8443")
    assert without == (
        "TLS handshake with 127.0.0.1:8443 failed (the server closed the connection; a server "
        "that requires a client certificate does that. If it does: %config "
        "certificates.corp.client-cert /path/to/client.pem)"
    )
    # With a client certificate configured there is nothing to suggest.
    with_cert = _explain(eof, TlsSettings(client_cert="/c.pem", source="corp"), "h:1")
    assert with_cert == "TLS handshake with h:1 failed (the server closed the connection)"


def test_a_hang_up_seen_while_writing_the_request_is_explained_too(tmp_path: Path) -> None:
    """The same refusal can surface as a failed write of the request (a WriteError)."""
    import httpx

    from nbext.config.settings import Settings
    from nbext.errors import TlsConnectError
    from nbext.net.tls import SourceTransport

    transport = SourceTransport(
        Settings(tmp_path, environ={}), lambda url: "corp", limits=httpx.Limits(max_connections=1)
    )
    request = httpx.Request("GET", "https://127.0.0.1:8443/simple/acme/")
    eof = "EOF occurred in violation of protocol (_ssl.c:2427)"
    for error in (httpx.ConnectError, httpx.ReadError, httpx.WriteError):
        explained = transport.explain(request, error(eof, request=request))
        assert isinstance(explained, TlsConnectError), error
        assert str(explained).startswith("TLS handshake with 127.0.0.1:8443 failed")
    assert transport.explain(request, httpx.ReadTimeout("timed out", request=request)) is None
