"""The project file (nbext.project.pyproject): found, read and written through tomlkit,
comments and layout kept, bad values refused with the file and the fix.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import nbext
from tests.support.projects import COMMENTED, P, project
from tests.support.projects import project as write
from tests.support.shell import one_line

# -- the project file ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (P.replace('">=3.11"', '">=3.11,<<4"'), 'project.requires-python = ">=3.11,<<4"'),
        (P.replace('">=3.11"', '"abc"'), 'project.requires-python = "abc"'),
        (P.replace('">=3.11"', "3.11"), "project.requires-python = 3.11"),
        ('[tool.poetry.dependencies]\npython = "^^3"\n', 'tool.poetry.dependencies.python = "^^3"'),
    ],
)
def test_malformed_requires_python(text: str, key: str, tmp_path: Path, cfg: Path) -> None:
    path = project(tmp_path, text)
    with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.ProjectError) as exc:
        ws.lookup("acme")
    shown = one_line(exc.value)
    assert f"{path}: {key} is not a valid version constraint" in shown
    assert 'Fix: write a range such as ">=3.11" there' in shown
    assert path.read_text() == text


def test_malformed_pyproject_is_a_clear_error_and_untouched(tmp_path: Path) -> None:
    broken = '[project\nname = "x"\n'
    path = write(tmp_path, broken)
    with nbext.Workspace(tmp_path) as ws:
        with pytest.raises(nbext.ProjectError) as exc:
            ws.add_source("corp", "https://corp.example/simple/", "primary")
        assert str(path) in str(exc.value) and "not valid TOML" in str(exc.value)
        with pytest.raises(nbext.ProjectError):
            ws.lookup("x")
    assert path.read_text() == broken


def test_project_is_found_in_parents_only_when_discovering(tmp_path: Path) -> None:
    write(tmp_path, COMMENTED)
    sub = tmp_path / "notebooks" / "deep"
    sub.mkdir(parents=True)
    with nbext.Workspace(sub, discover=True) as ws:
        assert ws.project is not None and ws.project.path == (tmp_path / "pyproject.toml")
        assert ws.sources.names == ["corp", "mirror"]
    with nbext.Workspace(sub) as ws:
        assert ws.project is None


def test_external_edits_are_seen(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    with nbext.Workspace(tmp_path) as ws:
        assert ws.sources.names == ["corp", "mirror"]
        path.write_text(COMMENTED.replace('"supplemental"', '"explicit"') + "\n")
        assert [s.priority.value for s in ws.sources] == ["primary", "explicit"]


def test_write_is_atomic_and_keeps_mode(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    path.chmod(0o640)
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("x", "https://x.example/simple/", "explicit")
    assert path.stat().st_mode & 0o777 == 0o640
    # no temporary file is left; the lock file beside it is documented (nbext.files.userfiles)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".pyproject.toml.lock", "pyproject.toml"]
