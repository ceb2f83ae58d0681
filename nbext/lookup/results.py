"""Result objects with a deterministic ``text/plain`` repr (their HTML: ``nbext.ui.html``).

Rows are in pool order, versions ascending, no timestamps; only the per-source time changes
between runs (tutorials mask it with the nbval sanitize file).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from nbext.index.metadata import ReleaseMetadata
from nbext.net.client import Event
from nbext.report import text_table

if TYPE_CHECKING:
    from nbext.lookup.radar import RadarVerdict

__all__ = ["OFFLINE_NOT_CACHED", "Chosen", "LookupResult", "LookupResults", "SourceRow"]

_MAX_VERSIONS = 8


def _versions_text(versions: Sequence[str]) -> str:
    if not versions:
        return "-"
    if len(versions) <= _MAX_VERSIONS:
        return ", ".join(versions)
    return f"{', '.join(versions[:2])}, … {', '.join(versions[-(_MAX_VERSIONS - 3) :])}"


#: The cache column of a source that could not answer offline: nothing was cached.
OFFLINE_NOT_CACHED = "offline (not cached)"


@dataclass
class SourceRow:
    """What happened on one source during a lookup."""

    source: str
    priority: str
    url: str
    asked: bool = False
    skipped: str = ""  # why it was not asked
    status: int | None = None
    versions: list[str] = field(default_factory=list)  # matching, after Poetry's filters
    listed: int = 0  # versions on the page before filtering
    elapsed: float | None = None
    error: str | None = None
    warning: str | None = None
    requests: int = 0
    events: list[Event] = field(default_factory=list, repr=False)
    pending: bool = False  # asked, no answer yet (only while a live view shows it)
    cache: str = ""  # the HTTP cache's answer for the page: miss, hit (age), revalidated (304)
    unreachable: bool = False  # not asked: it could not be reached earlier in this lookup
    #: PEP 708, from the source's page for the project (empty when it says nothing, or was
    #: not read): the project pages on other repositories this source's operator says the
    #: project tracks, and the other repositories its owner declares as the same project's
    #: (as declared: PEP 708 counts the page's own URL among them). Absolute URLs without
    #: userinfo. For a dependency-confusion check; not shown in the table.
    tracks: tuple[str, ...] = ()
    alternate_locations: tuple[str, ...] = ()

    @property
    def outcome(self) -> str:
        if self.pending:
            return "asking…"
        if not self.asked:
            return self.skipped or "no"
        if self.error:
            # Offline, the source was not asked over the network: its cache had nothing.
            if self.cache == OFFLINE_NOT_CACHED:
                return "no: offline"
            return "no: unreachable" if self.unreachable else "yes: error"
        if self.warning:
            return "yes: auth error"
        if not self.listed:
            return "yes: not found"
        return "yes"

    def cells(self, *, live: bool = False, cache: bool = False) -> list[str]:
        """The table cells; ``live``: the lookup is still running (undecided rows wait);
        ``cache``: with the cache column (before the time, which stays last)."""
        blank = ["", "", "", ""] if cache else ["", "", ""]
        if live and not self.asked and not self.skipped and not self.pending:
            return [self.source, self.priority, "waiting", *blank]
        if not self.asked or self.pending:
            return [self.source, self.priority, self.outcome, *blank]
        elapsed = f"{self.elapsed * 1000:.0f} ms" if self.elapsed is not None else ""
        cells = [
            self.source,
            self.priority,
            self.outcome,
            str(self.status) if self.status is not None else "-",
            _versions_text(self.versions),
        ]
        if cache:
            cells.append(self.cache or "-")
        return [*cells, elapsed]


@dataclass
class Chosen:
    """The release a lookup chose, and why."""

    name: str
    version: str
    source: str
    reason: str
    yanked: bool = False
    yanked_reason: str | None = None
    prerelease: bool = False
    file: str | None = None
    url: str | None = None
    metadata: ReleaseMetadata | None = None
    metadata_via: str | None = None
    #: What the metadata line adds: ways passed over and why, or why none could be read.
    metadata_note: str | None = None

    def __repr__(self) -> str:
        return f"Chosen(name={self.name!r}, version={self.version!r}, source={self.source!r})"


_VIA = {
    "PEP 658": "(PEP 658 file)",
    "JSON API": "(JSON API)",
    "metadata cache": "(Poetry's metadata cache)",
    "range requests": "(from the wheel, by range requests)",
    "wheel": "(from the wheel)",
    "sdist": "(from the sdist)",
    "sdist (read as it arrived)": "(PKG-INFO, read from the start of the sdist as it arrived)",
    "wheel (artifact cache)": "(from the wheel in the artifact cache)",
    "sdist (artifact cache)": "(from the sdist in the artifact cache)",
}


def via_text(via: str | None) -> str:
    """How the chosen release's metadata was read, in words."""
    if not via:
        return ""
    return _VIA.get(via, f"({via})")


