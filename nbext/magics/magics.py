"""IPython magics: thin shells that parse a line, call the Workspace and display the result."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

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

from nbext.config.settings import is_poetry_key
from nbext.facade import Workspace
from nbext.kernel import workspace
from nbext.lookup.results import LookupResult, LookupResults
from nbext.magics.linesecrets import LineSecrets, config_arguments, option_secret, url_secrets
from nbext.magics.scrub import CellTracker, redact, scrub
from nbext.magics.typed import TypedLine, parse_line
from nbext.project.status import Status
from nbext.publish.publish import CredentialPrompt, PublishError, PublishResult, TextProgress
from nbext.report import Report
from nbext.ui.cacheview import CacheView, ConfirmForm
from nbext.ui.live import LiveLookup, NetLog
from nbext.ui.prompt import choose_prompt, credential_prompt, in_kernel
from nbext.ui.publishview import PublishView
from nbext.ui.views import event_text

__all__ = ["NbextMagics", "load", "unload"]

MAGIC_NAMES = (
    "source",
    "add",
    "lookup",
    "config",
    "nbconfig",
    "netlog",
    "cache",
    "publish",
    "nbext",
)


def _split(line: str) -> list[str]:
    """The arguments of a line that takes no ``{expr}`` (``%cache``, ``%netlog``)."""
    return _arguments(parse_line(line))


def _arguments(parsed: TypedLine) -> list[str]:
    if parsed.error is not None:
        raise UsageError(f"Cannot parse the line: {parsed.error}")
    return parsed.values


def _redact_exception(exc: BaseException, secrets: list[str]) -> None:
    """Take the secrets out of an exception's message, and out of those it was raised from."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.args = tuple(redact(a, secrets) if isinstance(a, str) else a for a in current.args)
        current = current.__cause__ or current.__context__


