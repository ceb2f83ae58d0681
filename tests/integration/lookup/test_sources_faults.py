"""Source kinds and bad answers from real servers: single-page links, auth, down, not an index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import nbext
from nbext.demo import Dist, IndexServer, write_dists
from nbext.index.lazy_wheel import TAIL_BYTES
from nbext.ui.html import to_html
from tests.support.servers import RawResponse, free_port, run_pypiserver, run_raw_server


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[nbext.Workspace]:
    with nbext.Workspace(tmp_path, timeout=5, retry_sleep=lambda _s: None) as workspace:
        yield workspace


def test_single_page_link_source_is_fetched_once(
    ws: nbext.Workspace, index_factory: type[IndexServer]
) -> None:
    links = index_factory(
        [Dist("jaxlib", "0.4.1"), Dist("jaxlib", "0.4.2"), Dist("other", "1.0")],
        layout="single-page",
    )
    assert links.url.endswith("/links.html")
    ws.add_source("jax", links.url, "primary")
    assert ws.sources.get("jax").kind == "single-page"
    out = ws.lookup_many(["jaxlib", "other", "missing"])
    assert [r.chosen.version if r.chosen else None for r in out] == ["0.4.2", "1.0", None]
    pages = [r for r in links.requests if r.path == "/links.html"]
    assert len(pages) == 1  # one page for every package, fetched once
    assert out[0].chosen is not None and out[0].chosen.metadata is not None


def test_identical_page_requests_are_shared(
    ws: nbext.Workspace, index_factory: type[IndexServer]
) -> None:
    server = index_factory([Dist("acme", "1.0"), Dist("acme", "2.0")])
    ws.add_source("corp", server.url, "primary")
    out = ws.lookup_many(["acme", "acme<2", "ACME>=1"])
    assert [r.chosen.version for r in out if r.chosen] == ["2.0", "1.0", "2.0"]
    assert len(server.project_requests("acme")) == 1


def test_pypiserver_with_auth_is_a_warning_row_not_a_crash(
    ws: nbext.Workspace, tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    pkgs = tmp_path / "pkgs"
    pkgs.mkdir()
    write_dists([Dist("acme", "3.0")], pkgs)
    private = run_pypiserver(pkgs, auth=("user", "pass"), workdir=tmp_path / "pp")
    try:
        public = index_factory([Dist("acme", "1.0")])
        ws.add_source("private", private.url, "primary")
        ws.add_source("public", public.url, "primary")
        res = ws.lookup("acme")
        assert res.chosen is not None and (res.chosen.version, res.chosen.source) == (
            "1.0",
            "public",
        )
        rows = {r.source: r for r in res.per_source}
        assert rows["private"].status == 401 and rows["private"].outcome == "yes: auth error"
        assert (
            f"Source (private): Authorization error accessing {private.url}acme/ (no credentials "
            "for private: %config http-basic.private USERNAME)" in res.notes
        )
        # wrong credentials in the URL: pypiserver answers 403, same treatment, no secret shown
        ws.add_source("private", private.url.replace("//", "//user:wrong@"), "primary")
        res = ws.lookup("acme")
        assert {r.source: r.status for r in res.per_source}["private"] == 403
        assert "wrong" not in repr(res) and "wrong" not in to_html(res)
        # right credentials in the URL: the private 3.0 wins (highest version)
        ws.add_source("private", private.url.replace("//", "//user:pass@"), "primary")
        res = ws.lookup("acme")
        assert res.chosen is not None and (res.chosen.version, res.chosen.source) == (
            "3.0",
            "private",
        )
        assert res.chosen.metadata is not None  # downloaded the wheel with the credentials
        assert "pass@" not in repr(res)
    finally:
        private.stop()


def test_a_source_that_is_down_is_an_error_row(
    ws: nbext.Workspace, index_factory: type[IndexServer]
) -> None:
    up = index_factory([Dist("acme", "1.0")])
    down = f"http://127.0.0.1:{free_port()}/simple/"
    ws.add_source("down", down, "primary")
    ws.add_source("up", up.url, "primary")
    res = ws.lookup("acme")
    assert res.chosen is not None and res.chosen.source == "up"
    row = res.per_source[0]
    assert row.outcome == "yes: error"
    assert row.error is not None and row.error.startswith(
        "Source (down): All attempts to connect to 127.0.0.1:"
    )
    assert "yes: error" in repr(res) and row.error in repr(res)


def test_a_page_that_is_not_an_index(ws: nbext.Workspace, tmp_path: Path) -> None:
    raw = run_raw_server(
        {
            "/simple/acme/": RawResponse(
                200, b"\x89PNG\r\n\x1a\n\x00\x00\x00", content_type="application/octet-stream"
            ),
            "/broken/acme/": RawResponse(
                200, b'{"files": [', content_type="application/vnd.pypi.simple.v1+json"
            ),
            "/err/acme/": RawResponse(503, b"maintenance"),
        },
        tmp_path / "raw",
    )
    try:
        ws.add_source("bin", raw.url, "primary")
        ws.add_source("json", raw.base_url + "/broken/", "primary")
        ws.add_source("err", raw.base_url + "/err/", "primary")
        res = ws.lookup("acme")
        assert res.chosen is None
        errors = {r.source: r.error for r in res.per_source}
        assert (
            "expected an HTML or PEP 691 JSON index page, got Content-Type "
            "'application/octet-stream'" in (errors["bin"] or "")
        )
        assert "(usually ending in /simple/)" in (errors["bin"] or "")
        assert "malformed PEP 691 JSON page" in (errors["json"] or "")
        assert errors["err"] == f"Source (err): HTTP 503 from {raw.base_url}/err/acme/"
        assert "bin, json, err did not answer" in res.message
    finally:
        raw.stop()


def test_hash_mismatch_is_refused(ws: nbext.Workspace, index_factory: type[IndexServer]) -> None:
    server = index_factory([Dist("acme", "1.0", sdist=False)], api="html", metadata=False)
    # the file's content changes, its listed hash does not
    server.set_fault("/files/acme-1.0-py3-none-any.whl", status=200, body=b"tampered")
    ws.add_source("corp", server.url, "primary")
    res = ws.lookup("acme")
    assert res.chosen is not None and res.chosen.metadata is None
    assert any("does not match its sha256 hash" in n for n in res.notes)


def test_wheel_metadata_by_range_requests_and_fallbacks(
    tmp_path: Path, index_factory: type[IndexServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    big = Dist("bigwheel", "1.0", requires_dist=("numpy>=2",), sdist=False)
    server = index_factory([big], api="html", metadata=False)
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", server.url, "primary")
        res = ws.lookup("bigwheel")
        assert res.chosen is not None and res.chosen.metadata is not None
        assert res.chosen.metadata_via == "range requests"
        assert res.chosen.metadata.requires_dist == ("numpy>=2",)
        ranges = [r.range for r in server.requests if r.path.endswith(".whl")]
        assert ranges[0] == f"bytes=-{TAIL_BYTES}"
        assert all(r is not None for r in ranges)  # never a full download
        # solver.lazy-wheel false: the whole wheel is downloaded (and its hash verified)
        monkeypatch.setenv("POETRY_SOLVER_LAZY_WHEEL", "false")
        server.clear_log()
        res = ws.lookup("bigwheel", refresh=True)  # not from the metadata cache
        assert res.chosen is not None and res.chosen.metadata_via == "wheel"
        assert [r.range for r in server.requests if r.path.endswith(".whl")] == [None]
