"""What every family of nbext's magics shares: the line handling, the Workspace they call,
and the secrets typed on a line (taken out of the cell, the history and every message).

Each family (``source``, ``lookup``, ``config``, ``cache``, ``publish``, ``netlog``,
``status``) is a :class:`NbextMagicsBase` subclass in its own module; ``extension``
registers them all.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics
from IPython.core.magic_arguments import MagicArgumentParser

from nbext.facade import Workspace
from nbext.kernel import workspace
from nbext.magics.linesecrets import LineSecrets, url_secrets
from nbext.magics.scrub import CellTracker, redact, scrub
from nbext.magics.typed import TypedLine, parse_line
from nbext.report import Report
from nbext.ui.prompt import in_kernel

__all__ = [
    "URL_HINT",
    "NbextMagicsBase",
    "arguments",
    "emit",
    "form_save",
    "parser",
    "saved",
    "split",
]

#: The magics nbext replaced (IPython's ``%config``, a user's own ``%lookup``), by name:
#: ``unload`` puts them back, and nbext's ``%config`` hands IPython's lines to IPython's.
saved: dict[str, Any] = {}


def split(line: str) -> list[str]:
    """The arguments of a line that takes no ``{expr}`` (``%cache``, ``%netlog``)."""
    return arguments(parse_line(line))


def arguments(parsed: TypedLine) -> list[str]:
    if parsed.error is not None:
        raise UsageError(f"Cannot parse the line: {parsed.error}")
    return parsed.values


def redact_exception(exc: BaseException, secrets: list[str]) -> None:
    """Take the secrets out of an exception's message, and out of those it was raised from."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        current.args = tuple(redact(a, secrets) if isinstance(a, str) else a for a in current.args)
        current = current.__cause__ or current.__context__


#: What to do instead of typing a URL's password into a cell.
URL_HINT = (
    "Next time: keep credentials out of URLs; %config http-basic.NAME USERNAME shows a "
    "password field."
)


def parser(prog: str) -> MagicArgumentParser:
    return MagicArgumentParser(prog=prog, add_help=False)  # type: ignore[no-untyped-call]


def emit(report: Report) -> None:
    for line in report.warnings:
        print(line, file=sys.stderr)
    for line in report.info:
        print(line)


class NbextMagicsBase(Magics):
    """nbext's magics. The Workspace is ``nbext.workspace()`` unless one is given."""

    #: Marks nbext's own magics: ``load`` never saves one of them as the magic it replaced.
    _nbext = True

    def __init__(
        self, shell: Any = None, ws: Workspace | None = None, cells: CellTracker | None = None
    ) -> None:
        super().__init__(shell)
        self._ws = ws
        #: The cell being run (one tracker for every family, registered on the shell's
        #: events by :func:`nbext.magics.extension.load`).
        self.cells = cells if cells is not None else CellTracker()

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
                redact_exception(exc, secrets)
            raise

    def _notices(self) -> None:
        for notice in self.ws.notices():
            print(notice, file=sys.stderr)

    def _in_kernel(self) -> bool:
        """In a notebook (or another front end that shows widgets)."""
        return in_kernel(self.shell)


def form_save(ws: Workspace) -> Callable[[str, str, str], Report]:
    """What the password form's Save does: ``config_set`` of ``http-basic.NAME`` (its report,
    with Poetry's plaintext notice when there is no usable keyring, is shown in the form)."""

    def save(repository: str, username: str, password: str) -> Report:
        return ws.config_set(f"http-basic.{repository}", username, password)

    return save
