"""``%lock`` and ``%install``: Poetry's lock and install, from the kernel, through nbext."""

from __future__ import annotations

from typing import Any

from IPython.core.magic import line_magic, magics_class, needs_local_scope, no_var_expand
from IPython.display import display

from nbext.magics.base import NbextMagicsBase, arguments, parser
from nbext.resolve.results import LockResult
from nbext.ui.installview import LiveLock

__all__ = ["InstallMagics"]


@magics_class
class InstallMagics(NbextMagicsBase):
    """``%lock``."""

    @no_var_expand
    @needs_local_scope
    @line_magic
    def lock(self, line: str, local_ns: dict[str, Any] | None = None) -> LockResult:
        """Lock the project's dependencies into poetry.lock, as ``poetry lock`` 2.5.1 does.

        Usage::

          %lock [--regenerate] [-v] [--no-live]

        Poetry's own solver and lock file, with nbext's sources underneath (credentials,
        certificates, caches, the network log): the same packages, versions, sources, files
        and hashes as ``poetry lock``, which accepts the file as fresh. An existing lock's
        versions are kept where they still fit; ``--regenerate`` ignores them. A conflict is
        explained in Poetry's words, and nothing is written.
        """
        p = parser("%lock")
        p.add_argument("--regenerate", action="store_true")
        p.add_argument("-v", "--verbose", action="count", default=0)
        p.add_argument("--no-live", action="store_true")
        ns = p.parse_args(arguments(self._parse(line, local_ns).parsed))
        self._notices()
        ws = self.ws
        live = LiveLock() if self._in_kernel() and not ns.no_live else None
        if live is not None:
            display(live)  # type: ignore[no-untyped-call]
            ws.log_sinks.append(live.event)
        try:
            return ws.lock(regenerate=ns.regenerate)
        finally:
            if live is not None:
                ws.log_sinks.remove(live.event)
                live.finish()
