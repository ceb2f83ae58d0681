"""Live views in a notebook: the per-source lookup view and the network log.

Both are ipywidgets changed by trait assignment only, which is safe from the worker threads
that make the requests. Updates are throttled (at most one render per ``interval``; a timer
renders what a throttled update left behind), so 60 packages x 3 sources do not flood the
front end. Each view has a constant ``text/plain``: nbval compares that text and ignores
widget state, so notebooks that show live views stay reproducible.

* :class:`LiveLookup` watches one ``%lookup`` (a :class:`~nbext.lookup.run.LookupObserver` and
  an event sink): a row per source that goes waiting -> asking... -> status, versions,
  time; a progress bar when more than :data:`PROGRESS_FROM` requirements are looked up; the
  requests streaming by at ``-vv``/``-vvv``. When the lookup ends the view is closed and the
  static, deterministic result takes its place.
* :class:`NetLog` is ``%netlog``: every HTTP exchange of the kernel, live, with a filter by
  source and a clear button.
* :class:`PublishView` is ``%publish`` while it runs: build output and a bar per file.
* :class:`CacheView` is ``%cache``: per source what is cached, with Refresh and Clear
  buttons; :class:`ConfirmForm` asks Poetry's question before a clear.
"""

from __future__ import annotations

import html
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from nbext.lookup.results import LookupResult
from nbext.net.client import Event

__all__ = [
    "PROGRESS_FROM",
    "CacheView",
    "ConfirmForm",
    "LiveLookup",
    "NetLog",
    "PublishView",
    "WidgetView",
    "event_text",
]

#: More requirements than this get a progress bar and a one-line-per-requirement table.
PROGRESS_FROM = 3
#: Seconds between two renders of a view (updates in between are merged).
INTERVAL = 0.1
_LOG_STYLE = (
    "max-height:16em;overflow:auto;margin:0;font-size:90%;white-space:pre-wrap;word-break:break-all"
)


def event_text(event: Event, verbosity: int = 3) -> list[str]:
    """An event as log lines: a time stamp and ``-vv`` line, then at ``-vvv`` the details."""
    stamp = time.strftime("%H:%M:%S", time.localtime(event.started or time.time()))
    lines = [f"{stamp} {event.line()}"]
    if verbosity >= 3:
        lines += [f"         {line.strip()}" for line in event.detail_lines()]
    return lines


class WidgetView:
    """A view over ``self.widget`` whose ``text/plain`` is ``repr(self)``: meaningful where no
    widget renders (terminal, web viewers) and stable for nbval, never a widget's state."""

    widget: Any

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        bundle: dict[str, Any] = self.widget._repr_mimebundle_(**kwargs) or {}
        bundle["text/plain"] = repr(self)
        return bundle


class _Throttle:
    """Calls ``render`` at most once per ``interval``; a pending change is rendered by a timer."""

    def __init__(self, render: Callable[[], None], interval: float) -> None:
        self._render = render
        self._interval = interval
        self._lock = threading.Lock()
        self._last = 0.0
        self._timer: threading.Timer | None = None
        self.closed = False

    def poke(self, *, force: bool = False) -> None:
        with self._lock:
            if self.closed:
                return
            now = time.monotonic()
            wait = self._interval - (now - self._last)
            if not force and wait > 0:
                if self._timer is None:
                    self._timer = threading.Timer(wait, self._fire)
                    self._timer.daemon = True
                    self._timer.start()
                return
            self._last = now
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        self._render()

    def _fire(self) -> None:
        with self._lock:
            self._timer = None
            if self.closed:
                return
            self._last = time.monotonic()
        self._render()

    def stop(self) -> None:
        with self._lock:
            self.closed = True
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None


