"""Credentials go only to the scheme, host and port they were configured for (issue 14, point 1).

A source that redirects (302, 307) to another port, another host or from https to http must
not hand its credentials to the next hop, wherever they came from: the URL, ``http-basic``
(files or environment), the keyring. What the other origin received is scanned for the
secret in every form (plain, percent-encoded, base64 of ``user:password``). A redirect within
the origin keeps them, so a source that answers at its canonical URL still works.
"""

from __future__ import annotations

import contextlib
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

import nbext
from nbext.demo import Dist, IndexServer
from nbext.ui.html import to_html
from tests.support.hostile import Hostile, answer, respond
from tests.support.keyring_backends import FileKeyring, use_backend
from tests.support.secret_scan import secret_forms

SECRET = "Orig1n-S3cret"
USER = "alice"

PAGE = (
    b"<!DOCTYPE html><html><body>"
    b'<a href="/files/acme-1.0-py3-none-any.whl">acme-1.0-py3-none-any.whl</a>'
    b"</body></html>"
)


@pytest.fixture
def other() -> Iterator[Hostile]:
    """Another origin: answers a page for anything and keeps every request head."""
    server = Hostile(respond(answer("200 OK", [("Content-Type", "text/html")], PAGE))).start()
    yield server
    server.stop()


def _leaks(heads: list[bytes]) -> list[str]:
    text = b"\n".join(heads).decode("latin-1")
    found = [what for form, what in secret_forms(SECRET).items() if form in text]
    if "authorization:" in text.lower():
        found.append("an Authorization header")
    return found


def _redirecting(index_factory: type[IndexServer], status: int, to: str) -> IndexServer:
    server = index_factory([Dist("acme", "1.0")], name="corp", auth=(USER, SECRET))
    server.set_fault("/simple/acme/", status=status, headers={"Location": to})
    return server


@pytest.mark.parametrize("status", [302, 307])
@pytest.mark.parametrize("where", ["url", "http-basic-env", "auth.toml", "keyring"])
def test_a_redirect_to_another_port_drops_the_credentials(
    tmp_path: Path,
    index_factory: type[IndexServer],
    other: Hostile,
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    where: str,
) -> None:
    server = _redirecting(index_factory, status, f"{other.url}acme/")
    url = server.url
    with contextlib.ExitStack() as stack, nbext.Workspace(tmp_path, timeout=5) as ws:
        if where == "url":
            url = url.replace("http://", f"http://{USER}:{SECRET}@")
        elif where == "http-basic-env":
            monkeypatch.setenv("POETRY_HTTP_BASIC_CORP_USERNAME", USER)
            monkeypatch.setenv("POETRY_HTTP_BASIC_CORP_PASSWORD", SECRET)
        elif where == "auth.toml":
            ws.config_set("keyring.enabled", "false")
            ws.config_set("http-basic.corp", USER, SECRET)
        else:
            stack.enter_context(use_backend(FileKeyring(tmp_path / "keyring.json")))
            ws.config_set("http-basic.corp", USER, SECRET)
        ws.add_source("corp", url, "primary")
        res = ws.lookup("acme")
    # the redirect itself was asked with credentials (the source's own origin) ...
    assert server.project_requests("acme")[0].has_auth
    # ... the other origin got none of them, and the lookup read its page
    assert other.heads, "the redirect was not followed"
    assert _leaks(other.heads) == []
    assert res.per_source[0].versions == ["1.0"]
    assert SECRET not in repr(res) + to_html(res) + "\n".join(res.log_lines(3))


def test_a_redirect_to_another_host_drops_the_credentials(
    tmp_path: Path, index_factory: type[IndexServer], other: Hostile
) -> None:
    # "localhost" and "127.0.0.1" are two origins on the same server
    server = _redirecting(index_factory, 302, f"http://localhost:{other.port}/simple/acme/")
    with nbext.Workspace(tmp_path, timeout=5) as ws:
        ws.add_source("corp", server.url.replace("http://", f"http://{USER}:{SECRET}@"), "primary")
        ws.lookup("acme")
    assert other.heads and _leaks(other.heads) == []


def test_https_to_http_never_sends_credentials_in_clear(
    tmp_path: Path,
    index_factory: type[IndexServer],
    other: Hostile,
    ca: trustme.CA,
    pems: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    server = IndexServer([Dist("acme", "1.0")], auth=(USER, SECRET), ssl_context=ctx).start()
    try:
        server.set_fault("/simple/acme/", status=302, headers={"Location": f"{other.url}acme/"})
        monkeypatch.setenv("POETRY_HTTP_BASIC_CORP_USERNAME", USER)
        monkeypatch.setenv("POETRY_HTTP_BASIC_CORP_PASSWORD", SECRET)
        with nbext.Workspace(tmp_path, timeout=5) as ws:
            ws.add_source("corp", server.url, "primary")
            ws.config_set("certificates.corp.cert", str(pems["ca"]))
            ws.lookup("acme")
    finally:
        server.stop()
    assert server.project_requests("acme")[0].has_auth
    assert other.heads and _leaks(other.heads) == []


def test_files_on_another_origin_get_no_credentials(
    tmp_path: Path, index_factory: type[IndexServer], other: Hostile
) -> None:
    """Links on a page to another origin (a CDN): Poetry's URL-prefix match gives them no
    credentials, and neither does nbext, with the credentials in the source's URL either."""
    server = index_factory([Dist("acme", "1.0")], name="corp", auth=(USER, SECRET), api="html")
    page = (
        f'<a href="{other.base}/files/acme-1.0-py3-none-any.whl">acme-1.0-py3-none-any.whl</a>'
    ).encode()
    server.set_fault("/simple/acme/", status=200, body=page, content_type="text/html")
    with nbext.Workspace(tmp_path, timeout=5) as ws:
        ws.add_source("corp", server.url.replace("http://", f"http://{USER}:{SECRET}@"), "primary")
        ws.lookup("acme")
    assert other.heads, "the file was not asked for"
    assert _leaks(other.heads) == []


def test_a_redirect_within_the_origin_keeps_the_credentials(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory([Dist("acme", "1.0")], name="corp", auth=(USER, SECRET))
    moved = {"Location": "/simple/acme/?v=2"}
    server.set_fault("/simple/acme/", status=307, headers=moved, times=1)
    with nbext.Workspace(tmp_path, timeout=5) as ws:
        ws.add_source("corp", server.url.replace("http://", f"http://{USER}:{SECRET}@"), "primary")
        res = ws.lookup("acme")
    assert res.chosen is not None and res.chosen.version == "1.0"
    assert all(r.has_auth for r in server.project_requests("acme"))
    # relative file links on the page inherit the source URL's credentials, as in Poetry
    assert all(r.has_auth for r in server.requests if r.path.startswith("/files/"))
