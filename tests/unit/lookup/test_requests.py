"""Per-source answers through ``httpx.MockTransport`` (nbext.lookup.requests): whatever a source
answers or raises stays in that source's row; only the bottom of the transport stack is replaced.
"""

from __future__ import annotations

from pathlib import Path

import httpx

import nbext

# -- per-source answers through a mock transport --------------------------------------------------


def _ws(tmp_path: Path, handler: httpx.MockTransport, *names: str) -> nbext.Workspace:
    ws = nbext.Workspace(tmp_path, transport=handler, retry_sleep=lambda _s: None)
    for name in names:
        ws.add_source(name, f"https://{name}.example/simple/", "primary")
    return ws


def test_redirect_is_followed_and_relative_links_resolve_against_the_final_url(
    tmp_path: Path,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/simple/acme/":
            return httpx.Response(301, headers={"Location": "https://b.example/new/acme/"})
        if request.url.path == "/new/acme/":
            return httpx.Response(200, html='<a href="acme-1.0.tar.gz#sha256=00">x</a>')
        return httpx.Response(404)

    with _ws(tmp_path, httpx.MockTransport(handler), "a") as ws:
        res = ws.lookup("acme")
    assert res.chosen is not None and res.chosen.url == "https://b.example/new/acme/acme-1.0.tar.gz"
    assert [e.status for e in res.per_source[0].events][:2] == [301, 200]


def test_auth_errors_are_per_source_warnings(tmp_path: Path) -> None:  # scenario 12
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "a.example":
            return httpx.Response(401)
        if request.url.host == "b.example":
            return httpx.Response(403)
        return httpx.Response(200, html='<a href="/f/acme-1.0.tar.gz">x</a>')

    with _ws(tmp_path, httpx.MockTransport(handler), "a", "b", "c") as ws:
        res = ws.lookup("acme")
    assert res.chosen is not None and res.chosen.source == "c"
    assert (
        "Source (a): Authorization error accessing https://a.example/simple/acme/ (no "
        "credentials for a: %config http-basic.a USERNAME)" in res.notes
    )
    assert [r.outcome for r in res.per_source] == ["yes: auth error", "yes: auth error", "yes"]


def test_server_errors_are_error_rows_and_others_still_answer(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "a.example":
            return httpx.Response(500, text="boom")
        if request.url.host == "b.example":
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, html='<a href="/f/acme-1.0.tar.gz">x</a>')

    with _ws(tmp_path, httpx.MockTransport(handler), "a", "b", "c") as ws:
        res = ws.lookup("acme")
    assert res.chosen is not None and res.chosen.source == "c"
    rows = {r.source: r for r in res.per_source}
    assert rows["a"].error == "Source (a): HTTP 500 from https://a.example/simple/acme/"
    assert rows["b"].error is not None and rows["b"].error.startswith(
        "Source (b): All attempts to connect to b.example failed (connection refused)."
    )
    assert "%source show b" in rows["b"].error
