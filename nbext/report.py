"""The generic display objects commands return: a report of messages, a table of sources,
lines of text. Deterministic ``text/plain`` (and ``text/html`` where it helps), so nbval can
compare them. Pure: no I/O.
"""

from __future__ import annotations

import html
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


def html_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:left'>{html.escape(c)}</td>" for c in r) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


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

    def _repr_html_(self) -> str:
        if self.empty:
            body = "<p>No sources configured for this project.</p>"
        else:
            rows = [
                [e.get("name", ""), e.get("url", ""), e.get("priority", "")] for e in self.entries
            ]
            body = html_table(("name", "url", "priority"), rows)
        if self.note:
            body += f"<p><i>{html.escape(self.note)}</i></p>"
        return f"<div class='nbext-sources'>{body}</div>"


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
