"""Pages as read, by the digest of their body (nbext/cache/pages.py)."""

from __future__ import annotations

import marshal
from pathlib import Path

from nbext.cache.pages import ParsedPages, ReadPage, body_digest, pages_root
from nbext.index.files import group_releases
from nbext.index.reader import parse_project_page, read_project_page

BASE = "https://alice:S3cret@corp.example/simple/acme/"
PAGE = (
    b'<a href="/files/acme-1.0-py3-none-any.whl#sha256=aa" data-requires-python="&gt;=3.8">'
    b"acme-1.0-py3-none-any.whl</a>"
    b'<a href="https://cdn.example/acme-1.1.tar.gz" data-yanked="broken">acme-1.1.tar.gz</a>'
)


def _page() -> ReadPage:
    files = parse_project_page("acme", PAGE, content_type="text/html", url=BASE)
    return ReadPage(group_releases(files), ["a note"], 2)


def test_a_page_comes_back_whole_for_the_same_bytes(tmp_path: Path) -> None:
    page, digest = _page(), body_digest(PAGE)
    ParsedPages(tmp_path / "repositories").put("corp", BASE, "acme", digest, page)
    fresh = ParsedPages(tmp_path / "repositories")  # another kernel: from the file
    again = fresh.get("corp", BASE, "acme", digest)
    assert again is not None
    assert [r.version for r in again.releases] == [r.version for r in page.releases]
    # what the rules ask of every release comes without building its files ...
    assert [(r.yanked, r.yanked_reason, r.requires_python) for r in again.releases] == [
        (False, "", ">=3.8"),
        (True, "broken", None),
    ]
    assert all("files" not in vars(r) for r in again.releases)
    # ... and the files, when asked for, are the same (credentials back on their origin)
    assert [r.files for r in again.releases] == [r.files for r in page.releases]
    assert (again.skipped, again.skipped_count) == (["a note"], 2)
    old, new = again.releases
    assert old.files[0].url.startswith("https://alice:S3cret@corp.example/files/")
    assert new.files[0].url == "https://cdn.example/acme-1.1.tar.gz"  # another origin: none


def test_other_bytes_another_project_or_a_damaged_file_are_misses(tmp_path: Path) -> None:
    pages = ParsedPages(tmp_path / "repositories")
    pages.put("corp", BASE, "acme", body_digest(PAGE), _page())
    fresh = ParsedPages(tmp_path / "repositories")
    assert fresh.get("corp", BASE, "acme", body_digest(PAGE + b" ")) is None
    assert fresh.get("corp", BASE, "other", body_digest(PAGE)) is None
    (stored,) = [p for p in pages_root(tmp_path / "repositories").rglob("*") if p.is_file()]
    assert b"S3cret" not in stored.read_bytes()  # no credential on disk
    stored.write_bytes(stored.read_bytes()[:40])
    assert (
        ParsedPages(tmp_path / "repositories").get("corp", BASE, "acme", body_digest(PAGE)) is None
    )


def test_the_process_shares_one_instance_per_directory(tmp_path: Path) -> None:
    root = tmp_path / "repositories"
    assert ParsedPages.at(root) is ParsedPages.at(root)
    assert ParsedPages.at(root) is not ParsedPages.at(tmp_path / "other")


def test_pep708_lists_come_back_with_the_page(tmp_path: Path) -> None:
    body = (
        b'<meta name="pypi:tracks" content="https://up.example/simple/acme/">'
        b'<meta name="pypi:tracks" content="../mirror/acme/">'
        b'<meta name="pypi:alternate-locations" content="https://gpu.example/simple/acme/">' + PAGE
    )
    read = read_project_page("acme", body, content_type="text/html", url=BASE)
    assert read.tracks == (
        "https://up.example/simple/acme/",
        "https://corp.example/simple/mirror/acme/",  # no credentials of BASE's
    )
    page = ReadPage(group_releases(read.files), [], 0, read.tracks, read.alternate_locations)
    ParsedPages(tmp_path / "repositories").put("corp", BASE, "acme", body_digest(body), page)
    again = ParsedPages(tmp_path / "repositories").get("corp", BASE, "acme", body_digest(body))
    assert again is not None
    assert again.tracks == read.tracks
    assert again.alternate_locations == ("https://gpu.example/simple/acme/",)
    assert [r.files for r in again.releases] == [r.files for r in page.releases]
    # a page without them comes back without them
    ParsedPages(tmp_path / "other").put("corp", BASE, "acme", body_digest(PAGE), _page())
    plain = ParsedPages(tmp_path / "other").get("corp", BASE, "acme", body_digest(PAGE))
    assert plain is not None and (plain.tracks, plain.alternate_locations) == ((), ())


def test_a_file_of_the_format_before_pep708_is_read_again(tmp_path: Path) -> None:
    """Files written before the lists were kept (magic line 3) are misses: their page is read
    again, so its lists are not lost to the cache."""
    pages = ParsedPages(tmp_path / "repositories")
    pages.put("corp", BASE, "acme", body_digest(PAGE), _page())
    (stored,) = [p for p in pages_root(tmp_path / "repositories").rglob("*") if p.is_file()]
    magic, _, data = stored.read_bytes().partition(b"\n")
    assert magic == b"nbext-pages 4"
    old = marshal.loads(data)[:6]  # version 3: no tracks, no alternate locations
    stored.write_bytes(b"nbext-pages 3\n" + marshal.dumps(old))
    fresh = ParsedPages(tmp_path / "repositories")
    assert fresh.get("corp", BASE, "acme", body_digest(PAGE)) is None
