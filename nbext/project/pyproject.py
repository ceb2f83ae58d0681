"""The project file: ``pyproject.toml`` read and written through tomlkit.

Edits are surgical (see :mod:`nbext.project.sourcetable` and
:mod:`nbext.project.dependencies`, which change the parsed document): nothing else in the file
changes. Writes are atomic (temporary file + rename) and keep the file mode (0600 when the file
holds a credential, such as a source URL with a password in it).

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
from collections.abc import Iterator
from pathlib import Path

import tomlkit
from poetry.core.constraints.version import VersionConstraint, parse_constraint
from tomlkit.toml_document import TOMLDocument

from nbext.errors import ProjectError
from nbext.files.atomic import write_text_atomic
from nbext.files.userfiles import (
    cannot_read,
    cannot_write,
    holds_credentials,
    locked,
    mode_for,
    read_toml,
)
from nbext.project import dependencies, sourcetable
from nbext.project.dependencies import DependencyPin
from nbext.project.tables import Tables, kind, shown
from nbext.sources.pool import Priority, SourceSpec

__all__ = ["Project", "find_pyproject"]

FILENAME = "pyproject.toml"


def find_pyproject(start: Path) -> Path | None:
    """``pyproject.toml`` in ``start`` or its nearest parent, as Poetry looks for it."""
    start = start.resolve()
    for directory in (start, *start.parents):
        candidate = directory / FILENAME
        if candidate.is_file():
            return candidate
    return None


class Project:
    """A ``pyproject.toml`` file. Every read re-parses the file if it changed on disk."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path).resolve()
        self.tables = Tables(self.path)
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
            raise self._gone() from None
        except OSError as exc:
            raise self._error(cannot_read(self.path, exc)) from exc
        stamp = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
        if self._doc is None or stamp != self._stamp:
            self._doc = self._parse()
            self._stamp = stamp
        return self._doc

    def _gone(self) -> ProjectError:
        return ProjectError(
            f"{self.path} no longer exists. Re-create it or restart with a new Workspace.",
            path=str(self.path),
        )

    def _error(self, message: str) -> ProjectError:
        return ProjectError(message, path=str(self.path))

    def _parse(self) -> TOMLDocument:
        """The file as it is on disk now."""
        return read_toml(self.path, self._error, missing=self._gone)

    def python_constraint(self) -> VersionConstraint | None:
        """The project's Python range: ``project.requires-python``, else the ``python``
        entry of ``[tool.poetry.dependencies]``; None when neither is declared."""
        doc = self.document()
        project = self.tables.project(doc)
        if "requires-python" in project:
            return self._constraint(project["requires-python"], "project.requires-python")
        deps = self.tables.table(
            self.tables.poetry(doc), "dependencies", "tool.poetry.dependencies"
        )
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
            reason = f"it is {kind(value)}, not a string"
        raise ProjectError(
            f"{self.path}: {key} = {shown(value)} is not a valid version constraint "
            f'({reason}). Fix: write a range such as ">=3.11" there; nbext has not changed '
            "the file.",
            path=str(self.path),
        )

    def package_info(self) -> tuple[str | None, str | None, bool]:
        """``(name, version, package_mode)`` as ``poetry publish`` reads them: ``[project]``
        first, then ``[tool.poetry]``; ``package-mode = false`` means nothing to publish."""
        doc = self.document()
        poetry = self.tables.poetry(doc)
        project = self.tables.project(doc)
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
        return sourcetable.declared_sources(self.tables, self.document())

    def pins(self) -> list[DependencyPin]:
        """Every ``source = "..."`` on a dependency, in file order (groups included)."""
        return dependencies.pins(self.tables, self.document())

    def pin_for(self, name: str) -> DependencyPin | None:
        """The source pin for a package: the main group's wins over other groups."""
        return dependencies.pin_for(self.tables, self.document(), name)

    def has_dependency(self, text: str, group: str) -> bool:
        """Whether ``poetry add TEXT`` finds TEXT already declared in that group (see
        :func:`nbext.project.dependencies.has_dependency`)."""
        return dependencies.has_dependency(self.tables, self.document(), text, group)

    # -- writing ------------------------------------------------------------------------------

    def _cannot_write(self, exc: OSError) -> ProjectError:
        return self._error(cannot_write(self.path, exc))

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

    def write_source(self, name: str, url: str | None, priority: Priority) -> bool:
        """Add a source, or update the one of that name in place. Returns True if updated."""
        with self._editing() as doc:
            updated = sourcetable.put_source(self.tables, doc, name, url, priority)
            self._save(doc)
        return updated

    def delete_source(self, name: str) -> list[str]:
        """Remove every source of that name (case-insensitive); returns the stored names."""
        with self._editing() as doc:
            removed = sourcetable.remove_sources(self.tables, doc, name)
            if removed:
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
        """Add or replace a dependency where Poetry 2.5's ``poetry add`` puts it (see
        :func:`nbext.project.dependencies.put_dependency`). Returns where it was written and
        the source pin kept from before, if any."""
        new = dependencies.new_dependency(name, constraint=constraint, source=source, extras=extras)
        with self._editing() as doc:
            where, kept = dependencies.put_dependency(self.tables, doc, new, group)
            self._save(doc)
        return where, kept
