"""The tables of a parsed ``pyproject.toml`` (nbext.project.tables): a value that is not a
table is refused with the file, the key and the fix, and the file is untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import nbext
from tests.support.projects import P, project
from tests.support.shell import one_line


@pytest.mark.parametrize(
    ("text", "act", "where"),
    [
        ('[tool]\npoetry = "x"\n', lambda ws: ws.sources, "tool.poetry"),
        ('[tool]\npoetry = "x"\n', lambda ws: ws.add_source("a", "https://a/"), "tool.poetry"),
        ("tool = 3\n", lambda ws: ws.sources, "tool"),
        (
            P + "[tool.poetry]\ngroup = 3\n",
            lambda ws: ws.add("six@^1", group="dev"),
            "tool.poetry.group",
        ),
        (
            "dependency-groups = 3\n" + P,
            lambda ws: ws.add("six@^1", group="dev"),
            "dependency-groups",
        ),
        (P + "dependencies = 3\n", lambda ws: ws.add("six@^1"), "project.dependencies"),
        ('project = "x"\n', lambda ws: ws.add("six@^1"), "project"),
    ],
    ids=[
        "tool.poetry-read",
        "tool.poetry-add",
        "tool",
        "group",
        "dependency-groups",
        "project.dependencies",
        "project",
    ],
)
def test_tables_that_are_not_tables(
    text: str, act: Callable[[nbext.Workspace], Any], where: str, tmp_path: Path, cfg: Path
) -> None:
    path = project(tmp_path, text)
    with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.ProjectError) as exc:
        act(ws)
    shown = one_line(exc.value)
    assert f"{path}: {where} must be" in shown and "nbext has not changed it" in shown
    assert path.read_text() == text
