"""Poetry-compatible config: layers, keys, env vars, files, %config and IPython's %config."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import nbext
import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from nbext import kernel as _workspace
from nbext.auth.credentials import Credential
from nbext.config.keys import env_name, is_poetry_key
from nbext.config.settings import Settings


@pytest.fixture
def cfg_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    path = tmp_path / "poetry-config"
    monkeypatch.setenv("POETRY_CONFIG_DIR", str(path))
    monkeypatch.setenv("POETRY_KEYRING_ENABLED", "false")  # auth.toml path in this module
    return path


@pytest.fixture
def ws(cfg_dir: Path, project_dir: Path) -> Iterator[nbext.Workspace]:
    with nbext.Workspace(project_dir) as workspace:
        yield workspace


def toml(path: Path) -> dict[str, object]:
    return tomllib.loads(path.read_text())


def test_env_names_follow_poetry() -> None:
    assert env_name("http-basic.foo.username") == "POETRY_HTTP_BASIC_FOO_USERNAME"
    assert env_name(["http-basic", "my-repo", "password"]) == "POETRY_HTTP_BASIC_MY_REPO_PASSWORD"
    assert env_name(["http-basic", "my.repo", "password"]) == "POETRY_HTTP_BASIC_MY.REPO_PASSWORD"
    assert env_name("certificates.foo.client-cert") == "POETRY_CERTIFICATES_FOO_CLIENT_CERT"
    assert env_name("keyring.enabled") == "POETRY_KEYRING_ENABLED"


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


@pytest.mark.parametrize(
    ("token", "mine"),
    [
        ("http-basic.foo", True),
        ("pypi-token.foo", True),
        ("repositories.foo", True),
        ("repo.foo.url", True),
        ("certificates.foo.cert", True),
        ("keyring.enabled", True),
        ("cache-dir", True),
        ("InlineBackend.figure_format", False),
        ("HistoryManager", False),
        ("HistoryManager.enabled", False),
    ],
)
def test_which_keys_are_poetrys(token: str, mine: bool) -> None:
    assert is_poetry_key(token) is mine


# -- %config next to IPython's own -----------------------------------------------------------


@pytest.fixture
def ip(
    cfg_dir: Path, project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[InteractiveShell]:
    monkeypatch.chdir(project_dir)
    _workspace._reset_default()
    shell = InteractiveShell.instance()
    shell.history_manager.enabled = False
    yield shell
    _workspace._reset_default()
    InteractiveShell.clear_instance()


def test_config_magic_coexists_with_ipythons(ip: InteractiveShell, cfg_dir: Path) -> None:
    with capture_output() as before:
        ip.run_line_magic("config", "HistoryManager")
    ip.run_line_magic("load_ext", "nbext")
    try:
        with capture_output() as after:
            ip.run_line_magic("config", "HistoryManager")
        assert after.stdout == before.stdout and "HistoryManager" in after.stdout
        ip.run_line_magic("config", "HistoryManager.db_cache_size = 3")
        assert ip.history_manager.db_cache_size == 3
        ip.user_ns["n"] = 5
        ip.run_line_magic("config", "HistoryManager.db_cache_size = $n")
        assert ip.history_manager.db_cache_size == 5
        ip.run_line_magic("config", "installer.max-workers 3")
        assert toml(cfg_dir / "config.toml") == {"installer": {"max-workers": 3}}
        with capture_output() as cap:
            ip.run_line_magic("config", "--list")
        assert "installer.max-workers = 3" in cap.stdout
        ip.run_line_magic("nbconfig", "--unset installer.max-workers")
        assert toml(cfg_dir / "config.toml") == {}
    finally:
        ip.run_line_magic("unload_ext", "nbext")
    with pytest.raises(UsageError, match="Invalid config statement"):
        ip.run_line_magic("config", "http-basic.foo alice")
    assert ip.find_line_magic("nbconfig") is None


def test_password_on_the_line_is_scrubbed_from_history(
    cfg_dir: Path, project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project_dir)
    _workspace._reset_default()
    ip = InteractiveShell.instance()  # history enabled: a real sqlite database in IPYTHONDIR
    ip.run_line_magic("load_ext", "nbext")
    try:
        secret = "Zz-very-secret-42"
        with capture_output() as cap:
            ip.run_cell("x = 1", store_history=True)
            ip.run_cell(f"%config http-basic.corp alice {secret}", store_history=True)
            ip.run_cell("y = 2", store_history=True)
        assert "removed it from IPython's history" in cap.stderr
        hm = ip.history_manager
        hm.writeout_cache()
        rows = list(hm.get_range(hm.session_number, 1, None, raw=True))
        rows += list(hm.get_range(hm.session_number, 1, None, raw=False))
        stored = "\n".join(str(r) for r in rows)
        assert "%config http-basic.corp alice ***" in stored
        for text in (stored, "\n".join(ip.user_ns["In"]), "\n".join(hm.input_hist_raw)):
            assert secret not in text
        assert all(secret not in str(v) for k, v in ip.user_ns.items() if k.startswith("_i"))
        db_dump = "\n".join(str(r) for r in hm.db.execute("SELECT * FROM history"))
        assert secret not in db_dump
        assert toml(cfg_dir / "auth.toml")["http-basic"] == {
            "corp": {"username": "alice", "password": secret}
        }
    finally:
        ip.run_line_magic("unload_ext", "nbext")
        _workspace._reset_default()
        InteractiveShell.clear_instance()


def test_terminal_ipython_scrubs_this_cell_only(
    cfg_dir: Path, project_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Terminal IPython (no kernel, a real history database): a one-letter password and a URL
    password on a failing line are masked in their own cell's entries, nowhere else."""
    monkeypatch.chdir(project_dir)
    _workspace._reset_default()
    ip = InteractiveShell.instance()
    ip.run_line_magic("load_ext", "nbext")
    try:
        cells = [
            'note = "my analysis of data"',
            "%config http-basic.one alice a\n",  # stored without its newline
            '%lookup --no-live "pkg @ http://u:S3cr3t-x9@127.0.0.1:9/x.whl"',
            'after = "a last cell"',
        ]
        with capture_output() as cap:
            outcomes = [ip.run_cell(cell, store_history=True) for cell in cells]
        assert isinstance(outcomes[2].error_in_exec, nbext.RequirementError)
        assert "S3cr3t-x9" not in str(outcomes[2].error_in_exec) + cap.stdout + cap.stderr
        expected = [
            cells[0],
            "%config http-basic.one alice ***",
            '%lookup --no-live "pkg @ http://u:***@127.0.0.1:9/x.whl"',
            cells[3],
        ]
        hm = ip.history_manager
        assert hm.input_hist_raw[-4:] == expected
        parsed = [ip.transform_cell(c).rstrip("\n") for c in expected]
        assert ip.user_ns["In"][-4:] == parsed
        hm.writeout_cache()
        rows = [r[2] for r in hm.get_range(hm.session_number, 1, None, raw=True)]
        assert rows[-4:] == expected
        assert toml(cfg_dir / "auth.toml")["http-basic"] == {
            "one": {"username": "alice", "password": "a"}
        }
    finally:
        ip.run_line_magic("unload_ext", "nbext")
        _workspace._reset_default()
        InteractiveShell.clear_instance()


