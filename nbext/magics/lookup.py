"""``%lookup``: the sources Poetry would ask, what each answered, live in a notebook."""

from __future__ import annotations

from typing import Any

from IPython.core.magic import line_magic, magics_class, needs_local_scope, no_var_expand

from nbext.lookup.results import LookupResult, LookupResults
from nbext.magics.base import URL_HINT, NbextMagicsBase, arguments, parser
from nbext.ui.live import LiveLookup

__all__ = ["LookupMagics"]


@magics_class
class LookupMagics(NbextMagicsBase):
    """``%lookup``."""

    @no_var_expand
    @needs_local_scope
    @line_magic
    def lookup(
        self, line: str, local_ns: dict[str, Any] | None = None
    ) -> LookupResult | LookupResults:
        """Look packages up on the sources Poetry would ask, and show what each answered.

        Usage::

          %lookup REQUIREMENT [REQUIREMENT ...] [--source NAME] [-v|-vv|-vvv]
                  [--refresh] [--no-cache] [--no-live]

        REQUIREMENT is PEP 508 (``acme-utils>=2``) or Poetry's form (``acme-utils@^2``).

        Poetry's rules: a dependency pinned to a source in pyproject.toml (or ``--source``)
        asks that source only. Otherwise every primary source is asked, concurrently;
        supplemental sources only when no primary matched; explicit ones never. Yanked
        releases count only when pinned with ``==``; pre-releases only when no stable release
        matches. The highest version wins; for the same version, the first-declared source.

        The result has one row per source (asked or why not, HTTP status, matching versions,
        time) and the chosen version with the reason. ``-v`` adds one line per source,
        ``-vv`` one per request, ``-vvv`` the (redacted) headers and the connection (HTTP
        version, TLS version).

        In a notebook a live view shows each source's row as it answers (with a progress bar
        for more than three packages, and the requests streaming by at ``-vv``/``-vvv``);
        when the lookup ends it goes away and the result takes its place (a saved notebook
        keeps only the result). ``--no-live`` turns it off. ``%netlog`` shows every request
        of the session.

        Caches: pages the server says are fresh cost no request, expired ones are revalidated
        (the ``cache`` column says which). ``--refresh`` revalidates these packages' pages and
        refetches their metadata whatever the cache holds (after a publish); ``--no-cache``
        reads and writes no cache for this lookup (Poetry's ``--no-cache``).
        """
        p = parser("%lookup")
        p.add_argument("requirements", nargs="+")
        p.add_argument("--source", default=None)
        p.add_argument("-v", "--verbose", action="count", default=0)
        p.add_argument("--no-live", action="store_true")
        p.add_argument("--refresh", action="store_true")
        p.add_argument("--no-cache", action="store_true")
        found = self._parse(line, local_ns)
        with self._secrets(found, "The password in the URL", URL_HINT):
            ns = p.parse_args(arguments(found.parsed))
        self._notices()
        ws = self.ws
        live: LiveLookup | None = None
        if self._in_kernel() and not ns.no_live:
            with self._redacting(found):
                # A line that cannot be looked up fails here, before a view is shown.
                ws.check_lookup(ns.requirements, source=ns.source)
            live = LiveLookup(ns.requirements, verbosity=ns.verbose)
            live.show()
            if ns.verbose >= 1:  # -v: where the time goes; -vv: every request too
                ws.log_sinks.append(live.event)
        try:
            with self._redacting(found):
                results = ws.lookup_many(
                    ns.requirements,
                    source=ns.source,
                    observer=live,
                    refresh=ns.refresh,
                    no_cache=ns.no_cache,
                )
        finally:
            if live is not None:
                if live.event in ws.log_sinks:
                    ws.log_sinks.remove(live.event)
                live.finish()
        if ns.verbose:
            if ns.verbose >= 3:
                for line_ in self.ws.sources.log:
                    print(line_)
            for result in results:
                for log_line in result.log_lines(ns.verbose):
                    print(log_line)
        return results[0] if len(results) == 1 else results
