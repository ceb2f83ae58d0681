"""What every magic shares (nbext.magics.base): usage errors, and errors shown as one line in
a notebook, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import nbext
from tests.support.projects import P, project
from tests.support.shell import run

# -- in a notebook: one line, never a traceback --------------------------------------------------


@pytest.mark.parametrize(
    ("pyproject", "env", "line", "expected"),
    [
        (P, {}, "%source add x http://h.example:70000/simple/", "SourceError: Invalid URL"),
        (P, {}, "%source add a/b https://h.example/simple/", "SourceError: Invalid source name"),
        (
            P.replace('">=3.11"', '">=3.11,<<4"'),
            {},
            "%lookup acme",
            "ProjectError: ",
        ),
        (P, {"POETRY_INSTALLER_MAX_WORKERS": "abc"}, "%lookup acme", "ConfigError: POETRY_"),
        (P, {"POETRY_REQUESTS_MAX_RETRIES": "abc"}, "%config --list", "ConfigError: POETRY_"),
        ('[tool]\npoetry = "x"\n', {}, "%source show", "ProjectError: "),
    ],
    ids=["port", "name", "requires-python", "max-workers-env", "list-env", "tool.poetry"],
)
def test_magics_show_one_line(
    pyproject: str,
    env: dict[str, str],
    line: str,
    expected: str,
    ip: InteractiveShell,
    tmp_path: Path,
    cfg: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project(tmp_path, pyproject)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with capture_output() as captured:
        result = ip.run_cell(line)
    assert isinstance(result.error_in_exec, nbext.NbextError), result.error_in_exec
    shown = [row for row in (captured.stdout + captured.stderr).splitlines() if row.strip()]
    errors = [row for row in shown if "Error" in row]
    assert len(errors) == 1 and errors[0].startswith(expected), shown
    assert "Traceback" not in captured.stdout + captured.stderr
    assert (tmp_path / "pyproject.toml").read_text() == pyproject


def test_usage_errors(ip: InteractiveShell) -> None:
    with pytest.raises(UsageError):
        run(ip, "source frobnicate")
    with pytest.raises(UsageError):
        ip.run_line_magic("lookup", "")


def test_errors_render_as_one_line(ip: InteractiveShell, project_dir: Path) -> None:
    try:
        run(ip, "source remove nope")
    except nbext.NbextError as exc:
        assert exc._render_traceback_() == [
            "UnknownSourceError: Source with name nope was not found."
        ]
