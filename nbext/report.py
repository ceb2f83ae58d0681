"""The generic display objects commands return: a report of messages, a table of sources,
lines of text. Deterministic ``text/plain``, so nbval can compare them (their ``text/html``,
where it helps, is in ``nbext.ui.html``). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Report", "SourceTable", "TextLines"]


def text_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    rows = [list(r) for r in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]

    def fmt(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    return [fmt(headers), *(fmt(r) for r in rows)]


def size_text(n: int) -> str:
    """A byte count as people read it: ``512 B``, ``12.1 KB``."""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"  # pragma: no cover


@dataclass
class SourceTable:
    """``%source show``: Poetry's two-column listing per source."""

    entries: list[dict[str, str]]
    note: str = ""
    empty: bool = False

    def __repr__(self) -> str:
        if self.empty:
            out = ["No sources configured for this project.", ""]
        else:
            out = []
            for entry in self.entries:
                for key, value in entry.items():
                    out.append(f"{key.ljust(8)}  : {value}")
                out.append("")
        if self.note:
            out.append(self.note)
        return "\n".join(out).rstrip("\n")


class TextLines:
    """A display object whose text is :meth:`lines`: ``repr`` and IPython's pretty printer
    both show it (subclasses that are dataclasses need ``repr=False``)."""

    def lines(self) -> list[str]:
        raise NotImplementedError

    def __repr__(self) -> str:
        return "\n".join(self.lines())

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))


@dataclass
class Report:
    """Messages of a command, split like Poetry's stdout (info) and stderr (warnings)."""

    info: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return "\n".join([*self.warnings, *self.info])

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:
        p.text(repr(self))
