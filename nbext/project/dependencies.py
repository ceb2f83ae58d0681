"""Dependency tables and groups in a parsed ``pyproject.toml``: the source pins they hold, and
where Poetry 2.5's ``poetry add`` writes a dependency. Pure: tomlkit documents in memory.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import tomlkit
from packaging.utils import canonicalize_name
from poetry.core.packages.dependency import Dependency
from tomlkit.items import InlineTable
from tomlkit.toml_document import TOMLDocument

from nbext.project.tables import Tables

__all__ = [
    "DependencyPin",
    "NewDependency",
    "has_dependency",
    "new_dependency",
    "pin_for",
    "pins",
    "put_dependency",
]


@dataclass(frozen=True)
class DependencyPin:
    """A dependency declared with ``source = "..."``."""

    name: str  # canonical name
    source: str
    group: str  # "main" for [tool.poetry.dependencies]


def _dependency_tables(tables: Tables, doc: TOMLDocument) -> Iterator[tuple[str, dict[str, Any]]]:
    poetry = tables.poetry(doc)
    deps = tables.table(poetry, "dependencies", "tool.poetry.dependencies")
    if deps is not None:
        yield "main", deps
    groups = tables.table(poetry, "group", "tool.poetry.group")
    for group in groups or {}:
        where = f"tool.poetry.group.{group}"
        table = tables.table(groups or {}, group, where)
        if table is not None:
            group_deps = tables.table(table, "dependencies", f"{where}.dependencies")
            if group_deps is not None:
                yield str(group), group_deps


def pins(tables: Tables, doc: TOMLDocument) -> list[DependencyPin]:
    """Every ``source = "..."`` on a dependency, in file order (groups included)."""
    out: list[DependencyPin] = []
    for group, table in _dependency_tables(tables, doc):
        for name, spec in table.items():
            if name == "python":
                continue
            entries = spec if isinstance(spec, list) else [spec]
            for entry in entries:
                if isinstance(entry, dict) and isinstance(entry.get("source"), str):
                    out.append(DependencyPin(canonicalize_name(name), str(entry["source"]), group))
    return out


def pin_for(tables: Tables, doc: TOMLDocument, name: str) -> DependencyPin | None:
    """The source pin for a package: the main group's wins over other groups."""
    wanted = canonicalize_name(name)
    found = [p for p in pins(tables, doc) if p.name == wanted]
    found.sort(key=lambda p: p.group != "main")
    return found[0] if found else None


def has_dependency(tables: Tables, doc: TOMLDocument, text: str, group: str) -> bool:
    """Whether ``poetry add TEXT`` finds TEXT already declared in that group, and skips it.

    Poetry's test, to the letter: the input as typed, normalized, equals the name of a
    dependency in the tables ``poetry add`` would write to (so ``pkg`` is found, while
    ``pkg@^2`` or ``pkg[extra]`` are not, and update the entry instead).
    """
    wanted = canonicalize_name(text.strip())
    project = tables.project(doc)
    poetry = tables.poetry(doc)
    pep508: list[Any] = []
    if group == "main":
        if "dependencies" in project or "optional-dependencies" in project:
            pep508 = tables.array(project, "dependencies", "project.dependencies")
        section = poetry.get("dependencies")
    else:
        dep_groups = tables.table(doc, "dependency-groups", "dependency-groups")
        if dep_groups is not None and (dep_groups or "group" not in poetry):
            pep508 = tables.array(dep_groups, group, f"dependency-groups.{group}")
        groups = poetry.get("group")
        table = groups.get(group) if isinstance(groups, dict) else None
        section = table.get("dependencies") if isinstance(table, dict) else None
    names = {canonicalize_name(str(k)) for k in section} if isinstance(section, dict) else set()
    for entry in pep508:
        if isinstance(entry, str):
            with contextlib.suppress(ValueError):
                names.add(canonicalize_name(Dependency.create_from_pep_508(entry).name))
    return wanted in names


@dataclass(frozen=True)
class NewDependency:
    """A dependency to write, in each form ``poetry add`` may write it."""

    name: str  # as typed
    canonical: str
    pep508: str  # for project.dependencies and [dependency-groups]
    full: str | dict[str, Any]  # for [tool.poetry.dependencies]: constraint, extras, source
    pin_only: dict[str, Any]  # {"source": ...} beside a PEP 508 entry, or {}


def new_dependency(
    name: str, *, constraint: str, source: str | None, extras: tuple[str, ...] = ()
) -> NewDependency:
    """The forms of a dependency (a constraint poetry-core refuses raises here, before the
    file is locked)."""
    pep508 = Dependency(name, constraint, extras=list(extras)).to_pep_508()
    full: str | dict[str, Any] = constraint
    if source or extras:
        full = {"version": constraint}
        if extras:
            full["extras"] = list(extras)
        if source:
            full["source"] = source
    pin_only = {"source": source} if source else {}
    return NewDependency(name, canonicalize_name(name), pep508, full, pin_only)


