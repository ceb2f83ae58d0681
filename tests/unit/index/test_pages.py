"""The page link parsers (nbext.index.pages, pure): links from HTML and JSON, tags read as
html.parser reads them (nbext.index.tags: ``<base>``, ``<a>`` and the ``pypi:`` ``<meta>``
tags), on the captured pages of ``tests/data`` and on random markup.
"""

from __future__ import annotations

import json
import random
from html.parser import HTMLParser

import pytest

from nbext.errors import MarkupError
from nbext.index.files import group_releases
from nbext.index.pages import _start_tags, links_from_html, links_from_json
from nbext.index.reader import read_project_page
from tests.support.pages import DATA, HTML_PAGES, JSON_PAGES, PAGE_URL, PROJECT

BASE = "https://idx.example/simple/acme/"


def test_html_links_follow_poetrys_reading() -> None:
    page = """<!DOCTYPE html><html><head><base href="../../mirror/acme/"><base href="/x/">
    </head><body>
    <a href="acme-1.0.tar.gz#sha256=ABCD" data-requires-python="&gt;=3.8">ignored text</a>
    <a href="acme-1.1.tar.gz#md4=ff" data-yanked="">y</a>
    <a href="acme-1.2.tar.gz" data-yanked="broken &amp; bad" data-core-metadata="sha256=AB"
       data-dist-info-metadata="false">z</a>
    <a href="acme-1.3.tar.gz" data-dist-info-metadata="true">m</a>
    <a href="acme-1.4.tar.gz" data-core-metadata="false" data-dist-info-metadata="true">n</a>
    <a href="acme 1.5.tar.gz" data-core-metadata>o</a>
    <a>no href</a>
    </body></html>"""
    links = links_from_html(page, BASE)
    assert [link.url for link in links] == [
        "https://idx.example/mirror/acme/acme-1.0.tar.gz",  # the first <base> wins
        "https://idx.example/mirror/acme/acme-1.1.tar.gz",
        "https://idx.example/mirror/acme/acme-1.2.tar.gz",
        "https://idx.example/mirror/acme/acme-1.3.tar.gz",
        "https://idx.example/mirror/acme/acme-1.4.tar.gz",
        "https://idx.example/mirror/acme/acme%201.5.tar.gz",  # percent-encoded
    ]
    first, yanked, reason, dist_info, core_false, bare = links
    assert first.hashes == {"sha256": "abcd"} and first.requires_python == ">=3.8"
    assert (first.yanked, first.has_metadata) == (False, False)
    assert yanked.hashes == {}  # md4 is not a hash Poetry reads from a fragment
    assert (yanked.yanked, yanked.yanked_reason) == (True, None)
    assert (reason.yanked, reason.yanked_reason) == (True, "broken & bad")
    assert (reason.has_metadata, reason.metadata_hashes) == (True, {"sha256": "ab"})
    assert (dist_info.has_metadata, dist_info.metadata_hashes) == (True, {})
    assert core_false.has_metadata is False  # PEP 714's attribute wins over PEP 658's
    assert bare.has_metadata is True  # present without a value: available, no hash


def test_json_links() -> None:
    doc = {
        "meta": {"api-version": "9.0"},  # not checked, as by Poetry
        "name": "acme",
        "files": [
            {
                "filename": "acme-1.0-py3-none-any.whl",
                "url": "../../files/acme-1.0-py3-none-any.whl",
                "hashes": {"SHA256": "AA"},
                "requires-python": ">=3.9",
                "yanked": "bad build",
                "core-metadata": {"sha256": "BB"},
                "dist-info-metadata": False,
                "size": 123,
            },
            {"filename": "acme-1.0.tar.gz", "url": "https://cdn.example/a.tar.gz", "hashes": {}},
            {
                "filename": "acme-2.0.tar.gz",
                "url": "x.tar.gz",
                "hashes": {},
                "yanked": True,
                "dist-info-metadata": True,
            },
        ],
    }
    wheel, sdist, other = links_from_json(json.loads(json.dumps(doc)), BASE)
    assert wheel.url == "https://idx.example/files/acme-1.0-py3-none-any.whl"
    assert wheel.filename == "acme-1.0-py3-none-any.whl"
    assert wheel.hashes == {"sha256": "aa"} and wheel.size == 123
    assert (wheel.yanked, wheel.yanked_reason) == (True, "bad build")
    assert wheel.requires_python == ">=3.9"
    assert (wheel.has_metadata, wheel.metadata_hashes) == (True, {"sha256": "bb"})
    assert sdist.url == "https://cdn.example/a.tar.gz"
    assert (sdist.yanked, sdist.has_metadata, sdist.size) == (False, False, None)
    assert (other.yanked, other.yanked_reason, other.has_metadata) == (True, None, True)


@pytest.mark.parametrize(
    "doc",
    [[], {"files": {}}, {"files": [1]}, {"files": [{"url": "x"}]}, {"files": [{"filename": "a"}]}],
)
def test_json_that_is_not_a_project_page(doc: object) -> None:
    with pytest.raises(ValueError):
        links_from_json(doc, BASE)


Tags = tuple[str | None, list[dict[str, str | None]], list[tuple[str, str]]]


class _PoetrysParser(HTMLParser):
    """Poetry 2.5.1's HTMLPageParser (poetry/repositories/parsers/html_page_parser.py), and
    the ``<meta name="pypi:..." content="...">`` tags nbext reads besides (PEP 629, 708)."""

    def __init__(self) -> None:
        super().__init__()
        self.base_url: str | None = None
        self.anchors: list[dict[str, str | None]] = []
        self.meta: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "base" and self.base_url is None:
            base_url = dict(attrs).get("href")
            if base_url is not None:
                self.base_url = base_url
        elif tag == "a":
            self.anchors.append(dict(attrs))
        elif tag == "meta":
            found = dict(attrs)
            name, content = found.get("name") or "", found.get("content")
            # HTML compares meta names ASCII-case-insensitively
            if content is not None and name.isascii() and name.lower().startswith("pypi:"):
                self.meta.append((name.lower(), content))


