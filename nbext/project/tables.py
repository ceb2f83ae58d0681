"""The tables of a parsed ``pyproject.toml``, read and created with messages that name the file.

Pure: tomlkit documents in memory (:mod:`nbext.project.pyproject` reads and writes the file).
A value of the wrong type where a table or an array belongs (a ``tool.poetry`` that is a
string...) is a one-line :class:`~nbext.errors.ProjectError` that names the file, the key and
the fix.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit
from tomlkit.toml_document import TOMLDocument

from nbext.errors import ProjectError

__all__ = ["Tables", "kind", "shown"]


class Tables:
    """The tables of one file's document; ``path`` is the file, named in every message."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def not_a_table(self, where: str, value: object) -> ProjectError:
        return ProjectError(
            f"{self.path}: {where} must be a table ([{where}]), not {kind(value)}. Fix the "
            "file; nbext has not changed it.",
            path=str(self.path),
        )

    def not_pep508_strings(self, where: str, value: object) -> ProjectError:
        return ProjectError(
            f"{self.path}: {where} must be an array of PEP 508 strings, not "
            f"{kind(value)}. Fix the file; nbext has not changed it.",
            path=str(self.path),
        )

    def table(self, parent: Mapping[str, Any], key: str, where: str) -> dict[str, Any] | None:
        """``parent[key]`` if it is a table, None if absent; anything else is an error."""
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self.not_a_table(where, value)
        return value

    def array(self, parent: Mapping[str, Any], key: str, where: str) -> list[Any]:
        """``parent[key]`` if it is an array, [] if absent; anything else is an error."""
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.not_pep508_strings(where, value)
        return list(value)

    def poetry(self, doc: TOMLDocument) -> dict[str, Any]:
        """``[tool.poetry]``, or an empty table when there is none."""
        tool = self.table(doc, "tool", "tool")
        poetry = self.table(tool, "poetry", "tool.poetry") if tool is not None else None
        return poetry if poetry is not None else {}

    def project(self, doc: TOMLDocument) -> dict[str, Any]:
        """``[project]``, or an empty table when there is none."""
        return self.table(doc, "project", "project") or {}

    def child(self, parent: Any, key: str, where: str, *, super_table: bool = False) -> Any:
        """``parent[key]``, created as an empty table if missing; anything else is an error."""
        if key not in parent:
            parent[key] = tomlkit.table(is_super_table=super_table)
        child = parent[key]
        if not isinstance(child, dict):
            raise self.not_a_table(where, child)
        return child

    def ensure_poetry(self, doc: TOMLDocument) -> Any:
        """``tool.poetry`` (created if missing): a Table, or tomlkit's proxy when the file
        splits it into several out-of-order tables."""
        if "tool" not in doc:
            doc.add("tool", tomlkit.table(is_super_table=True))
        tool = self.child(doc, "tool", "tool", super_table=True)
        return self.child(tool, "poetry", "tool.poetry", super_table=True)


#: What a TOML value is called in messages, by type (bool before int: a bool is an int).
_KINDS: tuple[tuple[type, str], ...] = (
    (bool, "a boolean"),
    (str, "a string"),
    (int, "an integer"),
    (float, "a number"),
    (list, "an array"),
    (dict, "a table"),
)


def kind(value: object) -> str:
    """``a string``, ``an integer``... for messages about a TOML value of the wrong type."""
    for cls, name in _KINDS:
        if isinstance(value, cls):
            return name
    return f"a {type(value).__name__}"


def shown(value: object) -> str:
    """A TOML value as written in a file, for messages."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
