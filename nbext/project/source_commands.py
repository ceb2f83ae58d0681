"""``%source add/remove/show`` and ``poetry check``'s source errors, with Poetry's messages.

Each command works on a :class:`~nbext.project.declarations.Declared`: the project's
``[[tool.poetry.source]]`` (written under the file lock, comments kept), or the kernel
session's sources when there is no project.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from nbext.constants import IMPLICIT_PYPI_NOTE, PYPI_NAME
from nbext.errors import SourceError, UnknownSourceError
from nbext.project.declarations import Declared
from nbext.project.pyproject import FILENAME
from nbext.redact import redact_url
from nbext.report import Report, SourceTable
from nbext.sources.declared import validate_name, validate_url
from nbext.sources.pool import Priority, SourceSpec, build_pool, is_pypi_name

__all__ = ["UrlCredentials", "add_source", "check_pins", "remove_source", "show_sources"]

_DEFAULT_PRIORITY_WARNING = "The default priority will change to supplemental in a future release."

#: Takes the credentials out of a source's URL: ``(name, url, kept_in)`` -> the URL without
#: them, and what was done with them (``nbext.auth.commands.ConfigCommand.url_credentials``).
UrlCredentials = Callable[[str, str, str], tuple[str, Report]]


def add_source(
    declared: Declared,
    name: str,
    url: str | None,
    priority: str | Priority | None,
    *,
    url_credentials: UrlCredentials,
) -> Report:
    """Add a source, or update the one with that name (``poetry source add``)."""
    report = Report()
    validate_name(name)
    if is_pypi_name(name):
        name = PYPI_NAME
        if url:
            raise SourceError("The URL of PyPI is fixed and cannot be set.", source=name)
    elif not url:
        raise SourceError("A custom source cannot be added without a URL.", source=name)
    else:
        validate_url(name, url)
    if priority is None:
        report.warnings.append(_DEFAULT_PRIORITY_WARNING)
        prio = Priority.PRIMARY
    else:
        prio = priority if isinstance(priority, Priority) else Priority.parse(priority)
    if prio is Priority.SECONDARY:
        report.warnings.append(
            "Warning: Priority 'secondary' is deprecated. Consider changing the priority to "
            "one of the non-deprecated values: 'primary', 'supplemental', 'explicit'. "
            "(Poetry 2 rejects it; nbext searches it like a primary source, as Poetry 1.x did.)"
        )
    elif prio is Priority.DEFAULT:
        report.warnings.append(
            "Warning: Priority 'default' is deprecated. You can achieve the same effect by "
            "changing the priority to 'primary' and putting the source first. (Poetry 2 "
            "rejects it.)"
        )
    # Checked against the sources as they are while the file is locked: another kernel
    # adding sources to the same project at the same time is seen, and nothing is lost.
    project = declared.project
    with project.locked() if project is not None else contextlib.nullcontext():
        _put_source(declared, name, url, prio, report, url_credentials)
    return report


def _put_source(
    declared: Declared,
    name: str,
    url: str | None,
    prio: Priority,
    report: Report,
    url_credentials: UrlCredentials,
) -> None:
    """Validate the new pool (Poetry's checks) and write the source."""
    specs, _ = declared.specs()
    if prio is Priority.DEFAULT:
        others = [s.name for s in specs if s.priority is Priority.DEFAULT]
        others = [n for n in others if n.lower() != name.lower()]
        if others:
            raise SourceError(
                f"Source with name {others[0]} is already set to default. Only one default "
                f"source can be configured at a time.",
                source=name,
            )
    new = SourceSpec(name=name, url=url, priority=prio)
    updated = False
    candidate: list[SourceSpec] = []
    for spec in specs:
        if spec.name.lower() == name.lower():
            candidate.append(new)
            updated = True
        else:
            candidate.append(spec)
    if not updated:
        candidate.append(new)
    try:
        build_pool(candidate)
    except SourceError as exc:
        if "explicit" in str(exc):
            raise
        raise SourceError(f"Failed to validate addition of {name}: {exc}", source=name) from exc
    if updated:
        report.info.append(f"Source with name {name} already exists. Updating.")
    else:
        report.info.append(f"Adding source with name {name}.")
    if declared.project is not None:
        clean = url
        if url:
            # Credentials never go into pyproject.toml (it is usually committed): they
            # become http-basic.NAME, in the keyring when there is one. (Poetry would
            # write the URL as typed.)
            clean, saved = url_credentials(name, url, FILENAME)
            report.warnings.extend(saved.warnings)
        declared.project.write_source(name, clean, prio)
    else:
        declared.session_sources = candidate
        declared.say_kernel_only(report)


def remove_source(declared: Declared, name: str) -> Report:
    """Remove the source(s) with that name, case-insensitively (``poetry source remove``)."""
    report = Report()
    if declared.project is not None:
        removed = declared.project.delete_source(name)
    else:
        sources = declared.session_sources
        removed = [s.name for s in sources if s.name.lower() == name.lower()]
        declared.session_sources = [s for s in sources if s.name.lower() != name.lower()]
    if not removed:
        raise UnknownSourceError(f"Source with name {name} was not found.", source=name)
    for stored in removed:
        report.info.append(f"Removing source with name {stored}.")
    still = sorted({pin.name for pin in declared.pins() if pin.source.lower() == name.lower()})
    if still:
        report.warnings.append(
            f"Dependencies still pinned to {name}: {', '.join(still)}. Their lookups will "
            f'fail with: Repository "{name.lower()}" does not exist.'
        )
    return report


def show_sources(declared: Declared, *names: str) -> SourceTable:
    """The declared sources (``poetry source show``), optionally filtered by name."""
    specs, _ = declared.specs()
    pool = declared.pool()
    if not specs:
        return SourceTable(entries=[], empty=True, note=IMPLICIT_PYPI_NOTE)
    wanted = {n.lower() for n in names}
    chosen = [s for s in specs if not wanted or s.name.lower() in wanted]
    if names and not chosen:
        raise SourceError(f"No source found with name(s): {', '.join(names)}")
    entries = []
    for spec in chosen:
        entry = {"name": PYPI_NAME if is_pypi_name(spec.name) else spec.name}
        if spec.url and not is_pypi_name(spec.name):
            entry["url"] = redact_url(spec.url)
        entry["priority"] = spec.effective_priority.value
        entries.append(entry)
    note = IMPLICIT_PYPI_NOTE if (not names and pool.has_implicit_pypi) else ""
    return SourceTable(entries=entries, note=note)


def check_pins(declared: Declared) -> list[str]:
    """``poetry check``'s source errors: pins naming a source that does not exist."""
    names = set(declared.pool().names)
    bad = sorted({p.source for p in declared.pins() if p.source not in names})
    return [f'Error: Invalid source "{b}" referenced in dependencies.' for b in bad]
