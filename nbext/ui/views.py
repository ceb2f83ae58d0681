"""The base of every widget view in a notebook, and what keeps them cheap and reproducible.

The views are ipywidgets changed by trait assignment only, which is safe from the worker
threads that make the requests. Updates are throttled (:class:`Throttle`: at most one render
per ``interval``; a timer renders what a throttled update left behind), so 60 packages x 3
sources do not flood the front end. Each view has a constant ``text/plain``
(:class:`WidgetView`): nbval compares that text and ignores widget state, so notebooks that
show live views stay reproducible.

The live views of a running command (``%lookup``, ``%lock``, ``%install``, ``%add``,
``%publish``) are transient (:class:`TransientView`): shown in the cell while the command
runs, then taken out of the cell's outputs when it ends, so a saved notebook keeps only the
result.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from nbext.net.client import Event

__all__ = ["INTERVAL", "LOG_STYLE", "Throttle", "TransientView", "WidgetView", "event_text"]

#: Seconds between two renders of a view (updates in between are merged).
INTERVAL = 0.1
LOG_STYLE = (
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


class TransientView(WidgetView):
    """A live view shown in the running cell only while its command runs.

    :meth:`show` displays the widget under a display id; :meth:`hide` (called by the view's
    ``finish``) updates that display to nothing, so the front end drops it and a saved
    notebook holds no trace of it (JupyterLab and nbclient apply the update to the saved
    output). Shown without its ``text/plain``: nbval compares the first display of a cell
    with the saved output and ignores display updates, so a placeholder text would be
    compared with the emptied output; the widget's own data is never compared.
    """

    _handle: Any = None

    def show(self) -> None:
        """Display the view in the running cell (in a kernel: the caller checks)."""
        from IPython.display import display

        bundle: dict[str, Any] = self.widget._repr_mimebundle_() or {}
        bundle.pop("text/plain", None)
        self._handle = display(bundle, raw=True, display_id=True)  # type: ignore[no-untyped-call]

    def hide(self) -> None:
        """Take the view out of the cell's outputs (nothing if it was never shown)."""
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.update({}, raw=True)


class Throttle:
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
