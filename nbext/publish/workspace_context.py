"""What a publish takes from the workspace: :func:`publish_context` builds the
:class:`~nbext.publish.publish.PublishContext` of :func:`~nbext.publish.publish.publish`.

Its GETs go through the workspace's client without the cache (an existence check must see
the index as it is now), its uploads are logged with the other requests (``%netlog``), and
after an upload the package's cached pages on that source are dropped.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Protocol

import httpx

from nbext.auth.credentials import Authenticator, PasswordManager
from nbext.config.settings import Settings
from nbext.errors import NbextError
from nbext.net.client import Http
from nbext.project.declarations import Declared
from nbext.project.pyproject import Project
from nbext.publish.publish import PublishContext, PublishError
from nbext.report import Report
from nbext.sources.pool import SourcePool

__all__ = ["PublishWorkspace", "publish_context"]


class PublishWorkspace(Protocol):
    """What a publish takes from the workspace (``nbext.Workspace`` is one)."""

    @property
    def project(self) -> Project | None: ...
    @property
    def settings(self) -> Settings: ...
    @property
    def passwords(self) -> PasswordManager: ...
    @property
    def sources(self) -> SourcePool: ...
    @property
    def http(self) -> Http: ...
    @property
    def timeout(self) -> float: ...
    @property
    def declared(self) -> Declared: ...
    @property
    def authenticator(self) -> Authenticator: ...
    def cache_clear(self, target: str | None = None, *, all: bool = False) -> Report: ...


def publish_context(
    ws: PublishWorkspace,
    *,
    transport: httpx.BaseTransport | None,
    sleep: Callable[[float], None],
) -> PublishContext:
    """The context of a publish of the workspace's project (``PublishError`` without one);
    ``transport`` and ``sleep`` are the workspace's (a test's mock and no-op)."""
    if ws.project is None:
        raise PublishError(
            "No project to publish: this Workspace has no pyproject.toml. Fix: "
            "Workspace(project_dir) (in a notebook: %cd into the project, then "
            "%reload_ext nbext)"
        )
    name, version, package_mode = ws.project.package_info()

    def get(url: str, label: str, headers: dict[str, str]) -> httpx.Response:
        return ws.http.get(url, source=label, headers=headers, cache=False)[0]

    def invalidate(source: str, package: str) -> None:
        with contextlib.suppress(NbextError):  # nothing cached for it: nothing to drop
            ws.cache_clear(f"{source}:{package}")

    return PublishContext(
        settings=ws.settings,
        passwords=ws.passwords,
        sources=ws.sources,
        get=get,
        record=ws.http.record,
        invalidate=invalidate,
        project_root=ws.project.root,
        project_name=name,
        project_version=version,
        package_mode=package_mode,
        transport=transport,
        timeout=ws.timeout,
        sleep=sleep,
        source_urls={spec.name: spec.url for spec in ws.declared.specs()[0] if spec.url},
        repository_for=ws.authenticator.repository_for,
    )
