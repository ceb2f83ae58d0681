"""The one exception tree of nbext.

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
    └── IndexPageError              an index answered something unusable

Every message names the source or file concerned and, where there is one, the fix.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ConfigurationError",
    "CredentialError",
    "FileBusyError",
    "IndexPageError",
    "KeyringError",
    "NbextError",
    "ProjectError",
    "RequirementError",
    "SourceError",
    "UnknownSourceError",
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

    def __init__(self, message: str, *, path: str, lock_path: str, timeout: float) -> None:
        super().__init__(message)
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
    """A source answered with something that is not a usable index page."""

    def __init__(self, message: str, *, source: str, url: str, status: int | None = None) -> None:
        super().__init__(message)
        self.source = source
        self.url = url
        self.status = status
