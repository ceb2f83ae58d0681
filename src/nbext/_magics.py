"""IPython magics: thin shells that parse a line, call the Workspace and display the result."""

from __future__ import annotations

import re
import shlex
import sys
from typing import Any
from urllib.parse import urlsplit

from IPython.core.error import UsageError
from IPython.core.magic import (
    Magics,
    line_magic,
    magics_class,
    needs_local_scope,
    no_var_expand,
)
from IPython.core.magic_arguments import MagicArgumentParser
from IPython.display import display
from IPython.utils.text import DollarFormatter

from nbext._config import is_poetry_key
from nbext._live import CacheView, ConfirmForm, LiveLookup, NetLog, PublishView, event_text
from nbext._prompt import choose_prompt, credential_prompt, in_kernel
from nbext._publish import PublishError, PublishResult, TextProgress
from nbext._results import LookupResult, LookupResults, Report
from nbext._secrets import scrub
from nbext._status import Status
from nbext._workspace import Workspace, workspace

__all__ = ["NbextMagics", "load", "unload"]

MAGIC_NAMES = (
    "source", "add", "lookup", "config", "nbconfig", "netlog", "cache", "publish", "nbext"
)


_BRACES = re.compile(r"\{([^{}]+)\}")


def _expand(line: str, namespace: dict[str, Any]) -> str:
    """Replace ``{expr}`` with the value of the Python expression, as IPython does.

    Unlike IPython's default expansion, ``$name`` is left alone, so a URL or a password that
    contains ``$`` arrives intact. ``{{`` and ``}}`` give literal braces; an expression that
    fails to evaluate is left as written (IPython's behaviour too).
    """
    line = line.replace("{{", "\x00").replace("}}", "\x01")

    def value(match: re.Match[str]) -> str:
        try:
            return str(eval(match.group(1), namespace))
        except Exception:
            return match.group(0)

    return _BRACES.sub(value, line).replace("\x00", "{").replace("\x01", "}")


def _split(line: str) -> list[str]:
    try:
        return shlex.split(line)
    except ValueError as exc:
        raise UsageError(f"Cannot parse the line: {exc}") from None


def _parser(prog: str) -> MagicArgumentParser:
    return MagicArgumentParser(prog=prog, add_help=False)  # type: ignore[no-untyped-call]


def _emit(report: Report) -> None:
    for line in report.warnings:
        print(line, file=sys.stderr)
    for line in report.info:
        print(line)


