"""The one exception tree of nbext: every error a user can meet is defined here.

::

    NbextError                      root; one clear line in a notebook (``_render_traceback_``)
    ├── ProjectError                pyproject.toml missing, unreadable or malformed
    │   └── ConfigurationError      Poetry's "The Poetry configuration is invalid" schema errors
    ├── SourceError                 a source definition Poetry refuses (name, url, priority)
    │   └── UnknownSourceError      a name that is not in the pool
    ├── ConfigError                 a Poetry config key or value nbext refuses (Poetry's texts)
    ├── FileBusyError               another process kept a user file locked past the deadline
    ├── CredentialError             credentials cannot be read or stored
    │   └── KeyringError            the keyring failed, is locked or did not answer in time
    ├── RequirementError            a requirement or constraint that cannot be parsed
    ├── IndexPageError              an index answered something unusable
    │   ├── PageFormatError         a page neither usable HTML nor PEP 691 JSON, a bad archive
    │   └── MarkupError             markup html.parser refuses (read as a PageFormatError)
    ├── CacheError                  a ``%cache clear`` argument Poetry would reject
    ├── BodyTooLarge                a response body past its cap (never retried)
    ├── NotCached                   offline, and nothing usable is cached for the URL
    ├── SourceDown                  a source that could not be reached earlier in the lookup
    ├── TlsConnectError             a TLS failure: the source, the host and the fix
    ├── DistReadError               a file that is not a readable wheel or sdist
    ├── UploadFailed                the upload POST got no answer after every retry
    ├── PublishError                a publish that stopped, with what was uploaded before
    └── InstallError                an install or uninstall that could not be done
        ├── ExternallyManagedError  PEP 668: the system's package manager owns the environment
        └── BuildError              an sdist that could not be built into a wheel

Some are also a built-in or an httpx error, so code that catches those keeps working:
``ValueError`` (SourceError, ConfigError, RequirementError, PageFormatError, MarkupError,
DistReadError), ``LookupError`` (UnknownSourceError), ``httpx.TransportError`` (BodyTooLarge,
NotCached) and ``httpx.ConnectError`` (SourceDown, TlsConnectError): the transport stack and
Poetry's retry loop treat those as the transport errors they are.

Every message names the source or file concerned and, where there is one, the fix. Where a
class holds what its message says (a file and its lock, a URL), the class builds the message
from those attributes when it is raised, and keeps it as the exception's argument: not in
``__str__``, because the magics take secrets typed in a cell out of ``args`` (a message built
in ``__str__`` would escape that). This module imports nothing of nbext (the bottom layer).
"""

from __future__ import annotations

from typing import Any

import httpx

__all__ = [
    "BodyTooLarge",
    "BuildError",
    "CacheError",
    "ConfigError",
    "ConfigurationError",
    "CredentialError",
    "DistReadError",
    "ExternallyManagedError",
    "FileBusyError",
    "IndexPageError",
    "InstallError",
    "KeyringError",
    "MarkupError",
    "NbextError",
    "NotCached",
    "PageFormatError",
    "ProjectError",
    "PublishError",
    "RequirementError",
    "SourceDown",
    "SourceError",
    "TlsConnectError",
    "UnknownSourceError",
    "UnsafeDependencies",
    "UploadFailed",
]


class NbextError(Exception):
    """Root of every error nbext raises on purpose."""

    def _render_traceback_(self) -> list[str]:
        # IPython shows this instead of a traceback: one readable line, still a failed cell.
        return [f"{type(self).__name__}: {self}"]


class ProjectError(NbextError):
    """The project file cannot be read or written."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class ConfigurationError(ProjectError):
    """Poetry's schema validation failed (same text as ``poetry`` prints)."""

    def _render_traceback_(self) -> list[str]:
        # Poetry's text puts the reason on a second line; a notebook shows one line, with the
        # file and the fix.
        head, _, reasons = str(self).partition(":\n")
        reason = "; ".join(r.strip().removeprefix("- ") for r in reasons.splitlines() if r.strip())
        where = f" ({self.path})" if self.path else ""
        return [
            f"{type(self).__name__}: {head}{where}: {reason}. Fix it in the file (%source "
            "remove NAME takes a source entry out); nbext has not changed it."
        ]


