"""pypi-simple as a second reader of the captured pages (tests/data/): nbext's page reader and
``pypi_simple.ProjectPage`` must agree on every file, except where Poetry 2.5.1 reads a page
differently from pypi-simple; nbext follows Poetry there, and each such place is named below
(tests/integration/index/test_pages_like_poetry.py compares the same pages with Poetry's own
classes).

Where they legitimately differ:

* Which links are files: pypi-simple lists every ``<a href>`` (eggs, an empty href, a name
  with a space); Poetry keeps only wheels and sdists whose file name names this project with a
  PEP 440 version. Every file pypi-simple lists beyond nbext's must be one Poetry leaves out.
* An HTML file's name: pypi-simple takes the anchor text, Poetry the URL's last path segment
  (trailing slashes dropped, percent-decoded). PEP 503 says they are the same; on
  ``devpi-style.html`` and ``unfinished.html`` they are not.
* URLs: Poetry percent-encodes what RFC 3986 does not allow (a non-ASCII path); pypi-simple
  keeps it as written. Compared percent-decoded.
* Hashes: Poetry lower-cases hex digests; pypi-simple keeps them as written.
* HTML ``data-requires-python`` and ``data-yanked``: Poetry unescapes the value once more after
  html.parser has (``&amp;gt;=2.7`` is ``>=2.7``); pypi-simple does not.
* A yanked file without a reason: Poetry's reason is empty (nbext: None), pypi-simple's ``""``.
* PEP 658 metadata: Poetry reads PEP 714's ``data-core-metadata``, else the older
  ``data-dist-info-metadata`` (``core-metadata`` / ``dist-info-metadata`` in JSON); pypi-simple
  1.8 reads only the first. Where pypi-simple saw no ``core-metadata``, nbext's value is
  checked against Poetry only (test_pages.py). And Poetry asks for a metadata file only for
  ``.whl``, ``.tar.gz``, ``.zip`` and ``.tar.bz2`` files (not ``.tar.xz``).
* JSON ``"yanked": 0``: pypi-simple refuses the page (its model takes a bool or a string);
  Poetry reads it as not yanked. The page is given to pypi-simple with ``false`` there.
* PEP 708's lists (Poetry reads neither): pypi-simple keeps each URL as written, nbext
  resolves it against the page's URL, without userinfo, and keeps each once.
"""

from __future__ import annotations

import html
import json
import posixpath
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import pypi_simple
import pytest
from packaging.version import InvalidVersion, Version

from nbext.constants import JSON_MEDIA_TYPE
from nbext.index.filenames import METADATA_FORMATS, parse_filename, splitext
from nbext.index.files import File
from nbext.index.reader import read_project_page
from tests.support.pages import DATA, PAGE_URL, PROJECT


def _poetry_keeps(filename: str, project: str) -> bool:
    """Whether Poetry lists a file of this name on ``project``'s page."""
    parsed = parse_filename(filename)
    if parsed is None or parsed[0] != project:
        return False
    try:
        Version(parsed[1])
    except InvalidVersion:
        return False
    return True


def _url_name(url: str) -> str:
    """Poetry's name for an HTML link's file: the URL's last path segment."""
    return unquote(posixpath.basename(urlsplit(url).path.rstrip("/")))


def _pypi_simple_page(page: str) -> Any:
    body = (DATA / page).read_bytes()
    url = PAGE_URL.format(PROJECT[page])
    if page.endswith(".html"):
        return pypi_simple.ProjectPage.from_html(PROJECT[page], body, base_url=url)
    data = json.loads(body)
    if any(f.get("yanked") is not False and f.get("yanked") == 0 for f in data["files"]):
        with pytest.raises(ValueError):  # pydantic's ValidationError
            pypi_simple.ProjectPage.from_json_data(data, base_url=url)
        for f in data["files"]:
            if f.get("yanked") is not False and f.get("yanked") == 0:
                f["yanked"] = False  # what Poetry reads it as
    return pypi_simple.ProjectPage.from_json_data(data, base_url=url)


