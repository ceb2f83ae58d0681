"""Bad config values are judged as the real Poetry 2.5.1 judges them, and give nbext's
one-line error, never a traceback, and change no file.

``poetry lock`` runs with the same config.toml or ``POETRY_*`` variable, side by side: where
Poetry can use a value nbext uses it too, where Poetry fails nbext refuses it with a message
naming the key, where the value came from and the fix; a lookup on a real index shows it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import nbext
from nbext.demo import Dist, IndexServer
from tests.support.env import poetry_env
from tests.support.poetry import poetry_lock
from tests.support.projects import P, project
from tests.support.shell import one_line

# -- typed config values, judged like the real Poetry --------------------------------------------

ACME = [Dist("acme", "2.0")]


@dataclass(frozen=True)
class Case:
    """A config.toml text or POETRY_* variables that both tools are given."""

    config: str = ""
    env: tuple[tuple[str, str], ...] = ()
    usable: bool = True  # what Poetry 2.5.1 does with it (checked below)

    @property
    def label(self) -> str:
        return self.config.strip().replace("\n", " ") or " ".join(f"{k}={v!r}" for k, v in self.env)


CASES = [
    Case("[installer]\nmax-workers = -5\n", usable=False),
    Case("[installer]\nmax-workers = 0\n", usable=False),
    Case('[installer]\nmax-workers = "abc"\n', usable=False),
    Case("[installer]\nmax-workers = [1]\n", usable=False),
    Case("[installer]\nmax-workers = 2.5\n"),  # int(2.5): 2
    Case('[installer]\nmax-workers = "3"\n'),
    Case("[installer]\nmax-workers = true\n"),  # int(True): 1
    Case(env=(("POETRY_INSTALLER_MAX_WORKERS", "-5"),), usable=False),
    Case(env=(("POETRY_INSTALLER_MAX_WORKERS", "0"),), usable=False),
    Case(env=(("POETRY_INSTALLER_MAX_WORKERS", "abc"),), usable=False),
    Case(env=(("POETRY_INSTALLER_MAX_WORKERS", "2.5"),), usable=False),  # int("2.5") fails
    Case(env=(("POETRY_INSTALLER_MAX_WORKERS", " 3 "),)),
    Case(env=(("POETRY_REQUESTS_TIMEOUT", "abc"),), usable=False),
    Case(env=(("POETRY_REQUESTS_TIMEOUT", "0"),), usable=False),
    Case(env=(("POETRY_REQUESTS_TIMEOUT", "-5"),), usable=False),
    Case(env=(("POETRY_REQUESTS_TIMEOUT", "30"),)),
    Case(env=(("POETRY_REQUESTS_MAX_RETRIES", "-3"),)),  # Poetry accepts it; so does nbext
]


def lock_project(where: Path, url: str) -> Path:
    project(
        where,
        P + "dependencies = []\n\n[tool.poetry]\npackage-mode = false\n\n"
        f'[[tool.poetry.source]]\nname = "corp"\nurl = "{url}"\npriority = "primary"\n\n'
        '[tool.poetry.dependencies]\nacme = "*"\n',
    )
    return where


@pytest.fixture(scope="module")
def poetry_verdicts(
    poetry: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[Case, str | None], str]]:
    """``poetry lock`` (2.5.1) for each case: None when it worked, else its error line."""
    server = IndexServer(ACME)
    server.start()
    try:
        out: dict[Case, str | None] = {}
        for i, case in enumerate(CASES):
            root = tmp_path_factory.mktemp(f"poetry-{i}")
            env = poetry_env(root / "home")
            Path(env["POETRY_CONFIG_DIR"]).mkdir(parents=True)
            Path(env["POETRY_CONFIG_DIR"], "config.toml").write_text(case.config)
            env.update(case.env)
            result = poetry_lock(lock_project(root / "proj", server.url), env, poetry=poetry)
            out[case] = result.error
        yield out, server.url
    finally:
        server.stop()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_config_values_are_judged_like_poetry(
    case: Case,
    poetry_verdicts: tuple[dict[Case, str | None], str],
    tmp_path: Path,
    cfg: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verdicts, url = poetry_verdicts
    (cfg / "config.toml").write_text(case.config)
    before = (cfg / "config.toml").read_text()
    for name, value in case.env:
        monkeypatch.setenv(name, value)
    where = lock_project(tmp_path / "proj", url)
    error: nbext.NbextError | None = None
    try:
        with nbext.Workspace(where) as ws:  # creating it never fails on a bad value
            res = ws.lookup("acme")
            assert res.chosen is not None and res.chosen.version == "2.0"
    except nbext.ConfigError as exc:
        error = exc
    poetry_error = verdicts[case]
    assert (poetry_error is None) is case.usable, poetry_error  # Poetry's verdict, as recorded
    assert (error is None) is case.usable, error  # nbext's is the same
    if error is not None:
        text = one_line(error)
        key = "installer.max-workers" if "WORKERS" in text or "max-workers" in text else ""
        assert key or "requests.timeout" in text or "TIMEOUT" in text
        origin = case.env[0][0] if case.env else str(cfg / "config.toml")
        assert origin in text and "Fix:" in text
        assert error.origin == origin
    assert (cfg / "config.toml").read_text() == before


def test_a_bad_max_workers_can_be_repaired_with_config(
    tmp_path: Path, cfg: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory(ACME)
    (cfg / "config.toml").write_text("# mine\n[installer]\nmax-workers = -5\n")
    with nbext.Workspace(lock_project(tmp_path, server.url)) as ws:
        with pytest.raises(nbext.ConfigError) as exc:
            ws.lookup("acme")
        assert one_line(exc.value) == (
            f"ConfigError: installer.max-workers = -5 in {cfg / 'config.toml'} is not usable: it "
            "must be a whole number of at least 1 (Poetry refuses it too). Fix: %config "
            "installer.max-workers 4 (or %config --unset installer.max-workers)."
        )
        ws.config_set("installer.max-workers", "4")  # %config works on the broken value
        assert ws.lookup("acme").chosen is not None
    assert (cfg / "config.toml").read_text() == "# mine\n[installer]\nmax-workers = 4\n"


def test_a_bad_local_max_workers_names_poetry_toml(
    tmp_path: Path, cfg: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory(ACME)
    where = lock_project(tmp_path, server.url)
    (where / "poetry.toml").write_text("[installer]\nmax-workers = 0\n")
    with nbext.Workspace(where) as ws, pytest.raises(nbext.ConfigError) as exc:
        ws.lookup("acme")
    assert str(where / "poetry.toml") in str(exc.value)
    assert "%config --local installer.max-workers 4" in str(exc.value)


@pytest.mark.parametrize("config", ["[requests]\ntimeout = -5\n", '[requests]\ntimeout = "abc"\n'])
def test_a_bad_requests_timeout_in_a_file(
    config: str, tmp_path: Path, cfg: Path, index_factory: type[IndexServer]
) -> None:
    """nbext's own key: a number of seconds above 0 (before: -5 was used, "abc" became 15)."""
    server = index_factory(ACME)
    (cfg / "config.toml").write_text(config)
    with nbext.Workspace(lock_project(tmp_path, server.url)) as ws:
        with pytest.raises(nbext.ConfigError) as exc:
            ws.lookup("acme")
        assert "requests.timeout" in one_line(exc.value)
        assert "Fix: %config requests.timeout 15" in str(exc.value)


def test_bad_integer_variables_in_config_list(
    poetry: Path, tmp_path: Path, cfg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``poetry config --list`` fails on POETRY_REQUESTS_MAX_RETRIES=abc ("invalid literal for
    int()"); nbext says which variable and the fix instead of a ValueError traceback."""
    env = poetry_env(tmp_path / "home")
    env["POETRY_REQUESTS_MAX_RETRIES"] = "abc"
    proc = subprocess.run(
        [str(poetry), "config", "--list"], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1 and "invalid literal for int()" in proc.stderr
    monkeypatch.setenv("POETRY_REQUESTS_MAX_RETRIES", "abc")
    with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.ConfigError) as exc:
        ws.config_list()
    assert one_line(exc.value) == (
        'ConfigError: POETRY_REQUESTS_MAX_RETRIES="abc" is not usable: it must be a whole '
        "number. Fix: set POETRY_REQUESTS_MAX_RETRIES to a valid value (such as 0) or remove "
        "it from the environment."
    )
