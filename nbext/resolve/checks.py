"""What ``%install`` and ``%add`` check before anything is asked, written or shown: light (no
Poetry application imported), so a cell with a mistake fails before its live view opens."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from nbext.errors import InstallError, NbextError
from nbext.lookup.batch import LookupWorkspace
from nbext.lookup.requirements import parse_requirement
from nbext.resolve.environment import TargetEnvironment

__all__ = ["check_install", "check_project", "check_target", "pin_source"]


def check_install(
    ws: LookupWorkspace,
    project_dir: Path | None,
    requirements: Sequence[str] | None,
    *,
    source: str | None = None,
    break_system_packages: bool = False,
) -> None:
    """Raise what ``install`` would raise before its first request: no requirements and no
    project, a requirement that does not parse, a pin (``source``, or the project's) to a
    source that is not declared, an environment that forbids installs (PEP 668)."""
    if not requirements:
        check_project(project_dir)
    for text in requirements or ():
        pin_source(ws, parse_requirement(text).name, source)
    check_target(break_system_packages=break_system_packages)


def check_project(project_dir: Path | None) -> Path:
    """The project whose lock ``%install`` without requirements installs; an error when
    there is none."""
    if project_dir is None:
        raise NbextError(
            "%install without requirements installs the project's lock, and there is no "
            "project. Fix: name the packages (%install acme-utils) or open a project."
        )
    return project_dir


def check_target(*, break_system_packages: bool = False) -> None:
    """Raise when PEP 668 forbids installing into this kernel's environment."""
    TargetEnvironment.current().check_can_install(break_system_packages=break_system_packages)


def pin_source(ws: LookupWorkspace, name: str, source: str | None) -> str | None:
    """The declared name of the source ``name`` is pinned to (``source``, else the project's
    pin), or None; Poetry's error when that source is not declared."""
    pin = source
    if pin is None:
        declared = ws.declared.pin_for(name)
        pin = declared.source if declared is not None else None
    if pin is None:
        return None
    if not ws.sources.has(pin):
        raise InstallError(f'Repository "{pin.lower()}" does not exist.')
    return ws.sources.get(pin).name
