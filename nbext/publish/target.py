"""Where a publish goes and as whom: the target repository, its upload URL, the credentials
and the TLS settings of the upload (Poetry's rules, spec 9.5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from nbext import _version
from nbext.auth.credentials import Credential, basic_header
from nbext.constants import pypi_upload_url
from nbext.net.tls import TlsSettings, ssl_context, tls_settings
from nbext.publish.context import PublishContext
from nbext.publish.results import PublishError
from nbext.redact import redact_url

__all__ = [
    "Target",
    "complete",
    "credentials_for",
    "request_headers",
    "resolve_target",
    "tls_for",
]


@dataclass(frozen=True)
class Target:
    """The repository a publish uploads to."""

    name: str  # the repository name ("pypi" by default)
    shown: str  # "PyPI" or the name
    url: str
    #: NAME has no ``repositories.NAME.url``: the URL is its source's (Poetry merges the
    #: project's sources into ``repositories``).
    from_source: bool = False


def _declared_source(ctx: PublishContext, name: str) -> tuple[str, str] | None:
    """The source NAME (any case) with its URL as written, if it has one: what Poetry merges
    into ``repositories`` (PyPI, declared without a URL, is not)."""
    for declared, url in ctx.source_urls.items():
        if declared.lower() == name.lower():
            return declared, url
    return None


def resolve_target(ctx: PublishContext, repository: str | None) -> Target:
    """Where ``-r REPOSITORY`` uploads (see :mod:`nbext.publish.publish`, step 1)."""
    if not repository:
        return Target("pypi", "PyPI", pypi_upload_url())
    url = ctx.settings.get(["repositories", repository, "url"])
    from_source = False
    declared = _declared_source(ctx, repository)
    if not url and declared is not None:
        repository, url = declared
        from_source = True
    if not url:
        public = repository.lower() == "pypi"
        hint = ", or %publish without -r for the public index" if public else ""
        raise PublishError(
            f"Repository {repository} is not defined. Fix: %config repositories.{repository} "
            "URL (the index's upload URL, e.g. https://host/legacy/, a pypiserver's root or a "
            f"devpi index's URL){hint}"
        )
    url = str(url)
    if url.endswith("/legacy"):
        url += "/"
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise PublishError(
            f"The upload URL of {repository} is not an http(s) URL: {redact_url(url)}. Fix: "
            f"%config repositories.{repository} https://host/legacy/"
        )
    shown = "PyPI" if repository == "pypi" else repository
    return Target(repository, shown, url, from_source)


def _configured(ctx: PublishContext, target: Target) -> bool:
    """Poetry's "configured repository": in ``repositories``, or a project source of that
    name (merged into ``repositories``), which then has its http-basic and certificates."""
    repos = ctx.settings.get("repositories")
    return target.from_source or (isinstance(repos, dict) and target.name in repos)


def credentials_for(
    ctx: PublishContext, target: Target, username: str | None, password: str | None
) -> Credential:
    """Poetry's choice (spec 9.5): the command line when both are given, else the token,
    else http-basic by repository name (replacing a lone -u/-p when the repository is
    ``pypi`` or configured)."""
    if username and password:
        return Credential(username, password)
    token = ctx.passwords.get_pypi_token(target.name)
    if token:
        return Credential("__token__", token)
    if target.name == "pypi" or _configured(ctx, target):
        cred = ctx.passwords.get_http_auth(target.name)
        if cred.password is None and ctx.passwords.use_keyring:
            netloc = urlsplit(target.url).netloc
            for key in (target.url, netloc):
                found = ctx.passwords.keyring.get_credential(key, cred.username)
                if found is not None and found[1]:
                    return Credential(found[0] or cred.username, found[1])
        return cred
    return Credential(username or None, password or None)


def tls_for(ctx: PublishContext, target: Target, cert: str | None, client_cert: str | None) -> Any:
    """The ``verify`` for the upload client (Poetry: ``--cert``, else the repository's
    ``certificates.NAME.cert``; the same for the client certificate)."""
    if target.name.lower() == "pypi" or not _configured(ctx, target):
        base = TlsSettings()
    else:
        base = tls_settings(ctx.settings, target.name)
    tls = TlsSettings(
        verify=cert if cert else base.verify,
        client_cert=client_cert or base.client_cert,
        source=target.name,
    )
    try:
        return ssl_context(tls)
    except (OSError, ValueError) as exc:
        raise PublishError(
            f"Cannot load the certificate files for {target.name} ({exc}). Check --cert / "
            f"--client-cert or %config certificates.{target.name}.cert / .client-cert"
        ) from exc


def complete(cred: Credential) -> bool:
    """Poetry sends Basic auth with an upload only when both parts are there."""
    return cred.username is not None and cred.password is not None


def request_headers(cred: Credential | None) -> dict[str, str]:
    """nbext's ``User-Agent``, and Basic auth when ``cred`` is :func:`complete`."""
    headers = {"User-Agent": f"nbext/{_version.__version__}"}
    if cred is not None and complete(cred):
        headers["Authorization"] = basic_header(cred)
    return headers
