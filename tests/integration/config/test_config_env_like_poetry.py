"""``POETRY_*`` environment variables override the files in nbext as in the real Poetry: in
gets and in lists.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import nbext
from tests.support.poetry_config import (
    CORP_URL,
    ENV_URL,
    OVERRIDE_URL,
    Observed,
    Outcome,
    as_nbext,
    assert_same_listing,
    listing,
    make_env,
    observe,
    workdir,
)

_ENV_STRING_REASON = (
    "a string setting overridden by the environment (POETRY_CACHE_DIR, POETRY_DATA_DIR): "
    "Poetry 2.5.1 lists the default and the effective value as a comment "
    '(`cache-dir = "<platformdirs default>"  # <env value>`, '
    "poetry/console/commands/config.py:415-418; the defaults come from DEFAULT_CACHE_DIR and "
    "data_dir(), which ignore those variables, poetry/locations.py:14,21); nbext lists only "
    '`cache-dir = "<env value>"`'
)


# -- 5. environment variables ---------------------------------------------------------------------

ENV_GETS = (
    "installer.max-workers",
    "installer.parallel",
    "repositories",
    "repositories.corp",
    "repositories.corp.url",
    # only POETRY_REPOSITORIES_MY_REPO_URL defines my-repo: both tools show it in
    # `config repositories` but answer "There is no my-repo repository defined" here
    # (the environment is scanned for the whole table only, poetry/config/config.py:336-340)
    "repositories.my-repo",
    "repositories.my-repo.url",
)
ENV_LIST_DIFFERENCES = ("cache-dir", "data-dir", "repositories.corp.url")


@pytest.fixture(scope="module")
def env_scenario(poetry: Path, tmp_path_factory: pytest.TempPathFactory) -> Observed:
    root = tmp_path_factory.mktemp("env")
    cwd = workdir(root / "work")
    files_env = make_env(root)
    with as_nbext(files_env), nbext.Workspace(cwd) as ws:
        ws.config_set("installer.max-workers", "3")
        ws.config_set("installer.parallel", "true")
        ws.config_set("repositories.corp", CORP_URL)
        ws.config_set("certificates.corp.cert", "true")
    env = files_env | {
        "POETRY_INSTALLER_MAX_WORKERS": "2",
        "POETRY_INSTALLER_PARALLEL": "0",
        "POETRY_REPOSITORIES_MY_REPO_URL": ENV_URL,
        "POETRY_REPOSITORIES_CORP_URL": OVERRIDE_URL,
        "POETRY_CERTIFICATES_CORP_CERT": "false",  # a string for both, not a boolean
        "POETRY_DATA_DIR": str(root / "data-from-env"),
    }
    observed = observe(poetry, env, cwd, cli_list=False, keys=ENV_GETS)
    with as_nbext(env), nbext.Workspace(cwd) as ws:
        typed = {"max-workers": ws.settings.get("installer.max-workers")}
        typed["cert"] = ws.settings.get("certificates.corp.cert")
    observed.extra["typed"] = typed
    return observed


def _as_data(outcome: Outcome) -> object:
    """A printed dict (``{'corp': {...}}``) compared as data: env var order is not Poetry's."""
    kind, text = outcome
    return (kind, ast.literal_eval(text)) if kind == "ok" and text.startswith("{") else outcome


@pytest.mark.parametrize("key", ENV_GETS)
def test_environment_overrides_files_in_gets(env_scenario: Observed, key: str) -> None:
    mine, poetrys = env_scenario.nbext_gets[key], env_scenario.poetry_gets[key].outcome()
    assert _as_data(mine) == _as_data(poetrys)


def test_environment_overrides_files_in_lists(env_scenario: Observed) -> None:
    assert env_scenario.files["config.toml"]["installer"] == {"max-workers": 3, "parallel": True}
    assert env_scenario.extra["typed"] == {"max-workers": 2, "cert": "false"}
    assert_same_listing(
        env_scenario.nbext_list, env_scenario.poetry_list, lambda k: k in ENV_LIST_DIFFERENCES
    )
    mine = listing(env_scenario.nbext_list)
    assert mine["installer.max-workers"] == "installer.max-workers = 2"
    assert mine["installer.parallel"] == "installer.parallel = false"
    assert mine["certificates.corp.cert"] == 'certificates.corp.cert = "false"'
    # a repository that only the environment defines is in `config repositories`, but in
    # neither tool's --list (both list the tables of the files)
    assert _as_data(env_scenario.poetry_gets["repositories"].outcome()) == (
        "ok",
        {"my-repo": {"url": ENV_URL}, "corp": {"url": OVERRIDE_URL}},
    )
    poetrys = listing(env_scenario.poetry_list.stdout.splitlines())
    assert not [k for k in (*mine, *poetrys) if k.startswith("repositories.my-repo")]


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("cache-dir", marks=pytest.mark.xfail(strict=True, reason=_ENV_STRING_REASON)),
        pytest.param("data-dir", marks=pytest.mark.xfail(strict=True, reason=_ENV_STRING_REASON)),
        "repositories.corp.url",
    ],
)
def test_environment_overrides_listed_like_poetry(env_scenario: Observed, key: str) -> None:
    mine = listing(env_scenario.nbext_list)
    poetrys = listing(env_scenario.poetry_list.stdout.splitlines())
    assert mine.get(key) == poetrys.get(key)
