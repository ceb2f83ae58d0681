"""``%config`` for Poetry keys (nbext.config.commands): ``poetry config``'s grammar, files and
error texts, credentials moved out of URLs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import nbext
from nbext.auth.credentials import Credential
from tests.support.projects import toml
from tests.support.shell import one_line


@pytest.fixture
def ws(cfg_dir: Path, project_dir: Path) -> Iterator[nbext.Workspace]:
    with nbext.Workspace(project_dir) as workspace:
        yield workspace


def test_set_get_unset_list_with_poetrys_files(ws: nbext.Workspace, cfg_dir: Path) -> None:
    ws.config_set("installer.max-workers", "4")
    ws.config_set("keyring.enabled", "false")
    ws.config_set("repositories.corp", "https://upload.corp.example/legacy/")
    ws.config_set("certificates.corp.cert", "false")
    ws.config_set("certificates.corp.client-cert", "/etc/client.pem")
    assert toml(cfg_dir / "config.toml") == {
        "installer": {"max-workers": 4},
        "keyring": {"enabled": False},
        "repositories": {"corp": {"url": "https://upload.corp.example/legacy/"}},
    }
    assert toml(cfg_dir / "auth.toml") == {
        "certificates": {"corp": {"cert": False, "client-cert": "/etc/client.pem"}}
    }
    assert (cfg_dir / "config.toml").stat().st_mode & 0o777 == 0o600
    assert ws.config_get("installer.max-workers") == "4"
    assert ws.config_get("repositories.corp.url") == "https://upload.corp.example/legacy/"
    assert ws.config_get("repo.corp") == "{'url': 'https://upload.corp.example/legacy/'}"
    listing = ws.config_list()
    assert "installer.max-workers = 4" in listing
    assert 'repositories.corp.url = "https://upload.corp.example/legacy/"' in listing
    assert "certificates.corp.cert = false" in listing
    ws.config_unset("installer.max-workers")
    assert "installer" not in toml(cfg_dir / "config.toml")
    ws.config_unset("repositories.corp")
    assert "repositories" not in toml(cfg_dir / "config.toml")


def test_unknown_keys_in_files_are_kept(ws: nbext.Workspace, cfg_dir: Path) -> None:
    cfg_dir.mkdir(parents=True)
    (cfg_dir / "config.toml").write_text("# mine\n[virtualenvs]\nin-project = true\nfuture = 1\n")
    ws.config_set("solver.lazy-wheel", "false")
    text = (cfg_dir / "config.toml").read_text()
    assert text.startswith("# mine\n[virtualenvs]\nin-project = true\nfuture = 1\n")
    assert "[solver]\nlazy-wheel = false" in text


def test_local_goes_to_poetry_toml(ws: nbext.Workspace, project_dir: Path) -> None:
    ws.config_set("installer.parallel", "false", local=True)
    assert toml(project_dir / "poetry.toml") == {"installer": {"parallel": False}}
    assert ws.config_get("installer.parallel") == "false"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("installer.max-workers", "0"), '"0" is an invalid value for installer.max-workers'),
        (("keyring.enabled", "yes"), '"yes" is an invalid value for keyring.enabled'),
        (("installer.parallel", "true", "false"), "You can only pass one value."),
        (("repositories.foo",), "You must pass the url. Example: poetry config repositories.foo"),
        (
            ("http-basic.foo", "a", "b", "c"),
            "Expected one or two arguments (username, password), got 3",
        ),
        (("pypi-token.foo", "a", "b"), "Expected only one argument (token), got 2"),
        (("certificates.foo.cert", "a", "b"), "You must pass exactly 1 value"),
        (("nonsense.key", "x"), "Setting nonsense.key does not exist"),
    ],
)
def test_poetrys_error_texts(ws: nbext.Workspace, args: tuple[str, ...], message: str) -> None:
    with pytest.raises(nbext.ConfigError) as exc:
        ws.config_set(args[0], *args[1:])
    assert str(exc.value).startswith(message)


def test_reads_that_poetry_refuses(ws: nbext.Workspace) -> None:
    with pytest.raises(nbext.ConfigError, match="Expected a value for http-basic.foo setting."):
        ws.config_get("http-basic.foo")
    with pytest.raises(nbext.ConfigError, match="There is no foo repository defined"):
        ws.config_get("repositories.foo")
    with pytest.raises(nbext.ConfigError, match="There is no bogus setting."):
        ws.config_get("bogus")
    with pytest.raises(nbext.ConfigError, match="You cannot remove the \\[repositories\\] section"):
        ws.config_unset("repositories")


def test_http_basic_without_keyring_goes_to_auth_toml_with_notice(
    ws: nbext.Workspace, cfg_dir: Path
) -> None:
    report = ws.config_set("http-basic.corp", "alice", "s3cret")
    assert toml(cfg_dir / "auth.toml") == {
        "http-basic": {"corp": {"username": "alice", "password": "s3cret"}}
    }
    assert report.warnings[0].startswith("Using a plaintext file to store credentials")
    assert "keyring.enabled is false" in report.warnings[0]
    assert "s3cret" not in "\n".join(ws.config_list())
    assert ws.passwords.get_http_auth("corp").password == "s3cret"
    ws.config_unset("http-basic.corp")
    assert toml(cfg_dir / "auth.toml") == {}
    ws.config_set("pypi-token.corp", "pypi-tok")
    assert toml(cfg_dir / "auth.toml") == {"pypi-token": {"corp": "pypi-tok"}}
    ws.config_unset("pypi-token.corp")
    assert toml(cfg_dir / "auth.toml") == {}


def test_repository_url_credentials_become_http_basic(ws: nbext.Workspace, cfg_dir: Path) -> None:
    report = ws.config_set("repositories.up", "https://alice:p%40ss@up.example/legacy/")
    assert toml(cfg_dir / "config.toml") == {
        "repositories": {"up": {"url": "https://up.example/legacy/"}}
    }
    assert ws.passwords.get_http_auth("up").password == "p@ss"  # percent-decoded
    text = "\n".join(report.warnings)
    assert "Using a plaintext file to store credentials" in text  # no usable keyring here
    assert "The credentials in the URL were saved as http-basic.up" in text
    assert "p@ss" not in text and "p%40ss" not in text


def test_a_url_with_the_user_name_only_keeps_the_saved_password(
    ws: nbext.Workspace, cfg_dir: Path
) -> None:
    """What the cell shows once nbext took the password out: running it again must not
    replace the saved password with an empty one."""
    ws.add_source("corp", "https://alice:s3cret@corp.example/simple/", "primary")
    report = ws.add_source("corp", "https://alice@corp.example/simple/", "primary")
    assert ws.passwords.get_http_auth("corp") == Credential("alice", "s3cret")
    assert any("its saved password is kept" in w for w in report.warnings), report.warnings
    ws.add_source("corp", "https://bob@corp.example/simple/", "primary")  # another user
    assert toml(cfg_dir / "auth.toml")["http-basic"] == {"corp": {"username": "bob"}}


def test_a_repository_url_poetry_stored_with_credentials_is_shown_without_them(
    cfg_dir: Path, project_dir: Path
) -> None:
    cfg_dir.mkdir(parents=True, exist_ok=True)  # as `poetry config repositories.up URL` writes it
    (cfg_dir / "config.toml").write_text(
        '[repositories.up]\nurl = "https://alice:s3cr3t-up@up.example/legacy/"\n'
    )
    with nbext.Workspace(project_dir) as ws:
        listed = "\n".join(ws.config_list())
        assert 'repositories.up.url = "https://alice:***@up.example/legacy/"' in listed
        assert ws.config_get("repositories.up.url") == "https://alice:***@up.example/legacy/"
        assert "s3cr3t-up" not in ws.config_get("repositories.up") + listed


def test_repositories_entry_that_is_not_a_table(tmp_path: Path, cfg: Path) -> None:
    (cfg / "config.toml").write_text('[repositories]\ncorp = "https://corp.example/legacy/"\n')
    with nbext.Workspace(tmp_path) as ws:
        with pytest.raises(nbext.ConfigError) as exc:
            ws.config_get("repositories.corp.url")
        assert one_line(exc.value) == (
            f"ConfigError: repositories.corp in {cfg / 'config.toml'} is "
            '"https://corp.example/legacy/", not a table with a url. Fix: %config '
            "repositories.corp URL (it becomes [repositories.corp] url = URL)."
        )
        ws.config_set("repositories.corp", "https://corp.example/legacy/")
        assert ws.config_get("repositories.corp.url") == "https://corp.example/legacy/"
