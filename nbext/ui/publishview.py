"""``%publish`` in a notebook while it runs: the build output and a progress bar per file."""

from __future__ import annotations

import html
from typing import Any

from nbext.ui.views import LOG_STYLE, TransientView

__all__ = ["PublishView"]


class PublishView(TransientView):
    """``%publish`` while it runs: the build output (collapsed) and a progress bar per file.

    Closed and taken out of the cell when the publish ends; the result (with the build output
    in a ``<details>``) takes its place.
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
        text = w.HTML(value=f"<pre style='{LOG_STYLE}'>{html.escape(output)}</pre>")
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
        self.hide()
        self.widget.close()

    def __repr__(self) -> str:
        return f"{self.title}: live view (closed when the publish ends; the result follows)"
