"""nbext: Poetry's package-source model in the IPython kernel.

``%load_ext nbext`` registers ``%source``, ``%add`` and ``%lookup``. Everything they do is
available from Python through :class:`Workspace` (``nbext.workspace()`` is the kernel's).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nbext._version import __version__
from nbext.errors import (
    BodyTooLarge,
    CacheError,
    ConfigError,
    ConfigurationError,
    CredentialError,
    FileBusyError,
    IndexPageError,
    KeyringError,
    NbextError,
    NotCached,
    ProjectError,
    PublishError,
    RequirementError,
    SourceDown,
    SourceError,
    TlsConnectError,
    UnknownSourceError,
)
from nbext.facade import Workspace
from nbext.index.metadata import ReleaseMetadata
from nbext.kernel import workspace
from nbext.lookup.results import Chosen, LookupResult, LookupResults, SourceRow
from nbext.report import Report, SourceTable
from nbext.sources.pool import Priority, Source, SourcePool
from nbext.ui import display as _display

if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "BodyTooLarge",
    "CacheError",
    "Chosen",
    "ConfigError",
    "ConfigurationError",
    "CredentialError",
    "FileBusyError",
    "IndexPageError",
    "KeyringError",
    "LookupResult",
    "LookupResults",
    "NbextError",
    "NotCached",
    "Priority",
    "ProjectError",
    "PublishError",
    "ReleaseMetadata",
    "Report",
    "RequirementError",
    "Source",
    "SourceDown",
    "SourceError",
    "SourcePool",
    "SourceRow",
    "SourceTable",
    "TlsConnectError",
    "UnknownSourceError",
    "Workspace",
    "__version__",
    "load_ipython_extension",
    "unload_ipython_extension",
    "workspace",
]


def load_ipython_extension(ip: Any) -> None:
    """``%load_ext nbext``: register the magics and the HTML views (IPython is imported only
    here)."""
    from nbext.magics import extension

    _display.register(ip)
    extension.load(ip)


def unload_ipython_extension(ip: Any) -> None:
    """``%unload_ext nbext``: remove the magics and restore what they replaced."""
    from nbext.magics import extension

    extension.unload(ip)


_display.register_in_ipython()  # imported in a notebook: results show as HTML without %load_ext
