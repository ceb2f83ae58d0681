"""Where a chosen release's metadata comes from, counted on the server: the PEP 658 file,
range requests on the wheel, a full download kept in Poetry's artifact cache, and the public
index's legacy JSON API."""

from __future__ import annotations

import hashlib
import json
import logging
import subprocess
from pathlib import Path

import pytest
from packaging.version import Version

import nbext
from nbext.cache.artifacts import ArtifactCache, cache_key
from nbext.cache.metadata import entry_path
from nbext.demo import Dist, IndexServer
from nbext.index.files import File
from nbext.index.lazy_wheel import TAIL_BYTES
from tests.support.poetry import POETRY_VENV as VENV_DIR
from tests.support.poetry import PoetryUnavailable, poetry_bin


@pytest.fixture(autouse=True)
def _own_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POETRY_CACHE_DIR", str(tmp_path / "poetry-cache"))


BIG = Dist("bigwheel", "1.0", requires_dist=("numpy>=2",), sdist=False, payload=400_000)


def _wheel_requests(server: IndexServer) -> list[str | None]:
    """The Range header of every request for a .whl file (None: a full GET)."""
    return [r.range for r in server.requests if r.path.endswith(".whl")]


def test_pep658_file_means_no_wheel_request(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory([BIG], api="json", metadata=True)
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", server.url, "primary")
        res = ws.lookup("bigwheel")
    assert res.chosen is not None and res.chosen.metadata_via == "PEP 658"
    assert res.chosen.metadata is not None and res.chosen.metadata.requires_dist == ("numpy>=2",)
    assert _wheel_requests(server) == []
    assert [r.path for r in server.requests][-1].endswith(".whl.metadata")


def test_range_requests_read_a_small_part_of_the_wheel(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory([BIG], api="html", metadata=False)
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", server.url, "primary")
        res = ws.lookup("bigwheel")
        wheel_events = [e for e in ws.events if e.url.endswith(".whl")]
    assert res.chosen is not None and res.chosen.metadata_via == "range requests"
    ranges = _wheel_requests(server)
    assert ranges and ranges[0] == f"bytes=-{TAIL_BYTES}" and None not in ranges  # only ranges
    wheel_size = len(next(f for f in server._projects["bigwheel"].files()).data)
    read = sum(e.size for e in wheel_events)
    # one request of the tail, a second one at most: a small part of the wheel
    assert len(ranges) <= 2 and read <= TAIL_BYTES + 64 * 1024 < wheel_size, (read, wheel_size)
    assert not list((ws.cache_dir / "artifacts").rglob("*.whl"))  # nothing downloaded


def test_full_download_goes_to_the_artifact_cache_and_is_reused(
    tmp_path: Path, index_factory: type[IndexServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POETRY_SOLVER_LAZY_WHEEL", "false")  # neither 658 nor ranges
    server = index_factory([BIG], api="html", metadata=False)
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", server.url, "primary")
        first = ws.lookup("bigwheel")
        cache_dir = ws.cache_dir
    assert first.chosen is not None and first.chosen.metadata_via == "wheel"
    assert _wheel_requests(server) == [None]  # one full GET
    # Poetry's layout, computed independently: sha256 of the compact sorted JSON key
    wheel = next(f for f in server._projects["bigwheel"].files())
    url = f"{server.base_url}/files/{wheel.filename}"
    key = json.dumps({"sha256": wheel.sha256, "url": url}, separators=(",", ":"))
    digest = hashlib.sha256(key.encode()).hexdigest()
    stored = cache_dir / "artifacts" / digest[:2] / digest[2:4] / digest[4:6] / digest[6:]
    assert (stored / wheel.filename).read_bytes() == wheel.data

    # the release's metadata went to Poetry's metadata cache too; without it (as after a
    # `poetry cache clear corp --all`, which keeps artifacts) the wheel itself answers
    metadata_file = entry_path(cache_dir / "cache" / "repositories", "corp", "bigwheel", "1.0")
    assert json.loads(metadata_file.read_bytes()[10:])["requires_dist"] == ["numpy>=2"]
    metadata_file.unlink()
    server.clear_log()
    with nbext.Workspace(tmp_path) as ws:  # a new kernel: served from the artifact cache
        ws.add_source("corp", server.url, "primary")
        again = ws.lookup("bigwheel")
    assert again.chosen is not None and again.chosen.metadata_via == "wheel (artifact cache)"
    assert again.chosen.metadata == first.chosen.metadata
    assert _wheel_requests(server) == []
    assert "(from the wheel in the artifact cache)" in repr(again)


def test_a_corrupt_artifact_is_deleted_and_fetched_again(
    tmp_path: Path,
    index_factory: type[IndexServer],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("POETRY_SOLVER_LAZY_WHEEL", "false")
    server = index_factory([BIG], api="html", metadata=False)
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", server.url, "primary")
        ws.lookup("bigwheel")
        (path,) = (ws.cache_dir / "artifacts").rglob("bigwheel-*.whl")
        path.write_bytes(path.read_bytes()[:1000])  # truncated on disk
        server.clear_log()
        with caplog.at_level(logging.WARNING, "nbext.cache"):
            res = ws.lookup("bigwheel", refresh=True)  # past the metadata cache, to the wheel
    assert "Corrupt cache file was detected and cleaned up" in caplog.text
    assert res.chosen is not None and res.chosen.metadata_via == "wheel"
    assert _wheel_requests(server) == [None]
    assert len(path.read_bytes()) > 1000  # stored again, whole


def test_artifact_directories_match_poetrys(tmp_path: Path) -> None:
    """Poetry 2.5.1's own ArtifactCache names the same directory for the same link."""
    try:
        poetry_bin()
    except PoetryUnavailable as exc:  # pragma: no cover - needs the package registry
        pytest.fail(f"Poetry could not be installed: {exc}")
    links = [
        ("http://127.0.0.1:1/files/a-1.0-py3-none-any.whl", {"sha256": "ab" * 32}),
        ("http://127.0.0.1:1/files/a-1.0.tar.gz", {"md5": "cd" * 16}),
        ("http://127.0.0.1:1/files/a-1.0.tar.gz", {"sha256": "ab" * 32, "sha512": "ef" * 64}),
        ("http://127.0.0.1:1/files/b%20c-1.0.zip", {}),
    ]
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from poetry.core.packages.utils.link import Link\n"
        "from poetry.utils.cache import ArtifactCache\n"
        "cache = ArtifactCache(cache_dir=Path(sys.argv[1]))\n"
        "for url in json.loads(sys.argv[2]):\n"
        "    print(cache.get_cache_directory_for_link(Link(url)))\n"
    )
    urls = [
        url + ("#" + "&".join(f"{k}={v}" for k, v in hashes.items()) if hashes else "")
        for url, hashes in links
    ]
    # Poetry reads one hash from a URL fragment; give it one link per hash it would choose.
    urls[2] = links[2][0] + "#sha512=" + "ef" * 64
    out = subprocess.run(
        [str(VENV_DIR / "bin" / "python"), "-c", script, str(tmp_path), json.dumps(urls)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout.split()
    cache = ArtifactCache(tmp_path)
    ours = [
        str(cache.directory(File(Path(u).name, u, "a", Version("1.0"), "sdist", hashes=h)))
        for u, h in links
    ]
    assert ours == out
    assert cache_key(links[0][0] + "#sha256=x", {}) == cache_key(links[0][0], {})


def test_public_index_metadata_comes_from_the_json_api(
    tmp_path: Path, index_factory: type[IndexServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    pypi = index_factory(
        [
            Dist("needs", "1.0", requires_dist=("six>=1",), requires_python=">=3.8"),
            Dist("leaf", "2.0", requires_python=">=3.9"),
        ],
        name="pypi",
        api="json",
        json_api=True,
    )
    monkeypatch.setenv("NBEXT_PYPI_URL", pypi.url)
    with nbext.Workspace(tmp_path) as ws:  # no sources: the implicit PyPI
        res = ws.lookup("needs")
        assert res.chosen is not None and res.chosen.source == "PyPI"
        assert res.chosen.metadata_via == "JSON API"
        assert res.chosen.metadata is not None
        assert res.chosen.metadata.requires_dist == ("six>=1",)
        assert res.chosen.metadata.requires_python == ">=3.8"
        assert [r.path for r in pypi.requests] == ["/simple/needs/", "/pypi/needs/1.0/json"]
        # requires_dist null (a release without requirements, as the real index says it):
        # Poetry reads the files then, and keeps the API's Requires-Python.
        pypi.clear_log()
        res = ws.lookup("leaf")
        assert res.chosen is not None and res.chosen.metadata_via == "PEP 658"
        assert res.chosen.metadata is not None
        assert res.chosen.metadata.requires_dist == ()
        assert res.chosen.metadata.requires_python == ">=3.9"
        assert [r.path for r in pypi.requests] == [
            "/simple/leaf/",
            "/pypi/leaf/2.0/json",
            "/files/leaf-2.0-py3-none-any.whl.metadata",
        ]
        # the API failing is not fatal: the files answer
        pypi.set_fault("/pypi/", status=404, times=1)
        pypi.set_json_api_null_requires("needs", "1.0", null=False)
        ws2 = nbext.Workspace(tmp_path)
        res = ws2.lookup("needs", refresh=True)  # past the metadata cache
        ws2.close()
        assert res.chosen is not None and res.chosen.metadata_via == "PEP 658"
