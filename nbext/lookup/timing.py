"""Where a lookup's time goes, per source: its pages, the metadata of the releases it chose,
and the bytes both cost (pure: sums over :class:`~nbext.net.events.Event`).

``%lookup -v`` prints it per source and the live view shows it while the lookup runs, so a
slow source (a large page, a metadata file read by range requests, an sdist) stands out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from nbext.net.events import Event

__all__ = ["SourceTime", "is_page", "time_by_source"]

_FILE_ENDINGS = (".whl", ".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tar", ".metadata")


def is_page(event: Event) -> bool:
    """A project page (or a single-page index), not a metadata file, a distribution or the
    JSON API: what is not one of those."""
    path = event.url.split("?", 1)[0].split("#", 1)[0]
    return not (path.endswith(_FILE_ENDINGS) or ("/pypi/" in path and path.endswith("/json")))


@dataclass
class SourceTime:
    """One source's share of a lookup."""

    source: str
    page_seconds: float = 0.0
    metadata_seconds: float = 0.0
    page_bytes: int = 0
    metadata_bytes: int = 0
    requests: int = 0

    def add(self, event: Event) -> None:
        if not event.is_request:
            return  # a retry wait, or an answer from the cache that sent nothing
        self.requests += 1
        if is_page(event):
            self.page_seconds += event.elapsed
            self.page_bytes += event.size
        else:
            self.metadata_seconds += event.elapsed
            self.metadata_bytes += event.size

    def text(self) -> str:
        """``pages 120 ms, 1.9 MB; metadata 40 ms, 128 KB; 3 requests``."""
        parts = [f"pages {_ms(self.page_seconds)}, {_bytes(self.page_bytes)}"]
        if self.metadata_bytes or self.metadata_seconds:
            parts.append(f"metadata {_ms(self.metadata_seconds)}, {_bytes(self.metadata_bytes)}")
        parts.append(f"{self.requests} request{'s' if self.requests != 1 else ''}")
        return "; ".join(parts)


def time_by_source(events: Iterable[Event]) -> dict[str, SourceTime]:
    """The events' time and bytes by source, in the order the sources first appear."""
    out: dict[str, SourceTime] = {}
    for event in events:
        out.setdefault(event.source, SourceTime(event.source)).add(event)
    return out


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _bytes(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} B"
