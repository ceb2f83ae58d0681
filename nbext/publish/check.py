"""The check before an upload: which files are already on the target, read on the target's own
simple index (by name and sha256, not by parsing error text), and what that decides.

:func:`index_for` finds the index: ``--check-url``, PyPI's for PyPI, the source of the same
name, a source at the upload URL's simple index, else that index's usual pages, which tell only
when they list the project; never another index on the same host. :class:`Checker` reads it,
with the upload credentials on the upload URL's origin only. :func:`existing` says what is
there; :func:`decide` what becomes of each file.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx
from packaging.utils import canonicalize_name

from nbext.auth.credentials import Credential
from nbext.constants import ACCEPT_SIMPLE, pypi_simple_url
from nbext.index.reader import PageFormatError, parse_project_page
from nbext.net.events import Event, redact_headers, short_error, shown_response_headers
from nbext.publish.context import PublishContext
from nbext.publish.distfiles import DistFile
from nbext.publish.results import PublishError, PublishResult
from nbext.publish.target import Target, complete, request_headers
from nbext.redact import redact_url

__all__ = ["Checker", "Index", "decide", "existing", "index_for"]


@dataclass
class Index:
    """Where the existence check reads the target's files."""

    label: str
    base: str  # simple index URL without the trailing slash
    sources: list[str]  # pool sources served from this index (their caches are dropped)
    #: Guessed from the upload URL's layout (no source is that index): the other guesses,
    #: tried in turn; a guess that does not list the project proves nothing.
    guesses: tuple[str, ...] = ()
    derived: bool = False


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.rpartition("@")[2].lower()


def _same_url(a: str, b: str) -> bool:
    """The same URL up to userinfo, host case and trailing slashes."""
    return _origin(a) == _origin(b) and urlsplit(a).path.rstrip("/") == urlsplit(b).path.rstrip("/")


def _simple_guesses(upload_url: str) -> list[str]:
    """Where indexes serve the simple pages of an upload URL: warehouse's ``/legacy/`` ->
    ``/simple/``; devpi's index URL -> ``+simple/``; pypiserver, Nexus, Artifactory, GitLab
    and CodeArtifact -> ``simple/`` (no trailing slashes)."""
    url = upload_url.rstrip("/")
    if url.endswith("/legacy"):
        return [url[: -len("legacy")] + "simple"]
    return [url + "/simple", url + "/+simple"]


def index_for(ctx: PublishContext, target: Target, check_url: str | None) -> Index:
    """The target's own index, and only it: ``--check-url``; PyPI's for PyPI; the source of
    the same name; a source whose URL is the upload URL's simple index; else guesses."""
    simple = [s for s in ctx.sources if s.kind == "simple"]
    if check_url:
        base = check_url.rstrip("/")
        names = [s.name for s in ctx.sources if s.url.rstrip("/") == base]
        return Index(names[0] if names else "check-url", base, names)
    if target.name == "pypi":
        names = [s.name for s in ctx.sources if s.kind == "pypi"]
        return Index("PyPI", pypi_simple_url().rstrip("/"), names)
    if ctx.sources.has(target.name) and ctx.sources.get(target.name).kind == "simple":
        source = ctx.sources.get(target.name)
        return Index(source.name, source.url.rstrip("/"), [source.name])
    guesses = _simple_guesses(target.url)
    for guess in guesses:
        served = [s for s in simple if _same_url(s.url, guess)]
        if served:
            return Index(served[0].name, served[0].url.rstrip("/"), [s.name for s in served])
    return Index(target.name, guesses[0], [], tuple(guesses[1:]), derived=True)


@dataclass
class Checker:
    """GETs for the check. The upload's credentials go only to the upload URL's origin (scheme,
    host, port): a page there is read with them, and httpx drops them on a redirect to another
    origin. A page elsewhere goes through the workspace's client (the credentials configured
    for that URL, as a lookup would send), unless they would be the target's own: then it is
    read without any."""

    ctx: PublishContext
    target: Target
    cred: Credential
    client: httpx.Client

    def get(self, url: str, label: str) -> httpx.Response:
        on_upload_origin = _origin(url) == _origin(self.target.url)
        if on_upload_origin and complete(self.cred):
            return self._hops(url, label)
        if not on_upload_origin and self.ctx.repository_for(url) == self.target.name:
            return self._hops(url, label)
        return self.ctx.get(url, label, {"Accept": ACCEPT_SIMPLE})

    def _headers(self, url: str) -> dict[str, str]:
        on_upload_origin = _origin(url) == _origin(self.target.url)
        return {"Accept": ACCEPT_SIMPLE, **request_headers(self.cred if on_upload_origin else None)}

    def _hops(self, url: str, label: str) -> httpx.Response:
        """httpx follows the redirects, and drops ``Authorization`` when one leaves the
        origin (as requests does); every hop goes to the log."""
        wall = time.time()
        response = self.client.get(url, headers=self._headers(url), follow_redirects=True)
        for hop in (*response.history, response):
            self.ctx.record(
                Event(
                    source=label,
                    method="GET",
                    url=redact_url(str(hop.request.url)),
                    status=hop.status_code,
                    elapsed=hop.elapsed.total_seconds(),
                    size=len(hop.content),
                    request_headers=redact_headers(dict(hop.request.headers)),
                    response_headers=shown_response_headers(hop.headers),
                    attempt=1,
                    started=wall,
                    http_version=hop.http_version,
                )
            )
        return response


