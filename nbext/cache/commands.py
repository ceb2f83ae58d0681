"""``%cache list`` and ``%cache clear``: what is cached per source, and Poetry's rules for
clearing it (spec 7.3-7.4), on the files of ``<cache-dir>/cache/repositories``.

Clearing follows ``poetry cache clear`` to the word: ``SOURCE --all`` removes the source's
whole directory (Poetry's metadata cache, nbext's HTTP cache and Poetry's ``_http_``),
``SOURCE:PKG:VERSION`` one metadata entry; the same messages and the same question (default
yes). nbext adds ``SOURCE:PKG`` (Poetry: "not yet supported"): every cached version of the
package on that source and the cached pages and files of that package, so that a release
published a minute ago shows up at once.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import canonicalize_name

from nbext.cache.metadata import entry_path
from nbext.cache.pages import pages_root
from nbext.cache.storage import DIRNAME, FileStorage, duration, read_index
from nbext.errors import CacheError
from nbext.report import Report
from nbext.report import size_text as _size

__all__ = ["CacheSummary", "CacheTable", "ClearPlan", "plan_clear", "summarize"]


def _files(directory: Path) -> Iterator[Path]:
    for base, _dirs, files in os.walk(directory):
        for name in files:
            yield Path(base, name)


def _kind(path: Path, directory: Path) -> str:
    """``nbext-http`` (nbext's HTTP cache), ``poetry-http`` (CacheControl's ``_http_``) or
    ``metadata`` (Poetry's release-metadata cache)."""
    first = path.relative_to(directory).parts[0]
    if first == DIRNAME:
        return "nbext-http"
    return "poetry-http" if first.startswith("_http") else "metadata"


def _ago(stamp: float | None, now: float) -> str:
    if stamp is None:
        return "-"
    return f"{duration(now - stamp)} ago"


@dataclass
class CacheSummary:
    """One source's cache directory."""

    source: str
    entries: int = 0  # files, as Poetry counts them
    http_entries: int = 0
    metadata_entries: int = 0
    size: int = 0
    oldest: float | None = None
    newest: float | None = None
    cache_control: list[str] = field(default_factory=list)


def summarize(root: Path) -> list[CacheSummary]:
    """Every source cache under ``root`` (cache/repositories), in Poetry's listing order."""
    if not root.is_dir():
        return []
    out = []
    for directory in sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.name):
        summary = CacheSummary(directory.name)
        seen: set[str] = set()
        for path in _files(directory):
            try:
                st = path.stat()
            except OSError:
                continue
            summary.entries += 1
            summary.size += st.st_size
            summary.oldest = min(summary.oldest or st.st_mtime, st.st_mtime)
            summary.newest = max(summary.newest or st.st_mtime, st.st_mtime)
            kind = _kind(path, directory)
            if kind == "nbext-http":
                summary.http_entries += 1
                seen.update(_cache_controls(path))
            elif kind == "metadata":
                summary.metadata_entries += 1
        summary.cache_control = sorted(seen)
        out.append(summary)
    return out


def _cache_controls(path: Path) -> list[str]:
    """The Cache-Control values stored in one HTTP cache file."""
    try:
        return [
            ", ".join(item["response"]["headers"].get("cache-control", ["(none)"]))
            for item in read_index(path)
        ]
    except (KeyError, TypeError, AttributeError):
        return []


@dataclass
class CacheTable:
    """``%cache list``: one row per source cache (sizes and ages change between runs)."""

    root: Path
    rows: list[CacheSummary]
    now: float = field(default_factory=time.time)

    HEADERS = ("source", "entries", "http", "metadata", "size", "oldest", "newest")

    def cells(self, s: CacheSummary) -> list[str]:
        return [
            s.source,
            str(s.entries),
            str(s.http_entries),
            str(s.metadata_entries),
            _size(s.size),
            _ago(s.oldest, self.now),
            _ago(s.newest, self.now),
        ]

    def __repr__(self) -> str:
        if not self.rows:
            return "No caches found"
        from nbext.report import text_table

        lines = text_table(self.HEADERS, (self.cells(s) for s in self.rows))
        for s in self.rows:
            if s.cache_control:
                lines.append(f"{s.source}: Cache-Control seen: {'; '.join(s.cache_control)}")
        lines.append(f"(in {self.root})")
        return "\n".join(lines)


