"""``%lock`` and ``%install`` in a notebook: their HTML results and the live views while they run.

* :class:`LiveInstall` watches an install (an
  :class:`~nbext.resolve.executor.InstallObserver` and an event sink): resolving while the
  solver asks the sources (the requests per source so far), then a row per package that goes
  waiting -> downloading (bytes, or "cached") -> verified -> installing -> done, with the
  source it comes from. When the install ends the view is closed and taken out of the cell;
  the static result (:class:`~nbext.resolve.results.InstallResult`) takes its place.
* :class:`LiveLock` shows the requests per source while Poetry's solver runs.

Both are transient views (:class:`~nbext.ui.views.TransientView`): a saved notebook keeps
only the result.
"""

from __future__ import annotations

import html
import threading
from typing import Any

from nbext.lookup.timing import SourceTime
from nbext.net.client import Event
from nbext.report import size_text
from nbext.resolve.results import (
    RADAR_HEADERS,
    AuditResult,
    InstallResult,
    InstallStep,
    LockResult,
    radar_cells,
)
from nbext.ui.html import html_table, to_html
from nbext.ui.views import INTERVAL, Throttle, TransientView

__all__ = ["LiveInstall", "LiveLock", "install_html", "lock_html"]

_STATE_WORDS = {
    "waiting": "waiting",
    "downloading": "downloading…",
    "verified": "verified",
    "installing": "installing…",
    "done": "done",
    "failed": "failed",
}


_STEP_HEADERS = ("package", "version", "action", "source", "file", "state")


def _pre(lines: list[str]) -> str:
    text = "\n".join(line for line in lines if line.strip())
    return f"<pre style='margin:0'>{html.escape(text)}</pre>" if text else ""


@to_html.register
def lock_html(result: LockResult) -> str:
    rows = []
    for p in result.packages:
        old, _new = result.changes.get(p.name, ("", ""))
        change = f"was {old}" if old else ("new" if p.name in result.changes else "")
        radar = radar_cells(result.radar.get(p.name)) if result.radar else []
        rows.append([p.name, p.version, p.source, *radar, ", ".join(p.groups), change])
    removed = sorted(n for n, (old, new) in result.changes.items() if old and not new)
    blank = ["", ""] if result.radar else []
    rows += [[n, "", "", *blank, "", f"removed (was {result.changes[n][0]})"] for n in removed]
    heads = ["package", "version", "source", *(RADAR_HEADERS if result.radar else ()), "groups"]
    state = "written" if result.written else "up to date"
    if result.dry_run:
        state = "not written (dry run); it would hold"
    parts = [
        f"<div class='nbext-lock'><p><b>{html.escape(result.path.name)}</b> {state}: "
        f"{len(result.packages)} packages</p>",
        _pre(result.output),
        html_table([*heads, "change"], rows),
        _pre([*result.radar_lines(), *result.notes]),
        "</div>",
    ]
    return "".join(parts)


@to_html.register
def audit_html(result: AuditResult) -> str:
    """``%source audit``: one row per dependency; unsafe rows say why and the fix."""
    rows = [
        [*r.cells(), r.radar.reason + (f" {r.radar.advice()}" if r.radar.fix else "")]
        for r in result.rows
    ]
    unsafe = len(result.unsafe)
    head = f"{unsafe} unsafe" if unsafe else "no dependency could be taken from another source"
    return (
        f"<div class='nbext-audit'><p><b>%source audit</b>: {html.escape(head)}</p>"
        + html_table(["package", "version", "source", "pinned", "also on", "verdict", "why"], rows)
        + _pre(result.note_lines())
        + "</div>"
    )


@to_html.register
def install_html(result: InstallResult) -> str:
    radar = any(s.radar is not None for s in result.steps)
    rows = [
        [*_step_cells(s, done=True), *(radar_cells(s.radar) if radar else [])] for s in result.steps
    ]
    head = "would change" if result.dry_run else "installed into"
    parts = [
        f"<div class='nbext-install'><p><b>%install</b> {head} "
        f"<code>{html.escape(result.environment)}</code></p>",
        _pre(result.output),
        html_table([*_STEP_HEADERS, *(RADAR_HEADERS if radar else ())], rows)
        if rows
        else "<p>No dependencies to install or update</p>",
        _pre([*result.radar_lines(), *result.notes]),
        "</div>",
    ]
    return "".join(parts)


def _step_cells(step: InstallStep, *, done: bool) -> list[str]:
    version = f"{step.previous} → {step.version}" if step.previous else step.version
    state = _STATE_WORDS.get(step.state, step.state)
    if step.cached:
        state += " (cached)"
    elif step.size:
        state += f" ({size_text(step.size)})"
    if step.error:
        state += f": {step.error}"
    return [step.name, version, step.action, step.source, step.filename, state]


class _Activity:
    """Requests per source so far (the solver's pages and metadata)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, SourceTime] = {}

    def add(self, event: Event) -> None:
        with self.lock:
            self.times.setdefault(event.source, SourceTime(event.source)).add(event)

    def html(self) -> str:
        with self.lock:
            rows = [[name, t.text()] for name, t in self.times.items()]
        return html_table(["source", "so far"], rows) if rows else ""


class LiveLock(TransientView):
    """``%lock`` while Poetry's solver runs."""

    def __init__(self, *, interval: float = INTERVAL) -> None:
        import ipywidgets as w

        self._activity = _Activity()
        self.head = w.HTML(value="<b>%lock</b>: resolving dependencies…")
        self.table = w.HTML(value="")
        self.widget = w.VBox([self.head, self.table])
        self._throttle = Throttle(self._render, interval)

    def event(self, event: Event) -> None:
        self._activity.add(event)
        self._throttle.poke()

    def _render(self) -> None:
        self.table.value = self._activity.html()

    def finish(self) -> None:
        self._throttle.stop()
        self.hide()
        self.widget.close()

    def __repr__(self) -> str:
        return "%lock: live view (closed when the lock is written; the result follows)"


class LiveInstall(TransientView):
    """``%install`` while it runs (see the module docstring)."""

    def __init__(self, what: str, *, interval: float = INTERVAL) -> None:
        import ipywidgets as w

        self.what = what
        self._activity = _Activity()
        self._lock = threading.Lock()
        self._steps: dict[int, InstallStep] = {}
        self.head = w.HTML(value=f"<b>%install {html.escape(what)}</b>: resolving…")
        self.table = w.HTML(value="")
        self.widget = w.VBox([self.head, self.table])
        self._throttle = Throttle(self._render, interval)

    # -- InstallObserver and event sink (any thread) ---------------------------------------------
    def update(self, step: InstallStep) -> None:
        with self._lock:
            self._steps[id(step)] = step
        self._throttle.poke()

    def event(self, event: Event) -> None:
        self._activity.add(event)
        self._throttle.poke()

    def _render(self) -> None:
        with self._lock:
            steps = list(self._steps.values())
        if steps:
            done = sum(1 for s in steps if s.state == "done")
            self.head.value = (
                f"<b>%install {html.escape(self.what)}</b>: {done}/{len(steps)} packages"
            )
            rows: list[Any] = [_step_cells(s, done=False) for s in steps]
            self.table.value = html_table(list(_STEP_HEADERS), rows)
        else:
            self.table.value = self._activity.html()

    def finish(self) -> None:
        self._throttle.stop()
        self.hide()
        self.widget.close()

    def __repr__(self) -> str:
        what = f" {self.what}" if self.what else ""
        return f"%install{what}: live view (closed when the install ends; the result follows)"
