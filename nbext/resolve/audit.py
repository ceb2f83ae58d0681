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

from nbext.lookup.batch import LookupWorkspace, lookup_many, new_lookup
from nbext.lookup.radar import RadarVerdict
from nbext.lookup.survey import Survey, from_public
from nbext.resolve.lock import project_poetry
from nbext.resolve.poetry_api import OneStream
from nbext.resolve.radar import pins_of
from nbext.resolve.results import AuditResult, AuditRow, read_locked

__all__ = ["audit"]


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
        found_all = lookup_many(ws, todo, None, None, False, False, radar=False)
        for name, found in zip(todo, found_all, strict=True):
            if found.chosen is not None:
                chosen[name] = found.chosen.source
            else:
                result.notes.append(f"{name}: {found.message}")
    pins = pins_of(ws, direct.values(), names)
    survey = Survey.for_audit(new_lookup(ws, pool).page_fetcher, pool, ws.settings, public=public)
    verdicts = survey.verdicts(chosen, pins)
    for name in names:
        if name not in chosen:
            continue
        here = chosen[name]
        radar = verdicts.get(name)
        if radar is None:
            assert from_public(here, pool)
            radar = RadarVerdict(name, here, "safe", "It comes from the public index.")
        result.rows.append(
            AuditRow(
                name=name,
                version=locked[name].version if name in locked else "",
                source=here,
                pinned=pins.get(name),
                direct=name in direct,
                radar=radar,
            )
        )
    return result
