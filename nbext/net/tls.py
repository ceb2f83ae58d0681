"""Per-source TLS, the way Poetry configures it (spec section 6).

``certificates.<name>.cert`` is a CA bundle path, or ``false`` to turn verification off;
``certificates.<name>.client-cert`` is a PEM file with the client certificate and its key
(mutual TLS); ``certificates.<name>.verify`` is read first if present (legacy). The settings of
the repository matched to the request URL apply (Poetry's netloc + longest-prefix match); other
hosts get the default trust: the operating system's store (truststore) plus certifi, so a
corporate CA installed system-wide just works.

nbext uses ``ssl.SSLContext`` objects, never ``verify=<path>`` with ``cert=``: httpx 0.28
silently drops the client certificate in that combination.
"""

from __future__ import annotations

import functools
import os
import re
import ssl
import threading
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from nbext.config.settings import Settings
from nbext.errors import TlsConnectError

__all__ = [
    "SourceTransport",
    "TlsSettings",
    "tls_settings",
    "unknown_issuer",
    "verify_reason",
]


#: The environment variables proxies come from (a change is seen on the next request).
_PROXY_VARS = tuple(
    f"{name}_proxy" if lower else f"{name.upper()}_PROXY"
    for name in ("http", "https", "all", "no")
    for lower in (True, False)
)


@dataclass(frozen=True)
class TlsSettings:
    verify: bool | str = True  # True (default trust), False (off), or a CA bundle path
    client_cert: str | None = None
    source: str | None = None


def _flag(value: Any) -> bool | str | None:
    if value is None or isinstance(value, bool):
        return value
    text = str(value)
    # Poetry treats POETRY_CERTIFICATES_X_CERT=false as a path named "false"; nbext reads
    # the usual spellings as booleans, as `poetry config` itself stores them.
    if text.lower() in ("true", "1"):
        return True
    if text.lower() in ("false", "0"):
        return False
    return text


def tls_settings(settings: Settings, repository: str | None) -> TlsSettings:
    if repository is None:
        return TlsSettings()
    verify = _flag(settings.get(["certificates", repository, "verify"]))
    if verify is None:
        verify = _flag(settings.get(["certificates", repository, "cert"]))
    client = settings.get(["certificates", repository, "client-cert"])
    return TlsSettings(
        verify=True if verify is None else verify,
        client_cert=str(client) if client else None,
        source=repository,
    )


def ssl_context(tls: TlsSettings) -> ssl.SSLContext:
    """The client context for these settings."""
    if tls.verify is False:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    elif isinstance(tls.verify, str):
        ctx = ssl.create_default_context(cafile=tls.verify)
    else:
        import certifi
        import truststore

        ctx = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(certifi.where())
    if tls.client_cert:
        ctx.load_cert_chain(tls.client_cert)
    return ctx


@functools.cache
def _plain_context() -> ssl.SSLContext:
    """A context for plain-HTTP pools (httpx wants one; it is never used to verify)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


@functools.cache
def _http2_available() -> bool:
    """HTTP/2 (negotiated with ALPN on TLS) when the ``h2`` package is installed."""
    try:
        import h2  # noqa: F401
    except ImportError:
        return False
    return True


_VERIFY_REASON = re.compile(r"certificate verify failed: (.+?)(?: \(_ssl\.c:\d+\))?$", re.M)

#: OpenSSL's reasons for a certificate whose issuer is in no trusted bundle: a CA fixes those.
_UNKNOWN_ISSUER = (
    "unable to get local issuer certificate",
    "unable to get issuer certificate",
    "unable to verify the first certificate",
    "self-signed certificate",
    "self signed certificate",
)


def verify_reason(text: str) -> str | None:
    """OpenSSL's reason in a "certificate verify failed: ..." message, if there is one."""
    m = _VERIFY_REASON.search(text)
    return m.group(1).strip() if m else None


def unknown_issuer(reason: str) -> bool:
    """Whether the reason is an untrusted issuer (and not, say, an expired certificate)."""
    return reason.startswith(_UNKNOWN_ISSUER)


def _explain(exc: Exception, tls: TlsSettings, host: str) -> str | None:
    text = str(exc)
    name = tls.source or host
    key = f"certificates.{name}"
    reason = verify_reason(text)
    if reason and not unknown_issuer(reason):
        # An expired certificate, one for another host name...: no CA bundle fixes that.
        see = f"; %source diagnose {tls.source} shows it" if tls.source else ""
        return (
            f"TLS certificate of {host} rejected: {reason} (a CA bundle does not fix that: "
            f"the server needs a valid certificate{see})"
        )
    if "CERTIFICATE_VERIFY_FAILED" in text or "certificate verify failed" in text:
        where = (
            f"the CA bundle {tls.verify} (certificates.{name}.cert) does not trust it"
            if isinstance(tls.verify, str)
            else "it is not trusted by the system store or certifi"
        )
        return (
            f"TLS certificate of {host} not verified: {where}. Fix: %config {key}.cert "
            f"/path/to/ca-bundle.pem (or %config {key}.cert false to skip verification)"
        )
    if "CERTIFICATE_REQUIRED" in text or "certificate required" in text:
        return (
            f"{host} requires a client certificate (mutual TLS). Fix: %config "
            f"{key}.client-cert /path/to/client.pem (certificate and key in one PEM file)"
        )
    if "EOF occurred in violation of protocol" in text:
        # The server hung up in or just after the handshake: with TLS 1.3 that is how a
        # refused client certificate often shows (the alert is lost with the connection).
        hint = (
            ""
            if tls.client_cert
            else (
                "; a server that requires a client certificate does that. If it does: "
                f"%config {key}.client-cert /path/to/client.pem"
            )
        )
        return f"TLS handshake with {host} failed (the server closed the connection{hint})"
    if "SSL" in text or "TLS" in text:
        return f"TLS handshake with {host} failed ({text.splitlines()[0][:160]})"
    return None


