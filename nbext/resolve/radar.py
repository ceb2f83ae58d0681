"""The dependency-confusion radar on a lock's, an install's or an audit's packages: which
source each comes from, what it is pinned to, and the verdicts of
:class:`~nbext.lookup.survey.Survey` (whose requests share the run's fetchers)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from packaging.utils import canonicalize_name

from nbext.lookup.batch import LookupWorkspace
from nbext.lookup.radar import RadarVerdict
from nbext.lookup.survey import Survey

__all__ = ["pins_of", "verdicts"]


def pins_of(ws: LookupWorkspace, requires: Iterable[Any], names: Iterable[str]) -> dict[str, str]:
    """The source each of ``names`` is pinned to: its dependency's ``source`` (of the project,
    or of the kernel's root), else a pin declared in the session; names without a pin are
    left out."""
    direct = {str(canonicalize_name(d.name)): d.source_name for d in requires if d.source_name}
    out: dict[str, str] = {}
    for name in names:
        if name in direct:
            out[name] = str(direct[name])
            continue
        pin = ws.declared.pin_for(name)
        if pin is not None:
            out[name] = pin.source
    return out


def verdicts(
    ws: LookupWorkspace,
    survey: Survey | None,
    chosen: Mapping[str, str],
    requires: Iterable[Any],
) -> dict[str, RadarVerdict]:
    """The verdict for each package of ``chosen`` (name -> source) not from the public index,
    waiting at most :data:`~nbext.lookup.survey.RADAR_WAIT` for pages not read yet (none
    without a survey)."""
    if survey is None:
        return {}
    return survey.verdicts(chosen, pins_of(ws, requires, chosen))