def put_dependency(
    tables: Tables, doc: TOMLDocument, new: NewDependency, group: str
) -> tuple[str, str | None]:
    """Add or replace a dependency where Poetry 2.5's ``poetry add`` puts it.

    * main group, ``[project]`` with ``dependencies``: the PEP 508 string goes to
      ``project.dependencies`` and only the source pin to ``[tool.poetry.dependencies]``;
    * main group otherwise: ``[tool.poetry.dependencies] name = constraint``;
    * another group, when ``[dependency-groups]`` exists or ``[tool.poetry.group]`` does
      not: PEP 735 ``[dependency-groups]`` plus the pin in
      ``[tool.poetry.group.<group>.dependencies]``; else the Poetry group table.

    Returns where the dependency was written and, when a source pin from before was kept
    (Poetry keeps it if ``--source`` is not given again), the name of that source.
    """
    project = tables.project(doc)
    poetry = tables.poetry(doc)
    value: str | dict[str, Any]
    if group == "main":
        if "dependencies" in project or "optional-dependencies" in project:
            if "dependencies" not in project:
                project["dependencies"] = tomlkit.array()
            _put_pep508(tables, project["dependencies"], new, "project.dependencies")
            where, value = "project.dependencies", new.pin_only
        else:
            where, value = "tool.poetry.dependencies", new.full
    else:
        groups = tables.table(poetry, "group", "tool.poetry.group")
        if "dependency-groups" in doc or groups is None:
            if "dependency-groups" not in doc:
                doc.add("dependency-groups", tomlkit.table())
            dep_groups = tables.child(doc, "dependency-groups", "dependency-groups")
            if group not in dep_groups:
                dep_groups[group] = tomlkit.array("[\n]")
            where = f"dependency-groups.{group}"
            _put_pep508(tables, dep_groups[group], new, where)
            value = new.pin_only
        else:
            where, value = f"tool.poetry.group.{group}.dependencies", new.full
    kept: str | None = None
    if value:
        _set_dep(_poetry_deps(tables, doc, group), new.name, value)
    else:
        kept = _existing_pin(tables, doc, new.canonical, group)
    return where, kept


def _put_pep508(tables: Tables, array: Any, new: NewDependency, where: str) -> None:
    """Replace the entry for that project in a PEP 508 array, or append it."""
    if not isinstance(array, list):
        raise tables.not_pep508_strings(where, array)
    for index, item in enumerate(array):
        if isinstance(item, str) and canonicalize_name(_pep508_name(item)) == new.canonical:
            array[index] = new.pep508
            return
    array.append(new.pep508)


def _poetry_deps(tables: Tables, doc: TOMLDocument, group: str) -> Any:
    poetry = tables.ensure_poetry(doc)
    if group == "main":
        return tables.child(poetry, "dependencies", "tool.poetry.dependencies")
    where = f"tool.poetry.group.{group}"
    groups = tables.child(poetry, "group", "tool.poetry.group", super_table=True)
    table = tables.child(groups, group, where, super_table=True)
    return tables.child(table, "dependencies", f"{where}.dependencies")


def _existing_pin(tables: Tables, doc: TOMLDocument, canonical: str, group: str) -> str | None:
    poetry = tables.poetry(doc)
    if group == "main":
        table = poetry.get("dependencies")
    else:
        groups = poetry.get("group")
        entry = groups.get(group) if isinstance(groups, dict) else None
        table = entry.get("dependencies") if isinstance(entry, dict) else None
    if not isinstance(table, dict):
        return None
    for key, value in table.items():
        if canonicalize_name(key) == canonical and isinstance(value, dict):
            pinned = value.get("source")
            return str(pinned) if pinned else None
    return None


def _pep508_name(spec: str) -> str:
    end = len(spec)
    for i, ch in enumerate(spec):
        if not (ch.isalnum() or ch in "-_."):
            end = i
            break
    return spec[:end]


def _set_dep(table: Any, name: str, value: str | dict[str, Any]) -> None:
    """Set ``name = value`` replacing an entry under any spelling of the name."""
    item: Any = str(value) if isinstance(value, str) else value
    if isinstance(value, dict):
        inline: InlineTable = tomlkit.inline_table()
        inline.update({k: str(v) if isinstance(v, str) else v for k, v in value.items()})
        item = inline
    for key in list(table):
        if canonicalize_name(key) == canonicalize_name(name):
            table[key] = item
            return
    table[name] = item
