"""The artifact cache: downloaded distributions, in Poetry's own layout.

``<cache-dir>/artifacts/xx/xx/xx/<rest>/<filename>``, where the hex is the SHA-256 of the
compact, sorted-key JSON ``{"url": <url without #fragment>, "<best hash name>": <value>}``
(Poetry's ``ArtifactCache.get_cache_directory_for_link``). So a wheel nbext downloaded to read
its metadata is reused by ``poetry install``, and one Poetry downloaded is read here without a
request.

Files are written atomically (a temporary file, then ``os.replace``), so two kernels sharing a
cache directory never see half a file. A cached file whose hash no longer matches the index
is deleted and fetched again.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from pathlib import Path

from nbext.files.atomic import write_cache_file
from nbext.index.files import File

__all__ = ["POETRY_HASH_PRIORITY", "ArtifactCache", "cache_key"]

logger = logging.getLogger("nbext.cache")

#: Poetry's ``prioritised_hash_types``: the hash a cache key is built from.
POETRY_HASH_PRIORITY = (
    "sha3_512",
    "sha3_384",
    "sha3_256",
    "sha3_224",
    "sha512",
    "sha384",
    "sha256",
    "sha224",
    "shake_256",
    "shake_128",
    "blake2s",
    "blake2b",
)


def _best(hashes: dict[str, str]) -> tuple[str, str] | None:
    for name in POETRY_HASH_PRIORITY:
        if name in hashes:
            return name, hashes[name]
    # Poetry then takes any other algorithm hashlib offers (in set order); sorted here, so
    # the choice is stable.
    for name in sorted(hashes):
        if name in hashlib.algorithms_available:
            return name, hashes[name]
    return None


def cache_key(url: str, hashes: dict[str, str]) -> str:
    """The SHA-256 hex Poetry names a link's artifact directory after."""
    parts = {"url": url.split("#", 1)[0]}
    best = _best(hashes)
    if best is not None:
        parts[best[0]] = best[1]
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


class ArtifactCache:
    """``<cache-dir>/artifacts``; ``None`` root means no cache (nothing read or written)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def directory(self, file: File) -> Path:
        key = cache_key(file.url, file.hashes)
        return self.root.joinpath(key[:2], key[2:4], key[4:6], key[6:])

    def path(self, file: File) -> Path:
        return self.directory(file) / file.filename

    def get(self, file: File) -> bytes | None:
        """The cached bytes of ``file``, or None (a file failing its hash is deleted)."""
        path = self.path(file)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        best = _best(file.hashes)
        if best is not None and hashlib.new(best[0], data).hexdigest() != best[1].lower():
            logger.warning(
                "Corrupt cache file was detected and cleaned up: %s does not match its %s hash.",
                path,
                best[0],
            )
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        return data

    def put(self, file: File, data: bytes) -> Path | None:
        """Store a verified download; a cache that cannot be written is skipped (logged)."""
        path = self.path(file)
        try:
            write_cache_file(str(path), data)
        except OSError as exc:
            logger.warning("Could not write %s to the artifact cache: %s", file.filename, exc)
            return None
        return path
