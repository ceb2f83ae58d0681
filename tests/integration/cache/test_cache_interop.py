"""The artifact cache shared with the real Poetry 2.5.1: what ``poetry install`` downloaded
answers nbext with no download, and what nbext downloaded is installed by Poetry without one."""

from __future__ import annotations

from pathlib import Path

import pytest

import nbext
from nbext.demo import Dist, IndexServer
from tests.support.env import poetry_env
from tests.support.procs import run_checked
from tests.support.projects import corp_project

WHEEL = Dist("acme-big", "1.0", requires_dist=("six>=1",), sdist=False, payload=50_000)


def _project(where: Path, url: str) -> Path:
    return corp_project(where, url, "acme-big", "six")


def _poetry(poetry: Path, project: Path, cache_dir: Path, home: Path, *args: str) -> None:
    env = poetry_env(home)
    env.update(
        {
            "POETRY_CACHE_DIR": str(cache_dir),
            "POETRY_VIRTUALENVS_CREATE": "true",
            "POETRY_VIRTUALENVS_IN_PROJECT": "true",
        }
    )
    cmd = [str(poetry), *args, "-n", "--no-ansi"]
    run_checked(cmd, env, 300, f"poetry {args[0]}", error=AssertionError, cwd=project)


def _wheel_gets(server: IndexServer) -> list[str | None]:
    return [r.range for r in server.requests if r.path.endswith("acme_big-1.0-py3-none-any.whl")]


def test_poetry_install_downloads_what_nbext_reads(
    tmp_path: Path,
    own_cache_dir: Path,
    index_factory: type[IndexServer],
    poetry: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # no PEP 658 file, no ranges for nbext: only the wheel itself can answer
    server = index_factory([WHEEL, Dist("six", "1.16.0")], api="html", metadata=False)
    project = _project(tmp_path / "proj", server.url)
    _poetry(poetry, project, own_cache_dir, tmp_path / "home", "lock")
    _poetry(poetry, project, own_cache_dir, tmp_path / "home", "install", "--no-root")
    assert list((own_cache_dir / "artifacts").rglob("acme_big-1.0-py3-none-any.whl"))
    _poetry(poetry, project, own_cache_dir, tmp_path / "home", "cache", "clear", "corp", "--all")
    server.clear_log()
    monkeypatch.setenv("POETRY_SOLVER_LAZY_WHEEL", "false")
    with nbext.Workspace(tmp_path / "nb") as ws:
        ws.add_source("corp", server.url, "primary")
        res = ws.lookup("acme-big")
    assert res.chosen is not None and res.chosen.metadata_via == "wheel (artifact cache)"
    assert res.chosen.metadata is not None and res.chosen.metadata.requires_dist == ("six>=1",)
    assert _wheel_gets(server) == []  # Poetry's download, read in place


def test_poetry_install_takes_what_nbext_downloaded(
    tmp_path: Path,
    own_cache_dir: Path,
    index_factory: type[IndexServer],
    poetry: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = index_factory([WHEEL, Dist("six", "1.16.0")], api="html", metadata=False)
    monkeypatch.setenv("POETRY_SOLVER_LAZY_WHEEL", "false")
    with nbext.Workspace(tmp_path / "nb") as ws:
        ws.add_source("corp", server.url, "primary")
        assert ws.lookup("acme-big").chosen is not None
    assert _wheel_gets(server) == [None]  # nbext downloaded it (hash-verified)
    project = _project(tmp_path / "proj", server.url)
    _poetry(poetry, project, own_cache_dir, tmp_path / "home", "lock")
    server.clear_log()
    _poetry(poetry, project, own_cache_dir, tmp_path / "home", "install", "--no-root")
    assert _wheel_gets(server) == []  # installed from the artifact nbext stored
    site = next((project / ".venv" / "lib").glob("python3*/site-packages"))
    assert (site / "acme_big" / "_payload.bin").is_file()
