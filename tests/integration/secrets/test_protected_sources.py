"""Protected sources: credentials from config, env vars, keyring and URL; hints; no leaks."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import nbext
from nbext.demo import Dist, IndexServer, write_dists
from nbext.ui.html import to_html
from tests.support.keyring_backends import BlockingKeyring, FileKeyring, use_backend
from tests.support.servers import ServerProcess, run_pypiserver

USER, PASSWORD = "alice", "Alice-Pa55-xyz"


@pytest.fixture(scope="module")
def protected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    work = tmp_path_factory.mktemp("pp-auth")
    pkgs = work / "packages"
    pkgs.mkdir()
    write_dists([Dist("acme", "1.0.0"), Dist("acme", "2.0.0")], pkgs)
    server = run_pypiserver(pkgs, auth=(USER, PASSWORD), workdir=work)
    yield server
    server.stop()


@pytest.fixture
def cfg_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    path = tmp_path / "poetry-config"
    monkeypatch.setenv("POETRY_CONFIG_DIR", str(path))
    return path


@pytest.fixture
def ws(cfg_dir: Path, project_dir: Path, protected: ServerProcess) -> Iterator[nbext.Workspace]:
    with nbext.Workspace(project_dir, keyring_timeout=1.0) as workspace:
        workspace.add_source("corp", protected.url, "primary")
        yield workspace


def chosen(res: nbext.LookupResult) -> tuple[str, str] | None:
    return (res.chosen.version, res.chosen.source) if res.chosen else None


def test_without_credentials_the_row_says_which_config_fixes_it(ws: nbext.Workspace) -> None:
    with use_backend(FileKeyring()):
        res = ws.lookup("acme")
    assert chosen(res) is None
    assert res.per_source[0].status == 401
    assert any(
        "(no credentials for corp: %config http-basic.corp USERNAME)" in n for n in res.notes
    )


def test_http_basic_from_auth_toml(
    ws: nbext.Workspace, monkeypatch: pytest.MonkeyPatch, protected: ServerProcess
) -> None:
    monkeypatch.setenv("POETRY_KEYRING_ENABLED", "false")
    ws.config_set("http-basic.corp", USER, PASSWORD)
    res = ws.lookup("acme")
    assert chosen(res) == ("2.0.0", "corp")
    assert res.chosen is not None and res.chosen.metadata is not None  # wheel download: auth too
    assert PASSWORD not in repr(res) + to_html(res) + "\n".join(res.log_lines(3))


def test_http_basic_from_env_vars(ws: nbext.Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POETRY_HTTP_BASIC_CORP_USERNAME", USER)
    monkeypatch.setenv("POETRY_HTTP_BASIC_CORP_PASSWORD", PASSWORD)
    with use_backend(FileKeyring()):
        assert chosen(ws.lookup("acme")) == ("2.0.0", "corp")


def test_http_basic_password_in_the_keyring(
    ws: nbext.Workspace, cfg_dir: Path, tmp_path: Path
) -> None:
    backend = FileKeyring(tmp_path / "keyring.json")
    with use_backend(backend):
        report = ws.config_set("http-basic.corp", USER, PASSWORD)
        assert report.info == [
            f"Credentials saved for corp (keyring: {ws.keyring.status().backend})."
        ]
        assert (cfg_dir / "auth.toml").read_text() == '[http-basic.corp]\nusername = "alice"\n'
        assert backend.entries() == {"poetry-repository-corp": {USER: PASSWORD}}
        assert chosen(ws.lookup("acme")) == ("2.0.0", "corp")


def test_keyring_url_lookup_only_after_a_401(
    ws: nbext.Workspace, tmp_path: Path, index_factory: type[IndexServer], project_dir: Path
) -> None:
    open_index = index_factory([Dist("free", "1.0")])
    backend = FileKeyring(tmp_path / "keyring.json")
    with use_backend(backend):
        backend.set_password(ws.sources.get("corp").url + "/", USER, PASSWORD)
        calls = dict(backend.calls)
        with nbext.Workspace(project_dir / "other") as open_ws:
            open_ws.add_source("open", open_index.url, "primary")
            assert chosen(open_ws.lookup("free")) == ("1.0", "open")
        assert backend.calls == calls  # a source that never answered 401 never touched it
        res = ws.lookup("acme")
        assert chosen(res) == ("2.0.0", "corp")  # pip-style keyring lookup by URL after a 401
        assert backend.calls["get_credential"] > calls.get("get_credential", 0)


def test_pypi_token_is_for_publishing_only(
    ws: nbext.Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POETRY_PYPI_TOKEN_CORP", "pypi-AgEIcHlwaS5vcmc-not-used")
    with use_backend(FileKeyring()):
        res = ws.lookup("acme")
    assert chosen(res) is None
    note = next(n for n in res.notes if "Authorization error" in n)
    assert note.endswith(
        "(no credentials for corp: %config http-basic.corp USERNAME; pypi-token.corp is for "
        "publishing only, as in Poetry)"
    )


def test_wrong_password_is_a_403_row_that_says_refused(
    ws: nbext.Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POETRY_HTTP_BASIC_CORP_USERNAME", USER)
    monkeypatch.setenv("POETRY_HTTP_BASIC_CORP_PASSWORD", "wrong-wrong")
    with use_backend(FileKeyring()):
        res = ws.lookup("acme")
    assert res.per_source[0].status == 403
    assert any("the credentials for corp were refused" in n for n in res.notes)
    assert "wrong-wrong" not in repr(res)


def test_a_blocked_keyring_never_hangs_a_lookup(ws: nbext.Workspace) -> None:
    with use_backend(BlockingKeyring()):
        started = time.monotonic()
        res = ws.lookup("acme")
        elapsed = time.monotonic() - started
    assert elapsed < 6  # keyring_timeout=1 s: probe and lookup are bounded
    assert chosen(res) is None
    assert any("keyring" in n.lower() for n in res.notes), res.notes


def test_credentials_never_follow_a_redirect_to_another_host(
    cfg_dir: Path,
    project_dir: Path,
    index_factory: type[IndexServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    elsewhere = index_factory([Dist("acme", "3.0")])
    origin = index_factory([Dist("acme", "1.0")], auth=(USER, PASSWORD))
    origin.set_fault("/simple/acme/", status=302, headers={"Location": elsewhere.url + "acme/"})
    monkeypatch.setenv("POETRY_HTTP_BASIC_ORIGIN_USERNAME", USER)
    monkeypatch.setenv("POETRY_HTTP_BASIC_ORIGIN_PASSWORD", PASSWORD)
    with nbext.Workspace(project_dir) as ws, use_backend(FileKeyring()):
        ws.add_source("origin", origin.url, "primary")
        res = ws.lookup("acme")
    assert chosen(res) == ("3.0", "origin")
    assert [r.has_auth for r in origin.project_requests("acme")] == [True]
    assert elsewhere.requests and not any(r.has_auth for r in elsewhere.requests)


def test_credentials_match_the_source_url_not_just_the_host(
    cfg_dir: Path,
    project_dir: Path,
    index_factory: type[IndexServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    public = index_factory([Dist("acme", "1.0")])
    monkeypatch.setenv("POETRY_HTTP_BASIC_CORP_USERNAME", USER)
    monkeypatch.setenv("POETRY_HTTP_BASIC_CORP_PASSWORD", PASSWORD)
    with nbext.Workspace(project_dir) as ws, use_backend(FileKeyring()):
        # "corp" is configured (upload URL) on another port of the same host: no match
        ws.config_set("repositories.corp", "http://127.0.0.1:9/legacy/")
        ws.add_source("public", public.url, "primary")
        ws.lookup("acme")
    assert public.requests and not any(r.has_auth for r in public.requests)


def test_url_credentials_go_to_the_keyring_not_to_pyproject(
    cfg_dir: Path, project_dir: Path, protected: ServerProcess, tmp_path: Path
) -> None:
    backend = FileKeyring(tmp_path / "keyring.json")
    url = protected.url.replace("//", f"//{USER}:{PASSWORD}@")
    with nbext.Workspace(project_dir) as ws, use_backend(backend):
        report = ws.add_source("corp", url, "primary")
        assert any("saved as http-basic.corp" in w for w in report.warnings)
        text = (project_dir / "pyproject.toml").read_text()
        assert f'url = "{protected.url}"' in text and PASSWORD not in text
        assert backend.entries() == {"poetry-repository-corp": {USER: PASSWORD}}
        assert chosen(ws.lookup("acme")) == ("2.0.0", "corp")
