"""The HTTP cache's storage: hishel's storage interface over files, one directory per source
under Poetry's cache directory (:mod:`nbext.cache.httpcache` puts it in the transport stack).

``<cache-dir>/cache/repositories/<source>/_nbext_http_/<sha256 of the URL>``: the stored
responses for one URL (one per set of ``Vary`` values, so the PEP 691 JSON and HTML forms of a
page do not mix), each with its status, headers, when it was stored and its body's SHA-256,
then the bodies.

Why files and not hishel's SQLite storage: Poetry keeps each source's caches in that source's
directory, so ``poetry cache clear <source> --all`` (which removes the directory) clears
nbext's entries too, and ``%cache list`` can report per source. Poetry's own ``_http_``
directory (CacheControl's msgpack format) is left alone.

Nothing secret is written: stored request headers are only those the response varies on
(never ``Authorization`` or cookies), URLs are redacted, ``Set-Cookie`` is dropped. Every write
is atomic; an unreadable entry or a body that fails its hash is deleted with Poetry's warning
(``Corrupt cache file was detected and cleaned up.``) and the request goes to the server.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hishel

from nbext.files.atomic import write_cache_file
from nbext.redact import redact_url

__all__ = [
    "DIRNAME",
    "MAX_BYTES",
    "FileStorage",
    "duration",
    "headers_from",
    "read_index",
    "vary_names",
]

logger = logging.getLogger("nbext.cache")

#: The directory of nbext's HTTP cache inside each source's cache directory.
DIRNAME = "_nbext_http_"
_MAGIC = b"nbext-http-cache 1"
_MAX_PER_KEY = 4
#: Each source's HTTP cache is kept under this many bytes: when writes pass it, the files
#: changed longest ago are removed until it is under 80% of it (checked every 4 MB written).
MAX_BYTES = 512 * 1024 * 1024
_CHECK_EVERY = 4 * 1024 * 1024
_NEVER_STORED = frozenset(
    {"set-cookie", "content-encoding", "content-length", "transfer-encoding", "connection"}
)
_NEVER_VARY = frozenset({"authorization", "proxy-authorization", "cookie"})


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def headers_from(pairs: dict[str, list[str]]) -> hishel.Headers:
    return hishel.Headers({k: list(v) for k, v in pairs.items()})


def _plain(headers: hishel.Headers) -> dict[str, list[str]]:
    return {k: list(headers.get_list(k) or []) for k in headers}


def _storable(headers: hishel.Headers) -> dict[str, list[str]]:
    """Response headers as stored: no cookies, no transfer details (the body is decoded)."""
    return {k: v for k, v in _plain(headers).items() if k not in _NEVER_STORED}


def _without_date(headers: dict[str, list[str]]) -> dict[str, list[str]]:
    return {k: v for k, v in headers.items() if k not in ("date", "age")}


def _has_lifetime(headers: dict[str, list[str]]) -> bool:
    """Whether a later Date would make the stored response fresh for longer."""
    if "expires" in headers:
        return True
    directives = ",".join(headers.get("cache-control", [])).lower().replace(" ", "")
    if "no-cache" in directives or "no-store" in directives:
        return False
    for part in directives.split(","):
        name, _, value = part.partition("=")
        if name in ("max-age", "s-maxage"):
            return value.strip('"') not in ("0", "")
    return "last-modified" in headers  # heuristic freshness grows with the date too


def vary_names(headers: hishel.Headers) -> list[str]:
    raw = headers.get("vary") or ""
    return [h.strip().lower() for h in raw.split(",") if h.strip()]


class FileStorage(hishel.BaseStorage):
    """hishel storage for one source (see the module docstring). Thread-safe; several
    processes may share the directory (atomic writes; the last writer of a key wins).

    One file per key, named by the key's SHA-256: a magic line, one line of JSON (the
    entries: request, status, headers, the body's offset, size and SHA-256), then the bodies.
    One file per page keeps a cold lookup to one write per response and a warm one to one read.
    """

    def __init__(self, root: Path, *, max_bytes: int = MAX_BYTES) -> None:
        super().__init__()
        self.root = root
        self.max_bytes = max_bytes
        self._base = str(root)
        self._lock = threading.Lock()
        self._keys: dict[uuid.UUID, str] = {}
        self._last: dict[str, list[tuple[dict[str, Any], bytes]]] = {}
        self._written = 0
        self._local = threading.local()

    # -- what the last store in this thread found ---------------------------------------------

    def begin(self) -> None:
        """Forget the outcome of this thread's previous store (see :meth:`outcome`)."""
        self._local.outcome = "new"

    def outcome(self) -> str:
        """``new``, ``same`` (the body stored equals the one it replaced) or ``changed``."""
        return str(getattr(self._local, "outcome", "new"))

    def forget(self, key: str) -> None:
        with self._lock:
            self._write(key, [])

    # -- files -------------------------------------------------------------------------------

    def path(self, key: str) -> str:
        # One flat directory: a cold lookup would otherwise spend more time creating bucket
        # directories (0.1 ms each here) than writing files.
        return os.path.join(self._base, _digest(key.encode()))

    def _corrupt(self, path: str, why: str) -> None:
        logger.warning("Corrupt cache file was detected and cleaned up: %s (%s)", path, why)
        with contextlib.suppress(OSError):
            os.unlink(path)

    def _read(self, key: str) -> list[tuple[dict[str, Any], bytes]]:
        """The stored (entry, body) pairs of ``key``; a damaged file is deleted."""
        path = self.path(key)
        try:
            with open(path, "rb") as fh:
                raw = fh.read()
        except FileNotFoundError:
            return []
        except OSError as exc:
            logger.warning("Could not read the HTTP cache file %s: %s", path, exc)
            return []
        try:
            magic, header, rest = raw.split(b"\n", 2)
            if magic != _MAGIC:
                raise ValueError("unknown format")
            entries = json.loads(header)
            out = []
            for item in entries:
                start, size = int(item["offset"]), int(item["size"])
                body = rest[start : start + size]
                if len(body) != size or _digest(body) != item["sha256"]:
                    raise ValueError("a body does not match its hash")
                out.append((item, body))
            return out
        except (ValueError, KeyError, TypeError) as exc:
            self._corrupt(path, str(exc)[:80])
            return []

    def _remember(self, key: str, pairs: list[tuple[dict[str, Any], bytes]]) -> None:
        """Keep what ``get_entries`` just read: hishel stores or updates right after, and
        reading the file again for that cost a system call or two per request."""
        if len(self._last) > 256:
            self._last.clear()
        self._last[key] = [(dict(e), b) for e, b in pairs]

    def _recent(self, key: str) -> list[tuple[dict[str, Any], bytes]]:
        """The entries of ``key`` as last read or written here (else read from disk)."""
        pairs = self._last.pop(key, None)
        return pairs if pairs is not None else self._read(key)

    def _write(self, key: str, pairs: list[tuple[dict[str, Any], bytes]]) -> None:
        self._last.pop(key, None)
        path = self.path(key)
        if not pairs:
            with contextlib.suppress(OSError):
                os.unlink(path)
            return
        entries, bodies, offset = [], [], 0
        for item, body in pairs:
            entries.append({**item, "offset": offset, "size": len(body), "sha256": _digest(body)})
            bodies.append(body)
            offset += len(body)
        header = json.dumps(entries, separators=(",", ":")).encode()
        data = b"\n".join([_MAGIC, header, b"".join(bodies)])
        write_cache_file(path, data)
        self._written += len(data)
        if self._written >= min(_CHECK_EVERY, self.max_bytes // 4 or 1):
            self._written = 0
            self.trim()

    def trim(self) -> int:
        """Keep the directory under ``max_bytes`` (oldest files first); returns bytes freed."""
        try:
            files = [(e.stat().st_mtime, e.stat().st_size, e.path) for e in os.scandir(self._base)]
        except OSError:
            return 0
        total = sum(size for _m, size, _p in files)
        if total <= self.max_bytes:
            return 0
        freed = 0
        for _mtime, size, path in sorted(files):
            if total - freed <= self.max_bytes * 0.8:
                break
            with contextlib.suppress(OSError):
                os.unlink(path)
                freed += size
        logger.info("HTTP cache of %s trimmed by %d bytes", self.root.parent.name, freed)
        return freed

    # -- hishel's interface -----------------------------------------------------------------

    def get_entries(self, key: str) -> list[hishel.Entry]:
        out: list[hishel.Entry] = []
        with self._lock:
            stored = self._read(key)
            self._remember(key, stored)
        for item, body in stored:
            try:
                entry_id = uuid.UUID(item["id"])
                request = hishel.Request(
                    method=item["request"]["method"],
                    url=item["request"]["url"],
                    headers=headers_from(item["request"]["headers"]),
                )
                response = hishel.Response(
                    status_code=int(item["response"]["status"]),
                    headers=headers_from(item["response"]["headers"]),
                    stream=iter([body]),
                )
            except (KeyError, TypeError, ValueError) as exc:
                self._corrupt(self.path(key), f"bad entry: {exc}"[:80])
                return []
            with self._lock:
                if len(self._keys) > 50_000:
                    self._keys.clear()
                self._keys[entry_id] = key
            out.append(hishel.Entry(id=entry_id, request=request, response=response))
        return out

    def create_entry(
        self,
        request: hishel.Request,
        response: hishel.Response,
        key: str,
        *,
        ttl: float | None = None,
        tti: float | None = None,
    ) -> hishel.Entry:
        body = b"".join(response.stream or ())  # type: ignore[arg-type]
        vary = [h for h in vary_names(response.headers) if h not in _NEVER_VARY]
        kept_request = {h: list(request.headers.get_list(h) or []) for h in vary}
        entry_id = uuid.uuid4()
        url = redact_url(request.url)
        stored_headers = _storable(response.headers)
        item = {
            "id": str(entry_id),
            "stored": time.time(),
            "request": {"method": request.method, "url": url, "headers": kept_request},
            "response": {"status": response.status_code, "headers": stored_headers},
        }
        try:
            with self._lock:
                pairs: list[tuple[dict[str, Any], bytes]] = []
                replaced: list[tuple[dict[str, Any], bytes]] = []
                for e, b in self._recent(key):
                    same_vary = e.get("request", {}).get("headers") == kept_request
                    (replaced if same_vary else pairs).append((e, b))
                if replaced:
                    digest = _digest(body)
                    same = any(e.get("sha256") == digest for e, _b in replaced)
                    self._local.outcome = "same" if same else "changed"
                    if same and not _has_lifetime(stored_headers):
                        # The same bytes again, with nothing a new Date would make fresh for
                        # longer: the stored copy stays as it is (a warm lookup of the public
                        # index rewrote 23 MB of pages here, each time).
                        self._keys[entry_id] = key
                        return hishel.Entry(
                            id=entry_id,
                            request=request,
                            response=hishel.Response(
                                response.status_code, response.headers, iter([body])
                            ),
                        )
                pairs.append((item, body))
                self._write(key, pairs[-_MAX_PER_KEY:])
                self._keys[entry_id] = key
        except OSError as exc:  # a cache that cannot be written is skipped, never fatal
            logger.warning("Could not write the HTTP cache in %s: %s", self.root, exc)
        return hishel.Entry(
            id=entry_id,
            request=request,
            response=hishel.Response(response.status_code, response.headers, iter([body])),
        )

    def _change(self, entry_id: uuid.UUID, change: Callable[[dict[str, Any]], bool]) -> None:
        with self._lock:
            key = self._keys.get(entry_id)
            if key is None:
                return
            try:
                self._write(key, [(e, b) for e, b in self._read(key) if change(e)])
            except OSError as exc:
                logger.warning("Could not update the HTTP cache in %s: %s", self.root, exc)

    def update_headers(self, id: uuid.UUID, headers: hishel.Headers) -> None:
        """After a 304: store the refreshed headers - unless only ``Date`` changed and the
        response has no freshness lifetime (``max-age=0``, ``no-cache``: it is revalidated
        every time anyway), which saves a write per revalidated page."""
        fresh = _storable(headers)
        with self._lock:
            key = self._keys.get(id)
            if key is None:
                return
            try:
                pairs = self._recent(key)
                changed = False
                for entry, _body in pairs:
                    if entry.get("id") != str(id):
                        continue
                    old = entry["response"]["headers"]
                    if _without_date(old) == _without_date(fresh) and not _has_lifetime(fresh):
                        return
                    entry["response"]["headers"] = fresh
                    entry["stored"] = time.time()
                    changed = True
                if changed:
                    self._write(key, pairs)
            except OSError as exc:
                logger.warning("Could not update the HTTP cache in %s: %s", self.root, exc)

    def remove_entry(self, id: uuid.UUID) -> None:
        self._change(id, lambda e: e.get("id") != str(id))


def read_index(path: str | Path) -> list[dict[str, Any]]:
    """The entries of one cache file (request, status, headers; not the bodies), for
    listing and clearing; an unreadable or foreign file gives none."""
    try:
        with open(path, "rb") as fh:
            if fh.readline().rstrip(b"\n") != _MAGIC:
                return []
            entries = json.loads(fh.readline())
    except (OSError, ValueError):
        return []
    return [e for e in entries if isinstance(e, dict)] if isinstance(entries, list) else []


def duration(value: float) -> str:
    """An age in words (cache states, ``%cache list``): ``45 s``, ``3 min``, ``2 h``, ``4 d``."""
    value = max(0, int(value))
    if value < 120:
        return f"{value} s"
    if value < 7200:
        return f"{value // 60} min"
    if value < 172800:
        return f"{value // 3600} h"
    return f"{value // 86400} d"
