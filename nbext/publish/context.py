"""What :func:`~nbext.publish.publish.publish` needs from the Workspace and its caller."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from nbext.auth.credentials import Credential
from nbext.net.events import Event
from nbext.net.limits import Limits

if TYPE_CHECKING:
    from nbext.auth.credentials import PasswordManager
    from nbext.config.settings import Settings
    from nbext.sources.pool import SourcePool

__all__ = ["CredentialPrompt", "PublishContext"]

#: Asks for the credentials of a repository: ``(repository, username or None)`` ->
#: the credential, or None when a widget was shown instead (the cell is re-run after Save).
CredentialPrompt = Callable[[str, str | None], Credential | None]


@dataclass
class PublishContext:
    """What :func:`publish` needs from the Workspace."""

    settings: Settings
    passwords: PasswordManager
    sources: SourcePool
    #: GET for the existence check and the project page: ``(url, label, headers)``.
    get: Callable[[str, str, dict[str, str]], httpx.Response]
    record: Callable[[Event], None]
    invalidate: Callable[[str, str], None]  # (source name, package)
    project_root: Path | None
    project_name: str | None
    project_version: str | None
    package_mode: bool = True
    transport: httpx.BaseTransport | None = None
    timeout: float = 15.0
    sleep: Callable[[float], None] = time.sleep
    #: The sources' URLs as declared (pyproject.toml or the session), by source name: a
    #: source-only ``-r NAME`` posts to this, trailing slash and all, as Poetry does.
    source_urls: Mapping[str, str] = field(default_factory=dict)
    #: The configured repository whose credentials the workspace's requests to a URL carry
    #: (the Authenticator's match), None for none.
    repository_for: Callable[[str], str | None] = lambda _url: None

    #: A ``Retry-After`` over this is not waited for (``NBEXT_MAX_RETRY_AFTER``, as for GETs).
    max_retry_after: float = field(default_factory=lambda: Limits.from_env().retry_after)