def test_dashed_password_after_double_dash(ip: InteractiveShell, cfg_dir: Path) -> None:
    ip.run_line_magic("load_ext", "nbext")
    try:
        with capture_output():
            ip.run_line_magic("config", "-- http-basic.corp alice -starts-with-dash")
        assert toml(cfg_dir / "auth.toml")["http-basic"] == {
            "corp": {"username": "alice", "password": "-starts-with-dash"}
        }
    finally:
        ip.run_line_magic("unload_ext", "nbext")


def test_braces_expand_in_config_and_leave_nothing_to_scrub(
    ip: InteractiveShell, cfg_dir: Path
) -> None:
    ip.run_line_magic("load_ext", "nbext")
    try:
        ip.user_ns["tok"] = "pypi-from-a-variable"
        with capture_output() as cap:
            ip.run_line_magic("config", "pypi-token.corp {tok}")
        assert toml(cfg_dir / "auth.toml") == {"pypi-token": {"corp": "pypi-from-a-variable"}}
        assert "removed it" not in cap.stderr  # nothing secret was typed on the line
    finally:
        ip.run_line_magic("unload_ext", "nbext")


def test_installer_max_workers_sizes_the_pool(cfg_dir: Path, project_dir: Path) -> None:
    import os

    with nbext.Workspace(project_dir) as ws:
        assert ws.max_workers == 32
        ws.config_set("installer.max-workers", "2")
    with nbext.Workspace(project_dir) as ws:
        assert ws.max_workers == min(2, (os.cpu_count() or 1) + 4)
        assert ws.executor._max_workers == ws.max_workers


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


def test_a_secret_from_a_variable_is_not_shown_in_an_error(ip: InteractiveShell) -> None:
    ip.run_line_magic("load_ext", "nbext")
    try:
        ip.user_ns["url"] = "http://u:var-S3cr3t@127.0.0.1:9/x/"
        with pytest.raises(UsageError) as exc, capture_output() as cap:
            ip.run_line_magic("source", "add bad space/ {url}")
        assert "unrecognized arguments: http://u:***@127.0.0.1:9/x/" in str(exc.value)
        assert "var-S3cr3t" not in str(exc.value) + cap.stdout + cap.stderr
        assert "typed into the cell" not in cap.stderr  # nothing typed: nothing to take out
    finally:
        ip.run_line_magic("unload_ext", "nbext")
