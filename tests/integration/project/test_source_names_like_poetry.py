"""Source names: what the real ``poetry source add`` (2.5.1) does with each, and what nbext does.

Poetry accepts a name with a space, a slash or a control character and writes it to
pyproject.toml; every command that then names the source needs quotes (and a slash or ``..``
points its cache directory elsewhere). nbext refuses them before writing, saying why and how
to fix it. Any other name is added by both alike.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import nbext
from tests.support.env import poetry_env
from tests.support.procs import run_captured
from tests.support.projects import P, project

URL = "http://127.0.0.1:9/simple/"


def _poetry_add(poetry: Path, where: Path, name: str) -> tuple[int, str, list[object]]:
    """``poetry source add NAME URL --priority primary`` in a project of its own: the exit
    code, the output, and the sources Poetry wrote."""
    path = project(where, P)
    proc = run_captured(
        [str(poetry), "source", "add", name, URL, "--priority", "primary", "-n", "--no-ansi"],
        env=poetry_env(where.parent / f"{where.name}-home"),
        cwd=where,
    )
    sources = tomllib.loads(path.read_text(encoding="utf-8"))["tool"]["poetry"]["source"]
    return proc.returncode, proc.stdout + proc.stderr, sources


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("my corp", "it contains a space"),
        ("corp/eu", "it contains a slash"),
        ("corp\x07", "it contains a line break or another control character"),
    ],
    ids=["space", "slash", "control"],
)
def test_names_poetry_writes_and_nbext_refuses(
    poetry: Path, tmp_path: Path, cfg: Path, name: str, reason: str
) -> None:
    code, out, sources = _poetry_add(poetry, tmp_path / "poetry", name)
    assert code == 0, out
    assert sources == [{"name": name, "url": URL, "priority": "primary"}]

    path = project(tmp_path / "nbext", P)
    with nbext.Workspace(path.parent) as ws, pytest.raises(nbext.SourceError) as exc:
        ws.add_source(name, URL, "primary")
    assert str(exc.value).startswith(f"Invalid source name {name!r}: {reason} (")
    assert "Fix: choose a name of letters, digits, '-', '_' and '.'" in str(exc.value)
    assert path.read_text(encoding="utf-8") == P


@pytest.mark.parametrize("name", ["corp", "My_Corp-2", "my.dotted"])
def test_other_names_are_written_as_poetry_writes_them(
    poetry: Path, tmp_path: Path, cfg: Path, name: str
) -> None:
    code, out, sources = _poetry_add(poetry, tmp_path / "poetry", name)
    assert code == 0 and f"Adding source with name {name}." in out, out
    path = project(tmp_path / "nbext", P)
    with nbext.Workspace(path.parent) as ws:
        assert ws.add_source(name, URL, "primary").info == [f"Adding source with name {name}."]
    assert tomllib.loads(path.read_text(encoding="utf-8"))["tool"]["poetry"]["source"] == sources
