"""``%nbext``: one screen saying what the kernel's nbext is working with.

The project (or "kernel session only"), the sources in Poetry's order with their priorities,
for each source whether credentials are configured and where (never their value; the keyring
is not read, so the status never waits on it), the caches' size, and the versions.
"""

from __future__ import annotations

import html
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from nbext import _version
from nbext.auth.redact import redact_url
from nbext.cache.commands import _size
from nbext.config.keys import env_name
from nbext.report import TextLines

if TYPE_CHECKING:
    from nbext.facade import Workspace

__all__ = ["Status", "status"]


@dataclass
class SourceLine:
    name: str
    priority: str
    url: str  # redacted
    credentials: str


@dataclass(repr=False)
class Status(TextLines):
    version: str
    project: str
    sources: list[SourceLine] = field(default_factory=list)
    repositories: list[tuple[str, str]] = field(default_factory=list)  # (name, redacted url)
    cache_dir: str = ""
    cache_size: int = 0
    cache_sources: int = 0
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        from nbext.report import text_table

        out = [f"nbext {self.version}", f"project: {self.project}"]
        if self.sources:
            out.append("sources (Poetry's order):")
            rows = ([s.name, s.priority, s.credentials, s.url] for s in self.sources)
            headers = ("source", "priority", "credentials", "url")
            out += ["  " + line for line in text_table(headers, rows)]
        else:
            out.append("sources: none")
        if self.repositories:
            shown = ", ".join(f"{n} ({u})" for n, u in self.repositories)
            out.append(f"publishing to: {shown}")
        out.append(
            f"caches: {_size(self.cache_size)} in {self.cache_sources} source cache(s), "
            f"{self.cache_dir}"
        )
        out += self.notes
        return out

    def _repr_html_(self) -> str:
        e = html.escape
        rows = "".join(
            f"<tr><td>{e(s.name)}</td><td>{e(s.priority)}</td><td>{e(s.credentials)}</td>"
            f"<td><code>{e(s.url)}</code></td></tr>"
            for s in self.sources
        )
        table = (
            "<table><tr><th>source</th><th>priority</th><th>credentials</th><th>url</th></tr>"
            f"{rows}</table>"
            if rows
            else "<p>sources: none</p>"
        )
        repos = (
            "<p>publishing to: "
            + ", ".join(f"<b>{e(n)}</b> <code>{e(u)}</code>" for n, u in self.repositories)
            + "</p>"
            if self.repositories
            else ""
        )
        notes = "".join(f"<p>{e(n)}</p>" for n in self.notes)
        return (
            f"<div><p><b>nbext {e(self.version)}</b> &mdash; project: "
            f"<code>{e(self.project)}</code></p>{table}{repos}"
            f"<p>caches: {e(_size(self.cache_size))} in {self.cache_sources} source cache(s), "
            f"<code>{e(self.cache_dir)}</code></p>{notes}</div>"
        )


def _credentials(ws: Workspace, name: str, url: str) -> str:
    """Where this source's credentials would come from, never what they are."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        return "in the URL"
    found: list[str] = []
    settings = ws.settings
    username = settings.get(["http-basic", name, "username"])
    if os.environ.get(env_name(["http-basic", name, "password"])):
        found.append("password: environment")
    elif settings.auth_file.get(["http-basic", name, "password"]):
        found.append("password: auth.toml")
    elif username and settings.keyring_enabled:
        found.append("password: keyring (not read)")
    if username and not found:
        found.append("username only")
    if settings.get(["pypi-token", name]):
        found.append("token")
    return ", ".join(found) or "none"


def _tree_size(path: Path, limit: int = 200_000) -> tuple[int, int]:
    """Bytes under ``path`` and the number of top-level directories (bounded walk)."""
    total = seen = 0
    if not path.is_dir():
        return 0, 0
    for root, _dirs, files in os.walk(path):
        for f in files:
            seen += 1
            if seen > limit:
                return total, 0
            try:
                total += os.stat(os.path.join(root, f)).st_size
            except OSError:
                continue
    return total, sum(1 for p in path.iterdir() if p.is_dir())


def status(ws: Workspace) -> Status:
    where = str(ws.project.path) if ws.project is not None else "none (kernel session only)"
    out = Status(version=_version.__version__, project=where)
    for source in ws.sources:
        label = source.priority.value + (" (implicit)" if source.implicit else "")
        creds = _credentials(ws, source.name, source.url)
        out.sources.append(SourceLine(source.name, label, redact_url(source.url), creds))
    repos = ws.settings.get("repositories")
    if isinstance(repos, dict):
        for name in sorted(repos):
            url = ws.settings.get(["repositories", name, "url"])
            if url:
                out.repositories.append((name, redact_url(str(url))))
    root = ws.cache_dir / "cache" / "repositories"
    out.cache_dir = str(ws.cache_dir)
    out.cache_size, out.cache_sources = _tree_size(root)
    artifacts, _ = _tree_size(ws.cache_dir / "artifacts")
    out.cache_size += artifacts
    if ws.no_cache:
        out.notes.append("caches are off (--no-cache / POETRY_NO_CACHE)")
    if ws.offline:
        out.notes.append("offline: answers come from the caches only")
    return out
