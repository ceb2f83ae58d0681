"""Project pages as read, kept per source: the files a page lists for one project, keyed by
the page's URL and the SHA-256 of its body.

Why: the public index sends no ETag, Last-Modified or Cache-Control, so a warm lookup fetches
every page again, and reading 42 real pages (23 MB of PEP 691 JSON; botocore alone is 2 MB)
cost about 2.5 s of CPU, more than the network. When the body is the same bytes as last time
(a 304, a cache hit, or the same page sent again), its files come from here: one hash of the
body and one ``marshal`` load instead of JSON, URL and file-name parsing.

``<cache-dir>/cache/nbext-pages/<source>/<sha256 of URL and project>``: a magic line, then
``marshal`` data (the body's digest, the files as tuples, the notes, PEP 708's two lists).
Beside Poetry's per-source directories, not in them, so Poetry's counts of a source's cache
entries stay Poetry's; ``%cache clear SOURCE --all`` removes both. One file per page and
project, replaced when the page changes, so it never grows stale. File URLs are kept without
credentials: a source URL's userinfo is put back on load (PEP 708's URLs have none). An
unreadable or foreign file (another magic line: another version of this format) is a miss;
writes are atomic. Kept in memory too, for the next lookup.
"""

from __future__ import annotations

import hashlib
import marshal
import operator
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from poetry.core.constraints.version import Version

from nbext.files.atomic import write_cache_file
from nbext.index.files import File, Release
from nbext.redact import redact_url, split_userinfo

__all__ = ["ParsedPages", "ReadPage", "body_digest", "pages_root"]

_MEMORY = 512  # pages kept in memory (one per source and project)


def pages_root(repositories: Path) -> Path:
    """``<cache-dir>/cache/nbext-pages`` beside ``<cache-dir>/cache/repositories``."""
    return repositories.parent / "nbext-pages"


def body_digest(body: bytes) -> bytes:
    return hashlib.sha256(body).digest()


#: The fields of :class:`File`, in the order a stored row holds them after ``name``, the URL
#: prefix and the version (which the page or the row share).
_FIELDS = (
    "filename",
    "kind",
    "hashes",
    "requires_python",
    "yanked",
    "yanked_reason",
    "has_metadata",
    "metadata_hashes",
    "size",
)
_MAGIC = b"nbext-pages 4\n"  # 4: with PEP 708's tracks and alternate locations


@dataclass
class ReadPage:
    """A project's releases on a page, what reading the page left out, and the page's PEP 708
    lists (``nbext.index.reader.ProjectPage.tracks`` and ``.alternate_locations``)."""

    releases: list[Release]
    skipped: list[str]
    skipped_count: int
    tracks: tuple[str, ...] = ()
    alternate_locations: tuple[str, ...] = ()


class _StoredRelease(Release):
    """A release read back from the cache: its version and what Poetry's rules ask of every
    release (yanked, why, requires-python) at once, its files only when asked for. A lookup
    considers a handful of a project's releases; building every file of the 42 real pages
    (54,620) took 0.16 s of a warm lookup, loading them all 0.2 s more."""

    def __getattr__(self, name: str) -> Any:
        if name != "files":
            raise AttributeError(name)
        blob, project, prefix, userinfo = self.__dict__["_stored"]
        files = tuple(_files(project, prefix, marshal.loads(blob), userinfo, self.version))
        self.__dict__["files"] = files
        return files

    @property
    def yanked(self) -> bool:
        return bool(self.__dict__["_yanked"])

    @property
    def yanked_reason(self) -> str:
        return str(self.__dict__["_reason"])

    @property
    def requires_python(self) -> str | None:
        rp = self.__dict__["_rp"]
        return rp if isinstance(rp, str) else None


def _stored(releases: list[Release]) -> tuple[str, str, list[tuple[Any, ...]]]:
    """``(project name, URL prefix, releases)`` as marshal takes them: per release its
    version, what the rules ask of it, and its files' rows as one more marshal blob. The name
    and the common start of the URLs (the file host's ``/packages/``) are stored once. No
    credentials: a row says whether its URL had the source URL's, put back on load."""
    files = [f for r in releases for f in r.files]
    urls = [(split_userinfo(f.url) or (f.url,))[0] for f in files]
    prefix = os.path.commonprefix(urls) if urls else ""  # noqa: RUF071 (characters, meant)
    values = operator.attrgetter(*_FIELDS)
    out, at = [], 0
    for release in releases:
        rows = []
        for f in release.files:
            rows.append(
                (urls[at][len(prefix) :], "@" in f.url.partition("//")[2].split("/")[0], *values(f))
            )
            at += 1
        out.append(
            (
                str(release.version),
                release.yanked,
                release.yanked_reason,
                release.requires_python,
                marshal.dumps(rows),
            )
        )
    return (files[0].name if files else ""), prefix, out


