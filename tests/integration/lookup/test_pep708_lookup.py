"""PEP 708's lists reach a lookup's answer (``LookupResult.per_source``: ``SourceRow.tracks``
and ``SourceRow.alternate_locations``), from demo indexes on 127.0.0.1 serving them in JSON
and in HTML, through the HTTP cache and the kept-as-read page cache.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

import nbext
import nbext.lookup.fetch_pages
from nbext.cache.pages import ParsedPages
from nbext.demo import Dist, IndexServer

DISTS = [Dist("acme-utils", "1.0.0"), Dist("acme-utils", "2.0.0")]


def _rows(result: nbext.LookupResult) -> dict[str, nbext.SourceRow]:
    return {row.source: row for row in result.per_source}


def _servers(
    index_factory: type[IndexServer], api: str
) -> tuple[IndexServer, IndexServer, tuple[str, ...], tuple[str, ...]]:
    """``corp`` (tracking ``pub`` for acme-utils, one relative URL) and ``pub`` (no lists)."""
    pub = index_factory(DISTS[:1], name="pub", api=api)
    corp = index_factory(DISTS, name="corp", api=api)
    tracks = (pub.url + "acme-utils/",)
    alternates = ("https://gpu.example/simple/acme-utils/", "../../mirror/simple/acme-utils/")
    corp.set_pep708("acme-utils", tracks=tracks, alternate_locations=alternates)
    resolved = (alternates[0], corp.base_url + "/mirror/simple/acme-utils/")
    return corp, pub, tracks, resolved


@pytest.mark.parametrize("api", ["json", "html"])
def test_each_sources_row_carries_its_pages_lists(
    tmp_path: Path, index_factory: type[IndexServer], api: str
) -> None:
    corp, pub, tracks, alternates = _servers(index_factory, api)
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", corp.url, "primary")
        ws.add_source("pub", pub.url, "primary")
        result = ws.lookup("acme-utils")
        other = ws.lookup("acme-core")  # a project no source has: empty lists
    assert result.chosen is not None and result.chosen.source == "corp"
    rows = _rows(result)
    assert rows["corp"].tracks == tracks
    assert rows["corp"].alternate_locations == alternates  # resolved against the page's URL
    assert (rows["pub"].tracks, rows["pub"].alternate_locations) == ((), ())
    assert all(row.tracks == () for row in other.per_source)
    # the table (and so the notebooks' outputs) is as before
    assert "gpu.example" not in repr(result) and "mirror" not in repr(result)


def test_a_supplemental_source_not_asked_has_empty_lists(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    corp, pub, _, _ = _servers(index_factory, "json")
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("pub", pub.url, "primary")
        ws.add_source("corp", corp.url, "supplemental")
        rows = _rows(ws.lookup("acme-utils"))
    assert not rows["corp"].asked and rows["corp"].tracks == ()


@pytest.mark.parametrize("api", ["json", "html"])
def test_the_lists_come_back_from_the_kept_as_read_page_cache(
    tmp_path: Path,
    index_factory: type[IndexServer],
    monkeypatch: pytest.MonkeyPatch,
    api: str,
) -> None:
    """A page whose bytes were read before comes from nbext's page cache, lists and all: in
    the same process (memory) and in a new one (the file, magic line 4)."""
    monkeypatch.setattr(nbext.lookup.fetch_pages, "KEEP_FROM", 0)  # keep the small demo pages
    corp, _, tracks, alternates = _servers(index_factory, api)
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", corp.url, "primary")
        assert _rows(ws.lookup("acme-utils"))["corp"].tracks == tracks

    def not_again(*args: object, **kwargs: object) -> None:
        raise AssertionError("the page was read again")

    monkeypatch.setattr(nbext.lookup.fetch_pages.PageReader, "project", not_again)
    for fresh_process in (False, True):
        if fresh_process:
            monkeypatch.setattr(ParsedPages, "_shared", {})  # another kernel: from the file
        with nbext.Workspace(tmp_path) as ws:
            ws.add_source("corp", corp.url, "primary")
            result = ws.lookup("acme-utils")
        row = _rows(result)["corp"]
        assert row.error is None and row.cache  # revalidated: the same bytes as before
        assert (row.tracks, row.alternate_locations) == (tracks, alternates)
        assert result.chosen is not None and result.chosen.version == "2.0.0"


def test_a_single_page_index_gives_its_pages_lists_for_every_project(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    links = index_factory([*DISTS, Dist("beta", "1.0")], name="links", layout="single-page")
    page = httpx.get(links.url, trust_env=False).text
    head = '<head>\n    <meta name="pypi:tracks" content="../upstream/links.html">'
    links.set_fault(
        "/links.html",
        body=page.replace("<head>", head, 1).encode(),
        content_type="text/html; charset=utf-8",
    )
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("links", links.url, "primary")
        results = ws.lookup_many(["acme-utils", "beta"])
    assert [r.chosen.version for r in results if r.chosen] == ["2.0.0", "1.0"]
    for result in results:
        row = _rows(result)["links"]
        assert row.tracks == (links.base_url + "/upstream/links.html",)
        assert row.alternate_locations == ()
