"""``%netlog``: every HTTP request nbext makes in this kernel, live in a notebook."""

from __future__ import annotations

from IPython.core.magic import line_magic, magics_class

from nbext.magics.base import NbextMagicsBase, parser, split
from nbext.ui.live import NetLog
from nbext.ui.views import event_text

__all__ = ["NetlogMagics"]


@magics_class
class NetlogMagics(NbextMagicsBase):
    """``%netlog``."""

    @line_magic
    def netlog(self, line: str) -> NetLog | None:
        """The network log: every HTTP request nbext makes in this kernel, live.

        Usage::

          %netlog                     a live log (notebook): filter by source, clear button
          %netlog --source NAME       in a terminal: the requests so far, of one source
          %netlog --stop              stop every live log of this kernel

        Each line is ``time [source] METHOD URL -> status (bytes, time)``, then the connection
        and the headers. URLs and headers are redacted: no password or token is shown. The
        same lines go to Python's ``logging`` (logger ``nbext.http``, level DEBUG).
        """
        p = parser("%netlog")
        p.add_argument("--source", default=None)
        p.add_argument("--stop", action="store_true")
        ns = p.parse_args(split(line))
        ws = self.ws
        if ns.stop:
            stopped = [s for s in ws.log_sinks if isinstance(getattr(s, "__self__", None), NetLog)]
            for sink in stopped:
                ws.log_sinks.remove(sink)
                sink.__self__.close()  # type: ignore[attr-defined]
            print(f"Stopped {len(stopped)} network log{'s' if len(stopped) != 1 else ''}.")
            return None
        history = [e for e in ws.events if ns.source in (None, e.source)]
        if not self._in_kernel():
            for event in history:
                print("\n".join(event_text(event)))
            if not history:
                print("No requests yet.")
            return None
        view = NetLog(history)
        if ns.source is not None:
            view.filter.options = sorted({*view.filter.options, ns.source})
            view.filter.value = ns.source
        ws.log_sinks.append(view.event)
        return view
