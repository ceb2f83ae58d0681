"""The page link parsers (pure) and the public index URL constant."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from nbext.constants import JSON_MEDIA_TYPE, _library_endpoint, pypi_json_api_url
from nbext.index.files import group_releases
from nbext.index.pages import MarkupError, _start_tags, links_from_html, links_from_json
from nbext.index.reader import read_project_page

from tests.support.poetry import PoetryUnavailable, poetry_python

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


def test_public_index_url_is_pypi_simples_constant(monkeypatch: pytest.MonkeyPatch) -> None:
    from pypi_simple import PYPI_SIMPLE_ENDPOINT

    assert _library_endpoint() == PYPI_SIMPLE_ENDPOINT  # read from its source, not imported
    monkeypatch.setenv("NBEXT_PYPI_URL", "http://127.0.0.1:1/simple")
    assert pypi_json_api_url("acme", "1.0") == "http://127.0.0.1:1/pypi/acme/1.0/json"


# -- captured pages: html.parser and Poetry are the reference (issue 14.12) ---------------------

DATA = Path(__file__).parent / "data"
HTML_PAGES = sorted(p.name for p in DATA.glob("*.html"))
JSON_PAGES = sorted(p.name for p in DATA.glob("*.json"))
#: The project each captured page lists.
PROJECT = {
    "simple-httpx.html": "httpx",
    "simple-httpx.json": "httpx",
    "artifactory-raw-gt.html": "rawgt",
    "devpi-style.html": "mixed",
    "unfinished.html": "cut",
    "json-odd.json": "oddjson",
}
PAGE_URL = "https://idx.example/simple/{}/"


class _PoetrysParser(HTMLParser):
    """Poetry 2.5.1's HTMLPageParser (poetry/repositories/parsers/html_page_parser.py)."""

    def __init__(self) -> None:
        super().__init__()
        self.base_url: str | None = None
        self.anchors: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "base" and self.base_url is None:
            base_url = dict(attrs).get("href")
            if base_url is not None:
                self.base_url = base_url
        elif tag == "a":
            self.anchors.append(dict(attrs))


def _html_parser_tags(text: str) -> tuple[str | None, list[dict[str, str | None]]] | str:
    parser = _PoetrysParser()
    try:
        parser.feed(text)  # Poetry feeds and never closes
    except AssertionError:  # html.parser's way of refusing markup
        return "refused"
    return parser.base_url, parser.anchors


def _our_tags(text: str) -> tuple[str | None, list[dict[str, str | None]]] | str:
    try:
        return _start_tags(text)
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


_POETRY_PAGE = """
from poetry.repositories.link_sources.html import HTMLPage
from poetry.repositories.link_sources.json import SimpleJsonPage
from packaging.utils import canonicalize_name

out = {}
for name, (kind, url, project, content) in payload.items():
    page = HTMLPage(url, content) if kind == "html" else SimpleJsonPage(url, json.loads(content))
    project = canonicalize_name(project)
    rows = []
    for version in sorted(page.versions(project)):
        for link in page.links_for_version(project, version):
            rows.append([link.filename, version.text, link.yanked, link.yanked_reason,
                         link.requires_python, link.has_metadata])
    out[name] = sorted(rows)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def poetry_pages() -> dict[str, list[list[object]]]:
    payload = {
        name: (
            "html" if name.endswith(".html") else "json",
            PAGE_URL.format(PROJECT[name]),
            PROJECT[name],
            (DATA / name).read_text(encoding="utf-8"),
        )
        for name in PROJECT
    }
    try:
        answer: dict[str, list[list[object]]] = poetry_python(_POETRY_PAGE, payload)
    except PoetryUnavailable as exc:
        pytest.fail(f"Poetry's environment is needed for this comparison: {exc}", pytrace=False)
    return answer


@pytest.mark.parametrize("page", sorted(PROJECT))
def test_captured_pages_list_what_poetry_lists(
    page: str, poetry_pages: dict[str, list[list[object]]]
) -> None:
    body = (DATA / page).read_bytes()
    content_type = "text/html" if page.endswith(".html") else JSON_MEDIA_TYPE
    files = read_project_page(
        PROJECT[page], body, content_type=content_type, url=PAGE_URL.format(PROJECT[page])
    ).files
    ours = sorted(
        [
            f.filename,
            f.version.text,
            f.yanked,
            f.yanked_reason or "",
            f.requires_python,
            f.has_metadata,
        ]
        for f in files
    )
    assert ours == poetry_pages[page]
    assert ours  # every page lists something


# -- speed and size on a big page --------------------------------------------------------------

_BIG_PAGE = """
import resource, sys, time
from nbext.index.reader import read_project_page
from benchmarks.bench_pages import big_page
body = big_page(400_000).encode()
start = time.perf_counter()
page = read_project_page("p7", body, content_type="text/html", url="https://i.example/links.html")
elapsed = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(len(body), len(page.files), elapsed, rss)
"""


def test_a_big_page_parses_in_seconds_and_a_few_hundred_mb() -> None:
    """400,000 links (a single-page index of many projects): measured 2.7 s and 257 MB peak
    RSS on a busy 2-core machine; the bounds leave room for a machine shared with more work."""
    out = subprocess.run(
        [sys.executable, "-c", _BIG_PAGE],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        cwd=Path(__file__).parent.parent,
    ).stdout.split()
    size, found, elapsed, rss = int(out[0]), int(out[1]), float(out[2]), float(out[3])
    assert size > 20_000_000
    assert found == 200  # p7's files among the 400,000
    assert elapsed < 8.0, elapsed
    assert rss < 700, rss
