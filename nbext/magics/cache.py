"""``%cache``: Poetry's caches per source; a view with Refresh and Clear in a notebook."""

from __future__ import annotations

import sys
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class

from nbext.magics.base import NbextMagicsBase, emit, parser, split
from nbext.ui.cacheview import CacheView, ConfirmForm

__all__ = ["CacheMagics"]


@magics_class
class CacheMagics(NbextMagicsBase):
    """``%cache`` (``poetry cache``)."""

    @line_magic
    def cache(self, line: str) -> Any:
        """Poetry's caches, per source (``poetry cache``), as nbext and Poetry share them.

        Usage::

          %cache                              a view of every source's cache, with Refresh
                                              (revalidate its pages) and Clear buttons
          %cache list                         entries, size, oldest/newest, Cache-Control seen
          %cache clear SOURCE --all [-n]      the source's whole cache (Poetry's and nbext's)
          %cache clear --all [-n]             every source's cache
          %cache clear SOURCE:PKG:VERSION     one release's metadata entry (as Poetry)
          %cache clear SOURCE:PKG             every cached version, page and file of PKG on
                                              SOURCE (nbext; Poetry: "not yet supported")
          %cache refresh SOURCE               revalidate every cached page and file of SOURCE

        Source names are the cache directory names, case-sensitive (``PyPI``). Clearing asks
        Poetry's question (``Delete 12 entries?``, default yes): buttons in a notebook, a
        prompt in a terminal; ``-n`` answers yes. The artifact cache (downloaded files) is
        never cleared, as in Poetry. ``%lookup --refresh PKG`` revalidates one package.
        """
        args = split(line)
        ws = self.ws
        if not args:
            if self._in_kernel():
                return CacheView(
                    lambda: ws.cache_list().rows,
                    lambda name: repr(ws.cache_refresh(name)),
                    lambda name: ws.cache_clear_plan(name, all=True),
                )
            return ws.cache_list()
        command, rest = args[0], args[1:]
        if command == "list":
            return ws.cache_list()
        if command == "refresh":
            p = parser("%cache refresh")
            p.add_argument("source")
            emit(ws.cache_refresh(p.parse_args(rest).source))
            return None
        if command != "clear":
            raise UsageError(
                "Usage: %cache | %cache list | %cache clear [SOURCE[:PKG[:VERSION]]] [--all] "
                "[-n] | %cache refresh SOURCE  (see %cache?)"
            )
        p = parser("%cache clear")
        p.add_argument("target", nargs="?")
        p.add_argument("--all", action="store_true")
        p.add_argument("-n", "--no-interaction", action="store_true")
        ns = p.parse_args(rest)
        plan = ws.cache_clear_plan(ns.target, all=ns.all)
        if plan.question is None or ns.no_interaction:
            emit(plan.execute())
            return None
        if self._in_kernel():
            return ConfirmForm(plan.question, lambda: repr(plan.execute()))
        answer = "yes"
        if sys.stdin is not None and sys.stdin.isatty():
            answer = input(f"{plan.question} (yes/no) [yes] ").strip().lower() or "yes"
        if answer in ("y", "yes"):
            emit(plan.execute())
        return None
