"""Poetry-compatible settings in layers (nbext.config.settings): files, environment variables,
the session; values read as Poetry reads them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import nbext
from nbext.config.settings import Settings


def test_layers_and_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POETRY_KEYRING_ENABLED", raising=False)
    monkeypatch.delenv("POETRY_CACHE_DIR", raising=False)
    conf, proj = tmp_path / "conf", tmp_path / "proj"
    conf.mkdir()
    proj.mkdir()
    (conf / "config.toml").write_text("[installer]\nmax-workers = 2\nparallel = false\n")
    (conf / "auth.toml").write_text("[installer]\nmax-workers = 3\n")
    (proj / "poetry.toml").write_text("[installer]\nparallel = true\n[keyring]\nenabled = false\n")
    env = {"POETRY_INSTALLER_MAX_WORKERS": "1"}
    s = Settings(config_dir=conf, project_root=proj, environ=env)
    assert s.get("installer.max-workers") == 1  # env wins over every file
    assert s.get("installer.parallel") is True  # poetry.toml over config.toml
    assert s.get("keyring.enabled") is False
    assert s.get("requests.max-retries") == 0  # default
    env.clear()
    assert s.get("installer.max-workers") == 3  # auth.toml over config.toml
    s.session["installer"] = {"max-workers": 4}
    env["POETRY_INSTALLER_MAX_WORKERS"] = "1"
    assert s.get("installer.max-workers") == 4  # session over everything
    env2 = {"POETRY_KEYRING_ENABLED": "yes"}  # only true/1 mean true
    assert Settings(config_dir=conf, environ=env2).get("keyring.enabled") is False


def test_env_repositories_replace_file_ones(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[repositories.foo]\nurl = "https://foo/"\n')
    s = Settings(config_dir=tmp_path, environ={"POETRY_REPOSITORIES_MY_REPO_URL": "https://m/"})
    assert s.get("repositories") == {"my-repo": {"url": "https://m/"}}
    assert s.get("repositories.foo.url") == "https://foo/"  # direct lookups still read files


@pytest.mark.parametrize(
    ("text", "expected"),
    [('"false"', False), ('"False"', False), ('"0"', False), ('"true"', True), ("false", False)],
)
def test_quoted_booleans_mean_what_they_say(
    text: str, expected: bool, tmp_path: Path, cfg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Poetry reads ``enabled = "false"`` as true (a non-empty string); nbext as false."""
    monkeypatch.delenv("POETRY_KEYRING_ENABLED")
    (cfg / "config.toml").write_text(
        f"offline = {text}\n[keyring]\nenabled = {text}\n[solver]\nlazy-wheel = {text}\n"
    )
    with nbext.Workspace(tmp_path) as ws:
        assert ws.offline is expected
        assert ws.settings.keyring_enabled is expected
        assert ws.settings.flag("solver.lazy-wheel", True) is expected
