"""The project file: ``pyproject.toml`` read and written through tomlkit.

Edits are surgical: a source that is updated keeps its position, its comments and any other
key; nothing else in the file changes (Poetry re-serialises every source entry, losing their
comments; nbext does not). Writes are atomic (temporary file + rename) and keep the file mode
(0600 when the file holds a credential, such as a source URL with a password in it).

Every edit runs under the file's lock (``.pyproject.toml.lock`` beside it, see
``nbext.files.userfiles``) and starts from the file as it is on disk then, so two kernels adding
sources to one project at once lose nothing.

A file nbext cannot use (not TOML, not UTF-8, unreadable, a ``tool.poetry`` that is not a
table, a ``requires-python`` that does not parse) is a one-line
:class:`~nbext.errors.ProjectError` that names the file, the key and the fix; nothing is
written.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomlkit
from packaging.utils import canonicalize_name
from poetry.core.constraints.version import VersionConstraint, parse_constraint
from poetry.core.packages.dependency import Dependency
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, InlineTable
from tomlkit.toml_document import TOMLDocument

from nbext.errors import ConfigurationError, ProjectError
from nbext.files.atomic import write_text_atomic
from nbext.files.userfiles import (
    cannot_read,
    cannot_write,
    holds_credentials,
    locked,
    mode_for,
    not_toml,
)
from nbext.sources.pool import Priority, SourceSpec, is_pypi_name, parse_source_table

__all__ = ["DependencyPin", "Project", "find_pyproject"]

FILENAME = "pyproject.toml"


def find_pyproject(start: Path) -> Path | None:
    """``pyproject.toml`` in ``start`` or its nearest parent, as Poetry looks for it."""
    start = start.resolve()
    for directory in (start, *start.parents):
        candidate = directory / FILENAME
        if candidate.is_file():
            return candidate
    return None


@dataclass(frozen=True)
class DependencyPin:
    """A dependency declared with ``source = "..."``."""

    name: str  # canonical name
    source: str
    group: str  # "main" for [tool.poetry.dependencies]


class Project:
    """A ``pyproject.toml`` file. Every read re-parses the file if it changed on disk."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path).resolve()
        self._doc: TOMLDocument | None = None
        self._stamp: tuple[int, int, int, int] | None = None

    @property
    def root(self) -> Path:
        return self.path.parent

    # -- reading ------------------------------------------------------------------------------

    def document(self) -> TOMLDocument:
        """The parsed document (re-read when the file changed since the last read)."""
        try:
            st = self.path.stat()
        except FileNotFoundError:
            raise ProjectError(
                f"{self.path} no longer exists. Re-create it or restart with a new Workspace.",
                path=str(self.path),
            ) from None
        except OSError as exc:
            raise ProjectError(cannot_read(self.path, exc), path=str(self.path)) from exc
        stamp = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
        if self._doc is None or stamp != self._stamp:
            self._doc = self._parse()
            self._stamp = stamp
        return self._doc

    def _parse(self) -> TOMLDocument:
        """The file as it is on disk now."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ProjectError(
                f"{self.path} no longer exists. Re-create it or restart with a new Workspace.",
                path=str(self.path),
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ProjectError(cannot_read(self.path, exc), path=str(self.path)) from exc
        try:
            return tomlkit.parse(text)
        except TOMLKitError as exc:
            raise ProjectError(not_toml(self.path, exc), path=str(self.path)) from exc

    def _not_a_table(self, where: str, value: object) -> ProjectError:
        return ProjectError(
            f"{self.path}: {where} must be a table ([{where}]), not {_kind(value)}. Fix the "
            "file; nbext has not changed it.",
            path=str(self.path),
        )

    def text_table(self, parent: Mapping[str, Any], key: str, where: str) -> dict[str, Any] | None:
        """``parent[key]`` if it is a table, None if absent; anything else is an error."""
        value = parent.get(key)
        if value is None:
            return None
        if not isinstance(value, dict):
            raise self._not_a_table(where, value)
        return value

    def _array(self, parent: Mapping[str, Any], key: str, where: str) -> list[Any]:
        """``parent[key]`` if it is an array, [] if absent; anything else is an error."""
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise ProjectError(
                f"{self.path}: {where} must be an array of PEP 508 strings, not "
                f"{_kind(value)}. Fix the file; nbext has not changed it.",
                path=str(self.path),
            )
        return list(value)

    def _poetry_table(self, doc: TOMLDocument | None = None) -> dict[str, Any]:
        doc = doc if doc is not None else self.document()
        tool = self.text_table(doc, "tool", "tool")
        poetry = self.text_table(tool, "poetry", "tool.poetry") if tool is not None else None
        return poetry if poetry is not None else {}

    def _project_table(self, doc: TOMLDocument | None = None) -> dict[str, Any]:
        doc = doc if doc is not None else self.document()
        return self.text_table(doc, "project", "project") or {}

    def python_constraint(self) -> VersionConstraint | None:
        """The project's Python range: ``project.requires-python``, else the ``python``
        entry of ``[tool.poetry.dependencies]``; None when neither is declared."""
        doc = self.document()
        project = self._project_table(doc)
        if "requires-python" in project:
            return self._constraint(project["requires-python"], "project.requires-python")
        deps = self.text_table(self._poetry_table(doc), "dependencies", "tool.poetry.dependencies")
        if deps is not None and "python" in deps:
            return self._constraint(deps["python"], "tool.poetry.dependencies.python")
        return None

    def _constraint(self, value: object, key: str) -> VersionConstraint:
        if isinstance(value, str):
            try:
                return parse_constraint(value)
            except ValueError as exc:  # poetry-core's ParseConstraintError
                reason = str(exc)
        else:
            reason = f"it is {_kind(value)}, not a string"
        raise ProjectError(
            f"{self.path}: {key} = {_shown(value)} is not a valid version constraint "
            f'({reason}). Fix: write a range such as ">=3.11" there; nbext has not changed '
            "the file.",
            path=str(self.path),
        )

    def package_info(self) -> tuple[str | None, str | None, bool]:
        """``(name, version, package_mode)`` as ``poetry publish`` reads them: ``[project]``
        first, then ``[tool.poetry]``; ``package-mode = false`` means nothing to publish."""
        doc = self.document()
        poetry = self._poetry_table(doc)
        project = self._project_table(doc)
        name = project.get("name") or poetry.get("name")
        version = project.get("version") or poetry.get("version")
        mode = poetry.get("package-mode", True)
        return (
            str(name) if name else None,
            str(version) if version else None,
            mode is not False,
        )

    @property
    def uses_pep621(self) -> bool:
        return isinstance(self.document().get("project"), dict)

    def source_specs(self) -> tuple[list[SourceSpec], list[str]]:
        """The declared sources (validated like Poetry's schema) and deprecation notices."""
        raw = self._poetry_table().get("source", [])
        if not isinstance(raw, list):
            raise ConfigurationError(
                "The Poetry configuration is invalid:\n  - tool.poetry.source must be array",
                path=str(self.path),
            )
        try:
            return parse_source_table([dict(e) if isinstance(e, dict) else e for e in raw])
        except ConfigurationError as exc:
            exc.path = exc.path or str(self.path)
            raise

    def _dependency_tables(self) -> Iterator[tuple[str, dict[str, Any]]]:
        poetry = self._poetry_table()
        deps = self.text_table(poetry, "dependencies", "tool.poetry.dependencies")
        if deps is not None:
            yield "main", deps
        groups = self.text_table(poetry, "group", "tool.poetry.group")
        for group in groups or {}:
            where = f"tool.poetry.group.{group}"
            table = self.text_table(groups or {}, group, where)
            if table is not None:
                group_deps = self.text_table(table, "dependencies", f"{where}.dependencies")
                if group_deps is not None:
                    yield str(group), group_deps

    def pins(self) -> list[DependencyPin]:
        """Every ``source = "..."`` on a dependency, in file order (groups included)."""
        out: list[DependencyPin] = []
        for group, table in self._dependency_tables():
            for name, spec in table.items():
                if name == "python":
                    continue
                entries = spec if isinstance(spec, list) else [spec]
                for entry in entries:
                    if isinstance(entry, dict) and isinstance(entry.get("source"), str):
                        out.append(
                            DependencyPin(canonicalize_name(name), str(entry["source"]), group)
                        )
        return out

    def pin_for(self, name: str) -> DependencyPin | None:
        """The source pin for a package: the main group's wins over other groups."""
        wanted = canonicalize_name(name)
        found = [p for p in self.pins() if p.name == wanted]
        found.sort(key=lambda p: p.group != "main")
        return found[0] if found else None

    def has_dependency(self, text: str, group: str) -> bool:
        """Whether ``poetry add TEXT`` finds TEXT already declared in that group, and skips it.

        Poetry's test, to the letter: the input as typed, normalized, equals the name of a
        dependency in the tables ``poetry add`` would write to (so ``pkg`` is found, while
        ``pkg@^2`` or ``pkg[extra]`` are not, and update the entry instead).
        """
        wanted = canonicalize_name(text.strip())
        doc = self.document()
        project = self._project_table(doc)
        poetry = self._poetry_table(doc)
        pep508: list[Any] = []
        if group == "main":
            if "dependencies" in project or "optional-dependencies" in project:
                pep508 = self._array(project, "dependencies", "project.dependencies")
            section = poetry.get("dependencies")
        else:
            dep_groups = self.text_table(doc, "dependency-groups", "dependency-groups")
            if dep_groups is not None and (dep_groups or "group" not in poetry):
                pep508 = self._array(dep_groups, group, f"dependency-groups.{group}")
            groups = poetry.get("group")
            table = groups.get(group) if isinstance(groups, dict) else None
            section = table.get("dependencies") if isinstance(table, dict) else None
        names = {canonicalize_name(str(k)) for k in section} if isinstance(section, dict) else set()
        for entry in pep508:
            if isinstance(entry, str):
                with contextlib.suppress(ValueError):
                    names.add(canonicalize_name(Dependency.create_from_pep_508(entry).name))
        return wanted in names

    # -- writing ------------------------------------------------------------------------------

    def _cannot_write(self, exc: OSError) -> ProjectError:
        return ProjectError(cannot_write(self.path, exc), path=str(self.path))

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the lock of the file (``.pyproject.toml.lock`` beside it): other kernels and
        threads wait to change it. Reentrant in one thread."""
        with locked(self.path, cannot=self._cannot_write):
            yield

    @contextlib.contextmanager
    def _editing(self) -> Iterator[TOMLDocument]:
        """Under the lock: the document as it is on disk now (never one read before the lock
        was taken, which another process may have replaced since)."""
        with self.locked():
            self._doc = None
            yield self._parse()

    def _save(self, doc: TOMLDocument) -> None:
        text = tomlkit.dumps(doc)
        try:
            mode = mode_for(self.path, secret=holds_credentials(doc.unwrap()))
            write_text_atomic(self.path, text, mode=mode)
        except OSError as exc:
            raise self._cannot_write(exc) from exc
        self._doc = None

    def _ensure_poetry(self, doc: TOMLDocument) -> Any:
        """``tool.poetry`` (created if missing): a Table, or tomlkit's proxy when the file
        splits it into several out-of-order tables."""
        if "tool" not in doc:
            doc.add("tool", tomlkit.table(is_super_table=True))
        tool = self._child(doc, "tool", "tool", super_table=True)
        return self._child(tool, "poetry", "tool.poetry", super_table=True)

    def _child(self, parent: Any, key: str, where: str, *, super_table: bool = False) -> Any:
        if key not in parent:
            parent[key] = tomlkit.table(is_super_table=super_table)
        child = parent[key]
        if not isinstance(child, dict):
            raise self._not_a_table(where, child)
        return child

    def write_source(self, name: str, url: str | None, priority: Priority) -> bool:
        """Add a source, or update the one of that name in place. Returns True if updated."""
        with self._editing() as doc:
            updated = self._put_source(doc, name, url, priority)
            self._save(doc)
        return updated

    def _put_source(
        self, doc: TOMLDocument, name: str, url: str | None, priority: Priority
    ) -> bool:
        poetry = self._ensure_poetry(doc)
        sources = poetry.get("source")
        if sources is None:
            sources = tomlkit.aot()
            poetry["source"] = sources
        if not isinstance(sources, AoT):
            raise ProjectError(
                f"{self.path}: tool.poetry.source must be an array of tables "
                "([[tool.poetry.source]]). Fix the file; nbext has not changed it.",
                path=str(self.path),
            )
        for entry in sources:
            if str(entry.get("name", "")).lower() == name.lower():
                entry["name"] = str(name)
                if url:
                    entry["url"] = str(url)
                elif "url" in entry:
                    del entry["url"]
                entry["priority"] = priority.value
                for old in ("default", "secondary"):
                    if old in entry:
                        del entry[old]
                return True
        table = tomlkit.table()
        table.append("name", name)
        if url and not is_pypi_name(name):
            table.append("url", url)
        table.append("priority", priority.value)
        table.add(tomlkit.nl())  # Poetry leaves one blank line after each source table
        sources.append(table)
        return False

    def delete_source(self, name: str) -> list[str]:
        """Remove every source of that name (case-insensitive); returns the stored names."""
        with self._editing() as doc:
            poetry = self._poetry_table(doc)
            sources = poetry.get("source")
            if not isinstance(sources, AoT):
                return []
            removed: list[str] = []
            for index in reversed(range(len(sources))):
                stored = str(sources[index].get("name", ""))
                if stored.lower() == name.lower():
                    removed.insert(0, stored)
                    del sources[index]
            if removed:
                if len(sources) == 0:
                    del poetry["source"]
                self._save(doc)
        return removed

    def write_dependency(
        self,
        name: str,
        *,
        constraint: str,
        source: str | None,
        group: str,
        extras: tuple[str, ...] = (),
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
        canonical = canonicalize_name(name)
        pep508 = Dependency(name, constraint, extras=list(extras)).to_pep_508()
        full: str | dict[str, Any] = constraint
        if source or extras:
            full = {"version": constraint}
            if extras:
                full["extras"] = list(extras)
            if source:
                full["source"] = source
        pin_only = {"source": source} if source else {}
        with self._editing() as doc:
            project = self._project_table(doc)
            poetry = self._poetry_table(doc)
            value: str | dict[str, Any]
            if group == "main":
                if "dependencies" in project or "optional-dependencies" in project:
                    if "dependencies" not in project:
                        project["dependencies"] = tomlkit.array()
                    self._put_pep508(
                        project["dependencies"], canonical, pep508, "project.dependencies"
                    )
                    where, value = "project.dependencies", pin_only
                else:
                    where, value = "tool.poetry.dependencies", full
            else:
                groups = self.text_table(poetry, "group", "tool.poetry.group")
                if "dependency-groups" in doc or groups is None:
                    if "dependency-groups" not in doc:
                        doc.add("dependency-groups", tomlkit.table())
                    dep_groups = self._child(doc, "dependency-groups", "dependency-groups")
                    if group not in dep_groups:
                        dep_groups[group] = tomlkit.array("[\n]")
                    where = f"dependency-groups.{group}"
                    self._put_pep508(dep_groups[group], canonical, pep508, where)
                    value = pin_only
                else:
                    where, value = f"tool.poetry.group.{group}.dependencies", full
            kept: str | None = None
            if value:
                _set_dep(self._poetry_deps(doc, group), name, value)
            else:
                kept = self._existing_pin(doc, canonical, group)
            self._save(doc)
        return where, kept

    def _put_pep508(self, array: Any, canonical: str, pep508: str, where: str) -> None:
        """Replace the entry for that project in a PEP 508 array, or append it."""
        if not isinstance(array, list):
            raise ProjectError(
                f"{self.path}: {where} must be an array of PEP 508 strings, not "
                f"{_kind(array)}. Fix the file; nbext has not changed it.",
                path=str(self.path),
            )
        for index, item in enumerate(array):
            if isinstance(item, str) and canonicalize_name(_pep508_name(item)) == canonical:
                array[index] = pep508
                return
        array.append(pep508)

    def _poetry_deps(self, doc: TOMLDocument, group: str) -> Any:
        poetry = self._ensure_poetry(doc)
        if group == "main":
            return self._child(poetry, "dependencies", "tool.poetry.dependencies")
        where = f"tool.poetry.group.{group}"
        groups = self._child(poetry, "group", "tool.poetry.group", super_table=True)
        table = self._child(groups, group, where, super_table=True)
        return self._child(table, "dependencies", f"{where}.dependencies")

    def _existing_pin(self, doc: TOMLDocument, canonical: str, group: str) -> str | None:
        poetry = self._poetry_table(doc)
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


def _kind(value: object) -> str:
    """``a string``, ``an integer``... for messages about a TOML value of the wrong type."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "a table"
    return f"a {type(value).__name__}"


def _shown(value: object) -> str:
    """A TOML value as written in a file, for messages."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
