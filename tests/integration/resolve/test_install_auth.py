"""``install`` from a source that needs a password (pypiserver with auth): the credentials go
with every request to it and nowhere into the result; a wrong password stops the install with
Poetry's 401/403 warning and the fix, and nothing is installed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import nbext
from nbext.demo import Dist
from nbext.demo.dists import write_dists
from nbext.resolve.install import install
from nbext.ui.html import to_html
from tests.integration.resolve.conftest import MakeVenv
from tests.support.servers import ServerProcess, run_pypiserver

PASSWORD = "corp-pw-7f3a9c"
DISTS = [
    Dist("acme-utils", "2.1.0", requires_dist=("acme-core>=1",)),
    Dist("acme-core", "1.2.0"),
]


@pytest.fixture
def private(tmp_path: Path) -> Iterator[ServerProcess]:
    write_dists(DISTS, tmp_path / "packages")
    with run_pypiserver(
        tmp_path / "packages", auth=("alice", PASSWORD), workdir=tmp_path / "pypiserver"
    ) as server:
        yield server


def _project(where: Path, url: str) -> Path:
    where.mkdir()
    (where / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        'dependencies = ["acme-utils (>=2)"]\n\n[tool.poetry]\npackage-mode = false\n\n'
        f'[[tool.poetry.source]]\nname = "private"\nurl = "{url}"\npriority = "primary"\n'
    )
    return where


def _credentials(monkeypatch: pytest.MonkeyPatch, password: str) -> None:
    monkeypatch.setenv("POETRY_HTTP_BASIC_PRIVATE_USERNAME", "alice")
    monkeypatch.setenv("POETRY_HTTP_BASIC_PRIVATE_PASSWORD", password)


def test_lock_and_install_with_a_password(
    private: ServerProcess, make_venv: MakeVenv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path / "app", private.url)
    _credentials(monkeypatch, PASSWORD)
    venv = make_venv()
    with nbext.Workspace(project) as ws:
        ws.lock()
        result = install(ws, project, target=venv)
    assert result.installed == {"acme-core": "1.2.0", "acme-utils": "2.1.0"}
    paths = private.request_paths(wait_for="/packages/acme_utils-2.1.0-py3-none-any.whl")
    assert any(p.endswith("acme_core-1.2.0-py3-none-any.whl") for p in paths)
    for text in (result.text(), repr(result), to_html(result), *result.output):
        assert PASSWORD not in text and "alice:" not in text


def test_wrong_password_mid_install_stops_with_the_row_and_the_fix(
    private: ServerProcess, make_venv: MakeVenv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path / "app", private.url)
    _credentials(monkeypatch, PASSWORD)
    with nbext.Workspace(project) as ws:
        ws.lock()  # the pages and metadata are cached now; the files were never downloaded
    _credentials(monkeypatch, "not-the-password")
    venv = make_venv()
    with nbext.Workspace(project) as ws, pytest.raises(nbext.NbextError) as info:
        install(ws, project, target=venv)
    message = str(info.value)
    assert "Source (private): Authorization error accessing" in message
    assert "%config http-basic.private" in message or "not accepted" in message
    assert message.endswith("Nothing was installed.")
    assert "not-the-password" not in message and PASSWORD not in message
    assert venv.installed() == {}