def _html_parser_tags(text: str) -> Tags | str:
    parser = _PoetrysParser()
    try:
        parser.feed(text)  # Poetry feeds and never closes
    except AssertionError:  # html.parser's way of refusing markup
        return "refused"
    return parser.base_url, parser.anchors, parser.meta


def _our_tags(text: str) -> Tags | str:
    try:
        return tuple(_start_tags(text))  # type: ignore[return-value]
    except MarkupError:
        return "refused"


def test_every_captured_page_has_its_project() -> None:
    assert set(PROJECT) == set(HTML_PAGES) | set(JSON_PAGES)


@pytest.mark.parametrize("page", HTML_PAGES)
def test_tags_are_read_as_html_parser_reads_them(page: str) -> None:
    text = (DATA / page).read_text(encoding="utf-8")
    assert _our_tags(text) == _html_parser_tags(text)


def test_tags_on_random_markup_are_read_as_html_parser_reads_them() -> None:
    """Snippets made of the pieces where tokenizers go wrong: quotes, '>' in values,
    comments, scripts, end tags, declarations, bare values, input that stops half-way."""
    pieces = [
        "<a ",
        "<a",
        "<A\t",
        "<",
        ">",
        '"',
        "'",
        "=",
        " ",
        "/",
        "href",
        "data-yanked",
        "x",
        "<!--",
        "--",
        "-->",
        "--!>",
        "<script>",
        "</script>",
        "<SCRIPT ",
        "</script ",
        "<style>",
        "</STYLE>",
        "</",
        "<b ",
        "<br/>",
        "<!",
        "<?",
        "?",
        "\n",
        "&amp;",
        "&gt;",
        "&",
        "A",
        "<base ",
        "<![CDATA[",
        "]]>",
        "<![if ",
        "]>",
        "\x00",
        "\t",
        "\f",
        "<a href=",
        '"a>b"',
        "'c>d'",
        "<!doctype",
        "\u00e9",
    ]
    rnd = random.Random(20261205)
    mismatches = []
    for _ in range(40_000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 25)))
        if _our_tags(text) != _html_parser_tags(text):
            mismatches.append(text)
    assert mismatches == []


def test_meta_tags_on_random_markup_are_read_as_html_parser_reads_them() -> None:
    """The same, with the pieces of ``<meta name="pypi:..." content="...">`` tags (PEP 708):
    any case, quoted or bare, valueless, repeated attributes, ``>`` and entities in values,
    ``<metadata>`` (another element), tags cut short, inside comments and scripts."""
    pieces = [
        "<meta ",
        "<META\t",
        "<meta",
        "<metadata ",
        "<meta/",
        "name=",
        "NAME=",
        "content=",
        "Content",
        '"pypi:tracks"',
        "'pypi:alternate-locations'",
        "pypi:tracks",
        '"PyPI:Tracks"',
        '"pypi:repository-version"',
        '"pypi\u0130:tracks"',
        '"\u212aypi:x"',
        '"https://a.example/simple/p/"',
        "'../other/p/?a=1&amp;b=2'",
        '"a>b"',
        "&quot;",
        "&",
        "=",
        " ",
        "/",
        ">",
        "/>",
        '"',
        "'",
        "<a href=x>",
        "<base href=/b/>",
        "<!--",
        "-->",
        "<script>",
        "</script>",
        "<",
        "\n",
        "x",
        # whole pieces, so that many snippets hold a tag html.parser takes
        '<meta name="pypi:tracks" ',
        "<meta name=pypi:alternate-locations ",
        "<META Name='PYPI:Tracks' ",
        '<meta content="https://b.example/simple/p/" ',
        'content="https://a.example/simple/p/">',
        "content='../../mirror/p/?q=1&amp;r=&lt;2&gt;'>",
        "content=bare/x/>",
        'content="">',
        "content>",
        'name="pypi:tracks" content="x" name="other">',
    ]
    rnd = random.Random(20270708)
    mismatches = []
    found = 0
    for _ in range(30_000):
        text = "".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 20)))
        theirs = _html_parser_tags(text)
        if _our_tags(text) != theirs:
            mismatches.append(text)
        elif not isinstance(theirs, str) and theirs[2]:
            found += 1
    assert mismatches == []
    assert found > 1000  # the comparison is not vacuous: many snippets have pypi: meta tags


def test_a_quoted_value_with_gt_keeps_the_attributes_after_it() -> None:
    page = (DATA / "artifactory-raw-gt.html").read_bytes()
    files = read_project_page(
        "rawgt", page, content_type="text/html", url=PAGE_URL.format("rawgt")
    ).files
    by_version = {str(r.version): r for r in group_releases(files)}
    assert list(by_version) == ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0", "1.5.0"]
    assert not by_version["1.0.0"].yanked
    assert by_version["1.0.0"].requires_python == ">=3.6.2"
    assert by_version["1.1.0"].yanked
    assert by_version["1.1.0"].yanked_reason == "crashes on import; use >=1.1.1"
    assert by_version["1.2.0"].yanked and by_version["1.2.0"].yanked_reason == ""
    assert by_version["1.2.0"].requires_python == ">=3.8,<4"
    digest = "5a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
    assert by_version["1.2.0"].files[0].metadata_hashes == {"sha256": digest}
    assert by_version["1.3.0"].yanked_reason == ">1 bug: see <issue 7>"
    assert by_version["1.4.0"].yanked and not by_version["1.5.0"].yanked
