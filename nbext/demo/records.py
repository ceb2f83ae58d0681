"""What the demo index saw: one record per request and per upload attempt, and their log."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from packaging.utils import canonicalize_name

__all__ = ["RequestLog", "RequestRecord", "UploadRecord"]


@dataclass(frozen=True)
class RequestRecord:
    """One request as the server saw it (and the status it answered with).

    ``fault`` is ``None`` for a normal answer, else the :data:`FaultAction` that
    served the request.  ``status`` is the status line that went out: ``0`` when
    none did (``"reset"`` and ``"stall"``); a ``"truncate"`` keeps the status it
    sent before cutting the body short.
    """

    method: str
    path: str
    accept: str | None
    has_auth: bool
    status: int
    range: str | None = None
    fault: str | None = None


@dataclass(frozen=True)
class UploadRecord:
    """One ``POST /legacy/`` as the server saw it (see :attr:`IndexServer.uploads`).

    ``status`` and ``reason`` are the status code and reason phrase of the answer;
    ``status`` is ``0`` when none went out: the client hung up or timed out before
    sending the whole body (``reason`` then says how far it got), or a ``"reset"`` or
    ``"stall"`` fault served the request (``fault`` names the action, as in
    :class:`RequestRecord`).  ``fields`` holds every non-file form field in the order
    received (repeated fields such as ``classifiers`` once per value); ``filename``,
    ``size`` and ``sha256`` describe the ``content`` file part.  They stay empty when the
    body was not parsed (refused before that, interrupted, or answered by a fault).
    Credentials are never kept: ``has_auth`` only says whether an Authorization header came.
    """

    path: str
    status: int
    reason: str
    fields: tuple[tuple[str, str], ...] = ()
    filename: str | None = None
    size: int = 0
    sha256: str | None = None
    has_auth: bool = False
    fault: str | None = None


class RequestLog:
    """Every request served and every upload attempt, oldest first (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: list[RequestRecord] = []
        self._uploads: list[UploadRecord] = []

    def record(self, request: RequestRecord, upload: UploadRecord | None = None) -> None:
        """Log one request (and, for a ``POST /legacy/``, its upload record)."""
        with self._lock:
            self._requests.append(request)
            if upload is not None:
                self._uploads.append(upload)

    @property
    def requests(self) -> list[RequestRecord]:
        with self._lock:
            return list(self._requests)

    @property
    def uploads(self) -> list[UploadRecord]:
        with self._lock:
            return list(self._uploads)

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self._uploads.clear()

    def project_requests(self, project: str) -> list[RequestRecord]:
        """Requests for the project page of ``project`` (any spelling of its name)."""
        key = canonicalize_name(project)
        out = []
        for record in self.requests:
            path = unquote(urlsplit(record.path).path)
            m = re.fullmatch(r"/simple/([^/]+)/?", path)
            if m and canonicalize_name(m[1]) == key:
                out.append(record)
        return out
