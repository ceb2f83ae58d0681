"""Reading a wheel's METADATA with HTTP range requests (Poetry's ``solver.lazy-wheel``).

A wheel is a zip: its central directory sits at the end, and the METADATA member just before
it. One ``Range: bytes=-131072`` request usually returns both; otherwise one more returns what
is missing. So a multi-megabyte wheel costs one or two small requests instead of a download.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

from nbext.index.archive import wheel_metadata

__all__ = ["TAIL_BYTES", "RangeReader", "metadata_from_ranges", "total_size"]

#: The first request: the last 128 KiB (Poetry asks for 10,000 bytes). A wheel's central
#: directory and its METADATA (near the end: dist-info files come last) usually fit, so most
#: wheels cost one request instead of two or three; 128 KiB take a few ms on the wire where a
#: round trip to the public index took 50-100 ms here.
TAIL_BYTES = 128 * 1024
_BLOCK = 64 * 1024
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+)")


def total_size(content_range: str | None) -> int | None:
    """The full length from a ``Content-Range: bytes a-b/total`` header."""
    m = _CONTENT_RANGE.match(content_range or "")
    return int(m.group(3)) if m else None


class RangeReader(io.RawIOBase):
    """A seekable file over ``fetch(start, end)`` (inclusive byte ranges), with caching."""

    def __init__(self, size: int, tail: bytes, fetch: Callable[[int, int], bytes]) -> None:
        super().__init__()
        self.size = size
        self._fetch = fetch
        self._pos = 0
        self._chunks: list[tuple[int, bytes]] = [(size - len(tail), tail)]
        self.requests = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def _cached(self, start: int, length: int) -> bytes | None:
        for begin, data in self._chunks:
            if begin <= start and start + length <= begin + len(data):
                return data[start - begin : start - begin + length]
        return None

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        length = min(len(buffer), self.size - self._pos)
        if length <= 0:
            return 0
        data = self._cached(self._pos, length)
        if data is None:
            end = min(self.size, self._pos + max(length, _BLOCK)) - 1
            fetched = self._fetch(self._pos, end)
            self.requests += 1
            self._chunks.append((self._pos, fetched))
            data = fetched[:length]
        buffer[: len(data)] = data
        self._pos += len(data)
        return len(data)


def metadata_from_ranges(size: int, tail: bytes, fetch: Callable[[int, int], bytes]) -> bytes:
    """The ``*.dist-info/METADATA`` bytes of a remote wheel, read through range requests
    (an :class:`~nbext.index.archive.ArchiveError`, a ValueError, when they cannot be had)."""
    reader = RangeReader(size, tail, fetch)
    return wheel_metadata(io.BufferedReader(reader, buffer_size=_BLOCK))