class LiveLookup(WidgetView):
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
        self.log: Any = None
        if verbosity >= 2:
            self.log = w.HTML(value="")
            children.append(self.log)
        self.widget = w.VBox(children)
        self._throttle = _Throttle(self._render, interval)

    # -- LookupObserver and event sink (any thread) ----------------------------------------------

    def update(self, index: int, result: LookupResult, done: bool) -> None:
        with self._lock:
            self._results[index] = result
            if done:
                self._done.add(index)
            finished = len(self._done) == len(self.requirements)
        self._throttle.poke(force=finished)

    def event(self, event: Event) -> None:
        lines = event_text(event, self.verbosity)
        with self._lock:
            self._lines.extend(lines)
        self._throttle.poke()

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
                    parts.append(result.html(live=index not in done))
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
        if self.log is not None:
            with self._lock:
                text = "\n".join(self._lines)
            self.log.value = f"<pre style='{_LOG_STYLE}'>{html.escape(text)}</pre>"

    def finish(self) -> None:
        """Render the final state, then close the view: the static result replaces it."""
        self._throttle.stop()
        self._render()
        if self.progress is not None:
            self.progress.bar_style = "success"
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
        self._throttle = _Throttle(self._render, interval)
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
        self.log.value = f"<pre style='{_LOG_STYLE}'>{html.escape(chr(10).join(lines))}</pre>"

    def close(self) -> None:
        self._throttle.stop()
        self.widget.close()

    def __repr__(self) -> str:
        return "nbext network log: every HTTP request of this kernel, live (%netlog --stop ends it)"


class ConfirmForm(WidgetView):
    """Poetry's question before a ``%cache clear`` (default yes), as Yes/No buttons: the cell
    returns at once, and the deletion happens on Yes."""

    def __init__(self, question: str, on_yes: Callable[[], str]) -> None:
        import ipywidgets as w

        self.question = question
        self._on_yes = on_yes
        self.status = w.HTML(value=html.escape(question))
        self.yes = w.Button(description="Yes", button_style="danger")
        self.no = w.Button(description="No")
        self.yes.on_click(lambda _b: self.answer(True))
        self.no.on_click(lambda _b: self.answer(False))
        self.widget = w.VBox([self.status, w.HBox([self.yes, self.no])])
        self.state = "waiting"

    def answer(self, yes: bool) -> None:
        self.yes.disabled = self.no.disabled = True
        if not yes:
            self.state = "cancelled"
            self.status.value = f"{html.escape(self.question)} <b>no</b>: nothing deleted."
            return
        try:
            done = self._on_yes()
        except Exception as exc:  # shown in the widget: a callback has no cell to fail
            self.state = "error"
            self.status.value = f"Not deleted: {html.escape(str(exc))}"
            return
        self.state = "done"
        self.status.value = f"{html.escape(self.question)} <b>yes</b>: {html.escape(done)}"

    def __repr__(self) -> str:
        return f"{self.question} (answer with the buttons; -n answers yes)"