@magics_class
class NbextMagics(Magics):
    """nbext's magics. The Workspace is ``nbext.workspace()`` unless one is given."""

    def __init__(self, shell: Any = None, ws: Workspace | None = None) -> None:
        super().__init__(shell)
        self._ws = ws

    @property
    def ws(self) -> Workspace:
        return self._ws if self._ws is not None else workspace()

    def _expand(self, line: str, local_ns: dict[str, Any] | None) -> str:
        namespace = dict(self.shell.user_ns) if self.shell is not None else {}
        namespace.update(local_ns or {})
        return _expand(line, namespace)

    def _notices(self) -> None:
        for notice in self.ws.notices():
            print(notice, file=sys.stderr)

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
        """
        args = _split(self._expand(line, local_ns))
        if args[:1] != ["remove"]:
            # Reading the sources for the notices validates them; `remove` must work on a
            # file Poetry can no longer read, to take out the entry that broke it.
            self._notices()
        if not args or args[0] not in ("add", "show", "remove", "diagnose"):
            raise UsageError(
                "Usage: %source add [--priority P] NAME [URL] | %source show [NAME ...] | "
                "%source remove NAME | %source diagnose NAME  (see %source?)"
            )
        command, rest = args[0], args[1:]
        if command == "add":
            p = _parser("%source add")
            p.add_argument("-p", "--priority", default=None)
            p.add_argument("name")
            p.add_argument("url", nargs="?")
            ns = p.parse_args(rest)
            report = self.ws.add_source(ns.name, ns.url, ns.priority)
            password = urlsplit(ns.url).password if ns.url else None
            if password and password in line:  # typed literally, not from a {variable}
                clean = ns.url.replace(f":{password}@", "@")
                scrub(self.shell, [password], replacement="%source " + line.replace(ns.url, clean))
                report.warnings.append(
                    "The password in the URL was removed from IPython's history. Next time: "
                    f"%source add {ns.name} URL, then %config http-basic.{ns.name} USERNAME."
                )
            _emit(report)
            self._notices()
            return None
        if command == "diagnose":
            p = _parser("%source diagnose")
            p.add_argument("name")
            ns = p.parse_args(rest)
            return self.ws.diagnose(ns.name)
        if command == "remove":
            p = _parser("%source remove")
            p.add_argument("name")
            ns = p.parse_args(rest)
            _emit(self.ws.remove_source(ns.name))
            return None
        p = _parser("%source show")
        p.add_argument("names", nargs="*")
        ns = p.parse_args(rest)
        self._notices()
        return self.ws.show_sources(*ns.names)

    @no_var_expand
    @needs_local_scope
    @line_magic
    def add(self, line: str, local_ns: dict[str, Any] | None = None) -> None:
        """Add a dependency to the project, optionally pinned to one source (``poetry add``).

        Usage::

          %add PKG[@CONSTRAINT] [--source NAME] [--group GROUP]

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
        p = _parser("%add")
        p.add_argument("requirement")
        p.add_argument("--source", default=None)
        p.add_argument("-G", "--group", default="main")
        ns = p.parse_args(_split(self._expand(line, local_ns)))
        self._notices()
        _emit(self.ws.add(ns.requirement, source=ns.source, group=ns.group))

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
        when the lookup ends it closes and the result takes its place. ``--no-live`` turns
        it off. ``%netlog`` shows every request of the session.

        Caches: pages the server says are fresh cost no request, expired ones are revalidated
        (the ``cache`` column says which). ``--refresh`` revalidates these packages' pages and
        refetches their metadata whatever the cache holds (after a publish); ``--no-cache``
        reads and writes no cache for this lookup (Poetry's ``--no-cache``).
        """
        p = _parser("%lookup")
        p.add_argument("requirements", nargs="+")
        p.add_argument("--source", default=None)
        p.add_argument("-v", "--verbose", action="count", default=0)
        p.add_argument("--no-live", action="store_true")
        p.add_argument("--refresh", action="store_true")
        p.add_argument("--no-cache", action="store_true")
        ns = p.parse_args(_split(self._expand(line, local_ns)))
        self._notices()
        ws = self.ws
        live: LiveLookup | None = None
        if in_kernel(self.shell) and not ns.no_live:
            live = LiveLookup(ns.requirements, verbosity=ns.verbose)
            display(live)  # type: ignore[no-untyped-call]
            if ns.verbose >= 2:
                ws.log_sinks.append(live.event)
        try:
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

    @no_var_expand
    @needs_local_scope
    @line_magic
    def publish(self, line: str, local_ns: dict[str, Any] | None = None) -> PublishResult | None:
        """Build and upload the project to an index, as ``poetry publish`` does.

        Usage::

          %publish [-r NAME] [--build] [--no-isolation] [--dist-dir DIR] [--skip-existing]
                   [--dry-run] [-u USER] [-p PASSWORD] [--cert F] [--client-cert F]
                   [--check-url SIMPLE_URL]

        Without ``-r`` the target is the public index; ``-r NAME`` uploads to
        ``repositories.NAME.url`` (``%config repositories.NAME URL``: the upload URL, not the
        simple one; devpi's is the index URL, ``http://host/USER/INDEX/``), else, as in
        Poetry, to the URL of the source NAME. Credentials as Poetry finds them:
        ``pypi-token.NAME``, then ``http-basic.NAME`` (keyring); when the index answers 401 a
        password field opens (Save, then run the cell again). Leave ``-p`` out of cells: it
        would be saved in the notebook (nbext removes it from the history and the cell).

        Before anything is sent each file is checked: valid metadata for this project and
        version, a README that renders, and whether the file is already on the index (by
        sha256 on NAME's own simple index: ``--check-url SIMPLE_URL`` names it when no source
        is that index): ``--skip-existing`` skips files that are there. A different file of
        the same name is left to the index (a volatile devpi index replaces it).
        ``--build`` runs ``python -m build`` first (isolated; ``--no-isolation`` builds in the
        kernel's environment). ``--dry-run`` does everything but the upload. After the
        upload, ``%lookup NAME==VERSION`` sees the new release at once.
        """
        p = _parser("%publish")
        p.add_argument("-r", "--repository", default=None)
        p.add_argument("-u", "--username", default=None)
        p.add_argument("-p", "--password", default=None)
        p.add_argument("--cert", default=None)
        p.add_argument("--client-cert", default=None)
        p.add_argument("--dist-dir", default="dist")
        p.add_argument("--build", action="store_true")
        p.add_argument("--no-isolation", action="store_true")
        p.add_argument("--dry-run", action="store_true")
        p.add_argument("--skip-existing", action="store_true")
        p.add_argument("--check-url", default=None)
        p.add_argument("-n", "--no-interaction", action="store_true")
        ns = p.parse_args(_split(self._expand(line, local_ns)))
        self._notices()
        ws = self.ws
        if ns.password and ns.password in line:
            # Typed into the cell: out of the history and the cell (the run still uses it).
            kept = re.sub(r"\s(-p|--password)(=|\s+)" + re.escape(ns.password), "", line)
            rewritten = scrub(self.shell, [ns.password], replacement="%publish " + kept.strip())
            print(
                "The password was typed into the cell: nbext removed it from IPython's history"
                + (" and from the cell" if rewritten else "")
                + f". Next time: %config http-basic.{ns.repository or 'pypi'} USER (a password "
                "field opens).",
                file=sys.stderr,
            )
        view: PublishView | None = None
        observer: Any
        if in_kernel(self.shell):
            view = PublishView(f"%publish {'-r ' + ns.repository if ns.repository else ''}".strip())
            display(view)  # type: ignore[no-untyped-call]
            observer = view
        else:
            observer = TextProgress(sys.stdout)
        prompt = credential_prompt(self.shell, ws.passwords.set_http_password, display)
        try:
            result = ws.publish(
                ns.repository,
                username=ns.username,
                password=ns.password,
                dist_dir=ns.dist_dir,
                build=ns.build,
                isolation=not ns.no_isolation,
                skip_existing=ns.skip_existing,
                dry_run=ns.dry_run,
                cert=ns.cert,
                client_cert=ns.client_cert,
                check_url=ns.check_url,
                prompt=prompt,
                observer=observer,
            )
        except PublishError as exc:
            if exc.needs_credentials:
                print(str(exc), file=sys.stderr)  # the form is shown: not a failure
                return None
            raise
        finally:
            if view is not None:
                view.finish()
        return result

    @line_magic("nbext")  # type: ignore[arg-type]
    def nbext_status(self, line: str) -> Status:
        """What nbext is working with: the project, the sources (Poetry's order, priorities,
        where credentials are configured: never their values), caches, version.

        Usage::

          %nbext
        """
        if line.strip():
            raise UsageError("%nbext takes no arguments (see %nbext?)")
        self._notices()
        return self.ws.status()

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
        args = _split(line)
        ws = self.ws
        if not args:
            if in_kernel(self.shell):
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
            p = _parser("%cache refresh")
            p.add_argument("source")
            _emit(ws.cache_refresh(p.parse_args(rest).source))
            return None
        if command != "clear":
            raise UsageError(
                "Usage: %cache | %cache list | %cache clear [SOURCE[:PKG[:VERSION]]] [--all] "
                "[-n] | %cache refresh SOURCE  (see %cache?)"
            )
        p = _parser("%cache clear")
        p.add_argument("target", nargs="?")
        p.add_argument("--all", action="store_true")
        p.add_argument("-n", "--no-interaction", action="store_true")
        ns = p.parse_args(rest)
        plan = ws.cache_clear_plan(ns.target, all=ns.all)
        if plan.question is None or ns.no_interaction:
            _emit(plan.execute())
            return None
        if in_kernel(self.shell):
            return ConfirmForm(plan.question, lambda: repr(plan.execute()))
        answer = "yes"
        if sys.stdin is not None and sys.stdin.isatty():
            answer = input(f"{plan.question} (yes/no) [yes] ").strip().lower() or "yes"
        if answer in ("y", "yes"):
            _emit(plan.execute())
        return None

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
        p = _parser("%netlog")
        p.add_argument("--source", default=None)
        p.add_argument("--stop", action="store_true")
        ns = p.parse_args(_split(line))
        ws = self.ws
        if ns.stop:
            stopped = [s for s in ws.log_sinks if isinstance(getattr(s, "__self__", None), NetLog)]
            for sink in stopped:
                ws.log_sinks.remove(sink)
                sink.__self__.close()  # type: ignore[attr-defined]
            print(f"Stopped {len(stopped)} network log{'s' if len(stopped) != 1 else ''}.")
            return None
        history = [e for e in ws.events if ns.source in (None, e.source)]
        if not in_kernel(self.shell):
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

    @no_var_expand
    @needs_local_scope
    @line_magic("config")  # type: ignore[arg-type]
    def config_magic(self, line: str, local_ns: dict[str, Any] | None = None) -> Any:
        """Poetry's configuration (``poetry config``), next to IPython's own ``%config``.

        Usage::

          %config --list                                   every setting (credentials hidden)
          %config KEY                                      one setting
          %config [--local] KEY VALUE                      set (--local: the project's poetry.toml)
          %config [--local] --unset KEY                    remove
          %config http-basic.NAME USERNAME                 a password field appears (kernel)
          %config pypi-token.NAME TOKEN                    publishing token (keyring)
          %config repositories.NAME URL                    an upload target for %publish
          %config certificates.NAME.cert PATH|false        CA bundle, or no verification
          %config keyring.enabled false

        The files, keys and keyring entries are Poetry's own (config.toml and auth.toml in
        POETRY_CONFIG_DIR, service ``poetry-repository-NAME``), so ``poetry`` in a terminal
        sees what you set here, and the other way round. Passwords and tokens go to the
        keyring; with no usable keyring, to auth.toml with a notice. Put ``--`` before a value
        that starts with ``-``.

        A password or token typed on the line is removed from the cell and from IPython's
        history after it is saved; prefer ``%config http-basic.NAME USERNAME`` and the field.

        Any other line (``%config InlineBackend.figure_format = 'svg'``, ``%config`` alone,
        ``%config HistoryManager``) goes to IPython's ``%config`` unchanged. ``%nbconfig`` is
        this magic under a name IPython does not use.
        """
        tokens = line.split()
        if not tokens or not self._claims(tokens[0]):
            return self._ipython_config(line, local_ns)
        return self.nbconfig_magic(line, local_ns)

    def _claims(self, first: str) -> bool:
        if first.startswith("--"):
            return True
        configurables = {type(c).__name__ for c in getattr(self.shell, "configurables", [])}
        if first.split(".")[0] in configurables:
            return False
        return is_poetry_key(first)

    def _ipython_config(self, line: str, local_ns: dict[str, Any] | None) -> Any:
        original = _saved.get("config")
        if original is None:
            raise UsageError(f"Unknown Poetry setting {line.split()[0]!r} (see %config?)")
        namespace = dict(self.shell.user_ns) if self.shell is not None else {}
        namespace.update(local_ns or {})
        try:
            expanded = DollarFormatter().vformat(line, args=[], kwargs=namespace)
        except Exception:
            expanded = line
        return original(expanded)

    @no_var_expand
    @needs_local_scope
    @line_magic("nbconfig")  # type: ignore[arg-type]
    def nbconfig_magic(self, line: str, local_ns: dict[str, Any] | None = None) -> Any:
        """Poetry's configuration; the same as nbext's ``%config`` (see ``%config?``)."""
        p = _parser("%config")
        p.add_argument("--list", action="store_true")
        p.add_argument("--unset", action="store_true")
        p.add_argument("--local", action="store_true")
        p.add_argument("key", nargs="?")
        p.add_argument("values", nargs="*")
        ns = p.parse_args(_split(self._expand(line, local_ns)))
        self._notices()
        ws = self.ws
        if ns.list:
            print("\n".join(ws.config_list()))
            return None
        if not ns.key:
            return None
        if ns.unset:
            if ns.values:
                raise UsageError("You can not combine a setting value with --unset")
            _emit(ws.config_unset(ns.key, local=ns.local))
            return None
        if not ns.values:
            print(ws.config_get(ns.key))
            return None
        prompt = choose_prompt(self.shell, ws.passwords.set_http_password, display)
        report = ws.config_set(ns.key, *ns.values, local=ns.local, prompt=prompt)
        secret, replacement = self._typed_secret(ns.key, ns.values, line)
        if secret and secret in line:  # typed literally (a {variable} leaves no trace)
            rewritten = scrub(self.shell, [secret], replacement=replacement)
            report.warnings.append(
                "The secret was typed into the cell: nbext removed it from IPython's history"
                + (" and from the cell" if rewritten else "")
                + ". Next time leave it out: %config http-basic.NAME USERNAME shows a "
                "password field."
            )
        _emit(report)
        return None

    @staticmethod
    def _typed_secret(key: str, values: list[str], line: str) -> tuple[str | None, str]:
        if key.startswith("http-basic.") and len(values) == 2:
            return values[1], f"%config {key} {values[0]}"
        if key.startswith("pypi-token.") and len(values) == 1:
            return values[
                0
            ], f"# %config {key} ***  (saved; nbext removed the token from this cell)"
        return None, ""


_saved: dict[str, Any] = {}


def load(ip: Any) -> None:
    """Register the magics, remembering whatever they replace.

    IPython's ``%config`` is resolved first with ``find_line_magic`` (since IPython 9.17 the
    table may hold a lazy placeholder that would resolve to nbext's own magic and recurse).
    """
    table = ip.magics_manager.magics["line"]
    for name in MAGIC_NAMES:
        if name in table and name not in _saved:
            current = ip.find_line_magic(name) if name == "config" else table[name]
            if current is not None and not getattr(
                getattr(current, "__self__", None), "_nbext", False
            ):
                _saved[name] = current
    magics = NbextMagics(ip)
    magics._nbext = True  # type: ignore[attr-defined]
    ip.register_magics(magics)


def unload(ip: Any) -> None:
    """Remove the magics and put back what they replaced."""
    table = ip.magics_manager.magics["line"]
    for name in MAGIC_NAMES:
        table.pop(name, None)
        if name in _saved:
            table[name] = _saved.pop(name)
    ip.magics_manager.registry.pop("NbextMagics", None)
