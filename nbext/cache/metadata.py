"""The release-metadata cache, in Poetry's own format and place (spec 7.1).

``<cache-dir>/cache/repositories/<source>/xx/xx/xx/xx/xx/xx/xx/xx/<sha256>``: the SHA-256 of
``"<normalized name>:<version>"``, its first 16 hex digits as 8 directories; the file holds a
10-digit expiry (``9999999999``: never) and then JSON: name, version, summary,
``requires_dist``, ``requires_python``, ``files`` (file, ``hash`` as ``sha256:<hex>``, url,
size and upload time when known), yanked and ``_cache_version`` (``2.1.0``).

So metadata Poetry cached during ``poetry lock`` answers nbext's lookups with no request,
and what nbext caches is used by Poetry. As in Poetry 2.3+, an entry whose file list differs
from what the index lists now is ignored and refetched; a corrupt file is deleted with
``Corrupt cache file was detected and cleaned up.``; an entry of another cache version is
refreshed. Written atomically; URLs are written without credentials.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import time
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from nbext.files.atomic import write_cache_file
from nbext.index.files import File, Release
from nbext.index.metadata import ReleaseMetadata

__all__ = ["CACHE_VERSION", "MetadataCache", "entry_path", "kept_files", "no_userinfo"]

logger = logging.getLogger("nbext.cache")

#: Poetry's ``CachedRepository.CACHE_VERSION``.
CACHE_VERSION = "2.1.0"
_NEVER = 9999999999


def entry_path(root: Path, source: str, name: str, version: str) -> Path:
    """Where Poetry keeps ``name:version`` of ``source`` (``root``: cache/repositories)."""
    digest = hashlib.sha256(f"{canonicalize_name(name)}:{version}".encode()).hexdigest()
    parts = [digest[i : i + 2] for i in range(0, 16, 2)]
    return root.joinpath(source, *parts, digest)


def _file_hash(f: File) -> str | None:
    """The hash Poetry records: the first of sha512, sha384, sha256 the index gave."""
    for name in ("sha512", "sha384", "sha256"):
        if name in f.hashes:
            return f"{name}:{f.hashes[name]}"
    return None


def no_userinfo(url: str) -> str:
    """``url`` without credentials in its authority (what Poetry writes to caches and locks)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    host, slash, path = rest.partition("/")
    return f"{scheme}://{host.rpartition('@')[2]}{slash}{path}"


def kept_files(release: Release) -> list[File]:
    """The files Poetry records: yanked ones dropped unless the whole release is yanked."""
    return [f for f in release.files if not f.yanked] or list(release.files)


def _files(release: Release) -> list[dict[str, Any]] | None:
    """Poetry's ``files`` list; None when a file has no hash Poetry would take as given (it
    would download the file to compute one)."""
    out: list[dict[str, Any]] = []
    for f in kept_files(release):
        digest = _file_hash(f)
        if digest is None:
            return None
        item: dict[str, Any] = {"file": f.filename, "hash": digest, "url": no_userinfo(f.url)}
        if f.size is not None:
            item["size"] = f.size
        out.append(item)
    return out


class MetadataCache:
    """Poetry's per-source release-metadata cache under ``root`` (cache/repositories)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def get(self, source: str, release: Release, name: str) -> ReleaseMetadata | None:
        path = entry_path(self.root, source, name, str(release.version))
        try:
            raw = path.read_bytes()
        except OSError:
            return None
        try:
            expires = int(raw[:10])
            data = json.loads(raw[10:])
            if not isinstance(data, dict):
                raise ValueError("not an object")
        except ValueError:
            logger.warning("Corrupt cache file was detected and cleaned up: %s", path)
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        if expires != _NEVER and time.time() >= expires:
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        if data.get("_cache_version") != CACHE_VERSION:
            logger.debug("The cache for %s %s is outdated. Refreshing.", name, release.version)
            return None
        cached_files = data.get("files")
        if not isinstance(cached_files, list):
            return None
        cached_names = {
            (str(f.get("file")), str(f.get("url", ""))) for f in cached_files if isinstance(f, dict)
        }
        listed = {(f.filename, no_userinfo(f.url)) for f in kept_files(release)}
        if cached_names != listed:
            # the index lists other files now, or the source moved: refetch (Poetry 2.3+
            # compares the lock file's files the same way)
            return None
        requires = data.get("requires_dist")
        return ReleaseMetadata(
            name=str(data.get("name") or name),
            version=str(data.get("version") or release.version),
            summary=str(data.get("summary") or ""),
            requires_python=data.get("requires_python") or None,
            requires_dist=tuple(str(r) for r in requires or ()),
        )

    def put(self, source: str, release: Release, name: str, meta: ReleaseMetadata) -> None:
        files = _files(release)
        if files is None:
            return  # Poetry would compute a hash by downloading: leave that entry to it
        yanked: bool | str = False
        if release.yanked:
            yanked = release.yanked_reason or True
        data = {
            "name": canonicalize_name(name),
            "version": str(release.version),
            "summary": meta.summary,
            "requires_dist": list(meta.requires_dist),
            "requires_python": meta.requires_python,
            "files": files,
            "yanked": yanked,
            "_cache_version": CACHE_VERSION,
        }
        path = entry_path(self.root, source, name, str(release.version))
        try:
            write_cache_file(str(path), f"{_NEVER:010d}{json.dumps(data)}".encode())
        except OSError as exc:
            logger.warning("Could not write the metadata cache in %s: %s", path.parent, exc)

    def forget(self, source: str, name: str, version: str) -> bool:
        path = entry_path(self.root, source, name, version)
        try:
            path.unlink()
        except OSError:
            return False
        return True
