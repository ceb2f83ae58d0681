"""``%lock`` and ``%install``: Poetry's lock and install, from the kernel, through nbext."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from IPython.core.magic import line_magic, magics_class, needs_local_scope, no_var_expand

from nbext.facade import Workspace
from nbext.lookup.timing import time_by_source
from nbext.magics.base import NbextMagicsBase, arguments, parser
from nbext.net.client import Event
from nbext.resolve.results import InstallResult, LockResult
from nbext.ui.installview import LiveInstall, LiveLock

__all__ = ["InstallMagics", "network_log", "watched"]


@contextlib.contextmanager
def watched(ws: Workspace, what: str, live: bool, verbosity: int) -> Iterator[LiveInstall | None]:
    """An install's live view (``live``: in a kernel, not ``--no-live``) and its ``-v`` log
    around the body; the view is closed and taken out of the cell when the body ends,
    whatever happened."""
    view = LiveInstall(what) if live else None
    if view is not None:
        view.show()
        ws.log_sinks.append(view.event)
    try:
        with network_log(ws, verbosity):
            yield view
    finally:
        if view is not None:
            ws.log_sinks.remove(view.event)
            view.finish()


@contextlib.contextmanager
def network_log(ws: Workspace, verbosity: int) -> Iterator[None]:
    """``-v``: where the time went per source (pages, metadata and files, bytes, requests);
    ``-vv``: every request; ``-vvv``: with its (redacted) headers. Printed when the command
    ends, whether it succeeded or not."""
    if verbosity < 1:
        yield
        return
    events: list[Event] = []
    ws.log_sinks.append(events.append)
    try:
        yield
    finally:
        ws.log_sinks.remove(events.append)
        for source, spent in time_by_source(events).items():
            print(f"Source ({source}): {spent.text()}")
        if verbosity >= 2:
            for event in events:
                print("  " + event.line())
                if verbosity >= 3:
                    for line in event.detail_lines():
                        print("  " + line)


@magics_class
class InstallMagics(NbextMagicsBase):
    """``%lock``, ``%install``."""

    @no_var_expand
    @needs_local_scope
    @line_magic
    def lock(self, line: str, local_ns: dict[str, Any] | None = None) -> LockResult:
        """Lock the project's dependencies into poetry.lock, as ``poetry lock`` 2.5.1 does.

        Usage::

          %lock [--regenerate] [--no-cache] [-v] [--no-live]

        Poetry's own solver and lock file, with nbext's sources underneath (credentials,
        certificates, caches, the network log): the same packages, versions, sources, files
        and hashes as ``poetry lock``, which accepts the file as fresh. An existing lock's
        versions are kept where they still fit; ``--regenerate`` ignores them; ``--no-cache``
        reads and writes no cache. A conflict is explained in Poetry's words, and nothing is
        written. ``-v`` adds where the time went per source, ``-vv`` every request, ``-vvv``
        their (redacted) headers.
        """
        p = parser("%lock")
        p.add_argument("--regenerate", action="store_true")
        p.add_argument("--no-cache", action="store_true")
        p.add_argument("-v", "--verbose", action="count", default=0)
        p.add_argument("--no-live", action="store_true")
        ns = p.parse_args(arguments(self._parse(line, local_ns).parsed))
        self._notices()
        ws = self.ws
        ws.check_lock()  # a cell with a mistake fails before its view opens
        live = LiveLock() if self._in_kernel() and not ns.no_live else None
        if live is not None:
            live.show()
            ws.log_sinks.append(live.event)
        try:
            with network_log(ws, ns.verbose):
                return ws.lock(regenerate=ns.regenerate, no_cache=ns.no_cache)
        finally:
            if live is not None:
                ws.log_sinks.remove(live.event)
                live.finish()

    @no_var_expand
    @needs_local_scope
    @line_magic
    def install(self, line: str, local_ns: dict[str, Any] | None = None) -> InstallResult:
        """Install packages into this kernel's environment from the sources Poetry would use.

        Usage::

          %install                      the project's lock (poetry install --no-root)
          %install --sync               ... and remove what the lock does not hold
          %install REQUIREMENT ...      resolve these over the sources and install them
                   [--source NAME] [--dry-run] [--only GROUP] [-v] [--no-live]
                   [--break-system-packages]

        Every file comes from the source the lock (or the resolution) names, through nbext's
        network layer, and is checked against the index's hash; only when every file is here
        and verified is anything installed. Versions already installed are kept when they
        satisfy. A module that is already imported and was upgraded or downgraded needs a
        kernel restart: the result says which. An environment marked externally managed
        (PEP 668) is refused unless ``--break-system-packages`` is given. ``-v`` adds where
        the time went per source, ``-vv`` every request, ``-vvv`` their (redacted) headers.
        """
        p = parser("%install")
        p.add_argument("requirements", nargs="*")
        p.add_argument("--source", default=None)
        p.add_argument("--sync", action="store_true")
        p.add_argument("--dry-run", action="store_true")
        p.add_argument("--only", action="append", default=None)
        p.add_argument("-v", "--verbose", action="count", default=0)
        p.add_argument("--no-live", action="store_true")
        p.add_argument("--break-system-packages", action="store_true")
        ns = p.parse_args(arguments(self._parse(line, local_ns).parsed))
        self._notices()
        ws = self.ws
        ws.check_install(
            ns.requirements,
            source=ns.source,
            break_system_packages=ns.break_system_packages,
        )
        live = self._in_kernel() and not ns.no_live
        with watched(ws, " ".join(ns.requirements), live, ns.verbose) as view:
            return ws.install(
                ns.requirements or None,
                source=ns.source,
                sync=ns.sync,
                dry_run=ns.dry_run,
                groups=ns.only,
                observer=view,
                break_system_packages=ns.break_system_packages,
            )
