"""Index pages for the tests: the captured pages of ``tests/data`` (see its README), a sample
PEP 503 page, the Simple API media types and an anchor reader.
"""

from __future__ import annotations

from html.parser import HTMLParser

from tests.support.paths import DATA_DIR

SIMPLE_PAGE = b"""<!DOCTYPE html><html><body>
<a href="../../files/acme_utils-1.0.0-py3-none-any.whl#sha256=aa" data-requires-python="&gt;=3.8"
   data-core-metadata="sha256=bb" data-dist-info-metadata="sha256=cc">w</a>
<a href="../../files/acme_utils-1.0.0.tar.gz#sha256=dd">s</a>
<a href="../../files/acme-utils-2.0.0.tar.gz" data-yanked="">yanked no reason</a>
<a href="../../files/acme_utils-2.0.0-py3-none-any.whl" data-yanked="bad &amp; broken">y</a>
<a href="../../files/acme_utils-3.0.0.egg">egg is ignored</a>
<a href="../../files/other-9.0.tar.gz">another project</a>
<a href="../../files/acme_utils-notaversion.tar.gz">bad version</a>
<a href="https://files.example/acme_utils-1.1.0-py2.py3-none-any.whl">absolute</a>
</body></html>"""
DATA = DATA_DIR
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
    "pep708-tracks.html": "trackme",
    "pep708-tracks.json": "trackme",
}
PAGE_URL = "https://idx.example/simple/{}/"
JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
PIP_ACCEPT = f"{JSON_V1}, {HTML_V1}; q=0.1, text/html; q=0.01"


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.anchors.append(dict(attrs))


def anchors(page: str) -> dict[str, dict[str, str | None]]:
    """Anchors of an HTML page by their text-less key: the file name in the href."""
    parser = _Anchors()
    parser.feed(page)
    parser.close()
    out: dict[str, dict[str, str | None]] = {}
    for a in parser.anchors:
        href = a["href"] or ""
        out[href.split("#")[0].rstrip("/").rsplit("/", 1)[-1]] = a
    return out


def anchor_list(body: bytes) -> list[dict[str, str | None]]:
    parser = _Anchors()
    parser.feed(body.decode())
    return parser.anchors
