"""``%add``: a dependency written as ``poetry add [--source S] [--group G]`` writes it.

Without a constraint the latest version is looked up and ``^VERSION`` written; a package
already declared in the group and named without a constraint is skipped, as Poetry does.
Without a project the pin lives in the kernel session.
"""

from __future__ import annotations

from typing import Protocol

from poetry.core.constraints.version import parse_constraint
from poetry.core.packages.dependency import Dependency

from nbext.errors import RequirementError, UnknownSourceError
from nbext.lookup.requirements import parse_requirement
from nbext.lookup.results import LookupResult
from nbext.project.declarations import Declared
from nbext.report import Report

__all__ = ["add_dependency", "check_add"]


class FindLatest(Protocol):
    """``Workspace.lookup``: the latest version of a package (on ``source`` only, if given)."""

    def __call__(self, requirement: str, *, source: str | None = None) -> LookupResult: ...


def check_add(declared: Declared, requirement: str, *, source: str | None) -> str | None:
    """Raise what :func:`add_dependency` would raise before asking or writing anything: a
    pin to a source that is not declared, a requirement or a constraint that does not parse.
    Returns the source's declared name."""
    if source is not None:
        pool = declared.pool()
        if not pool.has(source):
            raise UnknownSourceError(
                f'Repository "{source.lower()}" does not exist. Add it first with '
                f"%source add {source} <url>.",
                source=source,
            )
        source = pool.get(source).name
    text = requirement.strip()
    parse_requirement(text)
    constraint = _poetry_constraint_text(text)
    if constraint is not None:
        _pep508_constraint(constraint)
    return source


def add_dependency(
    declared: Declared, requirement: str, *, source: str | None, group: str, lookup: FindLatest
) -> Report:
    """Add a dependency with an optional source pin (``poetry add [--source S] [--group G]``).

    ``requirement`` is ``pkg``, ``pkg@CONSTRAINT`` (``pkg@*``, ``pkg@^1.2``) or PEP 508.
    Without a constraint the latest version is looked up and ``^latest`` written.
    """
    report = Report()
    text = requirement.strip()
    project = declared.project
    source = check_add(declared, text, source=source)
    if project is not None and project.has_dependency(text, group):
        # Poetry skips a package that is already declared, named without a constraint.
        report.info.extend(
            [
                "The following packages are already present in the pyproject.toml "
                f"({project.path}) and will be skipped:\n",
                f"  - {text}",
                "\nTo change its constraint or its source pin, give a constraint: "
                f"%add {text}@^X.Y [--source NAME], or %add {text}@latest for the "
                "latest version.\n",
                "Nothing to add.",
            ]
        )
        return report
    dep = parse_requirement(text)
    extras = tuple(sorted(dep.extras))
    constraint = _poetry_constraint_text(text)
    if constraint is None:
        found = lookup(dep.name, source=source)
        if found.chosen is None:
            raise RequirementError(
                f"Could not find a matching version of package {dep.name}: {found.message}"
            )
        constraint = f"^{found.chosen.version}"
        report.info.append(f"Using version {constraint} for {dep.pretty_name}")
    _pep508_constraint(constraint)  # validates the constraint before anything is written
    if project is None:
        if source:
            declared.pin(dep.name, source, group)
        declared.say_kernel_only(report)
        report.info.append(
            f"Pinned {dep.pretty_name} ({constraint}) to source {source} in this kernel"
            if source
            else f"Noted {dep.pretty_name} ({constraint}); no project file to write it to"
        )
        return report
    where, kept = project.write_dependency(
        dep.pretty_name,
        constraint=constraint,
        source=source,
        group=group,
        extras=extras,
    )
    pin = f' with source = "{source}"' if source else ""
    report.info.append(f"Added {dep.pretty_name} ({constraint}) to {where}{pin}.")
    if kept:
        report.warnings.append(
            f"{dep.pretty_name} stays pinned to source {kept}: like Poetry, nbext keeps an "
            f"existing source pin when --source is not given. Use --source NAME to change it."
        )
    return report


def _poetry_constraint_text(text: str) -> str | None:
    """The constraint part of ``pkg@c`` / PEP 508 text, in Poetry's notation; None if absent."""
    if "@" in text and "://" not in text:
        constraint = text.partition("@")[2].strip()
        return None if constraint in ("", "latest") else constraint
    dep = Dependency.create_from_pep_508(text)
    constraint = str(dep.constraint)
    return None if constraint == "*" and not any(op in text for op in "<>=!~") else constraint


def _pep508_constraint(constraint: str) -> str:
    """Poetry constraint to the PEP 508 form Poetry 2 writes in ``project.dependencies``."""
    if constraint.strip() == "*":
        return "*"
    try:
        parsed = parse_constraint(constraint)
    except Exception as exc:
        raise RequirementError(f"Invalid constraint {constraint!r}: {exc}") from None
    text = str(parsed)
    if text and text[0].isdigit():
        return f"=={text}"
    return text
