"""Files that hold secrets end up 0600, whatever mode they had, and never pass through a moment
where the secret is readable by others; the config directory nbext creates is 0700."""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import nbext

SECRET = "s3cret-Mode-9d1"


@pytest.fixture
def cfg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    path = tmp_path / "poetry-config"
    monkeypatch.setenv("POETRY_CONFIG_DIR", str(path))
    monkeypatch.setenv("POETRY_KEYRING_ENABLED", "false")  # passwords go to auth.toml
    return path


@pytest.fixture
def ws(cfg: Path, project_dir: Path) -> Iterator[nbext.Workspace]:
    with nbext.Workspace(project_dir) as workspace:
        yield workspace


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def existing(path: Path, text: str, file_mode: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(file_mode)
    return path


@pytest.mark.parametrize(
    "change",
    [
        lambda ws: ws.config_set("http-basic.corp", "alice", SECRET),
        lambda ws: ws.config_set("certificates.corp.cert", "/etc/ssl/corp.pem"),
        lambda ws: ws.config_unset("http-basic.old"),
    ],
    ids=["http-basic", "certificates", "unset"],
)
def test_auth_toml_that_existed_0644_ends_up_0600(
    ws: nbext.Workspace, cfg: Path, change: Callable[[nbext.Workspace], object]
) -> None:
    auth = existing(
        cfg / "auth.toml",
        f'# mine\n[http-basic.old]\nusername = "bob"\npassword = "{SECRET}"\n',
        0o644,
    )
    change(ws)
    assert mode(auth) == 0o600
    assert auth.read_text().startswith("# mine")  # rewritten in place, comments kept


def test_config_toml_with_a_credential_ends_up_0600(ws: nbext.Workspace, cfg: Path) -> None:
    config = existing(cfg / "config.toml", "# mine\n[installer]\nparallel = true\n", 0o644)
    ws.config_set("installer.max-workers", "4")
    assert mode(config) == 0o644  # no secret in it: the user's mode is kept
    # A URL typed with credentials: nbext moves them to http-basic (the keyring or auth.toml),
    # so config.toml still holds no secret and keeps its mode ...
    ws.config_set("repositories.corp", f"https://alice:{SECRET}@upload.corp.example/legacy/")
    assert SECRET not in config.read_text() and mode(config) == 0o644
    # ... while one that Poetry stored there (poetry config repositories.x URL keeps it as
    # typed) makes the file private on nbext's next write.
    config.write_text(
        config.read_text() + f'[repositories.old]\nurl = "https://bob:{SECRET}@h.example/"\n'
    )
    ws.config_set("installer.max-workers", "5")
    assert mode(config) == 0o600


def test_local_poetry_toml_with_http_basic_ends_up_0600(
    ws: nbext.Workspace, project_dir: Path
) -> None:
    local = existing(
        project_dir / "poetry.toml",
        f'[http-basic.corp]\nusername = "alice"\npassword = "{SECRET}"\n',
        0o644,
    )
    ws.config_set("installer.parallel", "false", local=True)
    assert mode(local) == 0o600
    assert SECRET in local.read_text()  # kept: nbext only changed installer.parallel


def test_pyproject_with_a_password_in_a_source_url_ends_up_0600(
    ws: nbext.Workspace, project_dir: Path
) -> None:
    pyproject = project_dir / "pyproject.toml"
    with pyproject.open("a", encoding="utf-8") as fh:
        fh.write(
            f'\n[[tool.poetry.source]]\nname = "old"\nurl = "https://bob:{SECRET}@old.example/'
            'simple/"\npriority = "supplemental"\n'
        )
    pyproject.chmod(0o644)
    ws.add_source("corp", "https://corp.example/simple/", "primary")
    assert mode(pyproject) == 0o600


def test_the_new_file_is_0600_before_it_takes_the_old_ones_place(
    ws: nbext.Workspace, cfg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the moment of the rename the temporary file already has its final mode (0600), even
    under a permissive umask: there is no window where the secret is readable by others."""
    existing(cfg / "auth.toml", "", 0o644)
    seen: list[tuple[int, bool]] = []
    real_replace = os.replace

    def spying_replace(src: str, dst: str) -> None:
        if Path(dst).name == "auth.toml":
            seen.append((mode(Path(src)), SECRET in Path(src).read_text()))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spying_replace)
    old_umask = os.umask(0)
    try:
        ws.config_set("http-basic.corp", "alice", SECRET)
    finally:
        os.umask(old_umask)
    assert seen == [(0o600, True)]
    assert mode(cfg / "auth.toml") == 0o600


def test_the_config_directory_nbext_creates_is_0700(ws: nbext.Workspace, cfg: Path) -> None:
    assert not cfg.exists()
    ws.config_set("http-basic.corp", "alice", SECRET)
    assert mode(cfg) == 0o700
    assert mode(cfg / "auth.toml") == 0o600


def test_a_symlinked_config_file_stays_a_link(ws: nbext.Workspace, cfg: Path) -> None:
    """A dotfiles repository links config.toml: nbext changes the file it points to."""
    dotfiles = existing(cfg.parent / "dotfiles" / "config.toml", "# mine\n", 0o644)
    cfg.mkdir()
    (cfg / "config.toml").symlink_to(dotfiles)
    ws.config_set("installer.parallel", "false")
    assert (cfg / "config.toml").is_symlink()
    text = dotfiles.read_text()
    assert text.startswith("# mine\n") and tomllib.loads(text) == {"installer": {"parallel": False}}
