"""``poetry publish`` from a notebook (spec section 9), with the checks Poetry leaves out.

The flow of :func:`publish`:

1. Target: no repository -> the public index's upload URL (a library constant, see
   :func:`nbext.constants.pypi_upload_url`), named ``pypi``; ``-r NAME`` ->
   ``repositories.NAME.url`` (config, ``POETRY_REPOSITORIES_NAME_URL``), else the URL of the
   source NAME as written (Poetry merges the project's sources into ``repositories``, so
   NAME is then configured: its http-basic and certificates apply); ``Repository NAME is not
   defined`` otherwise. A URL ending in ``/legacy`` gets its slash. When a source's URL takes
   no uploads (3xx, 404, 405) the error says that no upload URL is configured for NAME.
2. Files: Poetry's selection (:func:`nbext.publish.distfiles.select_files`), ``--build`` first.
3. Credentials, Poetry's order: ``-u`` and ``-p`` together; else ``pypi-token.NAME`` (user
   ``__token__``); else ``http-basic.NAME`` (environment, files, keyring by name, then the
   keyring by URL), which replaces a lone ``-u`` or ``-p`` for ``pypi`` or a configured
   repository. When the server answers 401, nbext asks (password widget in a notebook) instead
   of failing as Poetry does.
4. Checks before anything is sent, for every file (each problem names the file and the fix):
   readable, valid metadata naming the project and version; a README that renders as its
   declared content type; and whether the file is already on the target, decided by name and
   sha256 on the target's own simple index, not by parsing error text (:func:`_index_for`:
   ``--check-url``, the source of the same name, a source at the upload URL's simple index,
   else those usual pages, which tell only when they list the project; never another index
   on the same host). The upload credentials go to the upload URL's origin only
   (:class:`_Checker`). The same file is skipped with ``--skip-existing`` and refused without
   it; a different file of the same name is sent first and left to the server (a volatile
   devpi index replaces it; a refusal names both sha256s, even with ``--skip-existing``).
5. Upload, one file at a time with a progress bar, through :func:`nbext.publish.upload.post`
   (Poetry's fields; retries as in the network layer). Poetry's answers: 3xx "Redirects are
   not supported", 400 "was ever registered" -> one register call, its "file exists" texts
   with ``--skip-existing``, else ``HTTP Error <code>: <reason> | <body>`` (redacted).
6. After success the package's cached pages on the sources served by that index are
   dropped, so the next ``%lookup`` sees the new version, and the project page is linked when
   the index has one.

``--dry-run`` does all of it but the POST (the existence check is a GET).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import httpx
from packaging.utils import canonicalize_name

from nbext import _version
from nbext.auth.credentials import Credential, basic_header
from nbext.auth.redact import redact_url
from nbext.constants import ACCEPT_SIMPLE, pypi_simple_url, pypi_upload_url
from nbext.errors import NbextError
from nbext.index.model import PageFormatError, parse_project_page
from nbext.net.client import Event, redact_headers, short_error
from nbext.net.tls import TlsSettings, ssl_context, tls_settings
from nbext.publish.distfiles import DistFile, DistReadError, check_dist, form_fields, read_dist
from nbext.publish.distfiles import select_files as _select_files
from nbext.publish.upload import Multipart, UploadFailed, post
from nbext.report import TextLines

if TYPE_CHECKING:
    from nbext.auth.credentials import PasswordManager
    from nbext.config.settings import Settings
    from nbext.sources.pool import SourcePool

__all__ = [
    "CredentialPrompt",
    "FileOutcome",
    "PublishContext",
    "PublishError",
    "PublishObserver",
    "PublishResult",
    "TextProgress",
    "publish",
]

BUILD_TIMEOUT = 900.0  # seconds for `python -m build` (an isolated build installs its backend)
#: Poetry's texts (``poetry publish``), for "already there" answers (twine's list).
_EXISTS_400 = ("already exist", "updating asset", "cannot be updated", "already been taken")

#: Asks for the credentials of a repository: ``(repository, username or None)`` ->
#: the credential, or None when a widget was shown instead (the cell is re-run after Save).
CredentialPrompt = Callable[[str, str | None], Credential | None]


class PublishError(NbextError):
    """A publish that stopped; ``result`` says what was uploaded before it did."""

    def __init__(self, message: str, *, result: PublishResult | None = None) -> None:
        super().__init__(message)
        self.result = result
        #: True when the cell should be run again once the credentials form is saved.
        self.needs_credentials = False


@dataclass
class FileOutcome:
    name: str
    size: int
    sha256: str
    state: str = "pending"  # uploaded | skipped | checked (dry run) | failed | not uploaded
    detail: str = ""
    elapsed: float = 0.0


@dataclass(repr=False)
class PublishResult(TextLines):
    """What ``%publish`` did, as Poetry prints it plus nbext's lines."""

    project: str
    version: str
    repository: str  # as Poetry shows it: "PyPI" or the name
    url: str  # the upload URL, redacted
    dry_run: bool = False
    files: list[FileOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    build_output: str | None = None
    project_url: str | None = None

    @property
    def uploaded(self) -> list[str]:
        return [f.name for f in self.files if f.state == "uploaded"]

    def lines(self) -> list[str]:
        out = [*self.warnings, f"Publishing {self.project} ({self.version}) to {self.repository}"]
        for f in self.files:
            if f.state == "skipped":
                out.append(f" - Uploading {f.name} File exists. Skipping")
            elif f.state in ("uploaded", "checked"):
                out.append(f" - Uploading {f.name} 100%")
            elif f.state == "failed":
                out.append(f" - Uploading {f.name} FAILED")
            elif f.state == "not uploaded":
                out.append(f" - {f.name}: not uploaded")
        out += self.notes
        if self.dry_run:
            out.append("Dry run: nothing was uploaded.")
        if self.project_url:
            out.append(f"Project page: {self.project_url}")
        return out


class PublishObserver(Protocol):
    """Progress of a publish (called from the kernel thread)."""

    def build_done(self, output: str) -> None: ...

    def file_started(self, name: str, total: int) -> None: ...

    def file_progress(self, name: str, sent: int, total: int) -> None: ...

    def file_done(self, name: str, state: str, detail: str) -> None: ...


class TextProgress:
    """Poetry's `` - Uploading <file> <pct>%`` line, updated in place on a terminal and wiped
    when the file is done (the result lists every file); nothing on other streams."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last: dict[str, int] = {}

    def build_done(self, output: str) -> None:
        pass

    def file_started(self, name: str, total: int) -> None:
        self._last[name] = -1

    def file_progress(self, name: str, sent: int, total: int) -> None:
        pct = 100 * sent // total if total else 100
        if self._tty and pct != self._last.get(name):
            self._last[name] = pct
            self.stream.write(f"\r - Uploading {name} {pct}%")
            self.stream.flush()

    def file_done(self, name: str, state: str, detail: str) -> None:
        if self._tty:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


@dataclass
class PublishContext:
    """What :func:`publish` needs from the Workspace."""

    settings: Settings
    passwords: PasswordManager
    sources: SourcePool
    #: GET for the existence check and the project page: ``(url, label, headers)``.
    get: Callable[[str, str, dict[str, str]], httpx.Response]
    record: Callable[[Event], None]
    invalidate: Callable[[str, str], None]  # (source name, package)
    project_root: Path | None
    project_name: str | None
    project_version: str | None
    package_mode: bool = True
    transport: httpx.BaseTransport | None = None
    timeout: float = 15.0
    sleep: Callable[[float], None] = time.sleep
    #: The sources' URLs as declared (pyproject.toml or the session), by source name: a
    #: source-only ``-r NAME`` posts to this, trailing slash and all, as Poetry does.
    source_urls: Mapping[str, str] = field(default_factory=dict)
    #: The configured repository whose credentials the workspace's requests to a URL carry
    #: (the Authenticator's match), None for none.
    repository_for: Callable[[str], str | None] = lambda _url: None


@dataclass(frozen=True)
class _Target:
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


def _target(ctx: PublishContext, repository: str | None) -> _Target:
    if not repository:
        return _Target("pypi", "PyPI", pypi_upload_url())
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
    return _Target(repository, shown, url, from_source)


def _configured(ctx: PublishContext, target: _Target) -> bool:
    """Poetry's "configured repository": in ``repositories``, or a project source of that
    name (merged into ``repositories``), which then has its http-basic and certificates."""
    repos = ctx.settings.get("repositories")
    return target.from_source or (isinstance(repos, dict) and target.name in repos)


def _credentials(
    ctx: PublishContext, target: _Target, username: str | None, password: str | None
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


def _tls(ctx: PublishContext, target: _Target, cert: str | None, client_cert: str | None) -> Any:
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


# -- building ------------------------------------------------------------------------------------


def build(project_root: Path, dist_dir: Path, *, isolation: bool = True) -> str:
    """``python -m build`` (sdist, then a wheel built from it) into ``dist_dir``; its output.

    Isolated by default: the build backend is installed into a fresh environment, as pip does
    (from the package index pip is configured with). ``isolation=False`` uses the kernel's
    environment (works offline when the backend, e.g. poetry-core, is installed there).
    """
    cmd = [sys.executable, "-m", "build", "--outdir", str(dist_dir), str(project_root)]
    if not isolation:
        cmd.insert(3, "--no-isolation")
    env = dict(os.environ)
    env.setdefault("PYTHONUNBUFFERED", "1")
    try:
        proc = subprocess.run(
            cmd,
            cwd=project_root,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise PublishError(f"The build did not finish within {BUILD_TIMEOUT:g} s") from exc
    output = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0:
        tail = "\n".join(output.splitlines()[-25:])
        hint = (
            " (an isolated build installs the build backend from the package index: offline, "
            "try --no-isolation)"
            if isolation and ("Could not find" in output or "No matching" in output)
            else ""
        )
        err = PublishError(f"The build failed (exit {proc.returncode}){hint}:\n{tail}")
        raise err
    return output


# -- the existence check -------------------------------------------------------------------------


@dataclass
class _Index:
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


def _complete(cred: Credential) -> bool:
    """Poetry sends Basic auth with an upload only when both parts are there."""
    return cred.username is not None and cred.password is not None


def _simple_guesses(upload_url: str) -> list[str]:
    """Where indexes serve the simple pages of an upload URL: warehouse's ``/legacy/`` ->
    ``/simple/``; devpi's index URL -> ``+simple/``; pypiserver, Nexus, Artifactory, GitLab
    and CodeArtifact -> ``simple/`` (no trailing slashes)."""
    url = upload_url.rstrip("/")
    if url.endswith("/legacy"):
        return [url[: -len("legacy")] + "simple"]
    return [url + "/simple", url + "/+simple"]


def _index_for(ctx: PublishContext, target: _Target, check_url: str | None) -> _Index:
    """The target's own index, and only it: ``--check-url``; PyPI's for PyPI; the source of
    the same name; a source whose URL is the upload URL's simple index; else guesses."""
    simple = [s for s in ctx.sources if s.kind == "simple"]
    if check_url:
        base = check_url.rstrip("/")
        names = [s.name for s in ctx.sources if s.url.rstrip("/") == base]
        return _Index(names[0] if names else "check-url", base, names)
    if target.name == "pypi":
        names = [s.name for s in ctx.sources if s.kind == "pypi"]
        return _Index("PyPI", pypi_simple_url().rstrip("/"), names)
    if ctx.sources.has(target.name) and ctx.sources.get(target.name).kind == "simple":
        source = ctx.sources.get(target.name)
        return _Index(source.name, source.url.rstrip("/"), [source.name])
    guesses = _simple_guesses(target.url)
    for guess in guesses:
        served = [s for s in simple if _same_url(s.url, guess)]
        if served:
            return _Index(served[0].name, served[0].url.rstrip("/"), [s.name for s in served])
    return _Index(target.name, guesses[0], [], tuple(guesses[1:]), derived=True)


@dataclass
class _Checker:
    """GETs for the check. The upload's credentials go only to the upload URL's origin (scheme,
    host, port): a page there is read with them, and httpx drops them on a redirect to another
    origin. A page elsewhere goes through the
    workspace's client (the credentials configured for that URL, as a lookup would send),
    unless they would be the target's own: then it is read without any."""

    ctx: PublishContext
    target: _Target
    cred: Credential
    client: httpx.Client

    def get(self, url: str, label: str) -> httpx.Response:
        on_upload_origin = _origin(url) == _origin(self.target.url)
        if on_upload_origin and _complete(self.cred):
            return self._hops(url, label)
        if not on_upload_origin and self.ctx.repository_for(url) == self.target.name:
            return self._hops(url, label)
        return self.ctx.get(url, label, {"Accept": ACCEPT_SIMPLE})

    def _headers(self, url: str) -> dict[str, str]:
        headers = {"Accept": ACCEPT_SIMPLE, "User-Agent": f"nbext/{_version.__version__}"}
        if _origin(url) == _origin(self.target.url) and _complete(self.cred):
            headers["Authorization"] = basic_header(self.cred)
        return headers

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
                    response_headers=_shown_headers(hop),
                    attempt=1,
                    started=wall,
                    http_version=hop.http_version,
                )
            )
        return response


