"""``%config`` in a real IPython shell, next to IPython's own ``%config`` (nbext.magics.config):
what is typed on the line is scrubbed from the history.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import nbext
from nbext import kernel as _workspace
from nbext.magics.config import ipython_syntax
from tests.support.projects import toml

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


_CLASSES = ("InteractiveShell", "IPCompleter", "HistoryManager")


@pytest.mark.parametrize(
    "line",
    [
        "",
        "  ",
        "IPCompleter",  # a configurable's help
        "Completer",  # a class name this shell does not have: IPython says so
        "ipcompleter",  # IPython's "Did you mean IPCompleter (note the case)?"
        "InteractiveShell.autocall",  # a trait's value
        "InteractiveShell.autocall = 0",
        "InteractiveShell.autocall=0",
        "  InteractiveShell.autocall =0",
        "InlineBackend.figure_format = 'svg'",  # a configurable of later (%matplotlib inline)
        "InteractiveShell.autocall 0",  # IPython's "should be `Class.trait = value`"
        "lowercase.trait = 1",  # IPython's assignment, whatever the case
        "$cls",
    ],
)
def test_ipythons_own_config_lines(line: str) -> None:
    assert ipython_syntax(line, _CLASSES)


@pytest.mark.parametrize(
    "line",
    ["not.a.key 1", "not.a.key", "notakey 1", "not.a.key = 1", "installer.unknown-key true"],
)
def test_other_keys_are_poetrys(line: str) -> None:
    assert not ipython_syntax(line, _CLASSES)


#: IPython's own %config lines: the same output and outcome with nbext loaded as without.
IPYTHON_LINES = [
    "",
    "IPCompleter",
    "Completer",
    "ipcompleter",
    "InteractiveShell.autocall = 0",
    "InteractiveShell.autocall=1",
    "InteractiveShell.autocall",
    "InteractiveShell.autocall 0",
]


def _ipython_answers(ip: InteractiveShell) -> list[tuple[str, str, object]]:
    out: list[tuple[str, str, object]] = []
    for line in IPYTHON_LINES:
        with capture_output() as cap:
            result = ip.run_cell(f"%config {line}")
        error = result.error_before_exec or result.error_in_exec
        out.append((cap.stdout, str(error), result.result))
    return out


def test_ipythons_config_is_unchanged_by_nbext(ip: InteractiveShell) -> None:
    before = _ipython_answers(ip)
    assert "Available objects for config:" in before[0][0]
    assert "autocall" in before[1][0] or "IPCompleter" in before[1][0]
    assert "Invalid config statement" in before[3][1]  # `%config InteractiveShell.autocall 0`
    ip.run_line_magic("load_ext", "nbext")
    try:
        assert _ipython_answers(ip) == before
        assert ip.autocall == 1
    finally:
        ip.run_line_magic("unload_ext", "nbext")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not.a.key 1", "Setting not.a.key does not exist"),
        ("notakey 1", "Setting notakey does not exist"),
        ("--unset not.a.key", "Setting not.a.key does not exist"),
        ("--local not.a.key 1", "Setting not.a.key does not exist"),
        ("-- not.a.key -1", "Setting not.a.key does not exist"),
        ("not.a.key", "There is no not.a.key setting."),
    ],
)
def test_a_key_poetry_does_not_have_gets_poetrys_answer(
    ip: InteractiveShell, cfg_dir: Path, line: str, message: str
) -> None:
    ip.run_line_magic("load_ext", "nbext")
    try:
        with capture_output():
            result = ip.run_cell(f"%config {line}")
        assert isinstance(result.error_in_exec, nbext.ConfigError)  # a failed cell
        assert str(result.error_in_exec) == message
        assert not (cfg_dir / "config.toml").exists() or toml(cfg_dir / "config.toml") == {}
    finally:
        ip.run_line_magic("unload_ext", "nbext")


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