_HEADERS = ("source", "priority", "asked", "status", "matching versions", "time")
_HEADERS_CACHE = ("source", "priority", "asked", "status", "matching versions", "cache", "time")


@dataclass
class LookupResult:
    """The answer to one requirement: one row per source and the chosen release."""

    requirement: str
    name: str
    constraint: str
    per_source: list[SourceRow]
    chosen: Chosen | None = None
    pinned: str | None = None
    python: str = ""
    message: str = ""
    notes: list[str] = field(default_factory=list)
    #: The dependency-confusion radar on the chosen package (:mod:`nbext.lookup.radar`):
    #: ``verdict`` "safe", "unsafe" or "declared", ``elsewhere``; None for a package from the
    #: public index or when nothing was chosen.
    radar: RadarVerdict | None = None

    def columns(self) -> tuple[tuple[str, ...], bool]:
        """The table's headers: a cache column when the HTTP cache said anything."""
        cache = any(r.cache for r in self.per_source)
        return (_HEADERS_CACHE if cache else _HEADERS), cache

    @property
    def headline(self) -> str:
        if self.chosen is not None:
            return f"{self.requirement}: {self.chosen.reason}"
        return f"{self.requirement}: {self.message}"

    @property
    def errors(self) -> list[str]:
        return [r.error for r in self.per_source if r.error]

    def log_lines(self, verbosity: int) -> list[str]:
        """``-v``: one line per source; ``-vv``: one per request; ``-vvv``: with headers."""
        lines: list[str] = []
        for row in self.per_source:
            if verbosity >= 1 and row.asked:
                lines.append(
                    f"Source ({row.source}): {len(row.versions)} packages found for {self.name} "
                    f"{self.constraint} ({row.requests} request{'s' if row.requests != 1 else ''})"
                )
            if verbosity >= 2:
                for event in row.events:
                    lines.append("  " + event.line())
                    if verbosity >= 3:
                        lines += ["  " + line for line in event.detail_lines()]
        return lines

    def text_lines(self) -> list[str]:
        lines = [self.headline]
        headers, cache = self.columns()
        rows = (r.cells(cache=cache) for r in self.per_source)
        lines += ["  " + line for line in text_table(headers, rows)]
        lines += [f"  ! {note}" for note in self.notes]
        lines += [f"  ! {r.error}" for r in self.per_source if r.error]
        if self.chosen and self.chosen.metadata:
            m = self.chosen.metadata
            deps = ", ".join(m.requires_dist) or "none"
            lines.append(
                f"  metadata {via_text(self.chosen.metadata_via)}: requires-python "
                f"{m.requires_python or 'any'}; requires {deps}"
            )
        if self.chosen and self.chosen.metadata_note:
            lines.append(f"  metadata: {self.chosen.metadata_note}")
        return lines

    def __repr__(self) -> str:
        return "\n".join(self.text_lines())


class LookupResults(list[LookupResult]):
    """Results of ``lookup_many``, in the order asked."""

    def __repr__(self) -> str:
        return "\n\n".join(repr(r) for r in self)
