"""The HTML views of nbext's results: one renderer per result type, all behind :func:`to_html`.

The result types themselves (``nbext.lookup.results``, ``nbext.report``, ...) keep only their
text (``repr``); their HTML lives here, and :mod:`nbext.ui.display` registers every renderer
of :func:`to_html` with IPython's ``text/html`` formatter, so a notebook shows each result as
it always did. Pure: data in, markup out (every value escaped).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from functools import singledispatch

from nbext.cache.commands import CacheTable
from nbext.lookup.results import LookupResult, LookupResults, via_text
from nbext.net.diagnose import Diagnosis
from nbext.project.status import Status
from nbext.publish.results import PublishResult
from nbext.report import SourceTable, size_text

__all__ = ["html_table", "lookup_html", "to_html"]


def html_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    head = "".join(f"<th style='text-align:left'>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td style='text-align:left'>{html.escape(c)}</td>" for c in r) + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _tr(*cells: str, style: str = "") -> str:
    """A table row of cells that are HTML already (each with ``style``, if given)."""
    td = f"<td style='{style}'>" if style else "<td>"
    return "<tr>" + "".join(f"{td}{c}</td>" for c in cells) + "</tr>"


@singledispatch
def to_html(obj: object) -> str:
    """The HTML view of an nbext result (``TypeError`` for a type that has none)."""
    raise TypeError(f"nbext has no HTML view for {type(obj).__name__}")


@to_html.register
def lookup_html(result: LookupResult, *, live: bool = False) -> str:
    """The HTML view; ``live`` while the lookup runs (the live view renders this)."""
    headers, cache = result.columns()
    if live:
        head = f"<b>{html.escape(result.requirement)}</b>: looking up…"
    elif result.chosen is not None:
        head = (
            f"<b>{html.escape(result.requirement)}</b>: <b>{html.escape(result.chosen.version)}"
            f"</b> from <b>{html.escape(result.chosen.source)}</b>: "
            f"<span>{html.escape(result.chosen.reason.split(': ', 1)[-1])}</span>"
        )
    else:
        head = f"<b>{html.escape(result.requirement)}</b>: {html.escape(result.message)}"
    parts = [
        f"<div class='nbext-lookup'><p>{head}</p>",
        html_table(headers, (r.cells(live=live, cache=cache) for r in result.per_source)),
    ]
    if live:
        return "".join(parts) + "</div>"
    notes = [*result.notes, *result.errors]
    if notes:
        parts.append("<ul>" + "".join(f"<li>{html.escape(n)}</li>" for n in notes) + "</ul>")
    if result.chosen and result.chosen.metadata:
        m = result.chosen.metadata
        parts.append(
            f"<p>metadata {html.escape(via_text(result.chosen.metadata_via))}: "
            f"requires-python "
            f"<code>{html.escape(m.requires_python or 'any')}</code>; requires "
            f"<code>{html.escape(', '.join(m.requires_dist) or 'none')}</code></p>"
        )
    if result.chosen and result.chosen.metadata_note:
        parts.append(f"<p>metadata: {html.escape(result.chosen.metadata_note)}</p>")
    parts.append("</div>")
    return "".join(parts)


@to_html.register
def _lookup_results(results: LookupResults) -> str:
    return "".join(lookup_html(r) for r in results)


@to_html.register
def _source_table(table: SourceTable) -> str:
    if table.empty:
        body = "<p>No sources configured for this project.</p>"
    else:
        rows = [[e.get("name", ""), e.get("url", ""), e.get("priority", "")] for e in table.entries]
        body = html_table(("name", "url", "priority"), rows)
    if table.note:
        body += f"<p><i>{html.escape(table.note)}</i></p>"
    return f"<div class='nbext-sources'>{body}</div>"


@to_html.register
def _cache_table(table: CacheTable) -> str:
    if not table.rows:
        return "<p>No caches found</p>"
    body = html_table(table.HEADERS, (table.cells(s) for s in table.rows))
    seen = "".join(
        f"<li><b>{html.escape(s.source)}</b>: Cache-Control seen: "
        f"<code>{html.escape('; '.join(s.cache_control))}</code></li>"
        for s in table.rows
        if s.cache_control
    )
    where = f"<p><i>in {html.escape(str(table.root))}</i></p>"
    listed = f"<ul>{seen}</ul>" if seen else ""
    return f"<div class='nbext-cache'>{body}{listed}{where}</div>"


#: Every cell of a table reads left-aligned (JupyterLab right-aligns table cells by default).
_LEFT = "text-align:left"


@to_html.register
def _status(status: Status) -> str:
    e = html.escape
    rows = "".join(
        _tr(e(s.name), e(s.priority), e(s.credentials), f"<code>{e(s.url)}</code>", style=_LEFT)
        for s in status.sources
    )
    head = "".join(f"<th style='{_LEFT}'>{e(h)}</th>" for h in status.HEADERS)
    table = f"<table><tr>{head}</tr>{rows}</table>" if rows else "<p>sources: none</p>"
    warnings = "".join(f"<p style='color:#a60'><b>warning:</b> {e(w)}</p>" for w in status.warnings)
    repos = (
        "<p>publishing to: "
        + ", ".join(f"<b>{e(n)}</b> <code>{e(u)}</code>" for n, u in status.repositories)
        + "</p>"
        if status.repositories
        else ""
    )
    notes = "".join(f"<p>{e(n)}</p>" for n in status.notes)
    return (
        f"<div><p><b>nbext {e(status.version)}</b> &mdash; project: "
        f"<code>{e(status.project)}</code></p>{table}{warnings}{repos}"
        f"<p>caches: {e(size_text(status.cache_size))} in {status.cache_sources} source cache(s), "
        f"<code>{e(status.cache_dir)}</code></p>{notes}</div>"
    )


@to_html.register
def _publish_result(result: PublishResult) -> str:
    e = html.escape
    rows = "".join(
        _tr(
            f"<code>{e(f.name)}</code>",
            f"{f.size:,}",
            f"<code>{e(f.sha256[:12])}</code>",
            e(f.state),
            e(f.detail),
        )
        for f in result.files
    )
    head = (
        f"<p>{'Dry run: would publish' if result.dry_run else 'Publishing'} "
        f"<b>{e(result.project)}</b> ({e(result.version)}) to <b>{e(result.repository)}</b> "
        f"<code>{e(result.url)}</code></p>"
    )
    warn = "".join(f"<p style='color:#a60'>{e(w)}</p>" for w in result.warnings)
    notes = "".join(f"<li>{e(n)}</li>" for n in result.notes)
    link = (
        f"<p>Project page: <a href='{e(result.project_url)}' target='_blank'>"
        f"{e(result.project_url)}</a></p>"
        if result.project_url
        else ""
    )
    build = (
        f"<details><summary>Build output</summary><pre style='max-height:20em;"
        f"overflow:auto'>{e(result.build_output)}</pre></details>"
        if result.build_output
        else ""
    )
    table = (
        "<table><tr><th>file</th><th>bytes</th><th>sha256</th><th>result</th>"
        f"<th></th></tr>{rows}</table>"
    )
    return f"<div>{warn}{head}{build}{table}<ul>{notes}</ul>{link}</div>"


@to_html.register
def _diagnosis(diagnosis: Diagnosis) -> str:
    return "<pre class='nbext-diagnose'>" + html.escape(repr(diagnosis)) + "</pre>"
