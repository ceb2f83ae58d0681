"""``%cache`` in a notebook: per source what is cached, with Refresh and Clear buttons
(:class:`CacheView`), and Poetry's question before a clear as buttons (:class:`ConfirmForm`)."""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Sequence
from typing import Any

from nbext.report import size_text
from nbext.ui.views import WidgetView

__all__ = ["CacheView", "ConfirmForm"]


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
        from nbext.cache.commands import _ago

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
                    f"{size_text(s.size)}, newest {_ago(s.newest, now)}"
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