def _read_page(
    checker: Checker, url: str, label: str, name: str
) -> tuple[httpx.Response | None, dict[str, dict[str, str]] | None, str]:
    """One simple page: the response (None when none came), ``{filename: hashes}`` (None when
    not a 200 page that parses) and why not."""
    try:
        response = checker.get(url, label)
    except httpx.HTTPError as exc:
        return None, None, short_error(exc)
    if response.status_code != 200:
        return response, None, f"HTTP {response.status_code}"
    try:
        files = parse_project_page(
            name,
            response.content,
            content_type=response.headers.get("content-type"),
            url=str(response.url),
        )
    except PageFormatError as exc:
        return response, None, str(exc)
    return response, {f.filename: dict(f.hashes) for f in files}, ""


def existing(
    checker: Checker, index: Index, name: str
) -> tuple[dict[str, dict[str, str]] | None, str]:
    """``{filename: hashes}`` on the index (None when it cannot be told) and a note."""
    if index.derived:
        return _existing_guessed(checker, index, name)
    url = f"{index.base}/{canonicalize_name(name)}/"
    shown = redact_url(url)
    response, found, why = _read_page(checker, url, index.label, name)
    if response is not None and response.status_code == 404:
        return {}, f"Checked {shown}: {name} is not there yet."
    if found is None:
        fix = ". Fix: --check-url SIMPLE_INDEX_URL" if response is not None else ""
        return None, f"Could not check {shown} ({why}): relying on the server's answer{fix}"
    return found, f"Checked {shown}: {len(found)} file(s) of {name} there."


def _existing_guessed(
    checker: Checker, index: Index, name: str
) -> tuple[dict[str, dict[str, str]] | None, str]:
    """No source is the target's index: its usual simple pages are tried; one that lists the
    project's files tells, a 404 or an empty page proves nothing (it may be no simple page)."""
    urls = [f"{base}/{canonicalize_name(name)}/" for base in (index.base, *index.guesses)]
    devpi = False
    for url in urls:
        response, found, why = _read_page(checker, url, index.label, name)
        if found:
            index.base = url.rstrip("/").rpartition("/")[0]
            return found, f"Checked {redact_url(url)}: {len(found)} file(s) of {name} there."
        if response is None or response.status_code not in (200, 404):
            return None, f"Could not check {redact_url(url)} ({why}): relying on the server."
        devpi = devpi or "x-devpi-server-version" in response.headers
    simple = "SIMPLE_INDEX_URL"
    if devpi:  # devpi answered: its index URL is the upload URL, its pages under +simple/
        simple = redact_url(checker.target.url.rstrip("/") + "/+simple/")
    tried = ", ".join(redact_url(u) for u in urls)
    return None, (
        f"Could not check whether {name} is on {checker.target.shown}: no source is that index, "
        f"and its usual simple pages ({tried}) do not list {name}; relying on the server's "
        f"answer. Fix: --check-url {simple}, or declare the index as a source (%source add "
        f"--priority explicit NAME {simple})"
    )


def decide(
    dists: list[DistFile],
    result: PublishResult,
    existing: dict[str, dict[str, str]],
    target: Target,
    skip_existing: bool,
) -> dict[str, str]:
    """What the check found, file by file: the same file is skipped (``--skip-existing``) or
    refused; a different file of the same name is left to the server to take or refuse (a
    volatile devpi index replaces it, others answer 409 or 400). Returns those:
    ``{filename: sha256 on the index}``."""
    refused: list[str] = []
    replacing: dict[str, str] = {}
    for d, outcome in zip(dists, result.files, strict=True):
        there = existing.get(d.name)
        if there is None:
            continue
        same = there.get("sha256")
        if same is not None and same.lower() != d.sha256:
            replacing[d.name] = same.lower()
        elif skip_existing:
            outcome.state = "skipped"
            outcome.detail = "same sha256 already on the index" if same else "already on the index"
        else:
            refused.append(
                f"{d.name} is already on {target.shown}"
                + (" (the same file)" if same else "")
                + ". Fix: --skip-existing to skip it, or bump the version"
            )
    if refused:
        listed = "\n".join(f"  - {r}" for r in refused)
        raise PublishError(f"Not published:\n{listed}", result=result)
    return replacing
