"""``%config`` (and ``%nbconfig``): Poetry's configuration, next to IPython's ``%config``."""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import line_magic, magics_class, needs_local_scope, no_var_expand
from IPython.display import display
from IPython.utils.text import DollarFormatter

from nbext.config.keys import is_poetry_key
from nbext.magics.base import NbextMagicsBase, arguments, emit, form_save, parser, saved
from nbext.magics.linesecrets import LineSecrets, config_arguments
from nbext.ui.prompt import choose_prompt

__all__ = ["ConfigMagics", "ipython_syntax"]

#: IPython's assignment, ``Class.trait = value`` or ``Class.trait=value``
#: (IPython.core.magics.config runs ``cfg.`` + the line).
_ASSIGNMENT = re.compile(r"\s*\w+\.\w+\s*=")
#: A class name (``Completer``, ``InlineBackend.figure_format``) or an IPython ``$variable``:
#: Poetry's keys are lower case.
_IPYTHON_FIRST = re.compile(r"[A-Z$]")


def ipython_syntax(line: str, classnames: Collection[str]) -> bool:
    """Whether a ``%config`` line is IPython's own: nothing (the list of configurables), a
    class (``Completer``), a trait (``Class.trait``), an assignment (``Class.trait = value``),
    or anything about a configurable of this shell (``classnames``).

    Every other line is Poetry's (``poetry config``), also with a key Poetry does not have:
    nbext then answers as Poetry does (``Setting not.a.key does not exist``).
    """
    stripped = line.strip()
    if not stripped or _ASSIGNMENT.match(stripped) or _IPYTHON_FIRST.match(stripped):
        return True
    first = re.split(r"[.=\s]", stripped, maxsplit=1)[0]
    names = {n.lower() for n in classnames}
    # IPython's "Did you mean Completer (note the case)?" for `%config completer`.
    return first in classnames or stripped.lower() in names


@magics_class
class ConfigMagics(NbextMagicsBase):
    """``%config`` and ``%nbconfig`` (``poetry config``)."""

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

        IPython's own lines (``%config InlineBackend.figure_format = 'svg'``, ``%config``
        alone, ``%config HistoryManager``: a class name, ``Class.trait``, an assignment) go to
        IPython's ``%config`` unchanged. Any other key is Poetry's: one Poetry does not have
        gets Poetry's answer (``Setting not.a.key does not exist``). ``%nbconfig`` is this
        magic under a name IPython does not use.
        """
        if not self._claims(line):
            return self._ipython_config(line, local_ns)
        return self.nbconfig_magic(line, local_ns)

    def _claims(self, line: str) -> bool:
        """Whether ``line`` is Poetry's (options, Poetry's keys, any key that is not in
        IPython's syntax) rather than IPython's own ``%config``."""
        tokens = line.split()
        if tokens and (tokens[0].startswith("-") or is_poetry_key(tokens[0])):
            return True
        configurables = [type(c).__name__ for c in getattr(self.shell, "configurables", [])]
        return not ipython_syntax(line, configurables)

    def _ipython_config(self, line: str, local_ns: dict[str, Any] | None) -> Any:
        original = saved.get("config")
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
        p = parser("%config")
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
            values = arguments(found.parsed)
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
            emit(ws.config_unset(ns.key, local=ns.local))
            return
        if not ns.values:
            print(ws.config_get(ns.key))
            return
        prompt = choose_prompt(self.shell, form_save(ws), display)
        report = ws.config_set(ns.key, *ns.values, local=ns.local, prompt=prompt)
        found.done = True
        if ns.key.startswith("pypi-token."):
            found.note = "saved; nbext removed the token from this cell"
        emit(report)
