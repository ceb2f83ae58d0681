"""``%source diagnose``: which trust store accepts a source's certificate, and what it is.

For an HTTPS source nbext connects with each candidate trust (the operating system's store
through truststore, certifi's bundle, the CA bundle configured for the source) and reports
which ones complete the handshake, the negotiated TLS version, the server certificate's
subject, issuer and expiry, and whether the server refused the client certificate (mutual
TLS). It sends no HTTP request and no credential.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import socket
import ssl
import warnings
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.x509.oid import NameOID

from nbext.net.tls import TlsSettings, unknown_issuer, verify_reason
from nbext.redact import redact_url

__all__ = ["Diagnosis", "TrustAttempt", "diagnose"]


@dataclass
class TrustAttempt:
    trust: str
    ok: bool
    detail: str = ""


@dataclass
class Diagnosis:
    source: str
    url: str
    host: str
    port: int
    attempts: list[TrustAttempt] = field(default_factory=list)
    tls_version: str | None = None
    certificate: dict[str, str] = field(default_factory=dict)
    #: The chain up to a root, leaf first: the issuers found in the trust stores tried (the
    #: intermediates a server sends are not visible to Python 3.11's ssl module).
    chain: list[dict[str, str]] = field(default_factory=list)
    #: What became of the client certificate (mutual TLS); empty when none was configured
    #: and the server did not ask for one.
    client_cert: str = ""
    advice: str = ""

    def lines(self) -> list[str]:
        out = [f"{self.source}: {self.url}"]
        if not self.attempts:
            out.append(f"  {self.advice}")
            return out
        for a in self.attempts:
            mark = "ok  " if a.ok else "fail"
            out.append(f"  {mark} {a.trust}" + (f": {a.detail}" if a.detail else ""))
        if self.client_cert:
            out.append(f"  client certificate: {self.client_cert}")
        if self.tls_version:
            out.append(f"  TLS version: {self.tls_version}")
        for key in ("subject", "issuer", "valid until", "names"):
            if key in self.certificate:
                out.append(f"  {key}: {self.certificate[key]}")
        if self.chain:
            out.append("  chain:")
            for depth, cert in enumerate(self.chain):
                where = f" [{cert['found in']}]" if cert.get("found in") else ""
                out.append(
                    f"    {depth}. {cert['subject']} (valid until {cert['valid until']}){where}"
                )
            last = self.chain[-1]
            if last.get("self-signed") != "yes":
                out.append(f"    issuer not in the trust stores tried: {last['issuer']}")
        if self.advice:
            out.append(f"  -> {self.advice}")
        return out

    def __repr__(self) -> str:
        return "\n".join(self.lines())


#: Where OpenSSL's long name of a name attribute (what CPython's ssl module shows, and what
#: ``%source diagnose`` has always shown) is not cryptography's.
_OPENSSL_NAMES = {
    NameOID.USER_ID.dotted_string: "userId",
    NameOID.INITIALS.dotted_string: "initials",
    NameOID.ORGANIZATION_IDENTIFIER.dotted_string: "organizationIdentifier",
}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _name(name: x509.Name) -> str:
    """``organizationName=Example Corp, commonName=host``: OpenSSL's long names, in the
    certificate's order (not RFC 4514's reversed one)."""
    out = []
    for rdn in name.rdns:
        for attr in rdn:
            oid = attr.oid.dotted_string
            key = _OPENSSL_NAMES.get(oid) or attr.oid._name
            value = attr.value if isinstance(attr.value, str) else attr.value.hex()
            out.append(f"{oid if key == 'Unknown OID' else key}={value}")
    return ", ".join(out)


def _openssl_time(when: datetime.datetime) -> str:
    """``Jan  1 00:00:00 3000 GMT``, as OpenSSL prints a certificate's time."""
    return f"{_MONTHS[when.month - 1]} {when.day:2d} {when:%H:%M:%S} {when.year} GMT"


def _address(ip: object) -> str:
    """An IP address of the subjectAltName as CPython's ssl module writes it: IPv6 in eight
    uppercase groups (``0:0:0:0:0:0:0:1``)."""
    if isinstance(ip, ipaddress.IPv6Address):
        packed = ip.packed
        return ":".join(f"{int.from_bytes(packed[i : i + 2], 'big'):X}" for i in range(0, 16, 2))
    return str(ip)


