"""What a workspace declares: the project's sources and pins, or the kernel session's.

With a ``pyproject.toml`` the sources and dependency pins are the file's (read each time, so
another kernel's edits are seen); without one they live in a :class:`Declared` object for
the kernel session only. Poetry's deprecation notices about the declared sources are shown
once each.
"""

from __future__ import annotations

from pathlib import Path

from packaging.utils import canonicalize_name

from nbext.project.dependencies import DependencyPin
from nbext.project.pyproject import FILENAME, Project, find_pyproject
from nbext.report import Report
from nbext.sources.pool import SourcePool, SourceSpec, build_pool

__all__ = ["Declared", "find_project"]


def find_project(directory: Path, *, discover: bool) -> Project | None:
    """The project in ``directory`` (with ``discover``: the nearest ``pyproject.toml`` in it or
    its parents, as Poetry finds it), or None."""
    path: Path | None
    if discover:
        path = find_pyproject(directory)
    else:
        candidate = directory / FILENAME
        path = candidate if candidate.is_file() else None
    return Project(path) if path else None


class Declared:
    """The sources and pins of one workspace: its project's, else the kernel session's."""

    def __init__(self, project: Project | None, directory: Path) -> None:
        self.project = project
        self.directory = directory
        #: Without a project: the sources ``%source add`` declared in this kernel.
        self.session_sources: list[SourceSpec] = []
        #: Without a project: the pins ``%add --source`` made, by canonical name.
        self.session_pins: dict[str, DependencyPin] = {}
        #: Notices to show with the next ones (e.g. the default workspace changed).
        self.pending: list[str] = []
        self._seen_notices: set[str] = set()
        self._kernel_only_said = False

    def specs(self) -> tuple[list[SourceSpec], list[str]]:
        """The declared sources, and Poetry's deprecation notices about them."""
        if self.project is not None:
            return self.project.source_specs()
        return list(self.session_sources), []

    def notices(self) -> list[str]:
        """Deprecation notices about the declared sources not shown yet (each shown once)."""
        _specs, notices = self.specs()
        fresh = [n for n in notices if n not in self._seen_notices]
        self._seen_notices.update(fresh)
        pending, self.pending = self.pending, []
        return pending + fresh

    def pool(self) -> SourcePool:
        """The pool in Poetry's order; the implicit PyPI is included when it applies."""
        specs, _ = self.specs()
        return build_pool(specs)

    def pins(self) -> list[DependencyPin]:
        """Every source pin: the project's, then the kernel session's."""
        out: list[DependencyPin] = []
        if self.project is not None:
            out += self.project.pins()
        out += self.session_pins.values()
        return out

    def pin_for(self, name: str) -> DependencyPin | None:
        """The source pin of a package: the project's (main group first), else the session's."""
        key = canonicalize_name(name)
        if self.project is not None:
            pin = self.project.pin_for(key)
            if pin is not None:
                return pin
        return self.session_pins.get(key)

    def pin(self, name: str, source: str, group: str) -> None:
        """Pin a package to a source for this kernel session (no project to write it to)."""
        key = canonicalize_name(name)
        self.session_pins[key] = DependencyPin(key, source, group)

    def say_kernel_only(self, report: Report) -> None:
        """Warn, once, that without a project the declarations are lost with the kernel."""
        if not self._kernel_only_said:
            self._kernel_only_said = True
            report.warnings.append(
                f"No {FILENAME} in {self.directory} or its parents: sources live in this kernel "
                f"only and are lost when it restarts. Create a project there (a {FILENAME}) to "
                "keep them."
            )