class SourceError(NbextError, ValueError):
    """A source definition is invalid."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(message)
        self.source = source


class UnknownSourceError(SourceError, LookupError):
    """A source name that is not configured."""


class ConfigError(NbextError, ValueError):
    """A config key or value that ``poetry config`` would refuse, or a config file or
    ``POETRY_*`` variable that cannot be used. ``key`` is the setting concerned, ``origin``
    where its value came from (a file path or an environment variable), when known."""

    def __init__(self, message: str, *, key: str | None = None, origin: str | None = None) -> None:
        super().__init__(message)
        self.key = key
        self.origin = origin


class FileBusyError(NbextError):
    """Another process held the lock of a user file (``path``) for longer than ``timeout``
    seconds: nbext changed nothing. ``lock_path`` is the lock file beside it."""

    def __init__(self, *, path: str, lock_path: str, timeout: float) -> None:
        super().__init__(
            f"{path} is being changed by another process (a kernel, a script or nbext in a "
            f"terminal still held its lock {lock_path} after {timeout:g} s); nbext changed "
            "nothing. Fix: let the other process finish, then run this again (if none is "
            f"running, delete {lock_path})."
        )
        self.path = path
        self.lock_path = lock_path
        self.timeout = timeout


class CredentialError(NbextError):
    """Credentials cannot be read or stored."""

    def __init__(self, message: str, *, source: str | None = None) -> None:
        super().__init__(message)
        self.source = source


class KeyringError(CredentialError):
    """The keyring failed, is locked, or did not answer within the time limit."""


class RequirementError(NbextError, ValueError):
    """A requirement string that cannot be parsed."""


class IndexPageError(NbextError):
    """A source answered with something that is not a usable index page. ``source``, ``url``
    and ``status`` say where, when known (the pure parsers below raise without them)."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        url: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.source = source
        self.url = url
        self.status = status


class PageFormatError(IndexPageError, ValueError):
    """A page that is neither a usable HTML nor a PEP 691 JSON index page (or an archive
    without its metadata file)."""


class MarkupError(IndexPageError, ValueError):
    """Markup html.parser refuses (it raises, and Poetry's page read fails with it)."""


class CacheError(NbextError):
    """A ``%cache clear`` argument Poetry would reject (with Poetry's message)."""


class BodyTooLarge(NbextError, httpx.TransportError):
    """A body past its cap (see :class:`nbext.net.limits.Cap`); never retried."""


class NotCached(NbextError, httpx.TransportError):
    """Offline, and nothing usable is cached for ``url`` (the cache key: redacted)."""

    def __init__(self, url: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(
            f"offline, and no cached copy of {url}: look it up once online "
            "(%config --unset offline)",
            request=request,
        )
        self.url = url


class SourceDown(NbextError, httpx.ConnectError):
    """A source that could not be reached earlier in the same lookup: not asked again."""


class TlsConnectError(NbextError, httpx.ConnectError):
    """A TLS failure, with a message that names the source, the host and the fix."""


class DistReadError(NbextError, ValueError):
    """A file that is not a readable wheel or sdist."""


class UploadFailed(NbextError):
    """The POST could not be made (after every retry); ``events`` has each attempt (the
    ``nbext.net.client.Event`` of each; typed loosely, as this module imports no layer)."""

    def __init__(self, message: str, events: list[Any]) -> None:
        super().__init__(message)
        self.events = events


class PublishError(NbextError):
    """A publish that stopped; ``result`` says what was uploaded before it did (a
    ``nbext.publish.publish.PublishResult``, or None; typed loosely, as above)."""

    def __init__(self, message: str, *, result: Any = None) -> None:
        super().__init__(message)
        self.result = result
        #: True when the cell should be run again once the credentials form is saved.
        self.needs_credentials = False


class InstallError(NbextError):
    """Files that could not be installed into, or distributions that could not be removed
    from, an environment. ``path`` is the file or directory concerned, when there is one. An
    install that fails part-way puts back what it had removed and takes out what it had
    written before raising."""

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class ExternallyManagedError(InstallError):
    """PEP 668: the interpreter's ``EXTERNALLY-MANAGED`` file says its packages belong to the
    system's package manager. ``marker`` is that text (its ``Error`` entry), or None."""

    def __init__(self, message: str, *, path: str | None = None, marker: str | None = None) -> None:
        super().__init__(message, path=path)
        self.marker = marker


class BuildError(InstallError):
    """An sdist (``path``) whose build backend failed, was missing, or ran out of time;
    ``output`` is the end of what the backend printed."""

    def __init__(self, message: str, *, path: str | None = None, output: str = "") -> None:
        super().__init__(message, path=path)
        self.output = output


class UnsafeDependencies(NbextError):
    """``%source audit --strict`` found dependencies a copy on another source could replace
    (dependency confusion); the message names each and its fix."""
