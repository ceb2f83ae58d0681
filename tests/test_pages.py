"""The page link parsers (pure) and the public index URL constant."""

from __future__ import annotations

import json

import pytest

from nbext._constants import _library_endpoint, pypi_json_api_url
from nbext._pages import links_from_html, links_from_json

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