def _describe(cert: x509.Certificate) -> dict[str, str]:
    """Subject, issuer, expiry and the DNS names and IP addresses the certificate is for."""
    try:
        sans = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, x509.DuplicateExtension, ValueError):
        names = ""  # none, or unreadable: the names are only a detail
    else:
        names = ", ".join(
            entry.value if isinstance(entry, x509.DNSName) else _address(entry.value)
            for entry in sans
            if isinstance(entry, x509.DNSName | x509.IPAddress)
        )
    info = {
        "subject": _name(cert.subject),
        "issuer": _name(cert.issuer),
        "valid until": _openssl_time(cert.not_valid_after_utc),
    }
    if names:
        info["names"] = names
    return info


def _bundles(tls: TlsSettings) -> list[tuple[str, str]]:
    """(label, PEM file) of every CA bundle the chain can be completed from."""
    import certifi

    out = []
    if isinstance(tls.verify, str):
        out.append(("configured CA", tls.verify))
    system = ssl.get_default_verify_paths().cafile
    if system:
        out.append(("system store", system))
    out.append(("certifi", certifi.where()))
    return out


def chain_of(
    leaf: x509.Certificate, tls: TlsSettings, *, max_depth: int = 6
) -> list[dict[str, str]]:
    """The leaf, then each issuer whose signature verifies, from the trust stores tried."""
    candidates: list[tuple[str, x509.Certificate]] = []
    for label, path in _bundles(tls):
        try:
            with open(path, "rb") as fh:
                data = fh.read()
            with warnings.catch_warnings():  # odd old roots (negative serials) only warn
                warnings.simplefilter("ignore")
                certs = x509.load_pem_x509_certificates(data)
        except (OSError, ValueError):
            continue
        candidates += [(label, c) for c in certs]

    def info(cert: x509.Certificate, found_in: str) -> dict[str, str]:
        return {
            "subject": cert.subject.rfc4514_string(),
            "issuer": cert.issuer.rfc4514_string(),
            "valid until": cert.not_valid_after_utc.strftime("%Y-%m-%d %H:%M:%S UTC"),
            "self-signed": "yes" if cert.subject == cert.issuer else "no",
            "found in": found_in,
        }

    current = leaf
    chain = [info(current, "")]
    for _depth in range(max_depth):
        if current.subject == current.issuer:
            break
        parent = None
        for label, cand in candidates:
            if cand.subject != current.issuer:
                continue
            try:
                current.verify_directly_issued_by(cand)
            except Exception:  # wrong key, unsupported algorithm: not this one
                continue
            parent = (label, cand)
            break
        if parent is None:
            break
        current = parent[1]
        chain.append(info(current, parent[0]))
    return chain


def _contexts(tls: TlsSettings) -> tuple[list[tuple[str, ssl.SSLContext]], str]:
    """The contexts to try, and why the client certificate could not be loaded (or "")."""
    import certifi
    import truststore

    out: list[tuple[str, ssl.SSLContext]] = []
    system = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    out.append(("system store (truststore)", system))
    out.append(("certifi bundle", ssl.create_default_context(cafile=certifi.where())))
    if isinstance(tls.verify, str):
        with contextlib.suppress(OSError, ssl.SSLError):
            out.append(
                (f"configured CA {tls.verify}", ssl.create_default_context(cafile=tls.verify))
            )
    problem = ""
    if tls.client_cert:
        for _label, ctx in out:
            try:
                ctx.load_cert_chain(tls.client_cert)
            except (OSError, ssl.SSLError) as exc:
                problem = str(exc).splitlines()[0][:160]
    return out, problem


#: How long to wait, after a TLS 1.3 handshake, for the server to refuse the client certificate.
REFUSAL_WAIT = 1.0


def _refusal(ssock: ssl.SSLSocket, wait: float) -> str | None:
    """The alert of a TLS 1.3 server that refuses the client certificate, if it sends one.

    In TLS 1.3 the client's handshake ends before the server has checked the client's
    certificate, so a server that requires one (mutual TLS) and got none, or refuses the one it
    got, says so just after: a handshake that "succeeded" is not yet a connection the server
    accepts. Reading briefly (a server that accepted waits for a request) tells the two apart
    without sending anything. TLS 1.2 servers refuse during the handshake itself.
    """
    if ssock.version() != "TLSv1.3":
        return None
    ssock.settimeout(wait)
    try:
        ssock.recv(1)
    except ssl.SSLError as exc:
        return str(exc).splitlines()[0][:160]
    except OSError:  # the wait ran out (the server waits for a request), or a plain close
        return None
    return None