def _files(
    name: str, prefix: str, rows: list[tuple[Any, ...]], userinfo: str, version: Version
) -> list[File]:
    """One release's files back, built with ``__dict__.update`` rather than the frozen
    dataclass's ``__init__`` (one ``object.__setattr__`` per field): 0.16 s against 0.42 s for
    54,620 files."""
    out = []
    new = object.__new__
    for row in rows:
        url = prefix + row[0]
        if row[1] and userinfo:
            scheme, _, rest = url.partition("://")
            url = f"{scheme}://{userinfo}@{rest}"
        f = new(File)
        f.__dict__.update(zip(_FIELDS, row[2:], strict=True))
        f.__dict__.update(url=url, name=name, version=version)
        out.append(f)
    return out


def _releases(name: str, prefix: str, stored: list[tuple[Any, ...]], base: str) -> list[Release]:
    userinfo = urlsplit(base).netloc.rpartition("@")[0] if "@" in base else ""
    out: list[Release] = []
    new = object.__new__
    for text, yanked, reason, rp, blob in stored:
        release = new(_StoredRelease)
        release.__dict__.update(
            version=Version.parse(text),
            _stored=(blob, name, prefix, userinfo),
            _yanked=yanked,
            _reason=reason,
            _rp=rp,
        )
        out.append(release)
    return out


class ParsedPages:
    """The pages of every source under ``repositories`` (Poetry's per-source directories).
    :meth:`at` gives the process's one instance per directory, so the pages held in memory
    serve every Workspace and lookup that shares the cache directory."""

    _shared: ClassVar[dict[Path, ParsedPages]] = {}
    _shared_lock = threading.Lock()

    @classmethod
    def at(cls, repositories: Path) -> ParsedPages:
        with cls._shared_lock:
            found = cls._shared.get(repositories)
            if found is None:
                found = cls._shared[repositories] = cls(repositories)
            return found

    def __init__(self, repositories: Path) -> None:
        self.repositories = repositories
        self._lock = threading.Lock()
        self._memory: dict[tuple[str, str], tuple[bytes, ReadPage]] = {}

    def _path(self, source: str, key: str) -> Path:
        safe = source if source not in ("", ".", "..") and "/" not in source else "_"
        name = hashlib.sha256(key.encode()).hexdigest()
        return pages_root(self.repositories) / safe / name

    def get(self, source: str, base: str, project: str, digest: bytes) -> ReadPage | None:
        """The page read before, if its body had this digest (``base``: the page's URL, with
        the source URL's credentials, which links on its origin get back)."""
        key = f"{redact_url(base)}\n{project}"
        with self._lock:
            held = self._memory.get((source, key))
        if held is not None:
            return held[1] if held[0] == digest else None
        try:
            raw = self._path(source, key).read_bytes()
        except OSError:
            return None
        if not raw.startswith(_MAGIC):
            return None
        try:
            stored, name, prefix, releases, skipped, count, tracks, alternates = marshal.loads(
                raw[len(_MAGIC) :]
            )
            if stored != digest:
                return None
            page = ReadPage(
                _releases(name, prefix, releases, base),
                list(skipped),
                int(count),
                tuple(str(url) for url in tracks),
                tuple(str(url) for url in alternates),
            )
        except (EOFError, ValueError, TypeError):
            return None  # damaged or from another version: read the page again
        self._remember(source, key, digest, page)
        return page

    def put(self, source: str, base: str, project: str, digest: bytes, page: ReadPage) -> None:
        key = f"{redact_url(base)}\n{project}"
        self._remember(source, key, digest, page)
        name, prefix, releases = _stored(page.releases)
        data = _MAGIC + marshal.dumps(
            (
                digest,
                name,
                prefix,
                releases,
                page.skipped,
                page.skipped_count,
                tuple(page.tracks),  # URLs without userinfo (nbext.index.pages)
                tuple(page.alternate_locations),
            )
        )
        path = self._path(source, key)
        try:
            os.makedirs(path.parent, exist_ok=True)
            write_cache_file(str(path), data)
        except (OSError, ValueError):
            pass  # a cache that cannot be written is skipped, never fatal

    def _remember(self, source: str, key: str, digest: bytes, page: ReadPage) -> None:
        with self._lock:
            if len(self._memory) >= _MEMORY:
                self._memory.clear()
            self._memory[(source, key)] = (digest, page)
