"""``%source audit`` / ``Workspace.audit()``: every dependency of the project (direct and
locked) with the source it comes from, its pin, where else its name exists, and the radar's
verdict (:mod:`nbext.lookup.radar`).

The source of a locked package is the lock's (``[package.source]``, else the public index); a
direct dependency not locked yet is looked up with Poetry's rules. Every other source is asked
for every name at once on one lookup's thread pool (pages already read cost nothing), and the
public index too when it is not a declared source and ``radar.public`` is on (the default):
without credentials, as a source nobody configured any for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from nbext.constants import pypi_simple_url
from nbext.lookup.batch import LookupWorkspace, lookup_many, new_lookup
from nbext.lookup.radar import RadarVerdict, Sighting, judge, sighting, survey
from nbext.resolve.lock import project_poetry
from nbext.resolve.poetry_api import OneStream
from nbext.resolve.results import AuditResult, AuditRow, read_locked
from nbext.sources.pool import Priority, Source, SourcePool

__all__ = ["PUBLIC_NAME", "audit", "public_source"]

#: How the public index is named when it is not one of the sources.
PUBLIC_NAME = "public index"


def public_source(pool: SourcePool, enabled: bool) -> Source | None:
    """The public index as an undeclared source, when the radar should ask it."""
    if not enabled or any(s.kind == "pypi" for s in pool):
        return None
    return Source(
        name=PUBLIC_NAME, url=pypi_simple_url().rstrip("/"), priority=Priority.PRIMARY, probe=True
    )


def audit(ws: LookupWorkspace, project_dir: Path, *, public: bool = True) -> AuditResult:
    """Audit the project's dependencies (see the module docstring)."""
    poetry = project_poetry(project_dir, OneStream())
    pool = ws.sources
    direct: dict[str, Any] = {
        str(canonicalize_name(d.name)): d for d in poetry.package.all_requires
    }
    lock = poetry.locker.lock
    locked = {p.name: p for p in read_locked(lock)} if lock.exists() else {}
    names = sorted(direct.keys() | locked.keys())
    chosen: dict[str, str] = {n: locked[n].source for n in names if n in locked}
    todo = [n for n in names if n not in chosen]
    result = AuditResult()
    if todo:
        for name, found in zip(todo, lookup_many(ws, todo, None, None, False, False), strict=True):
            if found.chosen is not None:
                chosen[name] = found.chosen.source
            else:
                result.notes.append(f"{name}: {found.message}")
    outsider = public_source(pool, public)
    everyone = [*pool, *([outsider] if outsider else [])]
    run = new_lookup(ws, pool)
    asked = {n: survey(run.page_fetcher, everyone, n) for n in names if n in chosen}
    for name, futures in asked.items():
        here = chosen[name]
        if here == "PyPI" or any(s.kind == "pypi" and s.name == here for s in pool):
            dep = direct.get(name)
            result.rows.append(
                AuditRow(
                    name=name,
                    version=locked[name].version if name in locked else "",
                    source=here,
                    pinned=dep.source_name if dep is not None else None,
                    direct=name in direct,
                    radar=RadarVerdict(name, here, "safe", "It comes from the public index."),
                )
            )
            continue
        sightings = []
        mine: Sighting | None = None
        for source, fut in futures:
            seen = sighting(source, fut.result(), declared=source is not outsider)
            if source.name.lower() == here.lower() or (here == "PyPI" and source is outsider):
                mine = seen
            else:
                sightings.append(seen)
        if mine is None:
            mine = Sighting(here, "primary", "")
        dep = direct.get(name)
        pin = dep.source_name if dep is not None and dep.source_name else None
        if pin is None:
            declared_pin = ws.declared.pin_for(name)
            pin = declared_pin.source if declared_pin is not None else None
        result.rows.append(
            AuditRow(
                name=name,
                version=locked[name].version if name in locked else "",
                source=here,
                pinned=pin,
                direct=name in direct,
                radar=judge(name, mine, sightings, pinned=pin is not None),
            )
        )
    return result
