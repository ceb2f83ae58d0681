"""Project pages as read, kept per source: the files a page lists for one project, keyed by
the page's URL and the SHA-256 of its body.

Why: the public index sends no ETag, Last-Modified or Cache-Control, so a warm lookup fetches
every page again, and reading 42 real pages (23 MB of PEP 691 JSON; botocore alone is 2 MB)
cost about 2.5 s of CPU, more than the network. When the body is the same bytes as last time
(a 304, a cache hit, or the same page sent again), its files come from here: one hash of the
body and one ``marshal`` load instead of JSON, URL and file-name parsing.

``<cache-dir>/cache/nbext-pages/<source>/<sha256 of URL and project>``: a magic line, then
``marshal`` data (the body's digest, the files as tuples, the notes). Beside Poetry's
per-source directories, not in them, so Poetry's counts of a source's cache entries stay
Poetry's; ``%cache clear SOURCE --all`` removes both. One file per page and project, replaced
when the page changes, so it never grows stale. File URLs are kept without credentials: a
source URL's userinfo is put back on load. An unreadable or foreign file is a miss; writes are
atomic. Kept in memory too, for the next lookup.
"""

from __future__ import annotations

import hashlib
import marshal
import operator
import os
import threading
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from poetry.core.constraints.version import Version

from nbext.files.atomic import write_cache_file
from nbext.index.files import File
from nbext.index.reader import ProjectPage
from nbext.redact import redact_url, split_userinfo

__all__ = ["ParsedPages", "body_digest", "pages_root"]

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
_MAGIC = b"nbext-pages 2\n"


def _rows(files: list[File]) -> tuple[str, str, list[tuple[Any, ...]]]:
    """``(project name, URL prefix, rows)``: a page's files as marshal takes them, the name
    and the common start of the URLs (the file host's ``/packages/``) stored once. No
    credentials: a row says whether its URL had the source URL's, put back on load."""
    urls, signed = [], []
    for f in files:
        split = split_userinfo(f.url)
        urls.append(split[0] if split else f.url)
        signed.append(split is not None)
    prefix = os.path.commonprefix(urls) if urls else ""  # noqa: RUF071 (characters, meant)
    values = operator.attrgetter(*_FIELDS)
    rows = [
        (url[len(prefix) :], had, str(f.version), *values(f))
        for f, url, had in zip(files, urls, signed, strict=True)
    ]
    return (files[0].name if files else ""), prefix, rows


def _files(name: str, prefix: str, rows: list[tuple[Any, ...]], base: str) -> list[File]:
    """The files back. Built with ``__dict__.update`` rather than the frozen dataclass's
    ``__init__`` (one ``object.__setattr__`` per field): 0.16 s against 0.42 s for the 54,620
    files of the 42 pages of benchmarks/bench_real.py, most of a warm lookup's CPU otherwise."""
    userinfo = urlsplit(base).netloc.rpartition("@")[0] if "@" in base else ""
    versions: dict[str, Version] = {}
    out = []
    new = object.__new__
    for row in rows:
        url = prefix + row[0]
        if row[1] and userinfo:
            scheme, _, rest = url.partition("://")
            url = f"{scheme}://{userinfo}@{rest}"
        text = row[2]
        version = versions.get(text)
        if version is None:
            version = versions[text] = Version.parse(text)
        f = new(File)
        f.__dict__.update(zip(_FIELDS, row[3:], strict=True))
        f.__dict__.update(url=url, name=name, version=version)
        out.append(f)
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
        self._memory: dict[tuple[str, str], tuple[bytes, ProjectPage]] = {}

    def _path(self, source: str, key: str) -> Path:
        safe = source if source not in ("", ".", "..") and "/" not in source else "_"
        name = hashlib.sha256(key.encode()).hexdigest()
        return pages_root(self.repositories) / safe / name

    def get(self, source: str, base: str, project: str, digest: bytes) -> ProjectPage | None:
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
            stored, name, prefix, rows, skipped, count = marshal.loads(raw[len(_MAGIC) :])
            if stored != digest:
                return None
            page = ProjectPage(_files(name, prefix, rows, base), list(skipped), int(count))
        except (EOFError, ValueError, TypeError):
            return None  # damaged or from another version: read the page again
        self._remember(source, key, digest, page)
        return page

    def put(self, source: str, base: str, project: str, digest: bytes, page: ProjectPage) -> None:
        key = f"{redact_url(base)}\n{project}"
        self._remember(source, key, digest, page)
        name, prefix, rows = _rows(page.files)
        data = _MAGIC + marshal.dumps(
            (digest, name, prefix, rows, page.skipped, page.skipped_count)
        )
        path = self._path(source, key)
        try:
            os.makedirs(path.parent, exist_ok=True)
            write_cache_file(str(path), data)
        except (OSError, ValueError):
            pass  # a cache that cannot be written is skipped, never fatal

    def _remember(self, source: str, key: str, digest: bytes, page: ProjectPage) -> None:
        with self._lock:
            if len(self._memory) >= _MEMORY:
                self._memory.clear()
            self._memory[(source, key)] = (digest, page)