def diagnose(source: str, url: str, tls: TlsSettings, *, timeout: float = 10.0) -> Diagnosis:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    result = Diagnosis(source, redact_url(url), host, port)
    if parts.scheme != "https":
        result.advice = "plain HTTP: no TLS to check (credentials would travel unencrypted)"
        return result
    der: bytes | None = None
    refusal: str | None = None
    probed = False
    contexts, load_problem = _contexts(tls)
    for label, ctx in contexts:
        try:
            with (
                socket.create_connection((host, port), timeout=timeout) as sock,
                ctx.wrap_socket(sock, server_hostname=host) as ssock,
            ):
                result.tls_version = ssock.version()
                der = der or ssock.getpeercert(binary_form=True)
                if not probed:  # the client certificate does not depend on the trust store
                    probed = True
                    refusal = _refusal(ssock, min(timeout, REFUSAL_WAIT))
            result.attempts.append(TrustAttempt(label, True))
        except (OSError, ssl.SSLError) as exc:
            result.attempts.append(TrustAttempt(label, False, str(exc).splitlines()[0][:160]))
    if der is None:  # nothing verified: look at the certificate without verifying it
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        if tls.client_cert:
            with contextlib.suppress(OSError, ssl.SSLError):
                ctx.load_cert_chain(tls.client_cert)
        with (
            contextlib.suppress(OSError, ssl.SSLError),
            socket.create_connection((host, port), timeout=timeout) as sock,
            ctx.wrap_socket(sock, server_hostname=host) as ssock,
        ):
            result.tls_version = ssock.version()
            der = ssock.getpeercert(binary_form=True)
            probed = True
            refusal = _refusal(ssock, min(timeout, REFUSAL_WAIT))
    if der:
        try:
            leaf = x509.load_der_x509_certificate(der)
        except ValueError:  # not a certificate cryptography can read: nothing to show
            pass
        else:
            result.certificate = _describe(leaf)
            result.chain = chain_of(leaf, tls)
    key = f"certificates.{source}"
    client_advice = ""
    if tls.client_cert and load_problem:
        result.client_cert = f"{tls.client_cert} cannot be loaded: {load_problem}"
        client_advice = f"check the file: %config {key}.client-cert /path/to/client.pem"
    elif refusal and tls.client_cert:
        result.client_cert = f"{tls.client_cert} refused by the server: {refusal}"
        client_advice = (
            f"the server does not accept this client certificate: ask for one it accepts, "
            f"then %config {key}.client-cert /path/to/client.pem"
        )
    elif refusal:
        result.client_cert = f"required by the server (mutual TLS), none configured: {refusal}"
        client_advice = (
            f"the server wants a client certificate: %config {key}.client-cert "
            f"/path/to/client.pem (certificate and key in one PEM file)"
        )
    elif tls.client_cert and probed:
        result.client_cert = f"{tls.client_cert} (not refused by the server)"
    advice: list[str] = []
    passed = [a.trust for a in result.attempts if a.ok]
    rejected = [
        reason
        for a in result.attempts
        if not a.ok and (reason := verify_reason(a.detail)) and not unknown_issuer(reason)
    ]
    if not passed and rejected:
        advice.append(
            f"the certificate itself is rejected ({rejected[0]}): a CA bundle does not fix "
            f"that, the server needs a valid certificate"
        )
    elif not passed:
        if tls.verify is False:
            advice.append(
                f"verification is off ({key}.cert = false): lookups accept this certificate "
                f"unchecked, and no trust store accepts it; to verify it, give its CA with "
                f"%config {key}.cert /path/to/ca.pem"
            )
        else:
            advice.append(
                f"no trust store accepts this certificate: give its CA with %config "
                f"{key}.cert /path/to/ca.pem (or install it in the system store)"
            )
    elif isinstance(tls.verify, str) and not passed[0].startswith("configured"):
        advice.append(f"trusted by the {passed[0]}; {key}.cert is not needed")
    elif tls.verify is False:
        advice.append(
            f"verification is off ({key}.cert = false) although the "
            f"{passed[0]} trusts this server: %config --unset {key}.cert"
        )
    if client_advice:
        advice.append(client_advice)
    result.advice = "; ".join(advice)
    return result
