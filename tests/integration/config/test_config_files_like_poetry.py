"""``%config`` interoperability with the real Poetry: the same files, read and written both ways.

1. nbext writes, Poetry reads; 2. Poetry writes, nbext reads (the keyring too); 3. ``--local``;
4. ``--unset`` both ways. The scenarios and the two ways of running Poetry:
``tests/support/poetry_config.py``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import nbext
from nbext import ConfigError
from nbext.auth.credentials import Credential
from tests.support.keyring_backends import FileKeyring, subprocess_env
from tests.support.poetry_config import (
    CERT_GETS,
    CLIENT_CERT,
    CORP_URL,
    DOTTED_URL,
    PYPROJECT,
    SECRET,
    SPREAD,
    SPREAD_FILES,
    SPREAD_GETS,
    TOKEN,
    Observed,
    Op,
    as_nbext,
    assert_no_secret,
    assert_same_listing,
    config_dir,
    listing,
    make_env,
    nbext_do,
    observe,
    poetry_argv,
    read_files,
    read_texts,
    run_batch,
    run_cli,
    skip_spread,
    workdir,
)

_DOTTED_LIST_REASON = (
    "a repository with a dot in its name: nbext lists "
    '`repositories.my.dotted.url = "https://dotted.example/simple/"`, Poetry 2.5.1 lists '
    '`repositories.my.dotted = {"url": "https://dotted.example/simple/"}`: Config.all() looks '
    'each table up with the dotted string ("repositories.my.dotted" -> 3 segments -> None, '
    "poetry/config/config.py:229-239), so _list_configuration prints the raw table "
    "(poetry/console/commands/config.py:413-414)"
)


@pytest.fixture(scope="module")
def nbext_wrote(poetry: Path, tmp_path_factory: pytest.TempPathFactory) -> Observed:
    root = tmp_path_factory.mktemp("nbext-wrote")
    cwd = workdir(root / "work")
    env = make_env(root)
    with as_nbext(env), nbext.Workspace(cwd) as ws:
        for key, *values in SPREAD:
            ws.config_set(key, *values)
    return observe(poetry, env, cwd, cli_list=True)


def test_nbext_writes_poetrys_files(nbext_wrote: Observed) -> None:
    assert nbext_wrote.files == SPREAD_FILES
    for name in ("config.toml", "auth.toml"):
        assert (config_dir(nbext_wrote.env) / name).stat().st_mode & 0o777 == 0o600


def test_poetry_lists_what_nbext_wrote(nbext_wrote: Observed) -> None:
    assert_same_listing(nbext_wrote.nbext_list, nbext_wrote.poetry_list, skip_spread)
    assert nbext_wrote.poetry_list.stderr == ""
    assert_no_secret(
        "\n".join(nbext_wrote.nbext_list),
        nbext_wrote.poetry_list.stdout,
        nbext_wrote.poetry_list.stderr,
    )
    mine = listing(nbext_wrote.nbext_list)
    assert mine["installer.max-workers"] == "installer.max-workers = 3"
    assert mine["repositories.corp.url"] == f'repositories.corp.url = "{CORP_URL}"'
    assert mine["certificates.corp.cert"] == "certificates.corp.cert = false"


@pytest.mark.parametrize("key", SPREAD_GETS)
def test_poetry_gets_what_nbext_wrote(nbext_wrote: Observed, key: str) -> None:
    assert nbext_wrote.nbext_gets[key] == nbext_wrote.poetry_gets[key].outcome()


@pytest.mark.parametrize("key", CERT_GETS)
def test_certificates_get_like_poetry(nbext_wrote: Observed, key: str) -> None:
    assert nbext_wrote.nbext_gets[key] == nbext_wrote.poetry_gets[key].outcome()


@pytest.mark.xfail(strict=True, reason=_DOTTED_LIST_REASON)
def test_dotted_repository_listed_like_poetry(nbext_wrote: Observed) -> None:
    def dotted(lines: Sequence[str]) -> list[str]:
        return [line for line in lines if line.startswith("repositories.my.dotted")]

    assert dotted(nbext_wrote.nbext_list) == dotted(nbext_wrote.poetry_list.stdout.splitlines())


def test_batch_runner_prints_what_the_cli_prints(nbext_wrote: Observed) -> None:
    cli, batch = nbext_wrote.poetry_list, nbext_wrote.extra["batch_list"]
    assert (cli.code, cli.stdout, cli.stderr) == (batch.code, batch.stdout, batch.stderr)


# -- 2. Poetry writes, nbext reads ----------------------------------------------------------------


@pytest.fixture(scope="module")
def poetry_wrote(poetry: Path, tmp_path_factory: pytest.TempPathFactory) -> Observed:
    root = tmp_path_factory.mktemp("poetry-wrote")
    cwd = workdir(root / "work")
    env = make_env(root)
    sets = run_batch(
        poetry,
        [poetry_argv(("set", *op)) for op in SPREAD],
        env | {"POETRY_KEYRING_ENABLED": "false"},
        cwd,
    )
    for run in sets:
        assert run.code == 0, (run.argv, run.stderr)
    observed = observe(poetry, env, cwd, cli_list=False)
    with as_nbext(env), nbext.Workspace(cwd) as ws:
        settings = ws.settings
        observed.extra["typed"] = {
            key: settings.get(key)
            for key in (
                "installer.max-workers",
                "installer.parallel",
                "keyring.enabled",
                "requests.max-retries",
                "solver.lazy-wheel",
                "repositories",
                "certificates.corp.cert",
                "certificates.corp.client-cert",
            )
        }
        observed.extra["max_workers"] = settings.max_workers
        observed.extra["credential"] = ws.passwords.get_http_auth("corp")
        observed.extra["token"] = ws.passwords.get_pypi_token("pub")
    return observed


def test_poetry_writes_the_files_nbext_writes(
    poetry_wrote: Observed, nbext_wrote: Observed
) -> None:
    assert poetry_wrote.files == SPREAD_FILES
    assert poetry_wrote.files == nbext_wrote.files
    names = ("config.toml", "auth.toml")  # byte for byte, too (both write with tomlkit)
    assert read_texts(config_dir(poetry_wrote.env), *names) == read_texts(
        config_dir(nbext_wrote.env), *names
    )
    for name in ("config.toml", "auth.toml"):
        assert (config_dir(poetry_wrote.env) / name).stat().st_mode & 0o777 == 0o600


def test_nbext_lists_what_poetry_wrote(poetry_wrote: Observed) -> None:
    assert_same_listing(poetry_wrote.nbext_list, poetry_wrote.poetry_list, skip_spread)
    assert_no_secret("\n".join(poetry_wrote.nbext_list), poetry_wrote.poetry_list.stdout)


@pytest.mark.parametrize("key", SPREAD_GETS)
def test_nbext_gets_what_poetry_wrote(poetry_wrote: Observed, key: str) -> None:
    assert poetry_wrote.nbext_gets[key] == poetry_wrote.poetry_gets[key].outcome()


def test_nbext_settings_and_credentials_from_poetrys_files(poetry_wrote: Observed) -> None:
    assert poetry_wrote.extra["typed"] == {
        "installer.max-workers": 3,
        "installer.parallel": False,
        "keyring.enabled": False,
        "requests.max-retries": 2,
        "solver.lazy-wheel": False,
        "repositories": {"corp": {"url": CORP_URL}, "my.dotted": {"url": DOTTED_URL}},
        "certificates.corp.cert": False,
        "certificates.corp.client-cert": CLIENT_CERT,
    }
    assert poetry_wrote.extra["max_workers"] == min(3, (os.cpu_count() or 1) + 4)
    assert poetry_wrote.extra["credential"] == Credential("alice", SECRET)
    assert poetry_wrote.extra["token"] == TOKEN


def test_nbext_reads_the_password_poetry_put_in_the_keyring(poetry: Path, tmp_path: Path) -> None:
    cwd = workdir(tmp_path / "work")
    ring = tmp_path / "keyring.json"
    env = make_env(tmp_path)
    poetry_env = subprocess_env(env, ring)  # FileKeyring for Poetry; keyring.enabled default
    for args in (["http-basic.vault", "bob", SECRET], ["pypi-token.vault", TOKEN]):
        run = run_cli(poetry, ["config", *args], poetry_env, cwd)
        assert run.code == 0, run.stderr
        assert "plaintext" not in (run.stdout + run.stderr).lower()  # Poetry used the keyring
    assert read_files(config_dir(env), "auth.toml") == {
        "auth.toml": {"http-basic": {"vault": {"username": "bob"}}}
    }
    assert FileKeyring(ring).entries() == {
        "poetry-repository-vault": {"bob": SECRET, "__token__": TOKEN}
    }
    with as_nbext(env, FileKeyring(ring)), nbext.Workspace(cwd) as ws:
        assert ws.passwords.get_http_auth("vault") == Credential("bob", SECRET)
        assert ws.passwords.get_pypi_token("vault") == TOKEN
        assert ws.config_get("keyring.enabled") == "true"
        listed = ws.config_list()
        with pytest.raises(
            ConfigError, match=r"^Expected a value for http-basic\.vault setting\.$"
        ):
            ws.config_get("http-basic.vault")
    assert_no_secret("\n".join(listed))
    assert not [line for line in listed if "vault" in line]


# -- 3. --local ------------------------------------------------------------------------------------

LOCAL_SETS: tuple[Op, ...] = (
    ("set", "installer.parallel", "false"),
    ("set", "installer.max-workers", "2"),
    ("set", "repositories.corp", CORP_URL),
)
LOCAL_GETS: tuple[Op, ...] = (
    ("get", "installer.parallel"),
    ("get", "installer.max-workers"),
    ("get", "repositories.corp.url"),
)


def test_local_writes_the_same_poetry_toml(poetry: Path, tmp_path: Path) -> None:
    env = make_env(tmp_path)
    by_poetry, by_nbext = tmp_path / "by-poetry", tmp_path / "by-nbext"
    for project in (by_poetry, by_nbext):
        workdir(project)
        (project / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    sets = run_batch(poetry, [poetry_argv(op, local=True) for op in LOCAL_SETS], env, by_poetry)
    assert [run.outcome() for run in sets] == [("ok", "")] * len(LOCAL_SETS)
    with as_nbext(env):
        with nbext.Workspace(by_nbext) as ws:
            assert [nbext_do(ws, op, local=True) for op in LOCAL_SETS] == [("ok", "")] * len(
                LOCAL_SETS
            )
        with nbext.Workspace(by_poetry) as ws:  # nbext reads Poetry's poetry.toml
            nbext_reads = [nbext_do(ws, op) for op in LOCAL_GETS]
            nbext_list = ws.config_list()
    expected = {
        "installer": {"parallel": False, "max-workers": 2},
        "repositories": {"corp": {"url": CORP_URL}},
    }
    assert read_files(by_poetry, "poetry.toml") == {"poetry.toml": expected}
    assert read_files(by_nbext, "poetry.toml") == {"poetry.toml": expected}
    assert (by_nbext / "poetry.toml").read_text() == (by_poetry / "poetry.toml").read_text()
    # nothing went to the global file (Poetry creates it empty on every run; nbext does not)
    assert read_files(config_dir(env), "config.toml")["config.toml"] in ({}, None)
    # Poetry reads nbext's poetry.toml
    reads = run_batch(
        poetry, [*(poetry_argv(op) for op in LOCAL_GETS), ["config", "--list"]], env, by_nbext
    )
    assert nbext_reads == [("ok", "false"), ("ok", "2"), ("ok", CORP_URL)]
    assert [run.outcome() for run in reads[:-1]] == nbext_reads
    assert_same_listing(nbext_list, reads[-1], lambda key: key == "cache-dir")


def test_poetry_toml_without_a_project(poetry: Path, tmp_path: Path) -> None:
    env = make_env(tmp_path)
    cwd = workdir(tmp_path / "work")
    (cwd / "poetry.toml").write_text("[installer]\nparallel = false\n", encoding="utf-8")
    (run,) = run_batch(poetry, [["config", "installer.parallel"]], env, cwd)
    with as_nbext(env), nbext.Workspace(cwd) as ws:
        assert nbext_do(ws, ("get", "installer.parallel")) == run.outcome()


# -- 4. unset both ways ---------------------------------------------------------------------------

UNSETS: tuple[Op, ...] = (
    ("unset", "installer.max-workers"),  # [installer] keeps parallel
    ("unset", "installer.parallel"),  # [installer] pruned
    ("unset", "repo.my.dotted"),  # alias, dotted name
    ("unset", "repositories.corp.url"),  # sub-key: corp and [repositories] pruned
    ("unset", "certificates.corp.cert"),  # [certificates.corp] keeps client-cert
    ("unset", "http-basic.corp"),  # keyring disabled: auth.toml only
    ("unset", "pypi-token.pub"),
)
AFTER_UNSETS: dict[str, dict[str, Any]] = {
    "config.toml": {
        "keyring": {"enabled": False},
        "requests": {"max-retries": 2},
        "solver": {"lazy-wheel": False},
    },
    "auth.toml": {"certificates": {"corp": {"client-cert": CLIENT_CERT}}},
}


def test_unset_both_ways(
    poetry: Path, tmp_path: Path, nbext_wrote: Observed, poetry_wrote: Observed
) -> None:
    # Poetry unsets in a copy of nbext's files, nbext unsets in a copy of Poetry's
    by_poetry = make_env(tmp_path, POETRY_CONFIG_DIR=str(tmp_path / "unset-by-poetry"))
    by_nbext = make_env(tmp_path, POETRY_CONFIG_DIR=str(tmp_path / "unset-by-nbext"))
    shutil.copytree(config_dir(nbext_wrote.env), config_dir(by_poetry))
    shutil.copytree(config_dir(poetry_wrote.env), config_dir(by_nbext))
    cwd = workdir(tmp_path / "work")
    runs = run_batch(
        poetry, [*(poetry_argv(op) for op in UNSETS), ["config", "--list"]], by_poetry, cwd
    )
    assert [run.outcome() for run in runs[:-1]] == [("ok", "")] * len(UNSETS)
    poetry_own_list = runs[-1]
    with as_nbext(by_nbext), nbext.Workspace(cwd) as ws:
        assert [nbext_do(ws, op) for op in UNSETS] == [("ok", "")] * len(UNSETS)
    assert read_files(config_dir(by_poetry), "config.toml", "auth.toml") == AFTER_UNSETS
    assert read_files(config_dir(by_nbext), "config.toml", "auth.toml") == AFTER_UNSETS
    names = ("config.toml", "auth.toml")
    assert read_texts(config_dir(by_poetry), *names) == read_texts(config_dir(by_nbext), *names)
    # each reads what the other left
    (poetry_reads,) = run_batch(poetry, [["config", "--list"]], by_nbext, cwd)
    with as_nbext(by_poetry), nbext.Workspace(cwd) as ws:
        nbext_reads = ws.config_list()
    assert_same_listing(nbext_reads, poetry_reads, lambda key: key == "cache-dir")
    assert_same_listing(nbext_reads, poetry_own_list, lambda key: key == "cache-dir")
    assert "installer.parallel = true" in nbext_reads  # the default again
    assert not [line for line in nbext_reads if line.startswith("repositories")]
