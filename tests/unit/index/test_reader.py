"""The files of a project on an index page (nbext.index.reader): attributes, filters,
yanked releases, which pages are index pages.
"""

from __future__ import annotations

import json

import pytest

from nbext.index.files import group_releases
from nbext.index.reader import PageFormatError, parse_project_page
from tests.support.pages import SIMPLE_PAGE as HTML


def test_html_page_attributes_and_filters() -> None:
    files = parse_project_page(
        "Acme_Utils", HTML, content_type="text/html", url="https://idx.example/simple/acme-utils/"
    )
    names = [f.filename for f in files]
    assert names == [
        "acme_utils-1.0.0-py3-none-any.whl",
        "acme_utils-1.0.0.tar.gz",
        "acme-utils-2.0.0.tar.gz",
        "acme_utils-2.0.0-py3-none-any.whl",
        "acme_utils-1.1.0-py2.py3-none-any.whl",
    ]
    wheel = files[0]
    assert wheel.url == "https://idx.example/files/acme_utils-1.0.0-py3-none-any.whl"
    assert wheel.requires_python == ">=3.8"
    assert wheel.hashes == {"sha256": "aa"}
    assert wheel.has_metadata and wheel.metadata_hashes == {"sha256": "bb"}  # PEP 714 first
    releases = {str(r.version): r for r in group_releases(files)}
    assert list(releases) == ["1.0.0", "1.1.0", "2.0.0"]
    assert releases["2.0.0"].yanked and releases["2.0.0"].yanked_reason == "bad & broken"
    assert not releases["1.0.0"].yanked


def test_release_is_yanked_only_if_every_file_is() -> None:
    page = HTML.replace(b'data-yanked="">yanked no reason', b">not yanked")
    files = parse_project_page("acme-utils", page, content_type="text/html", url="https://i/s/a/")
    assert not {str(r.version): r for r in group_releases(files)}["2.0.0"].yanked


def test_json_page_only_for_the_exact_media_type() -> None:
    data = {
        "meta": {"api-version": "1.1"},
        "name": "acme-utils",
        "files": [
            {
                "filename": "acme_utils-1.0.0-py3-none-any.whl",
                "url": "/files/acme_utils-1.0.0-py3-none-any.whl",
                "hashes": {"sha256": "aa"},
                "requires-python": ">=3.9",
                "core-metadata": {"sha256": "bb"},
                "yanked": "oops",
                "size": 10,
            }
        ],
    }
    body = json.dumps(data).encode()
    files = parse_project_page(
        "acme-utils",
        body,
        content_type="application/vnd.pypi.simple.v1+json; charset=utf-8",
        url="https://idx.example/simple/acme-utils/",
    )
    assert files[0].url == "https://idx.example/files/acme_utils-1.0.0-py3-none-any.whl"
    assert (files[0].yanked, files[0].yanked_reason, files[0].size) == (True, "oops", 10)
    # application/json is not PEP 691 for Poetry: read as HTML, which has no links
    with pytest.raises(PageFormatError):
        parse_project_page("acme-utils", body, content_type="application/json", url="https://i/")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/octet-stream", b"\x89PNG\r\n\x1a\n\x00\x00"),
        ("image/png", b"\x89PNG"),
        ("text/html", b"\x00\x01\x02binary"),
        ("application/vnd.pypi.simple.v1+json", b"{not json"),
    ],
)
def test_pages_that_are_not_index_pages(content_type: str, body: bytes) -> None:
    with pytest.raises(PageFormatError):
        parse_project_page("x", body, content_type=content_type, url="https://i/simple/x/")