#: What to do instead of typing a URL's password into a cell.
_URL_HINT = (
    "Next time: keep credentials out of URLs; %config http-basic.NAME USERNAME shows a "
    "password field."
)


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
        #: The cell being run (registered on the shell's events by :func:`load`).
        self.cells = CellTracker()

    @property
    def ws(self) -> Workspace:
        return self._ws if self._ws is not None else workspace()

    def _parse(self, line: str, local_ns: dict[str, Any] | None) -> LineSecrets:
        """The line's tokens, ``{expr}`` expanded, with the URL passwords on it marked."""
        namespace = dict(self.shell.user_ns) if self.shell is not None else {}
        namespace.update(local_ns or {})
        found = LineSecrets(parse_line(line, namespace))
        url_secrets(found)
        return found

    @contextlib.contextmanager
    def _secrets(
        self, found: LineSecrets, what: str, hint: str | Callable[[], str]
    ) -> Iterator[None]:
        """Run the magic; whatever happens, the typed secrets leave the cell and the history
        (:func:`nbext.magics.scrub.scrub`) and no message shows them."""
        try:
            with self._redacting(found):
                yield
        finally:
            if found.typed:
                where = scrub(self.shell, found.rewrite(), self.cells).where()
                done = f"nbext removed it from {where}" if where else "nothing keeps it here"
                print(
                    f"{what} was typed into the cell: {done}. "
                    f"{hint if isinstance(hint, str) else hint()}",
                    file=sys.stderr,
                )

    @staticmethod
    @contextlib.contextmanager
    def _redacting(found: LineSecrets) -> Iterator[None]:
        """No message of an exception raised in the block shows the line's secrets."""
        try:
            yield
        except BaseException as exc:
            secrets = found.values()
            if secrets:
                _redact_exception(exc, secrets)
            raise

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
        found = self._parse(line, local_ns)
        with self._secrets(
            found,
            "The password in the URL",
            "Next time: %source add NAME URL (without credentials), then "
            "%config http-basic.NAME USERNAME.",
        ):
            return self._source(_arguments(found.parsed), found)

    def _source(self, args: list[str], found: LineSecrets) -> Any:
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
            found.done = True  # the credentials are saved: the cell shows the URL without
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
        found = self._parse(line, local_ns)
        with self._secrets(found, "The password in the URL", _URL_HINT):
            ns = p.parse_args(_arguments(found.parsed))
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
        found = self._parse(line, local_ns)
        with self._secrets(found, "The password in the URL", _URL_HINT):
            ns = p.parse_args(_arguments(found.parsed))
        self._notices()
        ws = self.ws
        live: LiveLookup | None = None
        if in_kernel(self.shell) and not ns.no_live:
            live = LiveLookup(ns.requirements, verbosity=ns.verbose)
            display(live)  # type: ignore[no-untyped-call]
            if ns.verbose >= 2:
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
        found = self._parse(line, local_ns)
        repository = "NAME"
        with self._secrets(
            found,
            "The password",
            lambda: f"Next time: %config http-basic.{repository} USER (a password field opens).",
        ):
            args = option_secret(found, p, "--password", "-p")  # marks the secret first
            _arguments(found.parsed)
            ns = p.parse_args(args)
            repository = ns.repository or "pypi"
            found.done = True  # this upload uses it; the cell shows the line without it
        self._notices()
        ws = self.ws
        view: PublishView | None = None
        observer: Any
        if in_kernel(self.shell):
            view = PublishView(f"%publish {'-r ' + ns.repository if ns.repository else ''}".strip())
            display(view)  # type: ignore[no-untyped-call]
            observer = view
        else:
            observer = TextProgress(sys.stdout)
        prompt = credential_prompt(self.shell, _form_save(ws), display)
        try:
            with self._redacting(found):
                result = self._publish(ws, ns, prompt, observer)
        except PublishError as exc:
            if exc.needs_credentials:
                # The form is shown and says what to do: not a failure. What was uploaded
                # before the 401 still goes below it.
                for text in str(exc).splitlines()[1:]:
                    print(text, file=sys.stderr)
                return None
            raise
        finally:
            if view is not None:
                view.finish()
        return result

    @staticmethod
    def _publish(ws: Workspace, ns: Any, prompt: CredentialPrompt, observer: Any) -> PublishResult:
        return ws.publish(
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
        keyring; with no usable keyring, to auth.toml with a notice. After ``http-basic`` and
        ``pypi-token`` keys a value may start with ``-``; elsewhere put ``--`` before it.
        Credentials in a ``repositories.NAME`` URL become ``http-basic.NAME`` (config.toml
        gets the URL without them).

        A password or token typed on the line is removed from the cell and from this cell's
        IPython history, also when the line fails; prefer ``%config http-basic.NAME USERNAME``
        and the field.

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
        found = self._parse(line, local_ns)
        with self._secrets(
            found,
            "The secret",
            "Next time leave it out: %config http-basic.NAME USERNAME shows a password field.",
        ):
            args = config_arguments(found)  # marks the secrets first, then any error
            values = _arguments(found.parsed)
            ns = p.parse_args(values if args is None else args)
            self._config(ns, found)
        return None

    def _config(self, ns: Any, found: LineSecrets) -> None:
        self._notices()
        ws = self.ws
        if ns.list:
            print("\n".join(ws.config_list()))
            return
        if not ns.key:
            return
        if ns.unset:
            if ns.values:
                raise UsageError("You can not combine a setting value with --unset")
            _emit(ws.config_unset(ns.key, local=ns.local))
            return
        if not ns.values:
            print(ws.config_get(ns.key))
            return
        prompt = choose_prompt(self.shell, _form_save(ws), display)
        report = ws.config_set(ns.key, *ns.values, local=ns.local, prompt=prompt)
        found.done = True
        if ns.key.startswith("pypi-token."):
            found.note = "saved; nbext removed the token from this cell"
        _emit(report)


def _form_save(ws: Workspace) -> Callable[[str, str, str], Report]:
    """What the password form's Save does: ``config_set`` of ``http-basic.NAME`` (its report,
    with Poetry's plaintext notice when there is no usable keyring, is shown in the form)."""

    def save(repository: str, username: str, password: str) -> Report:
        return ws.config_set(f"http-basic.{repository}", username, password)

    return save


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
    magics.cells.register(ip)


def unload(ip: Any) -> None:
    """Remove the magics and put back what they replaced."""
    table = ip.magics_manager.magics["line"]
    for name in MAGIC_NAMES:
        table.pop(name, None)
        if name in _saved:
            table[name] = _saved.pop(name)
    magics = ip.magics_manager.registry.pop("NbextMagics", None)
    if isinstance(magics, NbextMagics):
        magics.cells.unregister(ip)
