"""PEP 708's "tracks" and "alternate locations" on a project page (nbext.index.pages and
nbext.index.reader, pure): HTML meta tags and PEP 691 JSON keys, as ``ProjectPage.tracks``
and ``ProjectPage.alternate_locations``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from nbext.constants import JSON_MEDIA_TYPE
from nbext.errors import PageFormatError
from nbext.index.pages import pep708_from_json, pep708_from_meta
from nbext.index.reader import PageReader, ProjectPage, read_project_page

URL = "https://idx.example/simple/acme/"
FILE = '<a href="../../files/acme-1.0.tar.gz">acme-1.0.tar.gz</a>'


def _html(head: str, url: str = URL, project: str = "acme") -> ProjectPage:
    page = f"<!DOCTYPE html><html><head>{head}</head><body>{FILE}</body></html>"
    return read_project_page(project, page.encode(), content_type="text/html", url=url)


def _json(doc: dict[str, Any], url: str = URL) -> ProjectPage:
    body = json.dumps(doc).encode()
    return read_project_page("acme", body, content_type=JSON_MEDIA_TYPE, url=url)


def _doc(**keys: Any) -> dict[str, Any]:
    files = [{"filename": "acme-1.0.tar.gz", "url": "../../files/acme-1.0.tar.gz", "hashes": {}}]
    return {"meta": {"api-version": "1.2"}, "name": "acme", "files": files, **keys}


# -- HTML ---------------------------------------------------------------------------------


def test_html_meta_tags_give_both_lists_in_page_order() -> None:
    page = _html(
        '<meta name="pypi:repository-version" content="1.2">'
        '<meta name="pypi:tracks" content="https://up.example/simple/acme/">'
        '<meta name="pypi:alternate-locations" content="https://gpu.example/simple/acme/">'
        '<meta name="pypi:tracks" content="https://test.example/simple/acme/">'
        '<meta name="pypi:alternate-locations" content="https://arm.example/simple/acme/">'
        '<meta name="description" content="https://not.example/">'
    )
    assert page.tracks == (
        "https://up.example/simple/acme/",
        "https://test.example/simple/acme/",
    )
    assert page.alternate_locations == (
        "https://gpu.example/simple/acme/",
        "https://arm.example/simple/acme/",
    )
    assert [f.filename for f in page.files] == ["acme-1.0.tar.gz"]  # the links as before


def test_html_values_are_unescaped_and_relative_urls_resolve_like_links() -> None:
    page = _html(
        '<meta name="pypi:tracks" content="../other/acme/?a=1&amp;b=&quot;2&quot;">'
        "<meta name='pypi:alternate-locations' content=/mirror/simple/acme/>"
        '<meta name="pypi:alternate-locations" content="  https://x.example/acme/  ">'
    )
    assert page.tracks == ('https://idx.example/simple/other/acme/?a=1&b="2"',)
    assert page.alternate_locations == (
        "https://idx.example/mirror/simple/acme/",
        "https://x.example/acme/",  # stripped, as an href is
    )
    with_base = _html(
        '<base href="/base/dir/"><meta name="pypi:tracks" content="../acme/">'
        '<meta name="pypi:alternate-locations" content="alt/">'
    )
    assert with_base.tracks == ("https://idx.example/base/acme/",)
    assert with_base.alternate_locations == ("https://idx.example/base/dir/alt/",)
    assert [f.url for f in with_base.files] == ["https://idx.example/files/acme-1.0.tar.gz"]


def test_html_names_are_ascii_case_insensitive_and_each_url_counts_once() -> None:
    page = _html(
        '<META NAME="PyPI:Tracks" CONTENT="https://up.example/simple/acme/">'
        '<meta name="pypi:tracks" content="https://up.example/simple/acme/">'
        '<meta name="pypi:tracks" content="../../simple/acme/../acme/">'
        '<meta name="pypi:tracks/" content="https://typo.example/">'
        '<meta name="pypi:\u0130tracks" content="https://odd.example/">'
    )
    assert page.tracks == ("https://up.example/simple/acme/", "https://idx.example/simple/acme/")


def test_html_values_that_say_nothing_are_passed_over() -> None:
    page = _html(
        '<meta name="pypi:tracks" content="">'
        '<meta name="pypi:tracks" content="   ">'
        '<meta name="pypi:tracks" content>'
        '<meta name="pypi:tracks">'
        '<meta content="https://nameless.example/">'
        '<meta name="pypi:tracks" content="http://[bad/">'
        '<meta name="pypi:tracks" content="http://host:port/">'
        '<meta name="pypi:alternate-locations" content="https://ok.example/acme/">'
    )
    assert page.tracks == ()
    assert page.alternate_locations == ("https://ok.example/acme/",)


def test_html_meta_tags_html_parser_does_not_see_are_not_read() -> None:
    page = _html(
        '<!-- <meta name="pypi:tracks" content="https://comment.example/"> -->'
        '<script>var s = \'<meta name="pypi:tracks" content="https://script.example/">\';'
        "</script>"
        '<metadata name="pypi:tracks" content="https://other-element.example/">'
        '<meta name="pypi:tracks" content="https://ok.example/acme/">'
        '<!-- unfinished <meta name="pypi:tracks" content="https://after.example/">'
    )
    assert page.tracks == ("https://ok.example/acme/",)


def test_no_credentials_go_with_the_lists() -> None:
    """A relative URL would carry the credentials of the page's own URL; a page may write
    some itself. Neither is kept (a repository is named without them)."""
    page = _html(
        '<meta name="pypi:tracks" content="../other/acme/">'
        '<meta name="pypi:alternate-locations" content="https://bob:pw@alt.example/acme/">',
        url="https://alice:S3cret@idx.example/simple/acme/",
    )
    assert page.tracks == ("https://idx.example/simple/other/acme/",)
    assert page.alternate_locations == ("https://alt.example/acme/",)
    assert [f.url for f in page.files] == [  # links keep them, as Poetry's do
        "https://alice:S3cret@idx.example/files/acme-1.0.tar.gz"
    ]


def test_a_page_without_pep708_has_empty_lists() -> None:
    page = _html('<meta name="pypi:repository-version" content="1.1">')
    assert (page.tracks, page.alternate_locations) == ((), ())
    assert pep708_from_meta(None, [], URL) == ((), ())
    assert _json(_doc()).tracks == ()


def test_a_single_page_index_gives_its_lists_for_every_project() -> None:
    body = (
        b'<html><head><meta name="pypi:tracks" content="https://up.example/links.html">'
        b'</head><body><a href="/f/acme-1.0.tar.gz">a</a><a href="/f/beta-2.0.tar.gz">b</a>'
        b"</body></html>"
    )
    reader = PageReader(body, content_type="text/html", url="https://idx.example/links.html")
    for project in ("acme", "beta", "absent"):
        assert reader.project(project).tracks == ("https://up.example/links.html",)
    assert [f.name for f in reader.project("beta").files] == ["beta"]


# -- JSON ---------------------------------------------------------------------------------


def test_json_meta_tracks_and_top_level_alternate_locations() -> None:
    """Where PEP 708 puts them: ``meta.tracks`` and a top-level ``alternate-locations``."""
    doc = _doc(**{"alternate-locations": ["https://gpu.example/simple/acme/", "../mirror/"]})
    doc["meta"]["tracks"] = ["https://up.example/simple/acme/", "/simple2/acme/"]
    page = _json(doc)
    assert page.tracks == ("https://up.example/simple/acme/", "https://idx.example/simple2/acme/")
    assert page.alternate_locations == (
        "https://gpu.example/simple/acme/",
        "https://idx.example/simple/mirror/",
    )
    assert [f.filename for f in page.files] == ["acme-1.0.tar.gz"]


def test_json_top_level_tracks_is_read_too() -> None:
    """Not PEP 708's place, but how some describe it: read as well, after ``meta.tracks``."""
    doc = _doc(tracks=["https://b.example/acme/", "https://a.example/acme/"])
    doc["meta"]["tracks"] = ["https://a.example/acme/"]
    assert _json(doc).tracks == ("https://a.example/acme/", "https://b.example/acme/")
    assert _json(_doc(tracks=["https://b.example/acme/"])).tracks == ("https://b.example/acme/",)


