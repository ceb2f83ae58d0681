"""``%config`` answers what ``poetry config`` answers: error texts, defaults, the values stored
and their normalisation, case by case.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import nbext
from tests.support.poetry_config import (
    Op,
    Outcome,
    Run,
    as_nbext,
    make_env,
    nbext_do,
    poetry_argv,
    run_batch,
    run_cli,
    workdir,
)

# -- 6. error texts, defaults and value normalisation ---------------------------------------------

_INT_REASON = (
    'a non-integer for an integer key: nbext says \'"abc" is an invalid value for '
    "installer.max-workers'; Poetry 2.5.1's validator `lambda val: int(val) > 0` raises, so it "
    "prints \"invalid literal for int() with base 10: 'abc'\" "
    "(poetry/console/commands/config.py:97 and 383)"
)
_TIMEOUT_REASON = (
    "requests.timeout is nbext's key (UNIQUE_KEYS in nbext/config/keys.py): nbext sets it and "
    "reads 15; Poetry 2.5.1 has no such `poetry config` key: 'Setting requests.timeout does not "
    "exist' (poetry/console/commands/config.py:368) / 'There is no requests.timeout setting.' "
    "(:208)"
)
_NEW_KEYS_REASON = (
    "keys of Poetry 2.5.1 that nbext does not know: Poetry prints false for "
    "installer.builtin-uninstall, null for solver.min-release-age-exclude[-source] and 'No "
    "packages configured with build config settings.' for installer.build-config-settings "
    "(poetry/console/commands/config.py:96,108-115,173-191); nbext says 'There is no ... "
    "setting.' (so does %config: a key in Poetry's form is never handed to IPython)"
)


def _xfail(op: Op, reason: str) -> Any:
    return pytest.param(op, id=" ".join(op), marks=pytest.mark.xfail(strict=True, reason=reason))


def _p(op: Op) -> Any:
    return pytest.param(op, id=" ".join(op))


#: Refused inputs, and reads of a fresh configuration; both tools must answer alike.
CASES: list[Any] = [
    _p(("set", "installer.max-workers", "0")),
    _p(("set", "keyring.enabled", "yes")),
    _p(("set", "requests.max-retries", "-1")),
    _p(("set", "installer.parallel", "true", "false")),
    _p(("get", "repositories.foo")),  # `poetry config repositories.foo` with no value
    _p(("set", "repositories.foo", "a", "b")),
    _p(("set", "repositories", "x")),
    _p(("set", "http-basic.foo", "a", "b", "c")),
    _p(("set", "pypi-token.foo", "a", "b")),
    _p(("set", "certificates.foo.cert", "a", "b")),
    _p(("set", "nonsense.key", "x")),
    _p(("get", "nonsense.key")),
    _p(("get", "http-basic.foo")),
    _p(("get", "pypi-token.foo")),
    _p(("unset", "repositories")),
    _p(("unset", "repositories.nope")),
    _p(("unset", "nonsense.key")),
    _xfail(("set", "installer.max-workers", "abc"), _INT_REASON),
    _p(("set", "cache-dir", "")),
    _p(("set", "installer.no-binary", "bad name!")),
    _xfail(("set", "requests.timeout", "30"), _TIMEOUT_REASON),
    _xfail(("get", "requests.timeout"), _TIMEOUT_REASON),
    # defaults
    *(
        _p(("get", key))
        for key in (
            "cache-dir",
            "data-dir",
            "installer.max-workers",
            "installer.no-binary",
            "installer.only-binary",
            "installer.parallel",
            "installer.re-resolve",
            "keyring.enabled",
            "repositories",
            "requests.max-retries",
            "solver.lazy-wheel",
            "solver.min-release-age",
            "system-git-client",
            "virtualenvs.in-project",  # None in Poetry's defaults, absent in nbext's
        )
    ),
    *(
        _p(("get", key))
        for key in (
            "virtualenvs.create",
            "virtualenvs.path",
            "virtualenvs.prompt",
            "virtualenvs.options.always-copy",
            "virtualenvs.options.no-pip",
            "virtualenvs.options.system-site-packages",
            "virtualenvs.use-poetry-python",
            "python.installation-dir",
        )
    ),
    *(
        _p(("get", key))
        for key in (
            "installer.builtin-uninstall",
            "solver.min-release-age-exclude",
            "solver.min-release-age-exclude-source",
        )
    ),
    _xfail(("get", "installer.build-config-settings"), _NEW_KEYS_REASON),
]
#: Accepted by both; the value each tool then stores (read back with `config KEY`).
NORMALIZED: list[Any] = [
    _p(("set", "installer.no-binary", ":all:")),
    _p(("set", "installer.no-binary", "Foo_Bar")),
    _p(("set", "installer.only-binary", "true")),
]
CLI_CHECKED: Op = ("set", "nonsense.key", "x")


def _ops(params: list[Any]) -> list[Op]:
    return [p.values[0] for p in params]


@dataclass
class Answers:
    nbext: dict[Op, Outcome]
    poetry: dict[Op, Outcome]
    cli: Run


@pytest.fixture(scope="module")
def answers(poetry: Path, tmp_path_factory: pytest.TempPathFactory) -> Answers:
    """Every CASES op (reads first, so they see a fresh configuration), then NORMALIZED sets,
    each followed by a read of its key; nbext and Poetry in separate config dirs."""
    root = tmp_path_factory.mktemp("answers")
    cwd = workdir(root / "work")
    cases = sorted(_ops(CASES), key=lambda op: op[0] != "get")
    sequence: list[Op] = [*cases]
    for op in _ops(NORMALIZED):
        sequence += [op, ("get", op[1])]
    poetry_env = make_env(root, POETRY_CONFIG_DIR=str(root / "poetry-side"))
    runs = run_batch(poetry, [poetry_argv(op) for op in sequence], poetry_env, cwd)
    poetry_outcomes = [run.outcome() for run in runs]
    nbext_env = make_env(root, POETRY_CONFIG_DIR=str(root / "nbext-side"))
    with as_nbext(nbext_env), nbext.Workspace(cwd) as ws:
        nbext_outcomes = [nbext_do(ws, op) for op in sequence]
    cli = run_cli(poetry, poetry_argv(CLI_CHECKED), poetry_env, cwd)

    def by_op(outcomes: list[Outcome]) -> dict[Op, Outcome]:
        out = dict(zip(cases, outcomes, strict=False))
        rest = outcomes[len(cases) :]
        for i, op in enumerate(_ops(NORMALIZED)):  # the set, then what the read printed
            out[op] = (rest[2 * i][0] + "/" + rest[2 * i + 1][0], rest[2 * i + 1][1])
        return out

    return Answers(by_op(nbext_outcomes), by_op(poetry_outcomes), cli)


@pytest.mark.parametrize("op", CASES)
def test_same_answers_as_poetry(answers: Answers, op: Op) -> None:
    assert answers.nbext[op] == answers.poetry[op]


@pytest.mark.parametrize("op", NORMALIZED)
def test_same_stored_values_as_poetry(answers: Answers, op: Op) -> None:
    assert answers.nbext[op] == answers.poetry[op]


def test_error_messages_are_poetrys_core_sentence(answers: Answers) -> None:
    # Poetry's decoration: the sentence between blank lines on stderr, exit code 1
    assert answers.cli.code == 1
    assert answers.cli.stdout == ""
    assert answers.cli.stderr.strip("\n") == "Setting nonsense.key does not exist"
    assert answers.poetry[CLI_CHECKED] == answers.cli.outcome() == answers.nbext[CLI_CHECKED]
    assert answers.nbext[("get", "repositories.foo")] == (
        "error",
        "There is no foo repository defined",
    )
