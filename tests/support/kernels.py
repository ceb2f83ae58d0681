"""What the kernel-session tests share: a project with a built distribution to publish, code
cells, their text, the kernel's requests to rewrite a cell.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
from nbext.publish.publish import build
from nbformat import NotebookNode

from tests.support.projects import write_project

PYPROJECT = """\
[project]
name = "hygiene-app"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []
"""


def publishable_project(tmp_path: Path) -> Path:
    """``tmp_path/project`` with :data:`PYPROJECT` and, in ``dist/``, built files of a project
    of that name to publish (the sample project's build)."""
    project = tmp_path / "project"
    project.mkdir()
    sample = write_project(tmp_path / "sample", name="hygiene-app")
    build(sample, project / "dist", isolation=False)
    (project / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    return project


def code_cell(source: str) -> NotebookNode:
    return nbformat.v4.new_code_cell(source)


def cell_text(cell: NotebookNode) -> str:
    """Everything a code cell printed or displayed as text."""
    parts: list[str] = []
    for output in cell.get("outputs", []):
        if "text" in output:
            parts.append(output["text"])
        for key, value in output.get("data", {}).items():
            if key.startswith("text/"):
                parts.append(value)
    return "\n".join(parts)


def set_next_input(reply: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        p
        for p in reply["content"].get("payload", [])
        if p.get("source") == "set_next_input" and p.get("replace")
    ]
