"""What a lookup does not ask again (issue 16): the public index's JSON API once it answered
404, the metadata of releases the page already rules out, a page whose bytes it read before."""

from __future__ import annotations

from pathlib import Path

import pytest

import nbext
from nbext.demo import Dist, IndexServer
from nbext.index import reader
from nbext.lookup import fetch_pages
from nbext.lookup.results import LookupResult

NAMES = [f"pkg{i}" for i in range(6)]


def _project(path: Path, requires_python: str = ">=3.11") -> Path:
    path.mkdir(parents=True, exist_ok=True)
    (path / "pyproject.toml").write_text(
        f'[project]\nname = "p"\nversion = "0"\nrequires-python = "{requires_python}"\n',
        encoding="utf-8",
    )
    return path


def test_a_json_api_that_answers_404_is_asked_once(
    tmp_path: Path, index_factory: type[IndexServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    pypi = index_factory([Dist(n, "1.0") for n in NAMES], name="pypi", json_api=False)
    monkeypatch.setenv("NBEXT_PYPI_URL", pypi.url)
    with nbext.Workspace(_project(tmp_path / "p")) as ws:
        results = ws.lookup_many(NAMES)
    assert all(r.chosen is not None and r.chosen.metadata is not None for r in results)
    api = [r for r in pypi.requests if r.path.startswith("/pypi/")]
    assert len(api) == 1 and api[0].status == 404  # the first asks; the others read files


def test_a_json_api_that_answers_is_asked_for_every_release(
    tmp_path: Path, index_factory: type[IndexServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    pypi = index_factory([Dist(n, "1.0") for n in NAMES], name="pypi", json_api=True)
    monkeypatch.setenv("NBEXT_PYPI_URL", pypi.url)
    with nbext.Workspace(_project(tmp_path / "p")) as ws:
        results = ws.lookup_many(NAMES)
    assert all(r.chosen is not None for r in results)
    api = [r for r in pypi.requests if r.path.startswith("/pypi/")]
    assert len(api) == len(NAMES) and {r.status for r in api} == {200}


def test_releases_the_page_rules_out_cost_no_request(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory(
        [
            Dist("acme", "1.0", requires_python=">=3.8"),
            Dist("acme", "2.0", requires_python=">=3.99"),
            Dist("acme", "3.0", requires_python=">=3.99"),
        ],
        metadata=False,
    )
    with nbext.Workspace(_project(tmp_path / "p")) as ws:
        ws.add_source("corp", server.url, "primary")
        res = ws.lookup("acme")
    assert res.chosen is not None and res.chosen.version == "1.0"
    assert "3.0 (requires Python >=3.99), 2.0 (requires Python >=3.99)" in res.chosen.reason
    files = [r.path for r in server.requests if r.path.startswith("/files/")]
    assert files and all("acme-1.0" in path for path in files)  # nothing of 2.0 or 3.0


def test_a_page_read_before_is_not_read_again(
    tmp_path: Path, index_factory: type[IndexServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch_pages, "KEEP_FROM", 0)  # the demo's pages are small
    server = index_factory([Dist("acme", "1.0"), Dist("acme", "1.1")])
    project = _project(tmp_path / "p")
    with nbext.Workspace(project) as ws:
        ws.add_source("corp", server.url, "primary")
        first = ws.lookup("acme")
    assert first.chosen is not None and first.chosen.version == "1.1"

    def refuse(self: reader.PageReader, name: str) -> reader.ProjectPage:
        raise AssertionError("the page was read again")

    read_page = reader.PageReader.project

    monkeypatch.setattr(reader.PageReader, "project", refuse)
    with nbext.Workspace(project) as ws:  # a new kernel: nothing in memory
        ws.add_source("corp", server.url, "primary")
        again = ws.lookup("acme")
    assert again.chosen is not None and again.chosen.version == "1.1"
    assert again.per_source[0].cache == "revalidated (304)"  # the page did come again
    monkeypatch.setattr(reader.PageReader, "project", read_page)
    server.add(Dist("acme", "1.2"))  # other bytes: read, and the new release seen
    with nbext.Workspace(project) as ws:
        ws.add_source("corp", server.url, "primary")
        changed = ws.lookup("acme")
    assert changed.chosen is not None and changed.chosen.version == "1.2"


def test_pages_read_keep_no_credentials_and_get_them_back(
    tmp_path: Path,
    index_factory: type[IndexServer],
    own_cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(fetch_pages, "KEEP_FROM", 0)
    secret = "Pages-S3cret"
    server = index_factory([Dist("acme", "1.0")], auth=("alice", secret), metadata=False)
    url = server.url.replace("http://", f"http://alice:{secret}@")
    project = _project(tmp_path / "p")
    for _ in range(2):  # the second kernel takes the page from what the first read
        with nbext.Workspace(project) as ws:
            ws.add_source("corp", url, "primary")
            res = ws.lookup("acme")
        assert res.chosen is not None and res.chosen.metadata is not None  # the wheel was read
    stored = list((own_cache_dir / "cache" / "nbext-pages").rglob("*"))
    assert any(p.is_file() for p in stored)
    for path in stored:
        if path.is_file():
            assert secret.encode() not in path.read_bytes()
    files = [r for r in server.requests if r.path.startswith("/files/")]
    assert files and all(r.has_auth for r in files)


def _sdist(
    name: str, version: str, *, pkg_info_first: bool, metadata_version: str = "2.2"
) -> tuple[str, bytes]:
    """A tar.gz sdist with a 3 MB incompressible member, PKG-INFO before or after it. Its
    PKG-INFO lists no requirements: from Metadata-Version 2.2 on that says there are none."""
    import os

    from tests.support.archives import tar_bytes

    base = f"{name}-{version}"
    pkg_info = f"Metadata-Version: {metadata_version}\nName: {name}\nVersion: {version}\n"
    members: dict[str, bytes | str] = {
        f"{base}/PKG-INFO": pkg_info,
        f"{base}/data.bin": os.urandom(3_000_000),
    }
    if not pkg_info_first:
        members = dict(reversed(members.items()))
    return f"{base}.tar.gz", tar_bytes(members)


def _looked_up(
    tmp_path: Path, index_factory: type[IndexServer], filename: str, data: bytes
) -> tuple[LookupResult, int]:
    """``acme`` looked up on an index whose only file is this sdist: the result, and the
    bytes of the file received."""
    server = index_factory([], metadata=False, api="html")
    server.set_fault(f"/files/{filename}", body=data, content_type="application/gzip")
    server.set_fault(
        "/simple/acme/",
        body=f'<a href="/files/{filename}">x</a>'.encode(),
        content_type="text/html",
    )
    with nbext.Workspace(_project(tmp_path / "p")) as ws:
        ws.add_source("corp", server.url, "primary")
        res = ws.lookup("acme")
        read = sum(e.size for e in ws.events if e.url.endswith(filename))
    return res, read


@pytest.mark.parametrize("first", [True, False], ids=["pkg-info-first", "pkg-info-last"])
def test_an_sdist_is_read_as_it_arrives_and_left_there(
    tmp_path: Path, index_factory: type[IndexServer], first: bool
) -> None:
    filename, data = _sdist("acme", "1.0", pkg_info_first=first)
    res, read = _looked_up(tmp_path, index_factory, filename, data)
    assert res.chosen is not None and res.chosen.metadata is not None
    assert res.chosen.metadata.requires_dist == ()
    assert res.chosen.metadata_via == "sdist (read as it arrived)"
    if first:  # the 3 MB after PKG-INFO never came
        assert read < 1_000_000, read
    else:
        assert read == len(data)


def test_an_sdist_whose_pkg_info_does_not_say_what_it_requires_is_read_whole(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    """Metadata-Version 2.1 without Requires-Dist does not say there are none: Poetry then
    reads the whole sdist (a Poetry pyproject.toml, an egg-info's requires.txt), and so does
    nbext; here nothing in it lists them, which only a build would settle (not done)."""
    filename, data = _sdist("acme", "1.0", pkg_info_first=True, metadata_version="2.1")
    res, read = _looked_up(tmp_path, index_factory, filename, data)
    assert res.chosen is not None and res.chosen.metadata is not None
    assert res.chosen.metadata.requires_dist == () and not res.chosen.metadata.requires_known
    assert res.chosen.metadata_via == "sdist"
    # The whole file, as Poetry reads it: the download that gave a PKG-INFO which does not say
    # went on to the end (one request), and the file was verified and kept.
    assert read == len(data)
