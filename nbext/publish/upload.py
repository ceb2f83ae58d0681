"""One file to an index through the legacy upload API: the multipart body and the POST.

* :class:`Multipart` - ``multipart/form-data`` as requests-toolbelt's ``MultipartEncoder``
  writes it for Poetry and twine (one part per field, repeated fields repeated, the file last
  as ``content`` with ``application/octet-stream``), streamed from disk in 64 KiB chunks with
  a known ``Content-Length`` and a progress callback. A retry re-reads the file.
* :func:`post` - the POST with the network layer's retry loop (Poetry's uploader has none:
  nbext retries connection failures and 429/5xx like every other request, six attempts),
  redirects not followed (Poetry: "Redirects are not supported"), and one redacted
  :class:`~nbext.net.client.Event` per attempt for ``%netlog`` and ``-vv``.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from nbext.auth.redact import redact_url
from nbext.errors import UploadFailed
from nbext.net.client import (
    MAX_ATTEMPTS,
    RETRY_STATUSES,
    Event,
    _retry_after,
    _retryable_error,
    redact_headers,
    retry_event,
    short_error,
)

__all__ = ["Multipart", "post"]

_CHUNK = 1 << 16
Progress = Callable[[int, int], None]  # (bytes sent, total)


def _quote(name: str) -> str:
    # The WHATWG form encoding of a name in Content-Disposition (what browsers and
    # requests-toolbelt do): quotes and line breaks percent-encoded.
    return name.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")


@dataclass(frozen=True)
class Multipart:
    """A streamed ``multipart/form-data`` body of text fields and one file."""

    fields: list[tuple[str, str]]
    path: Path
    boundary: str = ""

    def __post_init__(self) -> None:
        if not self.boundary:
            object.__setattr__(self, "boundary", secrets.token_hex(16))

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def _head(self) -> bytes:
        out = bytearray()
        for key, value in self.fields:
            part = f'--{self.boundary}\r\nContent-Disposition: form-data; name="{_quote(key)}"'
            out += part.encode("utf-8") + b"\r\n\r\n" + value.encode("utf-8") + b"\r\n"
        out += (
            f'--{self.boundary}\r\nContent-Disposition: form-data; name="content"; '
            f'filename="{_quote(self.path.name)}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        return bytes(out)

    def _tail(self) -> bytes:
        return f"\r\n--{self.boundary}--\r\n".encode()

    @property
    def length(self) -> int:
        return len(self._head()) + self.path.stat().st_size + len(self._tail())

    def stream(self, progress: Progress | None = None) -> Iterator[bytes]:
        """The body, chunk by chunk; ``progress(sent, total)`` after each chunk."""
        total = self.length
        sent = 0

        def step(chunk: bytes) -> bytes:
            nonlocal sent
            sent += len(chunk)
            if progress is not None:
                progress(sent, total)
            return chunk

        yield step(self._head())
        with self.path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                yield step(chunk)
        yield step(self._tail())

    def body(self) -> bytes:
        """The whole body at once (tests, small files)."""
        return b"".join(self.stream())


def post(
    client: httpx.Client,
    url: str,
    body: Multipart,
    *,
    source: str,
    headers: dict[str, str],
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    record: Callable[[Event], None] | None = None,
) -> tuple[httpx.Response, list[Event]]:
    """POST ``body`` to ``url`` with the retry loop (see the module doc); the last response
    (body read) and the events, or :class:`UploadFailed` when no answer came."""
    events: list[Event] = []
    shown_headers = redact_headers({**headers, "Content-Type": body.content_type})

    def note(event: Event) -> None:
        events.append(event)
        if record is not None:
            record(event)

    for attempt in range(1, MAX_ATTEMPTS + 1):
        started, wall = time.perf_counter(), time.time()
        length = body.length
        request = client.build_request(
            "POST",
            url,
            content=body.stream(progress),
            headers={
                **headers,
                "Content-Type": body.content_type,
                "Content-Length": str(length),
            },
        )
        try:
            response = client.send(request, follow_redirects=False)
            response.read()
        except httpx.HTTPError as exc:
            note(
                Event(
                    source=source,
                    method="POST",
                    url=redact_url(url),
                    status=None,
                    elapsed=time.perf_counter() - started,
                    size=0,
                    error=f"{type(exc).__name__}: {short_error(exc)}",
                    request_headers=shown_headers,
                    attempt=attempt,
                    started=wall,
                )
            )
            if attempt == MAX_ATTEMPTS or not _retryable_error(exc):
                raise UploadFailed(short_error(exc), events) from exc
            delay = 0.5 * attempt
        else:
            note(
                Event(
                    source=source,
                    method="POST",
                    url=redact_url(url),
                    status=response.status_code,
                    elapsed=time.perf_counter() - started,
                    size=len(response.content),
                    request_headers=shown_headers,
                    response_headers=redact_headers(dict(response.headers)),
                    attempt=attempt,
                    started=wall,
                    http_version=response.http_version,
                )
            )
            if response.status_code not in RETRY_STATUSES or attempt == MAX_ATTEMPTS:
                return response, events
            delay = _retry_after(response, 0.5 * attempt)
        note(retry_event(source, url, delay, attempt))
        sleep(delay)
    raise AssertionError("unreachable")  # pragma: no cover
