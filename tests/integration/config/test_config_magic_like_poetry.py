"""``%config`` with a key Poetry does not have answers what ``poetry config`` answers (the same
sentence, a failed cell where Poetry exits 1), while IPython's own ``%config`` lines still go
to IPython.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import nbext
from nbext import kernel as _workspace
from tests.support.poetry_config import as_nbext, make_env, run_batch, run_cli, workdir
from tests.support.shell import one_line

#: Lines in Poetry's form (no ``Class.trait = value``) with keys Poetry 2.5.1 does not have.
LINES = [
    "not.a.key 1",
    "not.a.key",
    "--unset not.a.key",
    "notakey 1",
    "notakey",
    "not.a.key = 1",
    "-- not.a.key -1",
    "installer.not-a-key true",
]


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    root = tmp_path_factory.mktemp("magic")
    return make_env(root, POETRY_CONFIG_DIR=str(root / "config"))


@pytest.fixture(scope="module")
def cwd(env: dict[str, str]) -> Path:
    return workdir(Path(env["HOME"]).parent / "work")


@pytest.fixture
def ip(
    env: dict[str, str], cwd: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[InteractiveShell]:
    with as_nbext(env):
        monkeypatch.chdir(cwd)
        _workspace._reset_default()
        shell = InteractiveShell.instance()
        shell.history_manager.enabled = False
        shell.run_line_magic("load_ext", "nbext")
        try:
            yield shell
        finally:
            shell.run_line_magic("unload_ext", "nbext")
            _workspace._reset_default()
            InteractiveShell.clear_instance()


def test_unknown_keys_get_poetrys_answer(
    poetry: Path, env: dict[str, str], cwd: Path, ip: InteractiveShell
) -> None:
    runs = run_batch(poetry, [["config", *shlex.split(line)] for line in LINES], env, cwd)
    for line, run in zip(LINES, runs, strict=True):
        with capture_output() as cap:
            result = ip.run_cell(f"%config {line}")
        assert run.code == 1 and run.stdout == "", (line, run)
        assert isinstance(result.error_in_exec, nbext.ConfigError), (line, result)
        assert str(result.error_in_exec) == run.message, line
        assert one_line(result.error_in_exec) == f"ConfigError: {run.message}"
        assert cap.stdout == f"ConfigError: {run.message}\n", line  # what the cell shows
    assert not (Path(env["POETRY_CONFIG_DIR"]) / "auth.toml").exists()


def test_the_executable_says_the_same(poetry: Path, env: dict[str, str], cwd: Path) -> None:
    # The batch runner is Poetry's own Application; the executable, once, for the exit code.
    run = run_cli(poetry, ["config", "not.a.key", "1"], env, cwd)
    assert (run.code, run.stdout, run.stderr.strip("\n")) == (
        1,
        "",
        "Setting not.a.key does not exist",
    )


def test_ipythons_own_lines_still_go_to_ipython(ip: InteractiveShell) -> None:
    with capture_output() as cap:
        ip.run_line_magic("config", "")
        ip.run_line_magic("config", "IPCompleter")
        ip.run_line_magic("config", "InteractiveShell.autocall = 2")
    assert cap.stdout.startswith("Available objects for config:")
    assert "IPCompleter.greedy" in cap.stdout
    assert ip.autocall == 2
    ip.run_line_magic("config", "InteractiveShell.autocall=0")
    assert ip.run_line_magic("config", "InteractiveShell.autocall") == 0
