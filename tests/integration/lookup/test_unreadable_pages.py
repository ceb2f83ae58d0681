"""Pages nbext cannot read, served by a real index on 127.0.0.1 (issue 14.7, the parser side).

Whatever is wrong with a page, the lookup goes on: a page that cannot be read at all gives
that source's error row (``PageFormatError``, with what was wrong), a single link that cannot
be read is left out with a note, and the other sources still answer. Poetry 2.5.1 fails the
whole lock on several of these (a 5000-digit version, ``<![foo[``, a JSON page nested too
deeply) and lists a link to the host ``%5bbad`` for ``http://[bad/``; nbext does better.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import nbext
from benchmarks.bench_pages import big_page
from nbext.constants import JSON_MEDIA_TYPE
from nbext.demo import Dist, IndexServer
from nbext.demo.dists import build_sdist

GOOD = [Dist("acme", "1.0", requires_dist=("tinydep>=1",))]


def _lookup(
    tmp_path: Path,
    index_factory: type[IndexServer],
    body: bytes,
    content_type: str = "text/html; charset=utf-8",
    requirement: str = "acme",
) -> tuple[nbext.LookupResult, IndexServer]:
    """``requirement`` looked up on ``odd`` (serving ``body`` as acme's page) and ``good``."""
    odd = index_factory([], name="odd", api="html")
    odd.set_fault("/simple/acme/", body=body, content_type=content_type)
    good = index_factory(GOOD, name="good")
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("odd", odd.url, "primary")
        ws.add_source("good", good.url, "primary")
        result = ws.lookup(requirement)
    return result, odd


def _rows(result: nbext.LookupResult) -> dict[str, nbext.SourceRow]:
    return {row.source: row for row in result.per_source}


def test_json_nested_too_deeply_is_an_error_row(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    body = b'{"files": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    result, _ = _lookup(tmp_path, index_factory, body, JSON_MEDIA_TYPE)
    assert result.chosen is not None and result.chosen.source == "good"
    odd = _rows(result)["odd"]
    assert odd.outcome == "yes: error"
    assert odd.error is not None
    assert "malformed PEP 691 JSON page (nested too deeply)" in odd.error
    assert "Source (odd):" in odd.error


def test_markup_html_parser_refuses_is_an_error_row(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    body = b'<html><body><![foo[ x ]]><a href="/files/acme-2.0.tar.gz">2.0</a></body></html>'
    result, _ = _lookup(tmp_path, index_factory, body)
    assert result.chosen is not None and result.chosen.source == "good"
    error = _rows(result)["odd"].error
    assert error is not None and "malformed HTML page (unknown marked section <![foo" in error


def test_a_link_that_is_no_url_is_left_out_with_a_note(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    body = (
        b'<a href="http://[bad/acme-9.0.tar.gz">9.0</a>\n'
        b'<a href="//[bad/acme-8.0.tar.gz">8.0</a>\n'
        b'<a href="/files/acme-0.5.tar.gz">0.5</a>\n'
    )
    result, _ = _lookup(tmp_path, index_factory, body)
    assert result.chosen is not None
    assert (result.chosen.version, result.chosen.source) == ("1.0", "good")
    odd = _rows(result)["odd"]
    assert odd.error is None and odd.versions == ["0.5"]
    note = next(n for n in result.notes if n.startswith("Source (odd): 2 links"))
    assert "'http://[bad/acme-9.0.tar.gz' is not a URL (Invalid IPv6 URL)" in note


def test_a_bad_base_href_is_noted_and_the_page_url_used(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    body = b'<base href="http://[bad/"><a href="../../files/acme-0.5.tar.gz">0.5</a>'
    result, _ = _lookup(tmp_path, index_factory, body)
    assert _rows(result)["odd"].versions == ["0.5"]
    assert any("<base href> 'http://[bad/' is not a URL" in n for n in result.notes)


def test_non_ascii_hrefs_are_percent_encoded_as_utf8(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    sdist_name, sdist = build_sdist(Dist("acme", "2.0", requires_dist=("unicodedep",)))
    odd = index_factory([], name="odd", api="html")
    odd.set_fault(
        "/simple/acme/",
        body=f'<a href="/files/d\u00e9j\u00e0 vu/{sdist_name}">2.0</a>'.encode(),
        content_type="text/html; charset=utf-8",
    )
    odd.set_fault("/files/d\u00e9j\u00e0 vu/", body=sdist, content_type="application/gzip")
    good = index_factory(GOOD, name="good")
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("odd", odd.url, "primary")
        ws.add_source("good", good.url, "primary")
        result = ws.lookup("acme")
    assert result.chosen is not None and result.chosen.version == "2.0"
    assert result.chosen.url == f"{odd.base_url}/files/d%C3%A9j%C3%A0%20vu/{sdist_name}"
    assert result.chosen.metadata is not None
    assert result.chosen.metadata.requires_dist == ("unicodedep",)


def test_a_url_no_encoding_can_hold_is_left_out_with_a_note(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    doc = {
        "meta": {"api-version": "1.1"},
        "name": "acme",
        "files": [
            {"filename": "acme-3.0.tar.gz", "url": "/files/\ud800/acme-3.0.tar.gz", "hashes": {}},
            {"filename": "acme-0.5.tar.gz", "url": "/files/acme-0.5.tar.gz", "hashes": {}},
        ],
    }
    result, _ = _lookup(tmp_path, index_factory, json.dumps(doc).encode(), JSON_MEDIA_TYPE)
    assert result.chosen is not None and result.chosen.source == "good"
    assert _rows(result)["odd"].versions == ["0.5"]
    assert any("'acme-3.0.tar.gz'" in n and "surrogate" in n for n in result.notes)


def test_a_version_of_5000_digits_is_left_out_with_a_note(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    body = (
        f'<a href="/files/acme-1.{"9" * 5000}.tar.gz">big</a>'
        '<a href="/files/acme-0.5.tar.gz">0.5</a>'
    ).encode()
    result, _ = _lookup(tmp_path, index_factory, body)
    assert result.chosen is not None
    assert (result.chosen.version, result.chosen.source) == ("1.0", "good")
    assert _rows(result)["odd"].versions == ["0.5"]
    assert any("its version cannot be read (Exceeds the limit" in n for n in result.notes)


@pytest.mark.parametrize("api", ["html", "json"])
def test_a_page_of_200000_links_is_read_in_seconds(
    tmp_path: Path, index_factory: type[IndexServer], api: str
) -> None:
    page = big_page(200_000)
    if api == "json":
        hrefs = [line.split('"')[1] for line in page.splitlines() if line.startswith("<a ")]
        files = [
            {"filename": h.split("/")[-1].split("#")[0], "url": h, "hashes": {}} for h in hrefs
        ]
        body = json.dumps({"meta": {"api-version": "1.1"}, "name": "p7", "files": files})
        content_type = JSON_MEDIA_TYPE
    else:
        body, content_type = page, "text/html"
    server = index_factory([], name="big", api="html")
    server.set_fault("/simple/p7/", body=body.encode(), content_type=content_type)
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("big", server.url, "primary")
        start = time.perf_counter()
        result = ws.lookup("p7")
        elapsed = time.perf_counter() - start
    row = _rows(result)["big"]
    assert row.error is None and row.listed == 100  # p7's versions among the 200,000 links
    assert result.chosen is not None and result.chosen.version == "99.5"
    assert elapsed < 10.0, elapsed


def test_a_single_page_index_is_parsed_once_for_many_packages(
    tmp_path: Path, index_factory: type[IndexServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A single-page index (one page for every project) is fetched once per lookup run, and
    since a big one costs seconds to read, its tags are read once too."""
    import nbext.index.pages
    import nbext.index.reader

    calls: list[int] = []
    real = nbext.index.pages._start_tags

    def counting(text: str) -> tuple[str | None, list[dict[str, str | None]]]:
        calls.append(len(text))
        return real(text)

    monkeypatch.setattr(nbext.index.pages, "_start_tags", counting)
    monkeypatch.setattr(nbext.index.reader, "_start_tags", counting)
    dists = [Dist(n, v) for n in ("alpha", "beta", "gamma") for v in ("1.0", "2.0")]
    server = index_factory(dists, name="links", api="html", layout="single-page")
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("links", server.url, "primary")
        results = ws.lookup_many(["alpha", "beta", "gamma<2"])
    assert [(r.chosen.name, r.chosen.version) for r in results if r.chosen] == [
        ("alpha", "2.0"),
        ("beta", "2.0"),
        ("gamma", "1.0"),
    ]
    assert len(calls) == 1


def test_a_defect_in_reading_a_page_stays_in_that_sources_row(
    tmp_path: Path, index_factory: type[IndexServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even an error nbext did not foresee while reading a page is that source's error row."""
    import nbext.index.reader

    real = nbext.index.reader._files_of

    def broken(links: list[object], wanted: str, skipped: list[str]) -> object:
        if links and "odd" in str(getattr(links[0], "url", "")):
            raise AttributeError("boom")
        return real(links, wanted, skipped)  # type: ignore[arg-type]

    monkeypatch.setattr(nbext.index.reader, "_files_of", broken)
    result, _ = _lookup(tmp_path, index_factory, b'<a href="/odd/acme-2.0.tar.gz">2.0</a>')
    assert result.chosen is not None and result.chosen.source == "good"
    error = _rows(result)["odd"].error
    assert error is not None
    assert "nbext could not read the page" in error and "AttributeError: boom" in error
