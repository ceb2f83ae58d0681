"""Live views of the network in a notebook: the per-source lookup view and the network log.

* :class:`LiveLookup` watches one ``%lookup`` (a :class:`~nbext.lookup.run.LookupObserver` and
  an event sink): a row per source that goes waiting -> asking... -> status, versions,
  time; a progress bar when more than :data:`PROGRESS_FROM` requirements are looked up; the
  requests streaming by at ``-vv``/``-vvv``. When the lookup ends the view is closed and taken
  out of the cell (:class:`~nbext.ui.views.TransientView`): the static, deterministic result
  takes its place, and a saved notebook keeps only that.
* :class:`NetLog` is ``%netlog``: every HTTP exchange of the kernel, live, with a filter by
  source and a clear button.

Both are throttled widget views (:mod:`nbext.ui.views`); ``%publish`` and ``%cache`` have
theirs in :mod:`nbext.ui.publishview` and :mod:`nbext.ui.cacheview`.
"""

from __future__ import annotations

import html
import threading
import time
from collections import deque
from collections.abc import Sequence
from typing import Any

from nbext.lookup.results import LookupResult
from nbext.lookup.timing import SourceTime
from nbext.net.client import Event
from nbext.ui.html import lookup_html
from nbext.ui.views import INTERVAL, LOG_STYLE, Throttle, TransientView, WidgetView, event_text

__all__ = ["PROGRESS_FROM", "LiveLookup", "NetLog"]

#: More requirements than this get a progress bar and a one-line-per-requirement table.
PROGRESS_FROM = 3


class LiveLookup(TransientView):
    """The live view of one ``%lookup`` (see the module docstring)."""

    def __init__(
        self, requirements: Sequence[str], *, verbosity: int = 0, interval: float = INTERVAL
    ) -> None:
        import ipywidgets as w

        self.requirements = list(requirements)
        self.verbosity = verbosity
        self._lock = threading.Lock()
        self._results: dict[int, LookupResult] = {}
        self._done: set[int] = set()
        self._lines: deque[str] = deque(maxlen=400)
        self._started = time.monotonic()
        self.renders = 0
        total = len(self.requirements)
        self.progress: Any = None
        children: list[Any] = []
        if total > PROGRESS_FROM:
            self.progress = w.IntProgress(
                value=0, min=0, max=total, description=f"0/{total}", bar_style="info"
            )
            children.append(self.progress)
        self.table = w.HTML(value=self._table_html())
        children.append(self.table)
        #: ``-v``: where the time goes, per source (pages, metadata, bytes), as it happens.
        self.timing: Any = None
        self._times: dict[str, SourceTime] = {}
        if verbosity >= 1:
            self.timing = w.HTML(value="")
            children.append(self.timing)
        self.log: Any = None
        if verbosity >= 2:
            self.log = w.HTML(value="")
            children.append(self.log)
        self.widget = w.VBox(children)
        self._throttle = Throttle(self._render, interval)

    # -- LookupObserver and event sink (any thread) ----------------------------------------------

    def update(self, index: int, result: LookupResult, done: bool) -> None:
        with self._lock:
            self._results[index] = result
            if done:
                self._done.add(index)
            finished = len(self._done) == len(self.requirements)
        self._throttle.poke(force=finished)

    def event(self, event: Event) -> None:
        lines = event_text(event, self.verbosity) if self.verbosity >= 2 else []
        with self._lock:
            self._lines.extend(lines)
            self._times.setdefault(event.source, SourceTime(event.source)).add(event)
        self._throttle.poke()

    def _timing_html(self) -> str:
        with self._lock:
            times = [t.text() for t in self._times.values()]
            names = list(self._times)
        rows = "".join(
            f"<tr><td style='text-align:left'>{html.escape(n)}</td>"
            f"<td style='text-align:left'>{html.escape(t)}</td></tr>"
            for n, t in zip(names, times, strict=True)
        )
        return f"<table><tbody>{rows}</tbody></table>" if rows else ""

    # -- rendering -------------------------------------------------------------------------------

    def _table_html(self) -> str:
        with self._lock:
            results = dict(self._results)
            done = set(self._done)
        total = len(self.requirements)
        if total <= PROGRESS_FROM:
            parts = []
            for index, text in enumerate(self.requirements):
                result = results.get(index)
                if result is None:
                    parts.append(f"<p><b>{html.escape(text)}</b>: waiting…</p>")
                else:
                    parts.append(lookup_html(result, live=index not in done))
            return "".join(parts)
        rows = []
        for index, text in enumerate(self.requirements):
            result = results.get(index)
            if result is None:
                state = "waiting"
            elif index not in done:
                asking = [r.source for r in result.per_source if r.pending]
                state = f"asking {', '.join(asking)}" if asking else "choosing"
            elif result.chosen is not None:
                state = f"{result.chosen.version} from {result.chosen.source}"
            else:
                state = "nothing found"
            rows.append(
                f"<tr><td style='text-align:left'>{html.escape(text)}</td>"
                f"<td style='text-align:left'>{html.escape(state)}</td></tr>"
            )
        return (
            "<table><thead><tr><th style='text-align:left'>requirement</th>"
            "<th style='text-align:left'>state</th></tr></thead><tbody>"
            + "".join(rows)
            + "</tbody></table>"
        )

    def _render(self) -> None:
        self.renders += 1
        self.table.value = self._table_html()
        if self.progress is not None:
            with self._lock:
                count = len(self._done)
            self.progress.value = count
            self.progress.description = f"{count}/{len(self.requirements)}"
        if self.timing is not None:
            self.timing.value = self._timing_html()
        if self.log is not None:
            with self._lock:
                text = "\n".join(self._lines)
            self.log.value = f"<pre style='{LOG_STYLE}'>{html.escape(text)}</pre>"

    def finish(self) -> None:
        """Render the final state, then take the view out of the cell and close it: the
        static result replaces it."""
        self._throttle.stop()
        self._render()
        if self.progress is not None:
            self.progress.bar_style = "success"
        self.hide()
        self.widget.close()

    # -- display -----------------------------------------------------------------------------------

    def __repr__(self) -> str:
        # Constant for given requirements: what nbval compares and what a viewer without
        # widgets shows.
        what = ", ".join(self.requirements)
        return f"%lookup {what}: live view (closed when the lookup ends; the result follows)"