@pytest.mark.parametrize("junk", ["https://one.example/acme/", {"url": "x"}, 3, None, True])
def test_json_values_that_are_not_lists_are_passed_over(junk: object) -> None:
    """Passed over, not a page defect: PEP 708 says nothing of malformed values, and an
    unread list can only make a client more careful; the page's files are still read."""
    doc = _doc(**{"alternate-locations": junk, "tracks": junk})
    doc["meta"]["tracks"] = junk
    page = _json(doc)
    assert (page.tracks, page.alternate_locations) == ((), ())
    assert [f.filename for f in page.files] == ["acme-1.0.tar.gz"]


def test_json_entries_that_are_not_urls_are_passed_over() -> None:
    entries = [
        1,
        None,
        ["https://nested.example/"],
        {"url": "https://obj.example/"},
        "",
        "  ",
        "http://[bad/",
        "http://host:port/",
        "\ud800",
        "https://ok.example/acme/",
    ]
    doc = _doc(**{"alternate-locations": entries})
    doc["meta"]["tracks"] = entries
    page = _json(doc)
    assert page.tracks == page.alternate_locations == ("https://ok.example/acme/",)


def test_json_meta_that_is_not_an_object_and_documents_that_are_not_pages() -> None:
    doc = _doc(**{"alternate-locations": ["https://ok.example/acme/"]})
    doc["meta"] = ["tracks"]
    page = _json(doc)
    assert (page.tracks, page.alternate_locations) == ((), ("https://ok.example/acme/",))
    assert pep708_from_json([], URL) == ((), ())
    assert pep708_from_json("tracks", URL) == ((), ())
    with pytest.raises(PageFormatError):  # still no project page, with or without the lists
        read_project_page(
            "acme",
            json.dumps({"tracks": ["https://a.example/"]}).encode(),
            content_type=JSON_MEDIA_TYPE,
            url=URL,
        )


def test_json_without_credentials() -> None:
    doc = _doc(**{"alternate-locations": ["https://u:p@alt.example/acme/"]})
    doc["meta"]["tracks"] = ["../other/acme/"]
    page = _json(doc, url="https://alice:S3cret@idx.example/simple/acme/")
    assert page.tracks == ("https://idx.example/simple/other/acme/",)
    assert page.alternate_locations == ("https://alt.example/acme/",)