def _ours(page: str) -> list[File]:
    body = (DATA / page).read_bytes()
    content_type = "text/html" if page.endswith(".html") else JSON_MEDIA_TYPE
    url = PAGE_URL.format(PROJECT[page])
    return read_project_page(PROJECT[page], body, content_type=content_type, url=url).files


def _both(page: str) -> tuple[dict[str, Any], dict[str, File]]:
    """pypi-simple's packages and nbext's files, by percent-decoded URL without a fragment."""
    theirs = {unquote(p.url.split("#", 1)[0]): p for p in _pypi_simple_page(page).packages}
    return theirs, {unquote(f.url): f for f in _ours(page)}


def _lower(digests: dict[str, str] | None) -> dict[str, str]:
    return {algo: value.lower() for algo, value in (digests or {}).items()}


@pytest.mark.parametrize("page", sorted(PROJECT))
def test_captured_pages_read_as_pypi_simple_reads_them(page: str) -> None:
    is_html = page.endswith(".html")
    project = PROJECT[page]
    theirs, ours = _both(page)
    assert ours and set(ours) <= set(theirs)
    for url, pkg in theirs.items():
        name = _url_name(url) if is_html else pkg.filename
        if url not in ours:
            assert not _poetry_keeps(name, project), f"nbext leaves out {name} ({url})"
            continue
        ours_file = ours[url]
        unescape = html.unescape if is_html else (lambda text: text)
        assert ours_file.filename == name
        assert ours_file.hashes == _lower(pkg.digests)
        rp = pkg.requires_python
        assert ours_file.requires_python == (unescape(rp) if rp is not None else None)
        assert ours_file.yanked == pkg.is_yanked
        assert (ours_file.yanked_reason or "") == unescape(pkg.yanked_reason or "")
        assert ours_file.size == pkg.size
        if pkg.has_metadata is not None:  # pypi-simple saw core-metadata
            poetry_asks = splitext(ours_file.filename)[1] in METADATA_FORMATS
            assert ours_file.has_metadata == (pkg.has_metadata and poetry_asks)
            assert ours_file.metadata_hashes == _lower(pkg.metadata_digests)


@pytest.mark.parametrize("page", sorted(PROJECT))
def test_pep708_lists_read_as_pypi_simple_reads_them(page: str) -> None:
    body = (DATA / page).read_bytes()
    content_type = "text/html" if page.endswith(".html") else JSON_MEDIA_TYPE
    url = PAGE_URL.format(PROJECT[page])
    ours = read_project_page(PROJECT[page], body, content_type=content_type, url=url)
    theirs = _pypi_simple_page(page)

    def resolved(urls: list[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(urljoin(url, u.strip()) for u in urls))

    assert ours.tracks == resolved(theirs.tracks)
    assert ours.alternate_locations == resolved(theirs.alternate_locations)


def test_the_oracle_compares_pep708_lists_somewhere() -> None:
    pages = [_pypi_simple_page(page) for page in PROJECT]
    assert sum(bool(p.tracks) and bool(p.alternate_locations) for p in pages) >= 2


def test_the_oracle_compares_something_on_every_kind_of_page() -> None:
    """The comparison above is not vacuous: files with hashes, yanked files, files with
    PEP 658 metadata seen by both readers, and files pypi-simple lists but Poetry does not."""
    compared = {"hashes": 0, "yanked": 0, "metadata": 0, "left out": 0}
    for page in PROJECT:
        theirs, ours = _both(page)
        for url, pkg in theirs.items():
            if url not in ours:
                compared["left out"] += 1
                continue
            compared["hashes"] += bool(pkg.digests)
            compared["yanked"] += pkg.is_yanked
            compared["metadata"] += bool(pkg.has_metadata)
    assert all(count >= 3 for count in compared.values()), compared
