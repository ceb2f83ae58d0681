"""The HTTP cache in the transport stack: RFC 9111 decisions by hishel's sans-I/O state machine
(its ``CacheTransport``, as a private cache) over each source's
:class:`~nbext.cache.storage.FileStorage`, the cache state of each answer, and the answers
given offline from the cache alone.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hishel
import httpx
from hishel.httpx import CacheTransport

from nbext.cache.storage import (
    DIRNAME,
    MAX_BYTES,
    FileStorage,
    duration,
    headers_from,
    vary_names,
)
from nbext.errors import NotCached
from nbext.redact import redact_url

__all__ = ["CacheLayer", "HttpCache", "cache_root"]


def _httpx_headers(headers: hishel.Headers) -> list[tuple[bytes, bytes]]:
    # As bytes: a stored header may hold any latin-1 character, which httpx refuses from str.
    return [
        (k.encode("latin-1"), v.encode("latin-1", "replace"))
        for k in headers
        for v in headers.get_list(k) or []
    ]


class HttpCache:
    """The cache's storages, one :class:`FileStorage` per source, and the offline switch."""

    def __init__(
        self, repositories: Path, *, offline: bool = False, max_bytes: int = MAX_BYTES
    ) -> None:
        self.repositories = repositories
        self.max_bytes = max_bytes
        #: Answer from the cache only (``%config offline true``); the Workspace sets it at the
        #: start of every lookup.
        self.offline = offline
        self._lock = threading.Lock()
        self._storages: dict[str, FileStorage] = {}

    def storage(self, source: str) -> FileStorage:
        with self._lock:
            storage = self._storages.get(source)
            if storage is None:
                safe = source if source not in ("", ".", "..") and "/" not in source else "_"
                storage = FileStorage(self.repositories / safe / DIRNAME, max_bytes=self.max_bytes)
                self._storages[source] = storage
            return storage

    def forget(self, source: str, url: str) -> None:
        """Drop what is stored for ``url`` (a page that could not be read is not kept)."""
        self.storage(source).forget(_key(url))


def _key(url: str | httpx.URL) -> str:
    """The cache key of a URL: the URL itself, never with credentials."""
    return redact_url(str(url))


class CacheLayer(httpx.BaseTransport):
    """The HTTP cache in the transport stack: hishel's ``CacheTransport`` (RFC 9111, private
    cache) over the transport below, with the source's :class:`FileStorage` chosen per request
    (the ``nbext_source`` extension). Range requests, requests without a source and requests
    with ``nbext_use_cache`` false go straight through.

    The answer's ``extensions["nbext_cache"]`` says what happened: ``miss``, ``hit (age N s)``,
    ``revalidated (304)``, ``changed (200)``, ``refetched, no validators`` (a server that sends
    no ETag or Last-Modified sent the same body again), or ``offline (age N s)``.
    """

    def __init__(self, inner: httpx.BaseTransport, cache: HttpCache) -> None:
        self.inner = inner
        self.cache = cache
        # Every request names its storage; this one is only the constructor's default.
        self._hishel = CacheTransport(
            inner,
            storage=FileStorage(cache.repositories / "_" / DIRNAME),
            rfc=hishel.CacheOptions(shared=False),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        source = request.extensions.get("nbext_source")
        if (
            not isinstance(source, str)
            or request.extensions.get("nbext_use_cache") is False
            or request.method != "GET"
            or "range" in request.headers
        ):
            return self.inner.handle_request(request)
        storage = self.cache.storage(source)
        key = _key(request.url)
        if self.cache.offline:
            return _offline(storage, key, request)
        request.extensions.pop("nbext_hop", None)
        request.extensions["caching"] = {"storage": storage, "key": key}
        storage.begin()
        response = self._hishel.handle_request(request)
        status = response.extensions.get("caching") or {}
        sent = not status.get("from_cache") or bool(status.get("revalidated"))
        hop = request.extensions.pop("nbext_hop", None) if sent else None
        state = _state(status, storage.outcome(), response.headers)
        response.extensions = {
            **response.extensions,
            "nbext_cache": state,
            "nbext_sent": sent,
            "nbext_hop": hop,
        }
        return response

    def close(self) -> None:
        self.inner.close()


def _state(status: Any, outcome: str, headers: httpx.Headers) -> str:
    if status.get("from_cache"):
        return "revalidated (304)" if status.get("revalidated") else _hit(headers)
    if not status.get("stored"):
        return "miss (not stored)"
    if outcome == "new":
        return "miss"
    if outcome == "same":
        validated = "etag" in headers or "last-modified" in headers
        return "refetched (same content)" if validated else "refetched, no validators"
    return "changed (200)"


def _offline(storage: FileStorage, key: str, request: httpx.Request) -> httpx.Response:
    asked = headers_from(_multi(request.headers.multi_items()))
    for entry in storage.get_entries(key):
        vary = vary_names(entry.response.headers)
        if any(entry.request.headers.get(h) != asked.get(h) for h in vary):
            continue
        body = b"".join(entry.response.stream or ())  # type: ignore[arg-type]
        return httpx.Response(
            entry.response.status_code,
            headers=_httpx_headers(entry.response.headers),
            content=body,
            request=request,
            extensions={
                "nbext_cache": f"offline (age {_age(entry.response.headers)})",
                "nbext_sent": False,
            },
        )
    raise NotCached(key, request=request)


def _multi(pairs: Iterator[tuple[str, str]] | list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in pairs:
        out.setdefault(k.lower(), []).append(v)
    return out


def _hit(headers: Any) -> str:
    try:
        age = float(headers.get("age") or 0)
    except ValueError:
        age = 0.0
    return f"hit (age {duration(age)})"


def _age(headers: hishel.Headers) -> str:
    """How old a stored response is, from its Date header (else unknown)."""
    from email.utils import parsedate_to_datetime

    date = headers.get("date")
    if not date:
        return "unknown"
    try:
        stamp = parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        return "unknown"
    return duration(time.time() - stamp)


def cache_root(cache_dir: Path) -> Path:
    """``<cache-dir>/cache/repositories``: one directory per source, as Poetry lays it out."""
    return cache_dir / "cache" / "repositories"