class NetLog(WidgetView):
    """``%netlog``: every HTTP exchange of the kernel, live, filterable by source."""

    def __init__(
        self,
        history: Sequence[Event] = (),
        *,
        verbosity: int = 3,
        max_events: int = 1000,
        interval: float = INTERVAL,
    ) -> None:
        import ipywidgets as w

        self.verbosity = verbosity
        self._lock = threading.Lock()
        self._events: deque[Event] = deque(history, maxlen=max_events)
        self._sources: list[str] = sorted({e.source for e in self._events})
        self.filter = w.Dropdown(
            options=["all sources", *self._sources], value="all sources", description="Source:"
        )
        self.clear_button = w.Button(description="Clear", tooltip="Forget the lines shown")
        self.count = w.HTML(value="")
        self.log = w.HTML(value="")
        self._throttle = Throttle(self._render, interval)
        self.filter.observe(lambda _change: self._throttle.poke(force=True), names="value")
        self.clear_button.on_click(lambda _b: self.clear())
        self.widget = w.VBox([w.HBox([self.filter, self.clear_button, self.count]), self.log])
        self._render()

    def event(self, event: Event) -> None:
        """An event sink: called from worker threads."""
        with self._lock:
            self._events.append(event)
            new_source = event.source not in self._sources
            if new_source:
                self._sources = sorted({*self._sources, event.source})
        if new_source:
            self.filter.options = ["all sources", *self._sources]
        self._throttle.poke()

    def clear(self) -> None:
        with self._lock:
            self._events.clear()
        self._throttle.poke(force=True)

    def lines(self) -> list[str]:
        """The lines shown for the current filter (oldest first)."""
        wanted = self.filter.value
        with self._lock:
            events = [e for e in self._events if wanted in ("all sources", e.source)]
        return [line for e in events for line in event_text(e, self.verbosity)]

    def _render(self) -> None:
        lines = self.lines()
        with self._lock:
            total = len(self._events)
        self.count.value = f"{total} event{'s' if total != 1 else ''}"
        self.log.value = f"<pre style='{LOG_STYLE}'>{html.escape(chr(10).join(lines))}</pre>"

    def close(self) -> None:
        self._throttle.stop()
        self.widget.close()

    def __repr__(self) -> str:
        return "nbext network log: every HTTP request of this kernel, live (%netlog --stop ends it)"