class SourceTransport(httpx.BaseTransport):
    """Routes each request through an ``HTTPTransport`` with its source's TLS settings."""

    def __init__(
        self,
        settings: Settings,
        repository_for: Callable[[str], str | None],
        *,
        limits: httpx.Limits,
    ) -> None:
        self.settings = settings
        self.repository_for = repository_for
        self.limits = limits
        self._lock = threading.Lock()
        # One connection pool per (scheme, host, TLS configuration): httpcore scans every
        # connection of a pool for each request, so one shared pool grew slower with every
        # host. SSL contexts are built once per configuration (loading the CA bundle takes
        # 50 ms), and never for plain-HTTP hosts.
        self._transports: dict[tuple[str, str, TlsSettings, str | None], httpx.HTTPTransport]
        self._transports = {}
        self._proxies: tuple[tuple[str | None, ...], dict[tuple[str, str], str | None]] = ((), {})
        self._contexts: dict[TlsSettings, ssl.SSLContext] = {}
        self._wire_contexts: dict[TlsSettings, ssl.SSLContext] = {}

    def wire_context(self, url: httpx.URL) -> ssl.SSLContext:
        """The context for ``nbext.net.wire`` connections to ``url`` (ALPN: HTTP/1.1 only)."""
        tls = self.tls_for(str(url))
        key = TlsSettings(tls.verify, tls.client_cert)
        with self._lock:
            context = self._wire_contexts.get(key)
        if context is None:
            try:
                context = ssl_context(tls)
            except (OSError, ssl.SSLError) as exc:
                name = tls.source or url.host
                raise TlsConnectError(
                    f"cannot load the certificate files for {name} ({exc}). Check "
                    f"%config certificates.{name}.cert / .client-cert",
                ) from exc
            context.set_alpn_protocols(["http/1.1"])
            with self._lock:
                context = self._wire_contexts.setdefault(key, context)
        return context

    def explain(self, request: httpx.Request, exc: httpx.HTTPError) -> httpx.HTTPError | None:
        """A TLS failure of ``request`` as the message that names the host and the fix."""
        # TLS 1.3: a server's refusal can also surface when the request is written.
        if not isinstance(exc, httpx.ConnectError | httpx.ReadError | httpx.WriteError):
            return None
        tls = self.tls_for(str(request.url))
        explained = _explain(exc, tls, request.url.netloc.decode())
        return TlsConnectError(explained, request=request) if explained else None

    def proxy_for(self, url: httpx.URL) -> str | None:
        """The proxy the environment names for ``url`` (``HTTP_PROXY``, ``HTTPS_PROXY``,
        ``ALL_PROXY``, ``NO_PROXY``, either case), as requests and so Poetry read them."""
        snapshot = tuple(os.environ.get(name) for name in _PROXY_VARS)
        key = (url.scheme, url.netloc.decode("ascii"))
        with self._lock:
            known, memo = self._proxies
            if known != snapshot:
                memo = {}
                self._proxies = (snapshot, memo)
            if key in memo:
                return memo[key]
        proxies = urllib.request.getproxies_environment()
        chosen = proxies.get(url.scheme) or proxies.get("all")
        if chosen and "no" in proxies:
            hostport = f"{url.host}:{url.port}" if url.port else url.host
            if urllib.request.proxy_bypass_environment(hostport, proxies):  # type: ignore[attr-defined]
                chosen = None
        with self._lock:
            memo[key] = chosen or None
        return chosen or None

    def tls_for(self, url: str) -> TlsSettings:
        if not url.startswith("https:"):
            return TlsSettings()
        return tls_settings(self.settings, self.repository_for(url))

    def _transport(
        self, scheme: str, host: str, tls: TlsSettings, proxy: str | None = None
    ) -> httpx.HTTPTransport:
        tls_key = TlsSettings(tls.verify, tls.client_cert)
        key = (scheme, host, tls_key, proxy)
        with self._lock:
            transport = self._transports.get(key)
            if transport is None:
                if scheme == "https":
                    context = self._contexts.get(tls_key)
                    if context is None:
                        context = self._contexts[tls_key] = ssl_context(tls)
                else:
                    context = _plain_context()
                transport = httpx.HTTPTransport(
                    verify=context,
                    limits=self.limits,
                    http2=_http2_available(),
                    proxy=httpx.Proxy(proxy) if proxy else None,
                )
                self._transports[key] = transport
            return transport

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        tls = self.tls_for(str(request.url))
        try:
            transport = self._transport(
                request.url.scheme,
                request.url.netloc.decode("ascii"),
                tls,
                self.proxy_for(request.url),
            )
        except (OSError, ssl.SSLError) as exc:
            name = tls.source or request.url.host
            raise TlsConnectError(
                f"cannot load the certificate files for {name} ({exc}). Check "
                f"%config certificates.{name}.cert / .client-cert",
                request=request,
            ) from exc
        try:
            return transport.handle_request(request)
        except (httpx.ConnectError, httpx.ReadError) as exc:
            explained = self.explain(request, exc)
            if explained is None:
                raise
            raise explained from exc

    def close(self) -> None:
        with self._lock:
            transports, self._transports = list(self._transports.values()), {}
        for transport in transports:
            transport.close()
