"""``%nbext``: one screen saying what the kernel's nbext is working with.

The project (or "kernel session only"), the sources in Poetry's order with their priorities,
for each source whether credentials are configured and where (never their value; the keyring
is not read, so the status never waits on it), the caches' size, and the versions; and a
warning for each dependency pinned to a source that is not declared (its lookups, locks and
installs fail until the source is back or the pin is gone). Its HTML view is in
``nbext.ui.html``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from nbext import _version
from nbext.auth.hints import credential_origin
from nbext.config.resolved import Resolved
from nbext.project.dependencies import DependencyPin
from nbext.project.pyproject import Project
from nbext.redact import redact_url
from nbext.report import TextLines, size_text, text_table
from nbext.sources.pool import SourcePool

__all__ = ["SourceLine", "Status", "missing_source_warnings", "status"]


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
    #: Dependencies pinned to a source that is not declared: one line each, with the fix.
    warnings: list[str] = field(default_factory=list)

    #: The columns of the sources table, in the text and the HTML view.
    HEADERS = ("source", "priority", "credentials", "url")

    def lines(self) -> list[str]:
        out = [f"nbext {self.version}", f"project: {self.project}"]
        if self.sources:
            out.append("sources (Poetry's order):")
            rows = ([s.name, s.priority, s.credentials, s.url] for s in self.sources)
            out += ["  " + line for line in text_table(self.HEADERS, rows)]
        else:
            out.append("sources: none")
        out += [f"warning: {w}" for w in self.warnings]
        if self.repositories:
            shown = ", ".join(f"{n} ({u})" for n, u in self.repositories)
            out.append(f"publishing to: {shown}")
        out.append(
            f"caches: {size_text(self.cache_size)} in {self.cache_sources} source cache(s), "
            f"{self.cache_dir}"
        )
        out += self.notes
        return out


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


def missing_source_warnings(
    pins: Iterable[DependencyPin], sources: SourcePool, *, in_file: bool
) -> list[str]:
    """One line per dependency pinned to a source the pool does not have: the dependency, the
    source, and the fix (``in_file``: the pins are pyproject.toml's, else this kernel's)."""
    out: list[str] = []
    seen: set[tuple[str, str, str]] = set()
    for pin in pins:
        key = (pin.name, pin.source.lower(), pin.group)
        if sources.has(pin.source) or key in seen:
            continue
        seen.add(key)
        group = "" if pin.group == "main" else f" (group {pin.group})"
        if in_file:
            undo = f'remove source = "{pin.source}" from its entry in pyproject.toml'
        else:
            undo = "restart the kernel (without a pyproject.toml the pin lives in this kernel)"
        out.append(
            f'{pin.name}{group} is pinned to source "{pin.source}", which is not declared: its '
            f'lookups fail with Repository "{pin.source.lower()}" does not exist. Fix: '
            f"%source add {pin.source} URL, or {undo}."
        )
    return out


def status(
    project: Project | None,
    sources: SourcePool,
    resolved: Resolved,
    pins: Iterable[DependencyPin] = (),
) -> Status:
    """The status of a workspace: its project (None: kernel session only), its pool, its
    settings with what it resolved from them (cache directory, no-cache, offline), and its
    dependencies' source pins (those to an undeclared source are warned about)."""
    settings = resolved.settings
    where = str(project.path) if project is not None else "none (kernel session only)"
    out = Status(version=_version.__version__, project=where)
    out.warnings = missing_source_warnings(pins, sources, in_file=project is not None)
    for source in sources:
        label = source.priority.value + (" (implicit)" if source.implicit else "")
        creds = credential_origin(settings, source.name, source.url)
        out.sources.append(SourceLine(source.name, label, redact_url(source.url), creds))
    repos = settings.get("repositories")
    if isinstance(repos, dict):
        for name in sorted(repos):
            url = settings.get(["repositories", name, "url"])
            if url:
                out.repositories.append((name, redact_url(str(url))))
    cache_dir = resolved.cache_dir
    root = cache_dir / "cache" / "repositories"
    out.cache_dir = str(cache_dir)
    out.cache_size, out.cache_sources = _tree_size(root)
    artifacts, _ = _tree_size(cache_dir / "artifacts")
    out.cache_size += artifacts
    if resolved.no_cache:
        out.notes.append("caches are off (--no-cache / POETRY_NO_CACHE)")
    if resolved.offline:
        out.notes.append("offline: answers come from the caches only")
    return out
