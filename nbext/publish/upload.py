"""One file to an index through the legacy upload API: the multipart form and the POST.

* The body is httpx's own ``multipart/form-data`` (``data=`` and ``files=``), which writes it
  as requests-toolbelt's ``MultipartEncoder`` does for Poetry and twine: one part per field,
  repeated fields repeated, the file last as ``content`` with ``application/octet-stream``.
  The file is streamed from disk in httpx's 64 KiB chunks with a known ``Content-Length``
  (httpx takes the size from the open file), through :class:`_Reading`, which reports the
  progress; a retry reads it again from the start. (httpx quotes a name as the WHATWG form
  encoding says: quotes and control characters percent-encoded.)
* :func:`post` - the POST with the network layer's retry loop (:func:`nbext.net.retry.retrying`:
  Poetry's uploader has none; nbext retries connection failures and 429/5xx like every other
  request, six attempts), redirects not followed (Poetry: "Redirects are not supported"), and
  one redacted :class:`~nbext.net.events.Event` per attempt for ``%netlog`` and ``-vv``.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from nbext.errors import UploadFailed
from nbext.net.events import Event, redact_headers, short_error
from nbext.net.retry import retrying
from nbext.redact import redact_url

__all__ = ["Progress", "UploadFailed", "post"]

Progress = Callable[[int, int], None]  # (bytes of the file sent, its size)


class _Reading(io.FileIO):
    """The file for httpx's multipart encoder, reporting how much of it was read.

    httpx takes its size from the open file (``os.fstat``), seeks it to 0 before each body it
    writes and reads it in 64 KiB chunks: the file is never in memory whole."""

    def __init__(self, path: Path, progress: Progress | None) -> None:
        super().__init__(path, "r")
        self._size = os.fstat(self.fileno()).st_size
        self._progress = progress
        self._sent = 0

    def seek(self, pos: int, whence: int = 0, /) -> int:
        self._sent = super().seek(pos, whence)
        return self._sent

    def read(self, size: int | None = -1, /) -> bytes:
        chunk = super().read(size)
        if chunk:
            self._sent += len(chunk)
            if self._progress is not None:
                self._progress(self._sent, self._size)
        return chunk


def _form(fields: list[tuple[str, str]]) -> dict[str, list[str]]:
    """The fields as httpx's ``data=``: a repeated field's values together, in order (the
    fields of :func:`~nbext.publish.distfiles.form_fields` come from a dict: a name's values
    are already together, so the order on the wire is the same)."""
    data: dict[str, list[str]] = {}
    for key, value in fields:
        data.setdefault(key, []).append(value)
    return data


def post(
    client: httpx.Client,
    url: str,
    fields: list[tuple[str, str]],
    path: Path,
    *,
    source: str,
    headers: dict[str, str],
    max_retry_after: float,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    record: Callable[[Event], None] | None = None,
) -> tuple[httpx.Response, list[Event]]:
    """POST ``fields`` and the file at ``path`` to ``url`` with the retry loop (see the module
    doc); the last response (body read) and the events, or :class:`UploadFailed` when no
    answer came."""
    events: list[Event] = []
    data = _form(fields)

    def note(event: Event) -> None:
        events.append(event)
        if record is not None:
            record(event)

    with _Reading(path, progress) as content:

        def send(attempt: int) -> httpx.Response:
            started, wall = time.perf_counter(), time.time()
            request = client.build_request(
                "POST",
                url,
                data=data,
                files={"content": (path.name, content, "application/octet-stream")},
                headers=headers,
            )
            shown_headers = redact_headers(
                {**headers, "Content-Type": request.headers["content-type"]}
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
                raise
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
            return response

        def failed(exc: httpx.HTTPError, _attempt: int) -> Exception:
            return UploadFailed(short_error(exc), events)

        response = retrying(
            send,
            source=source,
            url=url,
            note=note,
            sleep=sleep,
            max_retry_after=max_retry_after,
            final=failed,
        )
    return response, events
