"""Poetry's release-metadata cache: the format on disk, the rules for using an entry, and
interop with the real Poetry 2.5.1 in both directions (server logs count the requests)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

import nbext
from nbext.cache.metadata import CACHE_VERSION, entry_path
from nbext.demo import Dist, IndexServer
from tests.support.env import poetry_env
from tests.support.poetry import poetry_lock
from tests.support.projects import corp_project

ACME = [Dist("acme", "1.0"), Dist("acme", "2.0", requires_dist=("six>=1",), summary="Acme")]


def _metadata_requests(server: IndexServer) -> list[str]:
    return [r.path for r in server.requests if r.path.endswith(".metadata")]


def _lookup(project: Path, server: IndexServer, **kw: object) -> nbext.LookupResult:
    with nbext.Workspace(project) as ws:
        ws.add_source("corp", server.url, "primary")
        return ws.lookup("acme", **kw)  # type: ignore[arg-type]


def test_the_entry_is_written_in_poetrys_format(
    tmp_path: Path, own_cache_dir: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory(ACME)
    res = _lookup(tmp_path, server)
    assert res.chosen is not None and res.chosen.metadata_via == "PEP 658"
    path = entry_path(own_cache_dir / "cache" / "repositories", "corp", "acme", "2.0")
    raw = path.read_bytes()
    assert raw[:10] == b"9999999999"  # never expires, as Poetry writes it
    data = json.loads(raw[10:])
    wheel = next(f for f in server._projects["acme"].files() if f.filename.startswith("acme-2.0-"))
    assert data == {
        "name": "acme",
        "version": "2.0",
        "summary": "Acme",
        "requires_dist": ["six>=1"],
        "requires_python": None,
        "files": [
            {
                "file": wheel.filename,
                "hash": f"sha256:{wheel.sha256}",
                "url": f"{server.base_url}/files/{wheel.filename}",
                "size": len(wheel.data),
            },
            data["files"][1],
        ],
        "yanked": False,
        "_cache_version": CACHE_VERSION,
    }
    assert data["files"][1]["file"] == "acme-2.0.tar.gz"
    # the next lookup takes it: no metadata request
    server.clear_log()
    again = _lookup(tmp_path, server)
    assert again.chosen is not None and again.chosen.metadata_via == "metadata cache"
    assert again.chosen.metadata == res.chosen.metadata
    assert _metadata_requests(server) == []


def test_entries_that_do_not_fit_are_not_used(
    tmp_path: Path,
    own_cache_dir: Path,
    index_factory: type[IndexServer],
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = index_factory(ACME)
    _lookup(tmp_path, server)
    path = entry_path(own_cache_dir / "cache" / "repositories", "corp", "acme", "2.0")
    good = path.read_bytes()

    def refetched() -> bool:
        server.clear_log()
        res = _lookup(tmp_path, server)
        assert res.chosen is not None and res.chosen.metadata is not None
        assert res.chosen.metadata.requires_dist == ("six>=1",)
        return _metadata_requests(server) == ["/files/acme-2.0-py3-none-any.whl.metadata"]

    path.write_bytes(good[:30])  # corrupt
    with caplog.at_level(logging.WARNING, "nbext.cache"):
        assert refetched()
    assert "Corrupt cache file was detected and cleaned up" in caplog.text
    data = json.loads(good[10:])
    path.write_bytes(good[:10] + json.dumps({**data, "_cache_version": "1.0.0"}).encode())
    assert refetched()  # another cache version: refreshed, as Poetry does
    path.write_bytes(good[:10] + json.dumps({**data, "files": data["files"][:1]}).encode())
    assert refetched()  # the index lists other files now
    path.write_bytes(good)
    assert not refetched()  # the good entry is used again


def test_refresh_revalidates_and_refetches(
    tmp_path: Path, own_cache_dir: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory(ACME, max_age=600)
    _lookup(tmp_path, server)
    server.clear_log()
    assert _lookup(tmp_path, server).chosen is not None
    assert server.requests == []  # fresh page, cached metadata: nothing asked
    server.add(Dist("acme", "2.1"))  # "I just published and cannot see it"
    stale = _lookup(tmp_path, server)
    assert stale.chosen is not None and stale.chosen.version == "2.0"  # max-age still holds
    assert server.requests == []
    fresh = _lookup(tmp_path, server, refresh=True)
    assert fresh.chosen is not None and fresh.chosen.version == "2.1"
    assert next(r.path for r in server.requests) == "/simple/acme/"
    assert fresh.per_source[0].cache == "changed (200)"


def _poetry_project(where: Path, url: str) -> Path:
    return corp_project(where, url, "acme")


def test_poetry_lock_fills_what_nbext_reads(
    tmp_path: Path, own_cache_dir: Path, index_factory: type[IndexServer], poetry: Path
) -> None:
    server = index_factory([*ACME, Dist("six", "1.16.0")])
    env = poetry_env(tmp_path / "poetry-home")
    env["POETRY_CACHE_DIR"] = str(own_cache_dir)
    result = poetry_lock(_poetry_project(tmp_path / "proj", server.url), env, poetry=poetry)
    assert result.ok, result.output
    assert result.packages["acme"][0] == "2.0"
    assert entry_path(own_cache_dir / "cache" / "repositories", "corp", "acme", "2.0").is_file()
    server.clear_log()
    res = _lookup(tmp_path / "nb", server)
    assert res.chosen is not None and res.chosen.metadata_via == "metadata cache"
    assert res.chosen.metadata is not None and res.chosen.metadata.requires_dist == ("six>=1",)
    assert _metadata_requests(server) == []


def test_poetry_lock_uses_what_nbext_wrote(
    tmp_path: Path, own_cache_dir: Path, index_factory: type[IndexServer], poetry: Path
) -> None:
    server = index_factory([*ACME, Dist("six", "1.16.0")])
    with nbext.Workspace(tmp_path / "nb") as ws:
        ws.add_source("corp", server.url, "primary")
        assert all(r.chosen is not None for r in ws.lookup_many(["acme", "six"]))
    server.clear_log()
    env = poetry_env(tmp_path / "poetry-home")
    env["POETRY_CACHE_DIR"] = str(own_cache_dir)
    result = poetry_lock(_poetry_project(tmp_path / "proj", server.url), env, poetry=poetry)
    assert result.ok, result.output
    assert result.packages["acme"][0] == "2.0" and result.packages["six"][0] == "1.16.0"
    assert _metadata_requests(server) == []  # Poetry took nbext's entries as its own
