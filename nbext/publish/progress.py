"""Progress of a publish: what an observer is told, and Poetry's text progress line."""

from __future__ import annotations

import sys
from typing import Any, Protocol

__all__ = ["PublishObserver", "TextProgress"]


class PublishObserver(Protocol):
    """Progress of a publish (called from the kernel thread)."""

    def build_done(self, output: str) -> None: ...

    def file_started(self, name: str, total: int) -> None: ...

    def file_progress(self, name: str, sent: int, total: int) -> None: ...

    def file_done(self, name: str, state: str, detail: str) -> None: ...


class TextProgress:
    """Poetry's `` - Uploading <file> <pct>%`` line, updated in place on a terminal and wiped
    when the file is done (the result lists every file); nothing on other streams."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream if stream is not None else sys.stdout
        self._tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last: dict[str, int] = {}

    def build_done(self, output: str) -> None:
        pass

    def file_started(self, name: str, total: int) -> None:
        self._last[name] = -1

    def file_progress(self, name: str, sent: int, total: int) -> None:
        pct = 100 * sent // total if total else 100
        if self._tty and pct != self._last.get(name):
            self._last[name] = pct
            self.stream.write(f"\r - Uploading {name} {pct}%")
            self.stream.flush()

    def file_done(self, name: str, state: str, detail: str) -> None:
        if self._tty:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
