"""The parts of Poetry 2.5.1 (the application, not poetry-core) that nbext drives: its factory,
installer (in lock mode), solver errors, repositories and environments.

Imported here once, with one warning silenced: importing ``poetry.utils.env`` imports
pbs-installer, which calls ``importlib.resources.open_text`` (deprecated) at import time; in a
kernel that would print a DeprecationWarning on the first ``%lock``, and under the test suite's
``filterwarnings = error`` it would fail it. Nothing else is silenced.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "open_text is deprecated", DeprecationWarning)
    from cleo.formatters.formatter import Formatter
    from cleo.formatters.style import Style
    from cleo.io.buffered_io import BufferedIO
    from cleo.io.inputs.string_input import StringInput
    from cleo.io.io import IO
    from cleo.io.outputs.buffered_output import BufferedOutput
    from poetry.config.config import Config
    from poetry.console.exceptions import PoetryRuntimeError
    from poetry.core.packages.project_package import ProjectPackage
    from poetry.core.packages.utils.link import Link
    from poetry.factory import Factory
    from poetry.inspection.info import PackageInfo
    from poetry.installation.chooser import Chooser
    from poetry.installation.installer import Installer
    from poetry.puzzle.exceptions import SolverProblemError
    from poetry.puzzle.solver import Solver
    from poetry.puzzle.transaction import Transaction
    from poetry.repositories.exceptions import PackageNotFoundError
    from poetry.repositories.installed_repository import InstalledRepository
    from poetry.repositories.repository import Repository
    from poetry.repositories.repository_pool import Priority, RepositoryPool
    from poetry.utils.env import GenericEnv, NullEnv, SystemEnv, VirtualEnv

__all__ = [
    "IO",
    "BufferedIO",
    "Chooser",
    "Config",
    "Factory",
    "GenericEnv",
    "InstalledRepository",
    "Installer",
    "Link",
    "NullEnv",
    "OneStream",
    "PackageInfo",
    "PackageNotFoundError",
    "PoetryRuntimeError",
    "Priority",
    "ProjectPackage",
    "Repository",
    "RepositoryPool",
    "Solver",
    "SolverProblemError",
    "SystemEnv",
    "Transaction",
    "VirtualEnv",
    "plain",
]


class OneStream(IO):
    """Poetry's console, kept: what it writes to stdout and stderr in one buffer, in the order
    written (Poetry's yanked warnings go to stderr between "Resolving dependencies..." and
    "Writing lock file"), without markup."""

    def __init__(self) -> None:
        self._buffer = BufferedOutput(decorated=False, formatter=_formatter())
        super().__init__(StringInput(""), self._buffer, self._buffer)

    def lines(self) -> list[str]:
        return [line.rstrip() for line in self._buffer.fetch().splitlines()]


#: The styles Poetry's console application defines (``poetry/console/application.py``): known
#: to the formatter, their tags are taken out rather than shown.
_POETRY_STYLES = (
    "c1",
    "c2",
    "info",
    "comment",
    "warning",
    "debug",
    "success",
    "c1_dark",
    "c2_dark",
    "success_dark",
)


def _formatter() -> Formatter:
    formatter = Formatter(decorated=False)
    for name in _POETRY_STYLES:
        formatter.set_style(name, Style())
    return formatter


def plain(text: str) -> str:
    """Poetry's text without cleo's markup (``<fg=blue;options=bold>* </>``, ``<c1>``), as its
    console shows it."""
    return _formatter().remove_format(text)