class CacheView(WidgetView):
    """``%cache``: per source, what is cached and how old it is; Refresh revalidates the
    source's cached pages and files, Clear asks Poetry's question first."""

    def __init__(
        self,
        summaries: Callable[[], Sequence[Any]],
        refresh: Callable[[str], str],
        clear_plan: Callable[[str], Any],
    ) -> None:
        import ipywidgets as w

        self._w = w
        self._summaries = summaries
        self._refresh = refresh
        self._clear_plan = clear_plan
        self.rows = w.VBox([])
        self.status = w.HTML(value="")
        self.reload = w.Button(description="Reload", tooltip="Read the cache directory again")
        self.reload.on_click(lambda _b: self.render())
        self.widget = w.VBox([self.rows, w.HBox([self.reload, self.status])])
        self.names: list[str] = []
        self.render()

    def render(self) -> None:
        from nbext.cache.commands import _ago, _size

        w = self._w
        now = time.time()
        children = []
        self.names = []
        for s in self._summaries():
            self.names.append(s.source)
            label = w.HTML(
                value=(
                    f"<b>{html.escape(s.source)}</b>: {s.entries} entries "
                    f"({s.http_entries} pages and files, {s.metadata_entries} releases), "
                    f"{_size(s.size)}, newest {_ago(s.newest, now)}"
                )
            )
            refresh = w.Button(description="Refresh", tooltip=f"Revalidate {s.source}'s pages")
            clear = w.Button(description="Clear…", tooltip=f"Clear {s.source}'s cache")
            refresh.on_click(lambda _b, name=s.source: self.refresh(name))
            clear.on_click(lambda _b, name=s.source: self.clear(name))
            children.append(w.HBox([label, refresh, clear]))
        if not children:
            children.append(w.HTML(value="No caches found"))
        self.rows.children = children

    def refresh(self, source: str) -> None:
        try:
            self.status.value = html.escape(self._refresh(source))
        except Exception as exc:
            self.status.value = f"Not refreshed: {html.escape(str(exc))}"
        self.render()

    def clear(self, source: str) -> None:
        plan = self._clear_plan(source)
        if plan.question is None:
            self.status.value = html.escape(plan.message)
            return

        def execute() -> str:
            text = repr(plan.execute())
            self.render()
            return text

        form = ConfirmForm(plan.question, execute)
        self.status.value = ""
        self.widget.children = (*self.widget.children[:2], form.widget)

    def __repr__(self) -> str:
        names = ", ".join(self.names) or "no caches"
        return f"nbext cache: {names} (%cache list shows the details)"


class PublishView(WidgetView):
    """``%publish`` while it runs: the build output (collapsed) and a progress bar per file.

    Closed when the publish ends; the result (with the build output in a ``<details>``)
    takes its place.
    """

    def __init__(self, title: str) -> None:
        import ipywidgets as w

        self._w = w
        self.title = title
        self.header = w.HTML(value=f"<b>{html.escape(title)}</b>")
        self.rows = w.VBox([])
        self.widget = w.VBox([self.header, self.rows])
        self._bars: dict[str, Any] = {}
        self._labels: dict[str, Any] = {}

    def build_done(self, output: str) -> None:
        w = self._w
        text = w.HTML(value=f"<pre style='{_LOG_STYLE}'>{html.escape(output)}</pre>")
        area = w.Accordion(children=[text], selected_index=None)
        area.set_title(0, "Build output")
        self.widget.children = (self.header, area, self.rows)

    def file_started(self, name: str, total: int) -> None:
        w = self._w
        bar = w.IntProgress(value=0, min=0, max=100, layout=w.Layout(width="40%"))
        label = w.HTML(value=f"<code>{html.escape(name)}</code> 0%")
        self._bars[name], self._labels[name] = bar, label
        self.rows.children = (*self.rows.children, w.HBox([bar, label]))

    def file_progress(self, name: str, sent: int, total: int) -> None:
        bar = self._bars.get(name)
        pct = 100 * sent // total if total else 100
        if bar is not None and pct != bar.value:  # one front-end message per percent
            bar.value = pct
            self._labels[name].value = f"<code>{html.escape(name)}</code> {pct}%"

    def file_done(self, name: str, state: str, detail: str) -> None:
        bar, label = self._bars.get(name), self._labels.get(name)
        if bar is None or label is None:
            return
        styles = {"uploaded": "success", "checked": "info", "skipped": "warning"}
        bar.bar_style = styles.get(state, "danger")
        if state in ("uploaded", "checked"):
            bar.value = 100
        shown = {"skipped": "File exists. Skipping", "checked": "100% (dry run)"}.get(
            state, "100%" if state == "uploaded" else "FAILED"
        )
        label.value = f"<code>{html.escape(name)}</code> {html.escape(shown)}"

    def finish(self) -> None:
        self.widget.close()

    def __repr__(self) -> str:
        return f"{self.title}: live view (closed when the publish ends; the result follows)"