@dataclass
class ClearPlan:
    """What a ``%cache clear`` would delete, and Poetry's question before it does."""

    question: str | None  # None: nothing to delete (``message`` says so)
    message: str = ""
    paths: list[Path] = field(default_factory=list)
    trees: list[Path] = field(default_factory=list)  # whole directories (``--all``)

    def execute(self) -> Report:
        report = Report()
        if self.question is None:
            if self.message:
                report.info.append(self.message)
            return report
        count = 0
        for tree in self.trees:
            count += sum(1 for _ in _files(tree))
            shutil.rmtree(tree, ignore_errors=True)
        for path in self.paths:
            try:
                path.unlink()
                count += 1
            except OSError:
                pass
        report.info.append(f"Deleted {count} cache entr{'y' if count == 1 else 'ies'}.")
        return report


def plan_clear(
    root: Path,
    target: str | None,
    *,
    all: bool,
    page_urls: Callable[[str, str], list[str]] | None = None,
) -> ClearPlan:
    """Poetry's ``cache clear`` decisions (see the module docstring).

    ``page_urls(source, package)`` gives the package's page URLs on that source (for
    ``SOURCE:PKG``), so their HTTP cache entries go too.
    """
    parts = target.split(":") if target else []
    name = parts[0] if parts else ""
    directory = root / name
    try:
        directory.resolve().relative_to(root.resolve())
    except ValueError:
        raise CacheError(f"{name} is not a valid repository cache") from None
    if len(parts) < 2:
        if not all:
            raise CacheError("Add the --all option if you want to clear all cache entries")
        if not directory.exists():
            return ClearPlan(None, f"No cache entries for {name}" if name else "No cache entries")
        count = sum(1 for _ in _files(directory))
        read = pages_root(root) / name  # nbext's pages as read go with the source
        return ClearPlan(f"Delete {count} entries?", trees=[directory, read])
    if len(parts) == 3:
        package, version = canonicalize_name(parts[1]), parts[2]
        path = entry_path(root, name, package, version)
        if not path.is_file():
            return ClearPlan(None, f"No cache entries for {package}:{version}")
        return ClearPlan(f"Delete cache entry {package}:{version}", paths=[path])
    if len(parts) == 2:
        return _plan_package(root, name, canonicalize_name(parts[1]), page_urls)
    raise CacheError("Invalid cache key")


def _plan_package(
    root: Path,
    source: str,
    package: str,
    page_urls: Callable[[str, str], list[str]] | None,
) -> ClearPlan:
    """nbext's ``SOURCE:PKG``: every metadata entry of the package, its pages and files."""
    directory = root / source
    found: list[Path] = []
    stem = package.replace("-", "_") + "-"
    pages = page_urls(source, package) if page_urls else []
    for path in _files(directory) if directory.is_dir() else ():
        kind = _kind(path, directory)
        if kind == "nbext-http":
            if _http_entry_is_for(path, package, stem, pages):
                found.append(path)
        elif kind == "metadata":
            try:
                data = json.loads(path.read_bytes()[10:])
            except (OSError, ValueError):
                continue
            if isinstance(data, dict) and canonicalize_name(str(data.get("name", ""))) == package:
                found.append(path)
    if not found:
        return ClearPlan(None, f"No cache entries for {package} on {source}")
    return ClearPlan(f"Delete {len(found)} cache entries of {package} on {source}?", paths=found)


def _http_entry_is_for(path: Path, package: str, stem: str, pages: list[str]) -> bool:
    try:
        urls = [str(item["request"]["url"]) for item in read_index(path)]
    except (KeyError, TypeError):
        return False
    for url in urls:
        if url in pages or url.rstrip("/").endswith(f"/{package}"):
            return True
        filename = url.rsplit("/", 1)[-1].lower()
        if filename.startswith(stem):
            return True
    return False


def storage_files(storage: FileStorage) -> list[Path]:
    """The files of one source's HTTP cache (for a per-source refresh)."""
    return [p for p in storage.root.iterdir() if p.is_file()] if storage.root.is_dir() else []
