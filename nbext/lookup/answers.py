"""What a source answered: one project page, one release's metadata (data)."""

from __future__ import annotations

from dataclasses import dataclass, field

from nbext.index.files import Release
from nbext.index.metadata import ReleaseMetadata
from nbext.net.client import Event
from nbext.sources.pool import Source

__all__ = ["MetadataResult", "PageResult"]


@dataclass
class PageResult:
    """What one source answered for one project page."""

    source: Source
    url: str
    status: int | None = None
    releases: list[Release] = field(default_factory=list)
    error: str | None = None
    warning: str | None = None
    elapsed: float = 0.0
    events: list[Event] = field(default_factory=list)
    cache: str = ""  # the cache's state when no response says it (offline, nothing cached)
    unreachable: bool = False  # not asked: the source could not be reached earlier
    gave_up: str | None = None  # why a 429/5xx was not retried (a Retry-After over the cap)
    notes: list[str] = field(default_factory=list)  # what reading the page left out, and why
    #: The page's PEP 708 lists (``nbext.index.reader.ProjectPage``): the project pages on
    #: other repositories this one tracks, and the project's declared alternate locations.
    tracks: tuple[str, ...] = ()
    alternate_locations: tuple[str, ...] = ()


@dataclass
class MetadataResult:
    """What was read for one release's metadata, and how."""

    metadata: ReleaseMetadata | None
    #: "PEP 658" | "range requests" | "wheel" | "sdist" | ... (see nbext.lookup.results._VIA)
    via: str
    warning: str | None = None
    error: str | None = None
    events: list[Event] = field(default_factory=list)
    #: Why a way to the metadata was passed over, in the order tried (shown with the chosen
    #: release): a PEP 658 file whose hash or Name/Version does not match, a failed request.
    passed_over: list[str] = field(default_factory=list)
