"""The HTTP cache (RFC 9111 through hishel, files per source) against real demo servers:
request counts seen by the server, what is written to disk, corruption, offline."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

import pytest

import nbext
from nbext.cache.storage import DIRNAME
from nbext.constants import ACCEPT_SIMPLE
from nbext.demo import Dist, IndexServer
from nbext.demo.pages import links_html
from nbext.net.client import Event

DISTS = [Dist("acme", "1.0"), Dist("acme", "2.0")]


@pytest.fixture
def cache_dir(own_cache_dir: Path) -> Path:
    return own_cache_dir


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "p").mkdir()
    return tmp_path / "p"


def _lookup(project: Path, server: IndexServer, **kw: object) -> nbext.LookupResult:
    """A lookup in a new Workspace (a new kernel): only what is on disk carries over."""
    with nbext.Workspace(project, **kw) as ws:  # type: ignore[arg-type]
        ws.add_source("corp", server.url, "primary")
        return ws.lookup("acme")


def _paths(server: IndexServer) -> list[tuple[str, int]]:
    return [(r.path, r.status) for r in server.requests]


def test_fresh_pages_cost_no_request(
    project: Path, cache_dir: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory(DISTS, max_age=600)
    cold = _lookup(project, server)
    assert len(server.requests) == 2  # the page and the PEP 658 file
    assert cold.per_source[0].cache == "miss"
    server.clear_log()
    warm = _lookup(project, server)
    assert server.requests == []  # within max-age: nothing asked
    assert warm.chosen is not None and warm.chosen.version == "2.0"
    row = warm.per_source[0]
    assert row.cache.startswith("hit (age ") and row.requests == 0
    assert "cache" in repr(warm).splitlines()[1]  # the cache column
    assert (cache_dir / "cache" / "repositories" / "corp" / DIRNAME).is_dir()


def test_expired_pages_are_revalidated(
    project: Path, cache_dir: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory(DISTS)  # Cache-Control: max-age=0, must-revalidate, with ETags
    _lookup(project, server)
    server.clear_log()
    warm = _lookup(project, server)
    # the page is revalidated; the release's metadata comes from Poetry's metadata cache
    assert _paths(server) == [("/simple/acme/", 304)]
    assert warm.per_source[0].cache == "revalidated (304)"
    assert warm.chosen is not None and warm.chosen.metadata is not None
    assert warm.chosen.metadata_via == "metadata cache"
    # a new release shows up at once: the ETag changed, so the 304 becomes a 200
    server.add(Dist("acme", "3.0"))
    server.clear_log()
    newer = _lookup(project, server)
    assert newer.chosen is not None and newer.chosen.version == "3.0"
    assert newer.per_source[0].cache == "changed (200)"


def test_no_store_pages_are_always_fetched(
    project: Path, cache_dir: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory(DISTS, max_age=600)
    page = links_html("Links for acme", server._projects["acme"].files(), "../../files/", True)
    server.set_fault(
        "/simple/acme/",
        status=200,
        body=page,
        content_type="text/html",
        headers={"Cache-Control": "no-store"},
    )
    for _ in range(3):
        res = _lookup(project, server)
        assert res.per_source[0].cache == "miss (not stored)"
    assert len(server.project_requests("acme")) == 3


def test_no_cache_reads_and_writes_nothing(
    project: Path,
    cache_dir: Path,
    index_factory: type[IndexServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = index_factory(DISTS, max_age=600)
    for _ in range(2):
        res = _lookup(project, server, no_cache=True)
        assert res.per_source[0].cache == ""
        assert "cache" not in repr(res).splitlines()[1]
    monkeypatch.setenv("POETRY_NO_CACHE", "1")
    _lookup(project, server)
    assert len(server.project_requests("acme")) == 3
    assert not cache_dir.exists() or not any(p.is_file() for p in cache_dir.rglob("*"))


def test_json_and_html_forms_of_a_page_do_not_mix(
    project: Path, cache_dir: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory(DISTS, max_age=600)  # negotiates on Accept; Vary: Accept
    with nbext.Workspace(project) as ws:
        url = server.url + "acme/"
        first, _ = ws.http.get(url, source="corp", headers={"Accept": ACCEPT_SIMPLE})
        html, _ = ws.http.get(url, source="corp", headers={"Accept": "text/html"})
        again, events = ws.http.get(url, source="corp", headers={"Accept": ACCEPT_SIMPLE})
    assert first.headers["content-type"] == "application/vnd.pypi.simple.v1+json"
    assert html.headers["content-type"].startswith("text/html")  # not the cached JSON
    assert again.headers["content-type"] == "application/vnd.pypi.simple.v1+json"
    assert events[0].cache and events[0].cache.startswith("hit")
    assert len(server.project_requests("acme")) == 2


def test_nothing_secret_is_written(
    project: Path, cache_dir: Path, index_factory: type[IndexServer]
) -> None:
    password = "pw-" + secrets.token_hex(8)
    server = index_factory(DISTS, auth=("alice", password), max_age=600)
    url = server.url.replace("://", f"://alice:{password}@")
    with nbext.Workspace(project) as ws:
        ws.add_source("corp", url, "primary")
        assert ws.lookup("acme").chosen is not None
        assert ws.lookup("acme").per_source[0].cache.startswith("hit")
    written = b"".join(p.read_bytes() for p in cache_dir.rglob("*") if p.is_file())
    assert b"acme" in written  # the cache holds the pages...
    assert password.encode() not in written  # ... and no password, in any form
    import base64

    assert base64.b64encode(f"alice:{password}".encode()) not in written
    assert b"authorization" not in written.lower()


def test_a_corrupt_entry_is_discarded_and_fetched_again(
    project: Path,
    cache_dir: Path,
    index_factory: type[IndexServer],
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = index_factory(DISTS, max_age=600)
    _lookup(project, server)
    root = cache_dir / "cache" / "repositories" / "corp" / DIRNAME
    files = sorted(p for p in root.iterdir() if p.is_file())
    assert len(files) == 2  # the page and the PEP 658 file
    for path in files:  # half-written files
        path.write_bytes(path.read_bytes()[:40])
    server.clear_log()
    with caplog.at_level(logging.WARNING, "nbext.cache"):
        res = _lookup(project, server)
    assert "Corrupt cache file was detected and cleaned up" in caplog.text
    assert res.chosen is not None and res.chosen.version == "2.0"
    # fetched again (the metadata is in Poetry's metadata cache, a separate file)
    assert [r.path for r in server.requests] == ["/simple/acme/"]
    page = next(p for p in root.iterdir() if p.is_file() and b"acme-2.0.tar.gz" in p.read_bytes())
    data = bytearray(page.read_bytes())
    data[-5] ^= 0xFF  # one byte of the stored body flipped: the length is right, the hash not
    page.write_bytes(bytes(data))
    server.clear_log()
    caplog.clear()
    with caplog.at_level(logging.WARNING, "nbext.cache"):
        res = _lookup(project, server)
    assert "does not match its hash" in caplog.text
    assert res.chosen is not None and res.chosen.version == "2.0"
    assert [r.path for r in server.requests] == ["/simple/acme/"]


def test_offline_answers_from_the_cache_or_says_what_is_missing(
    project: Path, cache_dir: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory(DISTS)
    online = _lookup(project, server)
    server.clear_log()
    offline = _lookup(project, server, offline=True)
    assert server.requests == []
    assert offline.chosen is not None and online.chosen is not None
    assert (offline.chosen.version, offline.chosen.source) == (
        online.chosen.version,
        online.chosen.source,
    )
    assert offline.chosen.metadata == online.chosen.metadata
    assert offline.per_source[0].cache.startswith("offline (age ")
    with nbext.Workspace(project, offline=True) as ws:  # nothing cached for this one
        ws.add_source("corp", server.url, "primary")
        cold = ws.lookup("other")
    assert server.requests == [] and cold.chosen is None
    error = cold.per_source[0].error or ""
    assert error.startswith("Source (corp): offline, and no cached copy of")
    assert "%config --unset offline" in error
    # The row says the network was not used, and why it has nothing.
    row = cold.per_source[0]
    assert (row.outcome, row.cache) == ("no: offline", "offline (not cached)")
    assert "no: offline" in repr(cold) and "offline (not cached)" in repr(cold)


def test_offline_from_config(
    project: Path,
    cache_dir: Path,
    index_factory: type[IndexServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = index_factory(DISTS)
    _lookup(project, server)
    server.clear_log()
    with nbext.Workspace(project) as ws:
        ws.add_source("corp", server.url, "primary")
        ws.config_set("offline", "true")
        assert ws.lookup("acme").per_source[0].cache.startswith("offline")
        ws.config_unset("offline")
        assert ws.lookup("acme").per_source[0].cache == "revalidated (304)"
    assert len(server.project_requests("acme")) == 1


def test_redirect_hops_are_cached_under_their_own_urls(
    project: Path, cache_dir: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory([Dist("Acme.Utils", "1.0")], max_age=600)
    with nbext.Workspace(project) as ws:
        ws.add_source("corp", server.url, "primary")
        for _ in range(2):
            response, events = ws.http.get(server.url + "Acme.Utils/", source="corp")
            assert response.status_code == 200 and str(response.url).endswith("/acme-utils/")
    # The 301 has no lifetime and no validators: fetched again, the same body (point 21).
    shown = [(e.status, (e.cache or "")[:9]) for e in events]
    assert shown == [(301, "refetched"), (200, "hit (age ")]
    assert events[0].cache == "refetched, no validators"
    # the redirect carries no freshness (no Cache-Control, no Last-Modified): asked again,
    # while the page it leads to is fresh under its own URL
    assert [r.status for r in server.requests] == [301, 200, 301]


def test_vvv_shows_the_request_that_went_out(
    project: Path,
    cache_dir: Path,
    index_factory: type[IndexServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """-vvv's `>` lines: a revalidation's conditional request as sent (credentials redacted),
    nothing for a hit, and the full request for one that failed."""
    password = secrets.token_urlsafe(12)
    server = index_factory(DISTS, auth=("alice", password))
    monkeypatch.setenv("POETRY_HTTP_BASIC_CORP_USERNAME", "alice")
    monkeypatch.setenv("POETRY_HTTP_BASIC_CORP_PASSWORD", password)

    def page_event(ws: nbext.Workspace) -> Event:
        res = ws.lookup("acme")
        assert res.chosen is not None and res.chosen.version == "2.0"
        return next(e for e in res.per_source[0].events if e.url.endswith("/simple/acme/"))

    with nbext.Workspace(project) as ws:
        ws.add_source("corp", server.url, "primary")
        page_event(ws)
        revalidated = page_event(ws)
        assert revalidated.cache == "revalidated (304)"
        assert revalidated.request_headers["authorization"] == "***"
        assert revalidated.request_headers["if-none-match"].startswith('"')
        assert revalidated.request_headers["user-agent"].startswith("nbext/")
        assert password not in "\n".join(revalidated.detail_lines())

        server.max_age = 600
        page_event(ws)  # the 304 brings the new max-age
        hit = page_event(ws)
        assert hit.cache.startswith("hit (age ")
        assert hit.request_headers == {}
        assert not any(line.startswith("  >") for line in hit.detail_lines())

    server.set_fault("/simple/acme/", action="reset", times=1)
    with nbext.Workspace(project, no_cache=True) as ws:
        ws.add_source("corp", server.url, "primary")
        res = ws.lookup("acme")
        failed = next(e for e in res.per_source[0].events if e.error)
        assert failed.request_headers["authorization"] == "***"
        assert failed.request_headers["user-agent"].startswith("nbext/")
        assert failed.request_headers["host"].startswith("127.0.0.1:")
