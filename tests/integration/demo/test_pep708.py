"""PEP 708 on the demo index (``IndexServer.set_pep708`` on 127.0.0.1): a project page's
"tracks" and "alternate locations", in PEP 691 JSON (``meta.tracks``, top-level
``alternate-locations``, ``meta.api-version`` 1.2) and HTML (``pypi:tracks`` and
``pypi:alternate-locations`` meta tags, ``pypi:repository-version`` 1.2). pypi-simple reads
the pages as a second, independent client.
"""

from __future__ import annotations

from html.parser import HTMLParser

import httpx
import pypi_simple
import pytest

from nbext.demo import Dist, IndexServer
from tests.support.pages import JSON_V1

TRACKS = ("https://upstream.example/simple/acme-utils/", "../../mirror/simple/acme-utils/")
ALTERNATES = ('https://gpu.example/simple/acme-utils/?a=1&b="2"',)


class _Meta(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.meta: list[tuple[str | None, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            found = dict(attrs)
            self.meta.append((found.get("name"), found.get("content")))


def _meta(text: str) -> list[tuple[str | None, str | None]]:
    parser = _Meta()
    parser.feed(text)
    parser.close()
    return parser.meta


def _json(client: httpx.Client, index: IndexServer, name: str = "acme-utils") -> httpx.Response:
    return client.get(f"{index.url}{name}/", headers={"Accept": JSON_V1})


def _html(client: httpx.Client, index: IndexServer, name: str = "acme-utils") -> httpx.Response:
    return client.get(f"{index.url}{name}/", headers={"Accept": "text/html"})


def test_json_page_serves_both_lists_where_pep708_puts_them(
    index: IndexServer, client: httpx.Client
) -> None:
    before = _json(client, index)
    index.set_pep708("Acme_Utils", tracks=TRACKS, alternate_locations=ALTERNATES)  # any spelling
    r = _json(client, index)
    doc = r.json()
    assert doc["meta"] == {"api-version": "1.2", "tracks": list(TRACKS)}
    assert doc["alternate-locations"] == list(ALTERNATES)
    assert "tracks" not in doc  # PEP 708: meta.tracks, not a top-level key
    assert doc["files"] == before.json()["files"] and doc["versions"] == before.json()["versions"]
    assert r.headers["etag"] != before.headers["etag"]  # another page, another ETag
    # the other project's page is as before
    other = _json(client, index, "acme-core").json()
    assert other["meta"] == {"api-version": "1.1"} and "alternate-locations" not in other
    # pypi-simple reads them the same way
    theirs = pypi_simple.ProjectPage.from_json_data(doc, base_url=str(r.url))
    assert (theirs.tracks, theirs.alternate_locations) == (list(TRACKS), list(ALTERNATES))


def test_html_page_serves_one_meta_tag_per_url(index: IndexServer, client: httpx.Client) -> None:
    before = _html(client, index)
    index.set_pep708("acme-utils", tracks=TRACKS, alternate_locations=ALTERNATES)
    r = _html(client, index)
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert _meta(r.text) == [
        ("pypi:repository-version", "1.2"),
        ("pypi:tracks", TRACKS[0]),
        ("pypi:tracks", TRACKS[1]),
        ("pypi:alternate-locations", ALTERNATES[0]),  # escaped in the page, as html.parser reads
    ]
    assert "&amp;b=&quot;2&quot;" in r.text
    assert r.text.count("<a ") == before.text.count("<a ")
    assert _meta(_html(client, index, "acme-core").text) == [("pypi:repository-version", "1.1")]
    theirs = pypi_simple.ProjectPage.from_html("acme-utils", r.content, base_url=str(r.url))
    assert (theirs.tracks, theirs.alternate_locations) == (list(TRACKS), list(ALTERNATES))
    assert theirs.repository_version == "1.2"


def test_one_list_alone_and_none_at_all(index: IndexServer, client: httpx.Client) -> None:
    before_json, before_html = _json(client, index).content, _html(client, index).content
    index.set_pep708("acme-utils", tracks=TRACKS[:1])
    doc = _json(client, index).json()
    assert doc["meta"] == {"api-version": "1.2", "tracks": [TRACKS[0]]}
    assert "alternate-locations" not in doc
    index.set_pep708("acme-utils", alternate_locations=ALTERNATES)  # replaces, not adds
    doc = _json(client, index).json()
    assert doc["meta"] == {"api-version": "1.2"} and doc["alternate-locations"] == list(ALTERNATES)
    assert [n for n, _ in _meta(_html(client, index).text)] == [
        "pypi:repository-version",
        "pypi:alternate-locations",
    ]
    index.set_pep708("acme-utils")  # both empty: the pages are as they were
    assert _json(client, index).content == before_json
    assert _html(client, index).content == before_html


def test_set_before_the_project_exists_and_served_once_it_does(client: httpx.Client) -> None:
    with IndexServer(name="later") as server:
        server.set_pep708("late-project", tracks=["https://up.example/simple/late-project/"])
        assert _json(client, server, "late-project").status_code == 404
        server.add(Dist("late-project", "1.0"))
        doc = _json(client, server, "late-project").json()
        assert doc["meta"]["tracks"] == ["https://up.example/simple/late-project/"]


def test_api_html_and_the_single_page_layout(client: httpx.Client) -> None:
    dists = [Dist("acme-utils", "1.0")]
    with IndexServer(dists, api="html") as server:
        server.set_pep708("acme-utils", tracks=TRACKS[:1])
        r = client.get(server.url + "acme-utils/", headers={"Accept": JSON_V1})
        assert ("pypi:tracks", TRACKS[0]) in _meta(r.text)
    with IndexServer(dists, layout="single-page") as server:
        server.set_pep708("acme-utils", tracks=TRACKS[:1])
        page = client.get(server.url).text
        assert _meta(page) == [("pypi:repository-version", "1.1")]  # project pages only


@pytest.mark.parametrize(
    ("tracks", "alternates"),
    [("https://one.example/", ()), ((), "https://one.example/"), ([1], ()), ((), [None])],
)
def test_lists_must_be_urls(index: IndexServer, tracks: object, alternates: object) -> None:
    with pytest.raises(TypeError):
        index.set_pep708("acme-utils", tracks=tracks, alternate_locations=alternates)  # type: ignore[arg-type]
