"""The dependency-confusion radar: for a package taken from one source, where else its name
exists, and whether a copy there could ever be chosen instead (PEP 708 and Poetry's rules).

Pure rules (:func:`judge`) over what each source's page said (:class:`Sighting`); the
requests that gather them are :mod:`nbext.lookup.survey`'s.

The verdicts:

* ``"safe"`` - no other source lists the name; or it is pinned to its source (only that source
  is asked for it); or no other copy can win under the priorities (an explicit source is never
  asked without a pin; a supplemental one only when no primary source has the package; an
  index that is not one of the sources is never asked). The reason says which.
* ``"declared"`` - other sources list it, and PEP 708 says they are the same project: one page
  ``tracks`` the other, or both name each other in ``alternate-locations``.
* ``"unsafe"`` - a copy elsewhere could win: another primary source (a higher version there
  is chosen, today or after the next upload), or a primary one while the package comes from a
  supplemental source. The fix is a pin: ``%add NAME --source SOURCE``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from nbext.lookup.answers import PageResult
from nbext.sources.pool import Priority, Source

__all__ = ["OUTSIDE", "PUBLIC_NAME", "RadarVerdict", "Sighting", "judge", "sighting"]

#: How the public index is named when it is not one of the sources.
PUBLIC_NAME = "public index"

Verdict = Literal["safe", "unsafe", "declared"]
OUTSIDE = "not a source"  # the priority of an index that is not one of the sources
_FIRST = (Priority.DEFAULT, Priority.PRIMARY, Priority.SECONDARY)


@dataclass(frozen=True)
class Sighting:
    """What one source's page says of the name."""

    source: str
    #: ``primary`` / ``supplemental`` / ``explicit``, or ``not a source`` (the public index
    #: when it is not declared).
    priority: str
    url: str
    highest: str = ""  # the highest version listed ("" when the page lists none)
    tracks: tuple[str, ...] = ()
    alternate_locations: tuple[str, ...] = ()
    error: str = ""  # the page could not be read: the radar does not know


@dataclass
class RadarVerdict:
    """Where else a package's name exists, and whether its configuration is safe."""

    name: str
    source: str
    verdict: Verdict
    reason: str
    #: Source name -> the highest version there, for every other source listing the name.
    elsewhere: dict[str, str] = field(default_factory=dict)
    fix: str = ""  # the line that makes it safe
    highest: str = ""  # the highest version on ``source`` ("" when not known)
    #: Declared sources that could not be asked (a copy there could change the verdict).
    unknown: list[str] = field(default_factory=list)
    #: The public index (not a source) could not be asked: ``elsewhere`` may miss it, the
    #: verdict cannot change (it is never asked for a package).
    public_unknown: bool = False

    def advice(self) -> str:
        """The fix in words. The radar cannot tell which copy is yours, so the pin is to the
        source it comes from now and the others are named: a shadowing stranger may be the
        one chosen (empty when nothing needs fixing)."""
        if not self.fix:
            return ""
        rest = " or ".join(f"--source {s}" for s in self.elsewhere)
        text = f"Fix: pin it to the source you trust: {self.fix} (where it comes from now)"
        return text + (f", or {rest}." if rest else ".")

    def also_on(self) -> str:
        """``elsewhere`` in words: ``mirror 6.6.6, public index 9.9.9`` ("" when empty)."""
        return ", ".join(f"{s} {v}" for s, v in self.elsewhere.items())

    def line(self) -> str:
        """One line for a lookup's, a lock's or an audit's text."""
        where = self.also_on() or "nowhere else"
        there = f" (highest there {self.highest})" if self.highest else ""
        text = f"radar: {self.verdict}: {self.name} from {self.source}{there}; also on: {where}. "
        text += self.reason
        if self.fix:
            text += " " + self.advice()
        if self.unknown:
            text += f" (not known for: {', '.join(self.unknown)})"
        return text


def _same(a: str, b: str) -> bool:
    return a.rstrip("/").lower() == b.rstrip("/").lower()


def _lists(urls: Sequence[str], url: str) -> bool:
    return any(_same(u, url) for u in urls)


def _declared(chosen: Sighting, other: Sighting) -> bool:
    """PEP 708: one page tracks the other, or each names the other as an alternate location."""
    if _lists(chosen.tracks, other.url) or _lists(other.tracks, chosen.url):
        return True
    return _lists(chosen.alternate_locations, other.url) and _lists(
        other.alternate_locations, chosen.url
    )


def _cannot_win(chosen: Sighting, other: Sighting) -> str:
    """Why the copy on ``other`` is never chosen instead (empty: it could be)."""
    if other.priority == OUTSIDE:
        return f"{other.source} is not one of the sources, so it is never asked"
    if other.priority == Priority.EXPLICIT.value:
        return f"{other.source} is explicit: it is asked only for the packages pinned to it"
    first = {p.value for p in _FIRST}
    if other.priority == Priority.SUPPLEMENTAL.value and chosen.priority in first:
        return (
            f"{other.source} is supplemental: it is asked only when no primary source has "
            "the package"
        )
    return ""


def judge(name: str, chosen: Sighting, others: Sequence[Sighting], pinned: bool) -> RadarVerdict:
    """The verdict for ``name`` taken from ``chosen`` (see the module docstring)."""
    listed = [o for o in others if o.highest and not o.error]
    unknown = [o.source for o in others if o.error and o.priority != OUTSIDE]
    elsewhere = {o.source: o.highest for o in listed}
    verdict = RadarVerdict(
        name, chosen.source, "safe", "", elsewhere, unknown=unknown, highest=chosen.highest
    )
    verdict.public_unknown = any(o.error and o.priority == OUTSIDE for o in others)
    if not listed:
        verdict.reason = "No other source lists it."
        return verdict
    if all(_declared(chosen, o) for o in listed):
        verdict.verdict = "declared"
        verdict.reason = (
            "The indexes declare them the same project (PEP 708 tracks/alternate-locations)."
        )
        return verdict
    if pinned:
        verdict.reason = f"It is pinned to {chosen.source}: no other source is asked for it."
        return verdict
    winners = [o for o in listed if not _cannot_win(chosen, o) and not _declared(chosen, o)]
    if not winners:
        reasons = [_cannot_win(chosen, o) for o in listed if not _declared(chosen, o)]
        verdict.reason = "; ".join(reasons) + "."
        return verdict
    verdict.verdict = "unsafe"
    names = ", ".join(o.source for o in winners)
    verdict.reason = (
        f"A copy on {names} could be chosen instead: Poetry takes the highest version from "
        "all primary sources."
        if chosen.priority in {p.value for p in _FIRST}
        else f"A copy on {names} is asked first: {chosen.source} is supplemental."
    )
    verdict.fix = f"%add {name} --source {chosen.source}"
    return verdict


def sighting(source: Source, page: PageResult, *, declared: bool = True) -> Sighting:
    """What ``page`` says of the name, as the radar reads it."""
    versions = [r.version for r in page.releases]
    error = page.error or page.warning or ""
    return Sighting(
        source=source.name,
        priority=source.priority.value if declared else OUTSIDE,
        url=page.url,
        highest=str(max(versions)) if versions else "",
        tracks=tuple(page.tracks),
        alternate_locations=tuple(page.alternate_locations),
        error=error if not versions else "",
    )
