"""The dependency-confusion radar on a lock's, an install's or an audit's packages: which
source each comes from, what it is pinned to, and the verdicts of
:class:`~nbext.lookup.survey.Survey` (whose requests share the run's fetchers)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from packaging.utils import canonicalize_name

from nbext.lookup.batch import LookupWorkspace
from nbext.lookup.fetch_pages import PageFetcher
from nbext.lookup.radar import RadarVerdict
from nbext.lookup.survey import Survey

__all__ = ["audit_survey", "pins_of", "survey_for", "verdicts"]


def survey_for(
    ws: LookupWorkspace, pages: PageFetcher, *, public: bool | None = None
) -> Survey | None:
    """A survey over the workspace's sources for a lock or an install (None when ``%config
    radar.enabled`` is false); ``public``: ask the public index when it is not one of them
    (default ``%config radar.public``, on)."""
    if not ws.settings.flag("radar.enabled", True):
        return None
    if public is None:
        public = ws.settings.flag("radar.public", True)
    return Survey.over(pages, ws.sources, public=public)


def audit_survey(ws: LookupWorkspace, pages: PageFetcher, *, public: bool | None = None) -> Survey:
    """The survey of ``%source audit``, the radar's own question: whatever ``radar.enabled``
    says, asking the public index again even when it did not answer a moment ago, and
    waiting for each page's own deadline."""
    if public is None:
        public = ws.settings.flag("radar.public", True)
    survey = Survey.over(pages, ws.sources, public=public)
    survey.insist = True  # the public index asked again; each page waited for
    return survey


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
