"""The user's files nbext reads (nbext.files.userfiles): a file that is not TOML or not UTF-8
is refused with its name, the line and the fix, and is left as it was.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import nbext
from tests.support.projects import project
from tests.support.shell import one_line


def test_pyproject_that_is_not_valid_toml_names_the_line(tmp_path: Path, cfg: Path) -> None:
    text = '[project]\nname = "x"\nversion = 0.1.0\n'
    path = project(tmp_path, text)
    with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.ProjectError) as exc:
        ws.add_source("corp", "https://corp.example/simple/", "primary")
    shown = one_line(exc.value)
    assert str(path) in shown and "line 3" in shown and "Fix that line" in shown
    assert path.read_text() == text


def test_pyproject_that_is_not_utf8(tmp_path: Path, cfg: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(b'[project]\nname = "caf\xe9"\n')
    with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.ProjectError) as exc:
        _ = ws.sources
    assert "not UTF-8" in one_line(exc.value) and "save it as UTF-8" in str(exc.value)


def test_config_toml_that_is_not_valid_toml_names_the_line(tmp_path: Path, cfg: Path) -> None:
    (cfg / "config.toml").write_text("[installer]\nparallel = yes\n")
    with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.ConfigError) as exc:
        ws.config_list()
    shown = one_line(exc.value)
    assert str(cfg / "config.toml") in shown and "line 2" in shown
