"""``%source`` and ``%add``: the sources and the dependencies of the project (or kernel)."""

from __future__ import annotations

from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class, needs_local_scope, no_var_expand
from IPython.display import display

from nbext.errors import UnsafeDependencies
from nbext.magics.base import URL_HINT, NbextMagicsBase, arguments, emit, parser
from nbext.magics.install import watched
from nbext.magics.linesecrets import LineSecrets

__all__ = ["SourceMagics"]


@magics_class
class SourceMagics(NbextMagicsBase):
    """``%source`` (``poetry source``) and ``%add`` (``poetry add``)."""

    @no_var_expand
    @needs_local_scope
    @line_magic
    def source(self, line: str, local_ns: dict[str, Any] | None = None) -> Any:
        """Manage package sources, exactly like ``poetry source``.

        Usage::

          %source add [--priority primary|supplemental|explicit] NAME [URL]
          %source show [NAME ...]
          %source remove NAME
          %source diagnose NAME
          %source audit [--strict] [--no-public]

        ``add`` appends a ``[[tool.poetry.source]]`` entry to the project's pyproject.toml (or
        updates the one with the same name, keeping its comments). Without a project, the
        source lives in this kernel only. Without ``--priority`` the source is primary, and
        Poetry's notice that the default will become supplemental is shown.

        Priorities, as Poetry 2 applies them:

        * primary - searched for every dependency; all primary sources are asked, and the
          highest version wins. Declaring one disables the implicit PyPI.
        * supplemental - asked only when no primary source has a match.
        * explicit - asked only for dependencies pinned to it (``%add --source NAME``).

        ``%source add pypi`` (no URL) re-prioritises PyPI, e.g. ``--priority supplemental``.
        The deprecated ``default`` and ``secondary`` are accepted with a warning.

        ``{expr}`` in the line is replaced by the value of a Python expression (``$name`` is
        not: URLs and secrets containing ``$`` stay intact).

        Examples::

          %source add corp https://pypi.corp.example/simple/
          %source add corp {urls["corp"]}
          %source add --priority explicit gpu https://gpu.example/simple/
          %source show
          %source remove gpu
          %source diagnose corp      (which trust store accepts its certificate, TLS version,
                                     subject, issuer and expiry)
          %source audit --strict     (the dependency-confusion radar: fails the cell when a
                                     dependency could be taken from another source)

        ``audit`` lists every dependency of the project (direct and locked) with its source,
        its pin, where else its name exists (every other source, and the public index unless
        ``--no-public`` or ``%config radar.public false``; asked without credentials) and a
        verdict: safe (pinned, found nowhere else, or no other copy can win under the
        priorities), declared (the indexes say they are the same project, PEP 708) or unsafe
        (a copy elsewhere could be chosen: the fix, a pin, is given).
        """
        found = self._parse(line, local_ns)
        with self._secrets(
            found,
            "The password in the URL",
            "Next time: %source add NAME URL (without credentials), then "
            "%config http-basic.NAME USERNAME.",
        ):
            return self._source(arguments(found.parsed), found)

    def _source(self, args: list[str], found: LineSecrets) -> Any:
        if args[:1] != ["remove"]:
            # Reading the sources for the notices validates them; `remove` must work on a
            # file Poetry can no longer read, to take out the entry that broke it.
            self._notices()
        if not args or args[0] not in ("add", "show", "remove", "diagnose", "audit"):
            raise UsageError(
                "Usage: %source add [--priority P] NAME [URL] | %source show [NAME ...] | "
                "%source remove NAME | %source diagnose NAME | %source audit [--strict]  "
                "(see %source?)"
            )
        command, rest = args[0], args[1:]
        if command == "add":
            p = parser("%source add")
            p.add_argument("-p", "--priority", default=None)
            p.add_argument("name")
            p.add_argument("url", nargs="?")
            ns = p.parse_args(rest)
            report = self.ws.add_source(ns.name, ns.url, ns.priority)
            found.done = True  # the credentials are saved: the cell shows the URL without
            emit(report)
            self._notices()
            return None
        if command == "audit":
            p = parser("%source audit")
            p.add_argument("--strict", action="store_true")
            p.add_argument("--no-public", action="store_true")
            ns = p.parse_args(rest)
            result = self.ws.audit(public=False if ns.no_public else None)
            if ns.strict and result.unsafe:
                display(result)  # type: ignore[no-untyped-call]
                raise UnsafeDependencies(
                    f"{len(result.unsafe)} dependenc{'y' if len(result.unsafe) == 1 else 'ies'} "
                    "could be taken from another source: "
                    + "; ".join(f"{r.name} (fix: {r.radar.fix})" for r in result.unsafe)
                )
            return result
        if command == "diagnose":
            p = parser("%source diagnose")
            p.add_argument("name")
            ns = p.parse_args(rest)
            return self.ws.diagnose(ns.name)
        if command == "remove":
            p = parser("%source remove")
            p.add_argument("name")
            ns = p.parse_args(rest)
            emit(self.ws.remove_source(ns.name))
            return None
        p = parser("%source show")
        p.add_argument("names", nargs="*")
        ns = p.parse_args(rest)
        self._notices()
        return self.ws.show_sources(*ns.names)

    @no_var_expand
    @needs_local_scope
    @line_magic
    def add(self, line: str, local_ns: dict[str, Any] | None = None) -> Any:
        """Add a dependency, lock, and install it into this kernel (``poetry add``).

        Usage::

          %add PKG[@CONSTRAINT] [--source NAME] [--group GROUP]
               [--lock | --no-lock] [--dry-run] [-v] [--no-live] [--break-system-packages]

        As ``poetry add``: pyproject.toml gets the dependency, poetry.lock is updated for it
        (everything else keeps its locked version), and the package is installed into this
        kernel's environment from the source the lock names, every file checked against its
        hash (see ``%install?``). If the lock or the install fails, pyproject.toml is put back
        as it was. ``--lock`` stops after the lock; ``--dry-run`` shows what would change and
        changes nothing; ``--no-lock`` only writes pyproject.toml (nbext's own option).
        Without a project, the pin is kept for this kernel and the package installed.

        ``--source NAME`` writes ``source = "NAME"`` on the dependency: it is then looked up
        on that source only, whatever its priority (the only way to use an explicit source).
        ``--group GROUP`` writes to ``[tool.poetry.group.GROUP.dependencies]``.

        Source pins are not inherited by a package's own dependencies. To pin a transitive
        dependency, add it to a group with any version::

          %add acme-core@* --source corp --group pins

        Without a constraint the latest version is looked up and ``^VERSION`` is written. As
        in Poetry, a package already declared in the group and named without a constraint is
        skipped ("Nothing to add."); give a constraint (``pkg@^2``, ``pkg@latest``) to change
        its entry or its pin.
        """
        p = parser("%add")
        p.add_argument("requirement")
        p.add_argument("--source", default=None)
        p.add_argument("-G", "--group", default="main")
        p.add_argument("--lock", action="store_true")
        p.add_argument("--no-lock", action="store_true")
        p.add_argument("--dry-run", action="store_true")
        p.add_argument("-v", "--verbose", action="count", default=0)
        p.add_argument("--no-live", action="store_true")
        p.add_argument("--break-system-packages", action="store_true")
        found = self._parse(line, local_ns)
        with self._secrets(found, "The password in the URL", URL_HINT):
            ns = p.parse_args(arguments(found.parsed))
            if ns.lock and ns.no_lock:
                raise UsageError("%add: give --lock or --no-lock, not both.")
            self._notices()
            if ns.no_lock:
                emit(self.ws.add(ns.requirement, source=ns.source, group=ns.group))
                return None
            ws = self.ws
            ws.check_add(  # a cell with a mistake fails before its view opens
                ns.requirement,
                source=ns.source,
                install=not ns.lock,
                break_system_packages=ns.break_system_packages,
            )
            live = not ns.lock and self._in_kernel() and not ns.no_live
            with watched(ws, ns.requirement, live, ns.verbose) as view:
                return ws.add(
                    ns.requirement,
                    source=ns.source,
                    group=ns.group,
                    lock=True,
                    install=not ns.lock,
                    dry_run=ns.dry_run,
                    observer=view,
                    break_system_packages=ns.break_system_packages,
                )
