"""What the demo index serves: its projects, releases and files, in memory.

:class:`Store` is thread-safe: every change takes its lock, and readers get
snapshots (lists and copies) they can use after the lock is released.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from packaging.utils import canonicalize_name
from packaging.version import Version

from .dists import Dist, build_wheel, core_metadata, dist_files

__all__ = [
    "File",
    "Pep708Lists",
    "Project",
    "ProjectView",
    "Release",
    "Store",
    "files_for",
    "latest",
]

#: PEP 708's lists of a project page: ``(tracks, alternate locations)``, URLs as served.
Pep708Lists = tuple[tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True)
class File:
    filename: str
    data: bytes
    sha256: str
    requires_python: str | None
    yanked: bool | str
    metadata: bytes | None  # PEP 658 metadata (wheels only)
    metadata_sha256: str | None

    @classmethod
    def of(
        cls,
        filename: str,
        data: bytes,
        requires_python: str | None,
        yanked: bool | str,
        metadata: bytes | None,
    ) -> File:
        """A file served as ``filename``, with its digests (and its metadata file's)."""
        return cls(
            filename=filename,
            data=data,
            sha256=hashlib.sha256(data).hexdigest(),
            requires_python=requires_python,
            yanked=yanked,
            metadata=metadata,
            metadata_sha256=hashlib.sha256(metadata).hexdigest() if metadata else None,
        )


@dataclass
class Release:
    dist: Dist  # for an uploaded release, synthesized from the upload form
    files: list[File]
    uploaded: bool = False  # created by an upload (``dist`` then follows its files)


@dataclass
class Project:
    name: str
    releases: dict[Version, Release] = field(default_factory=dict)

    def files(self) -> list[File]:
        return [f for v in sorted(self.releases) for f in self.releases[v].files]


@dataclass(frozen=True)
class ProjectView:
    """A snapshot of one project: its own spelling, releases, and the JSON API's extras."""

    name: str
    releases: dict[Version, Release]
    latest: Version
    null_requires: frozenset[Version]  # releases whose JSON API ``requires_dist`` is null
    serial: int


def files_for(d: Dist) -> list[File]:
    """The files served for ``d`` (its wheel carries its PEP 658 metadata)."""
    wheel_name = build_wheel(d)[0] if d.wheel else None
    return [
        File.of(
            filename,
            data,
            d.requires_python,
            d.yanked,
            core_metadata(d) if filename == wheel_name else None,
        )
        for filename, data in dist_files(d)
    ]


def latest(project: Project) -> Version:
    """The release ``/pypi/<name>/json`` describes: like the real index, the newest
    non-yanked final release, else the newest non-yanked pre-release, else the newest."""
    versions = sorted(project.releases, reverse=True)
    live = [v for v in versions if project.releases[v].dist.yanked is False]
    finals = [v for v in live if not v.is_prerelease]
    return (finals or live or versions)[0]


class Store:
    """The projects an index serves, keyed by canonical name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        #: Canonical name -> project (tests read files from here).
        self.projects: dict[str, Project] = {}
        self._null_requires: set[tuple[str, Version]] = set()
        self._pep708: dict[str, Pep708Lists] = {}  # canonical name -> its page's PEP 708 lists
        self._serial = 0  # the JSON API's last_serial: bumped by every add/remove

    # -- changes -----------------------------------------------------------------

    def add(self, dist: Dist) -> None:
        """Add (or replace) a release."""
        files = files_for(dist)
        key = canonicalize_name(dist.name)
        with self._lock:
            project = self.projects.setdefault(key, Project(dist.name))
            project.releases[Version(dist.version)] = Release(dist, files)
            self._serial += 1

    def remove(self, name: str, version: str) -> bool:
        """Remove one release (``False`` if absent); an empty project disappears."""
        key = canonicalize_name(name)
        with self._lock:
            project = self.projects.get(key)
            if project is None or Version(version) not in project.releases:
                return False
            del project.releases[Version(version)]
            if not project.releases:
                del self.projects[key]
            self._serial += 1
            return True

    def set_null_requires(self, name: str, version: str, null: bool) -> None:
        key = (canonicalize_name(name), Version(version))
        with self._lock:
            if null:
                self._null_requires.add(key)
            else:
                self._null_requires.discard(key)

    def set_pep708(self, name: str, tracks: tuple[str, ...], alternates: tuple[str, ...]) -> None:
        """PEP 708's lists for project ``name``'s page (both empty: none)."""
        key = canonicalize_name(name)
        with self._lock:
            if tracks or alternates:
                self._pep708[key] = (tracks, alternates)
            else:
                self._pep708.pop(key, None)

    def pep708(self, key: str) -> Pep708Lists:
        """PEP 708's lists for project ``key``'s page (empty when none were set)."""
        with self._lock:
            return self._pep708.get(key, ((), ()))

    def add_upload(
        self, name: str, version: Version, new: File, dist_for: Callable[[Dist | None], Dist]
    ) -> bool:
        """Add an uploaded file to its release, unless its file name is already taken.

        ``dist_for`` gives the release's :class:`Dist` from the one before (``None`` for a
        new release).  Returns ``False`` (and stores nothing) for a name already served.
        """
        key = canonicalize_name(name)
        with self._lock:
            for project in self.projects.values():
                if any(f.filename == new.filename for f in project.files()):
                    return False
            project = self.projects.setdefault(key, Project(name))
            release = project.releases.get(version)
            if release is None:
                project.releases[version] = Release(dist_for(None), [new], True)
            else:
                release.files.append(new)
                if release.uploaded:
                    release.dist = dist_for(release.dist)
            self._serial += 1
            return True

    # -- snapshots ---------------------------------------------------------------

    def dists(self) -> list[Dist]:
        with self._lock:
            return [
                p.releases[v].dist
                for _, p in sorted(self.projects.items())
                for v in sorted(p.releases)
            ]

    def names(self) -> list[tuple[str, str]]:
        """``(canonical name, own spelling)`` of every project, sorted."""
        with self._lock:
            return [(key, p.name) for key, p in sorted(self.projects.items())]

    def all_files(self) -> list[File]:
        with self._lock:
            return [f for _, p in sorted(self.projects.items()) for f in p.files()]

    def listing(self, key: str) -> tuple[list[str], list[File]] | None:
        """The versions and files of project ``key`` (``None`` if absent)."""
        with self._lock:
            project = self.projects.get(key)
            if project is None:
                return None
            return [str(v) for v in sorted(project.releases)], project.files()

    def find_file(self, filename: str) -> File | None:
        found: File | None = None
        with self._lock:
            for project in self.projects.values():
                for f in project.files():
                    if f.filename == filename:
                        found = f
        return found

    def project(self, key: str) -> ProjectView | None:
        with self._lock:
            project = self.projects.get(key)
            if project is None:
                return None
            return ProjectView(
                name=project.name,
                releases={
                    v: Release(r.dist, list(r.files), r.uploaded)
                    for v, r in project.releases.items()
                },
                latest=latest(project),
                null_requires=frozenset(v for n, v in self._null_requires if n == key),
                serial=self._serial,
            )
