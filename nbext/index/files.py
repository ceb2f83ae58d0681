"""The files a project page lists and the releases they make (pure data)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from poetry.core.constraints.version import Version

from nbext.index.filenames import wheel_tags

__all__ = [
    "HASH_PREFERENCE",
    "File",
    "LinkFacts",
    "Release",
    "best_hash",
    "group_releases",
    "new_file",
]

# Hash algorithms by preference for verifying a file or metadata (strongest first).
HASH_PREFERENCE = ("sha512", "sha384", "sha256", "sha224", "sha1", "md5")


@dataclass(frozen=True)
class LinkFacts:
    """What a page says about a file besides where it is (keyword arguments only)."""

    hashes: dict[str, str] = field(default_factory=dict, kw_only=True)
    requires_python: str | None = field(default=None, kw_only=True)
    yanked: bool = field(default=False, kw_only=True)
    yanked_reason: str | None = field(default=None, kw_only=True)
    has_metadata: bool = field(default=False, kw_only=True)
    metadata_hashes: dict[str, str] = field(default_factory=dict, kw_only=True)
    size: int | None = field(default=None, kw_only=True)


@dataclass(frozen=True)
class File(LinkFacts):
    """One distribution file listed on a project page (what the page says of it: the
    :class:`LinkFacts`, keyword arguments)."""

    filename: str
    url: str
    name: str  # canonical project name parsed from the filename
    version: Version
    kind: str  # "wheel" | "sdist"

    @property
    def wheel_tags(self) -> tuple[str, str, str]:
        return wheel_tags(self.filename) or ("", "", "")


def new_file(fields: dict[str, Any]) -> File:
    """A :class:`File` from every one of its fields, without the frozen dataclass's
    ``__init__`` (one ``object.__setattr__`` per field). Measured on the 54,620 files of the
    42 real pages of benchmarks/bench_real.py: 0.16 s against 0.42 s, the largest part of
    reading pages after JSON itself."""
    f = object.__new__(File)
    f.__dict__.update(fields)
    return f


@dataclass(frozen=True)
class Release:
    """All files of one version on one source."""

    version: Version
    files: tuple[File, ...]

    @property
    def yanked(self) -> bool:
        """Yanked only if every file is yanked (Poetry's rule)."""
        return bool(self.files) and all(f.yanked for f in self.files)

    @property
    def yanked_reason(self) -> str:
        reasons = sorted({f.yanked_reason for f in self.files if f.yanked_reason})
        return "\n".join(reasons)

    @property
    def requires_python(self) -> str | None:
        for f in self.files:
            if f.requires_python:
                return f.requires_python
        return None


def group_releases(files: Iterable[File]) -> list[Release]:
    """Files grouped by version, in ascending version order."""
    by_version: dict[Version, list[File]] = {}
    for f in files:
        by_version.setdefault(f.version, []).append(f)
    return [Release(v, tuple(fs)) for v, fs in sorted(by_version.items(), key=lambda kv: kv[0])]


def best_hash(hashes: dict[str, str]) -> tuple[str, str] | None:
    """``(algorithm, lower-case hex digest)`` of the strongest hash given, else None."""
    for algo in HASH_PREFERENCE:
        if algo in hashes:
            return algo, hashes[algo].lower()
    return None
