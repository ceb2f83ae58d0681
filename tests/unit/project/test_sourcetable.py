"""``[[tool.poetry.source]]`` edited as ``poetry source add/remove`` edits it
(nbext.project.sourcetable): byte for byte round trips, comments and positions kept.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import nbext
from tests.support.projects import COMMENTED
from tests.support.projects import project as write


def test_add_then_remove_source_round_trips_byte_for_byte(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("extra", "https://extra.example/simple/", "explicit")
        text = path.read_text()
        assert text.startswith(COMMENTED.split("[tool.ruff]")[0].rstrip("\n"))
        assert (
            '[[tool.poetry.source]]\nname = "extra"\nurl = "https://extra.example/simple/"\n'
            'priority = "explicit"\n' in text
        )
        ws.remove_source("extra")
    assert path.read_text() == COMMENTED


def test_update_in_place_keeps_comments_and_position(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    with nbext.Workspace(tmp_path) as ws:
        report = ws.add_source("CORP", "https://new.corp.example/simple/", "supplemental")
    assert report.info == ["Source with name CORP already exists. Updating."]
    expected = COMMENTED.replace('name = "corp"  # internal', 'name = "CORP"  # internal')
    expected = expected.replace(
        'url = "https://pypi.corp.example/simple/"\npriority = "primary"',
        'url = "https://new.corp.example/simple/"\npriority = "supplemental"',
    )
    assert path.read_text() == expected


def test_pep621_project_gets_tool_poetry_created(tmp_path: Path) -> None:
    path = write(tmp_path, '[project]\nname = "x"\nversion = "0"\n')
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", "https://corp.example/simple/", "primary")
    assert path.read_text() == (
        '[project]\nname = "x"\nversion = "0"\n\n[[tool.poetry.source]]\nname = "corp"\n'
        'url = "https://corp.example/simple/"\npriority = "primary"\n\n'
    )


def test_removing_the_last_source_removes_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[project]\nname = "x"\nversion = "0"\n')
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", "https://corp.example/simple/", "primary")
        ws.remove_source("corp")
    assert "source" not in path.read_text()


def test_invalid_source_table_gives_poetrys_text(tmp_path: Path) -> None:
    write(tmp_path, '[[tool.poetry.source]]\nname = "a"\nurl = "https://a/"\npriority = "nope"\n')
    with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.ConfigurationError) as exc:
        _ = ws.sources
    assert str(exc.value) == (
        "The Poetry configuration is invalid:\n  - tool.poetry.source[0].priority must be one of "
        "['primary', 'supplemental', 'explicit']"
    )