def _shown_headers(response: httpx.Response) -> dict[str, str]:
    """Response headers for ``%netlog``: secrets and a redirect's userinfo redacted."""
    shown = redact_headers(dict(response.headers))
    if "location" in shown:
        shown["location"] = redact_url(shown["location"])
    return shown


def _read_page(
    checker: _Checker, url: str, label: str, name: str
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


def _existing(
    checker: _Checker, index: _Index, name: str
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
    checker: _Checker, index: _Index, name: str
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


# -- publishing ----------------------------------------------------------------------------------


def _is_exists_error(response: httpx.Response) -> bool:
    """Poetry's (and twine's) "already exists" answers."""
    status = response.status_code
    text = (response.reason_phrase + response.text).lower()
    return (
        status == 409
        or (status == 400 and any(s in text for s in _EXISTS_400))
        or (status == 403 and "overwrite artifact" in text)
    )


def _http_error(response: httpx.Response, secret: str | None) -> str:
    message = f"HTTP Error {response.status_code}: {response.reason_phrase} | {response.content!r}"
    if secret:
        message = message.replace(secret, "***")
    return message


def _no_upload_url(target: _Target) -> str:
    """The advice when ``-r NAME`` posted to the URL of the source NAME (no
    ``repositories.NAME.url``) and the server answered that it takes no uploads there."""
    name, base = target.name, target.url.rstrip("/")
    if base.endswith("/+simple"):  # devpi: the index URL is the upload URL
        upload = redact_url(base[: -len("+simple")])
    elif base.endswith("/simple"):
        upload = redact_url(base[: -len("simple")])
    else:
        upload = "UPLOAD_URL"
    return (
        f"\nNo upload URL is configured for {name}: -r {name} posts to the URL of the source "
        f"{name} ({redact_url(target.url)}), as Poetry does, and the server takes no uploads "
        f"there. Fix: %config repositories.{name} {upload} (the index's upload URL: devpi's "
        "is the index URL without +simple/, a warehouse-like index's ends in /legacy/)"
    )


def _replace_refused(dist: DistFile, there: str, target: _Target) -> str:
    return (
        f"\n{dist.name}: a different file of that name is already on {target.shown} (sha256 "
        f"{there[:12]}..., yours {dist.sha256[:12]}...): {target.shown} does not let a file be "
        "replaced. Fix: bump the version, build again and publish"
    )


def _hint(status: int, target: _Target, cred: Credential) -> str:
    who = f" (sent as user {cred.username!r})" if cred.username else " (no credentials sent)"
    if status == 403:
        return (
            f"\n{target.shown} refused the credentials{who}: a wrong password or token, or no "
            f"permission to upload this project. Fix: %config http-basic.{target.name} USER "
            f"(the password field opens), or %config pypi-token.{target.name} TOKEN"
        )
    if status == 401:
        return (
            f"\n{target.shown} wants credentials{who}. Fix: %config http-basic.{target.name} "
            "USER (the password field opens), or -u USER -p PASSWORD"
        )
    if status == 413:
        return f"\nThe file is larger than {target.shown} accepts."
    if status == 409:
        return (
            f"\n{target.shown} already has a file of that name and does not let it be replaced. "
            "Fix: bump the version, build again and publish (--skip-existing skips files that "
            "are already there)"
        )
    if status in (404, 405) and target.from_source:
        return _no_upload_url(target)
    if status in (404, 405):
        return (
            f"\nIs {target.url} the index's upload URL? (Not its /simple/ URL; for a "
            "warehouse-like index it ends in /legacy/.)"
        )
    return ""


@dataclass
class _Run:
    ctx: PublishContext
    target: _Target
    cred: Credential
    client: httpx.Client
    result: PublishResult
    observer: PublishObserver | None
    prompt: CredentialPrompt | None
    skip_existing: bool
    #: Files the check found on the index with other content: ``{filename: its sha256}``.
    replacing: dict[str, str] = field(default_factory=dict)

    def headers(self) -> dict[str, str]:
        headers = {"User-Agent": f"nbext/{_version.__version__}"}
        if self.cred.username is not None and self.cred.password is not None:
            headers["Authorization"] = basic_header(self.cred)
        return headers

    def send(self, dist: DistFile, action: str = "file_upload") -> httpx.Response:
        body = Multipart(form_fields(dist, action), dist.path)
        observer = self.observer

        def progress(sent: int, total: int) -> None:
            if observer is not None and action == "file_upload":
                observer.file_progress(dist.name, sent, total)

        response, _events = post(
            self.client,
            self.target.url,
            body,
            source=self.target.name,
            headers=self.headers(),
            progress=progress,
            sleep=self.ctx.sleep,
            record=self.ctx.record,
        )
        return response

    def upload(self, dist: DistFile, outcome: FileOutcome) -> None:
        started = time.perf_counter()
        registered = prompted = False
        while True:
            response = self.send(dist)
            status = response.status_code
            there = self.replacing.get(dist.name)
            if 200 <= status < 300:
                outcome.state = "uploaded"
                if there is not None:  # a volatile devpi index, for one
                    outcome.detail = (
                        f"replaced a different file of that name (sha256 {there[:12]}...)"
                    )
                break
            if 300 <= status < 400 and self.target.from_source:
                raise _Failed("Redirects are not supported." + _no_upload_url(self.target))
            if 300 <= status < 400:
                raise _Failed("Redirects are not supported. Is the URL missing a trailing slash?")
            if status == 400 and "was ever registered" in response.text and not registered:
                registered = True
                reg = self.send(dist, action="submit")
                if not 200 <= reg.status_code < 300:
                    raise _Failed(_http_error(reg, self.cred.password))
                continue
            if status == 401 and not prompted and self.prompt is not None:
                prompted = True
                asked = self.prompt(self.target.name, self.cred.username)
                if asked is None:
                    raise _NeedsCredentials(
                        f"{self.target.shown} wants credentials: fill in the form, click Save, "
                        "then run this cell again (nothing was uploaded that needs them)."
                    )
                self.cred = asked
                continue
            if there is not None and _is_exists_error(response):
                message = _http_error(response, self.cred.password)
                raise _Failed(message + _replace_refused(dist, there, self.target))
            if self.skip_existing and _is_exists_error(response):
                outcome.state = "skipped"
                outcome.detail = "already on the index (server's answer)"
                break
            hint = _hint(status, self.target, self.cred)
            raise _Failed(_http_error(response, self.cred.password) + hint)
        outcome.elapsed = time.perf_counter() - started


class _Failed(Exception):
    pass


class _NeedsCredentials(Exception):
    pass


def _decide(
    dists: list[DistFile],
    result: PublishResult,
    existing: dict[str, dict[str, str]],
    target: _Target,
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


def _send_all(run: _Run, dists: list[DistFile], dry_run: bool) -> None:
    """Upload the files not skipped, one by one. Files that would replace a file on the index
    go first: when the index refuses, nothing else has been uploaded."""
    result, observer = run.result, run.observer
    pairs = sorted(
        zip(dists, result.files, strict=True), key=lambda p: p[0].name not in run.replacing
    )
    for d, outcome in pairs:
        if observer is not None:
            observer.file_started(d.name, d.size)
        if outcome.state == "skipped":
            if observer is not None:
                observer.file_done(d.name, "skipped", outcome.detail)
            continue
        if dry_run:
            outcome.state = "checked"
            outcome.detail = "dry run: not sent"
            if d.name in run.replacing:
                outcome.detail += " (another file of that name is there: the server decides)"
            if observer is not None:
                observer.file_progress(d.name, d.size, d.size)
                observer.file_done(d.name, "checked", "")
            continue
        try:
            run.upload(d, outcome)
        except (_Failed, UploadFailed, _NeedsCredentials) as exc:
            raise _stopped(run, d, outcome, exc) from exc
        if observer is not None:
            observer.file_done(d.name, outcome.state, outcome.detail)


def _stopped(run: _Run, d: DistFile, outcome: FileOutcome, exc: Exception) -> PublishError:
    """The error for a file that failed: what it says, what was uploaded and what was not."""
    result, target = run.result, run.target
    outcome.state = "failed"
    if run.observer is not None:
        run.observer.file_done(d.name, "failed", str(exc))
    for later in result.files:
        if later.state == "pending":
            later.state = "not uploaded"
    done = ", ".join(result.uploaded) or "nothing"
    left = ", ".join(f.name for f in result.files if f.state in ("failed", "not uploaded"))
    if isinstance(exc, UploadFailed):
        message = f"Error connecting to repository {target.shown} ({redact_url(target.url)}): {exc}"
    else:
        message = str(exc)
    err = PublishError(f"{message}\nUploaded: {done}. Not uploaded: {left}.", result=result)
    err.needs_credentials = isinstance(exc, _NeedsCredentials)
    return err


def publish(
    ctx: PublishContext,
    repository: str | None = None,
    *,
    username: str | None = None,
    password: str | None = None,
    dist_dir: str | Path = "dist",
    build_first: bool = False,
    isolation: bool = True,
    skip_existing: bool = False,
    dry_run: bool = False,
    cert: str | None = None,
    client_cert: str | None = None,
    check_url: str | None = None,
    prompt: CredentialPrompt | None = None,
    observer: PublishObserver | None = None,
) -> PublishResult:
    """See the module docstring; raises :class:`PublishError` with a partial result."""
    if not ctx.package_mode:
        raise PublishError("Publishing a package is not possible in non-package mode.")
    if ctx.project_root is None or not ctx.project_name:
        raise PublishError(
            "No project to publish: attach one with a pyproject.toml that has a name and "
            "version (Workspace(project_dir) or %cd into it)."
        )
    root = ctx.project_root
    target = _target(ctx, repository)
    dist = Path(dist_dir)
    if not dist.is_absolute():
        dist = root / dist
    warnings: list[str] = []
    build_output = None
    if build_first:
        before = _select_files(dist, ctx.project_name)
        if before.files:
            # A cell cannot wait for an answer: Poetry's non-interactive form.
            warnings.append(
                f"Warning: There are {len(before.files)} files ready for publishing in "
                f"{dist_dir}. Build anyway!"
            )
        build_output = build(root, dist, isolation=isolation)
        if observer is not None:
            observer.build_done(build_output)
    selection = _select_files(dist, ctx.project_name)
    if not selection.files:
        names = ", ".join(p.name for p in selection.foreign)
        other = f" The directory has files of other projects: {names}." if names else ""
        raise PublishError(
            "No files to publish. Run poetry build first or use the --build option." + other
        )
    if selection.foreign:
        warnings.append(
            f"Not published (another project's files in {dist_dir}): "
            + ", ".join(p.name for p in selection.foreign)
        )
    if selection.older:
        warnings.append(
            f"Not published (older versions; only {selection.version} is): "
            + ", ".join(p.name for p in selection.older)
        )
    result = PublishResult(
        project=ctx.project_name,
        version=selection.version,
        repository=target.shown,
        url=redact_url(target.url),
        dry_run=dry_run,
        warnings=warnings,
        build_output=build_output,
    )

    # Checks: every file, every problem, before anything is sent.
    problems: list[str] = []
    dists: list[DistFile] = []
    for path in selection.files:
        try:
            d = read_dist(path)
        except DistReadError as exc:
            problems.append(f"{path.name}: {exc}")
            continue
        dists.append(d)
        result.files.append(FileOutcome(d.name, d.size, d.sha256))
        for problem in check_dist(d, name=ctx.project_name, version=ctx.project_version):
            problems.append(f"{d.name}: {problem}")
    if problems:
        raise PublishError(
            "Not published: the files need fixing first (then build again, e.g. "
            "%publish --build):\n" + "\n".join(f"  - {p}" for p in problems),
            result=result,
        )

    cred = _credentials(ctx, target, username, password)
    client = httpx.Client(
        transport=ctx.transport,
        verify=_tls(ctx, target, cert, client_cert),
        timeout=httpx.Timeout(ctx.timeout),
        follow_redirects=False,
        trust_env=True,
    )
    try:
        index = _index_for(ctx, target, check_url)
        existing, note = _existing(_Checker(ctx, target, cred, client), index, ctx.project_name)
        result.notes.append(note)
        replacing = _decide(dists, result, existing or {}, target, skip_existing)
        run = _Run(ctx, target, cred, client, result, observer, prompt, skip_existing, replacing)
        _send_all(run, dists, dry_run)
    finally:
        client.close()

    if result.uploaded:
        for source in index.sources:
            ctx.invalidate(source, ctx.project_name)
        if index.sources:
            result.notes.append(
                f"Cached pages of {ctx.project_name} dropped on {', '.join(index.sources)}: "
                f"%lookup {ctx.project_name}=={selection.version} sees it now."
            )
        result.project_url = _project_page(ctx, target, index, ctx.project_name)
    return result


def _project_page(ctx: PublishContext, target: _Target, index: _Index, name: str) -> str | None:
    """The index's web page of the project, when it has one (``<host>/project/<name>/``, as
    warehouse and the demo index serve it)."""
    base = index.base[: -len("/simple")] if index.base.endswith("/simple") else None
    if base is None:
        return None
    url = f"{base}/project/{canonicalize_name(name)}/"
    try:
        response = ctx.get(url, index.label, {"Accept": "text/html"})
    except httpx.HTTPError:
        return None
    return redact_url(url) if response.status_code == 200 else None
