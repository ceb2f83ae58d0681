"""What one lookup is asked to do: a job per requirement, with its source pin, and which
packages are refreshed; the Python range releases must support.

A pin comes from ``--source`` (the argument), else from the project's ``source = "..."``
(main group first), else from ``%add --source`` in a kernel without a project. A pin to a
source that is not declared stops the lookup before any request, with Poetry's message and
what fixes it.
"""

from __future__ import annotations

from collections.abc import Iterable

from packaging.utils import canonicalize_name
from poetry.core.constraints.version import VersionConstraint, parse_constraint
from poetry.core.packages.dependency import Dependency

from nbext.errors import RequirementError, UnknownSourceError
from nbext.lookup.requirements import Pin, kernel_python_constraint, parse_requirement
from nbext.project.declarations import Declared
from nbext.project.pyproject import Project
from nbext.sources.pool import SourcePool

__all__ = ["Job", "build_jobs", "pin_for", "python_range", "refresh_names"]

#: ``(requirement as typed, parsed, its pin or None)``: what ``Lookup.run`` takes.
Job = tuple[str, Dependency, Pin | None]


def pin_for(declared: Declared, name: str, source: str | None) -> Pin | None:
    """The pin of one requirement: ``--source``, else the declared pin, else none."""
    if source is not None:
        return Pin(source, "argument")
    pin = declared.pin_for(name)
    return Pin(pin.source, "project", pin.group) if pin is not None else None


def build_jobs(
    declared: Declared, pool: SourcePool, requirements: Iterable[str], source: str | None
) -> list[Job]:
    """One job per requirement, in order; a pin to an undeclared source raises."""
    jobs: list[Job] = []
    for text in requirements:
        dep = parse_requirement(text)
        pin = pin_for(declared, dep.name, source)
        if pin is not None and not pool.has(pin.source):
            raise UnknownSourceError(
                _unknown_pin(pool, pin, dep.name, in_file=declared.project is not None),
                source=pin.source,
            )
        jobs.append((text.strip(), dep, pin))
    return jobs


def refresh_names(refresh: bool | Iterable[str], jobs: list[Job]) -> frozenset[str]:
    """The packages whose pages, files and metadata are revalidated whatever their age:
    every requirement's (``True``), none (``False``) or the names given."""
    if refresh is True:
        return frozenset(canonicalize_name(dep.name) for _t, dep, _p in jobs)
    if refresh is False:
        return frozenset()
    return frozenset(canonicalize_name(n) for n in refresh)


def python_range(given: str | None, project: Project | None) -> VersionConstraint:
    """The Python range a chosen release must support: ``given`` (the Workspace's
    ``python``), else the project's ``requires-python``, else the running interpreter's."""
    if given:
        try:
            return parse_constraint(given)
        except ValueError as exc:  # poetry-core's ParseConstraintError
            raise RequirementError(
                f"Invalid python range {given!r} given to Workspace ({exc}). Fix: "
                'pass a range such as ">=3.11".'
            ) from None
    if project is not None:
        declared = project.python_constraint()
        if declared is not None:
            return declared
    return kernel_python_constraint()


def _unknown_pin(pool: SourcePool, pin: Pin, name: str, *, in_file: bool) -> str:
    """Poetry's error for a pin to an undeclared source, then what fixes it."""
    poetry = f'Repository "{pin.source.lower()}" does not exist.'
    if pin.origin == "argument":
        return f"{poetry} The declared sources are: {', '.join(pool.names) or 'none'}."
    where = "pyproject.toml" if in_file else "this kernel"
    group = "" if pin.group == "main" else f" (group {pin.group})"
    return (
        f"{poetry} {name} is pinned to it in {where}{group}: declare it with "
        f"%source add {pin.source} URL, or remove the pin."
    )
