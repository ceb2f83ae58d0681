"""An in-process package index speaking PEP 503, 691, 658, 700 and 714.

:class:`IndexServer` runs a :class:`http.server.ThreadingHTTPServer` in a daemon
thread, bound to 127.0.0.1 only.  It is meant for demos and tests: it records
every request, can be changed at runtime, and can be told to misbehave
(:meth:`IndexServer.set_fault`: wrong answers, connection resets, stalls and
truncated bodies).  With ``json_api=True`` it also serves the public index's
legacy JSON API (``/pypi/<name>/json`` and ``/pypi/<name>/<version>/json``).
With ``upload=True`` it accepts uploads like the public index's legacy upload API
(``POST /legacy/``, what ``twine upload`` and ``poetry publish`` speak).
"""

from __future__ import annotations

import base64
import contextlib
import email.policy
import hashlib
import hmac
import html
import io
import json
import re
import socket
import ssl
import struct
import tarfile
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from email.message import Message
from email.parser import BytesParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, get_args
from urllib.parse import quote, unquote, urlsplit

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

from .dists import Dist, build_wheel, core_metadata, dist_files

__all__ = ["FaultAction", "IndexServer", "RequestRecord", "UploadRecord"]

#: What a fault does with a matching request (see :meth:`IndexServer.set_fault`).
FaultAction = Literal["respond", "reset", "stall", "truncate"]
_FAULT_ACTIONS: frozenset[str] = frozenset(get_args(FaultAction))

JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
TEXT_HTML = "text/html"
_OFFERED = (JSON_V1, HTML_V1, TEXT_HTML)  # server preference order for ties
_API_VERSION = "1.1"
#: PEP 700 ``upload-time``; fixed so that pages (and their ETags) are deterministic.
_UPLOAD_TIME = "2024-01-01T00:00:00.000000Z"
_JSON_API_RE = re.compile(r"/pypi/(?P<name>[^/]+)(?:/(?P<version>[^/]+))?/json/?")
_BODY_LESS = frozenset({HTTPStatus.NO_CONTENT, HTTPStatus.NOT_MODIFIED})
#: The upload endpoint's path (``/legacy``, without the slash, is answered with a 301).
_LEGACY = "/legacy/"
#: A ``"reset"`` fault on an upload reads about half the body, at most this much.
_RESET_READ_MAX = 256 * 1024
_READ_CHUNK = 1024 * 1024
#: What the public index answers for wrong upload credentials.
_UPLOAD_FORBIDDEN = "Invalid or non-existent authentication information."
_METADATA_VERSIONS = frozenset({"1.0", "1.1", "1.2", "2.0", "2.1", "2.2", "2.3", "2.4"})
#: The public index's rule for project names (PEP 508 names, ASCII only).
_NAME_RE = re.compile(r"[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9]", re.IGNORECASE)


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


@dataclass(frozen=True)
class _File:
    filename: str
    data: bytes
    sha256: str
    requires_python: str | None
    yanked: bool | str
    metadata: bytes | None  # PEP 658 metadata (wheels only)
    metadata_sha256: str | None


@dataclass
class _Release:
    dist: Dist  # for an uploaded release, synthesized from the upload form
    files: list[_File]
    uploaded: bool = False  # created by an upload (``dist`` then follows its files)


@dataclass
class _Project:
    name: str
    releases: dict[Version, _Release] = field(default_factory=dict)

    def files(self) -> list[_File]:
        return [f for v in sorted(self.releases) for f in self.releases[v].files]


@dataclass
class _Fault:
    prefix: str
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str]
    remaining: int | None
    action: FaultAction = "respond"
    delay: float = 30.0


@dataclass
class _Response:
    status: int
    body: bytes = b""
    content_type: str | None = "text/plain; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    fault: FaultAction | None = None
    delay: float = 0.0
    reason: str | None = None  # the status line's reason phrase; None: the standard one


def _plain(status: int, text: str) -> _Response:
    """A text answer whose reason phrase is ``text`` too (how the upload API answers)."""
    return _Response(status, text.encode(), reason=text)


def _reason_phrase(text: str) -> str:
    """``text`` made safe for a status line (printable Latin-1, no CR/LF)."""
    return "".join(c if " " <= c <= "~" or "\xa0" <= c <= "\xff" else "?" for c in text)


def _reason_of(resp: _Response) -> str:
    if resp.reason is not None:
        return resp.reason
    try:
        return HTTPStatus(resp.status).phrase
    except ValueError:
        return ""


class _Refused(Exception):
    """An upload refused with ``status`` and ``text`` (reason phrase and body)."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def _required(name: str) -> _Refused:
    return _Refused(400, f"Invalid value for {name}. Error: This field is required.")


@dataclass(frozen=True)
class _Form:
    """A parsed ``multipart/form-data`` upload body."""

    fields: tuple[tuple[str, str], ...]  # every non-file field, in order
    content: tuple[str, bytes] | None  # the ``content`` file part: (filename, bytes)

    def get(self, name: str) -> str | None:
        """The first value of field ``name`` (``None`` if absent)."""
        return next((v for k, v in self.fields if k == name), None)

    def get_all(self, name: str) -> list[str]:
        return [v for k, v in self.fields if k == name]


@dataclass(frozen=True)
class _Upload:
    """A validated upload, ready to be stored."""

    name: str
    version: Version
    filetype: str
    filename: str
    data: bytes
    blake2_256: str
    requires_python: str | None
    summary: str
    requires_dist: tuple[str, ...]
    metadata: bytes | None  # the wheel's METADATA (PEP 658)


def _parse_form(content_type: str, body: bytes) -> _Form:
    """Parse a ``multipart/form-data`` body with the stdlib email parser."""
    header = "Content-Type: " + re.sub(r"[\r\n]+", " ", content_type) + "\r\n\r\n"
    parser = BytesParser(policy=email.policy.HTTP)
    msg = parser.parsebytes(header.encode("latin-1", "replace") + body)
    if msg.get_content_type() != "multipart/form-data" or not msg.is_multipart() or msg.defects:
        raise _Refused(400, "Invalid request body: expected a complete multipart/form-data body.")
    fields: list[tuple[str, str]] = []
    content: tuple[str, bytes] | None = None
    for part in msg.get_payload():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue  # a part without a (plain) name is not a form field
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            fields.append((name, data.decode("utf-8", "replace")))
        elif name == "content" and content is None:
            content = (filename, data)
    return _Form(tuple(fields), content)


def _check_filename(name: str, version: Version, filetype: str, filename: str) -> None:
    """The file name must be a wheel or ``.tar.gz`` sdist of ``name`` ``version``."""
    if "/" in filename or "\\" in filename:
        raise _Refused(400, "Cannot upload a file with '/' or '\\' in the name.")
    if filename.endswith(".whl"):
        kind = "bdist_wheel"
    elif filename.endswith(".tar.gz"):
        kind = "sdist"
    else:
        raise _Refused(
            400,
            "Invalid file extension: Use .tar.gz or .whl extension. See "
            "https://peps.python.org/pep-0527 and https://peps.python.org/pep-0625/ "
            "for more information.",
        )
    if kind != filetype:
        raise _Refused(400, f"Invalid value for filetype. Error: {filename!r} is not a {filetype}.")
    try:
        if kind == "bdist_wheel":
            file_name, file_version = parse_wheel_filename(filename)[:2]
        else:
            file_name, file_version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        raise _Refused(400, f"{exc}.") from None
    if canonicalize_name(file_name) != canonicalize_name(name):
        prefix = f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}"
        raise _Refused(400, f"Start filename for {name!r} with {prefix!r}.")
    if file_version != version:
        raise _Refused(
            400, f"Version in filename should be {str(version)!r} not {str(file_version)!r}."
        )


def _check_digests(form: _Form, data: bytes) -> str:
    """Compare the digests the client sent with the content's; returns its blake2_256."""
    blake2_256 = hashlib.blake2b(data, digest_size=32).hexdigest()
    calculated = {
        "md5_digest": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        "sha256_digest": hashlib.sha256(data).hexdigest(),
        "blake2_256_digest": blake2_256,
    }
    for name, digest in calculated.items():
        given = (form.get(name) or "").strip().lower()
        if given and not hmac.compare_digest(given.encode(), digest.encode()):
            raise _Refused(
                400,
                "The digest supplied does not match a digest calculated from the uploaded file.",
            )
    return blake2_256


def _wheel_metadata(filename: str, data: bytes) -> bytes:
    """The wheel's ``*.dist-info/METADATA``; refuses files that are not wheels."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = [
                n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
            ]
            if not names:
                stem = "-".join(filename.split("-")[:2])
                raise _Refused(
                    400,
                    f"Wheel {filename!r} does not contain the required METADATA file: "
                    f"{stem}.dist-info/METADATA",
                )
            return zf.read(names[0])
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError):
        raise _Refused(400, "Invalid distribution file.") from None


def _check_sdist(data: bytes) -> None:
    """Refuse an sdist that is not a readable ``.tar.gz``."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tf:
            tf.getmembers()
    except (tarfile.TarError, zlib.error, EOFError, OSError):
        raise _Refused(400, "Invalid distribution file.") from None


def _check_upload(form: _Form) -> _Upload:
    """Validate an upload form like the public index does (raises :class:`_Refused`)."""
    action = form.get(":action")
    if action == "submit":
        raise _Refused(
            410,
            "Project pre-registration is no longer required or supported, "
            "upload your files instead.",
        )
    if action == "doc_upload":
        raise _Refused(
            410,
            "Uploading documentation is no longer supported, we recommend using "
            "https://readthedocs.org/.",
        )
    if action is None:
        raise _required(":action")
    if action != "file_upload":
        raise _Refused(400, f"Invalid value for :action. Error: {action!r} is not 'file_upload'.")
    if form.get("protocol_version") not in (None, "1"):  # the public index defaults to 1
        raise _Refused(400, "Unknown protocol version.")
    values: dict[str, str] = {}
    for name in ("metadata_version", "name", "version", "filetype"):
        value = (form.get(name) or "").strip()
        if not value:
            raise _required(name)
        values[name] = value
    if form.content is None or not form.content[0]:
        raise _required("content")
    if values["metadata_version"] not in _METADATA_VERSIONS:
        raise _Refused(
            400, "Invalid value for metadata_version. Error: Use a known metadata version."
        )
    name = values["name"]
    if not _NAME_RE.fullmatch(name):
        raise _Refused(
            400,
            "Invalid value for name. Error: Start and end with a letter or numeral "
            "containing only ASCII numeric and '.', '_' and '-'.",
        )
    try:
        version = Version(values["version"])
    except InvalidVersion:
        raise _Refused(
            400,
            f"Invalid value for version. Error: {values['version']!r} is not a valid "
            "PEP 440 version.",
        ) from None
    filetype = values["filetype"]
    if filetype not in ("sdist", "bdist_wheel"):
        raise _Refused(400, "Invalid value for filetype. Error: Use a known file type.")
    filename, data = form.content
    _check_filename(name, version, filetype, filename)
    blake2_256 = _check_digests(form, data)
    if filetype == "bdist_wheel":
        metadata: bytes | None = _wheel_metadata(filename, data)
    else:
        _check_sdist(data)
        metadata = None
    return _Upload(
        name=name,
        version=version,
        filetype=filetype,
        filename=filename,
        data=data,
        blake2_256=blake2_256,
        requires_python=(form.get("requires_python") or "").strip() or None,
        summary=form.get("summary") or "",
        requires_dist=tuple(form.get_all("requires_dist")),
        metadata=metadata,
    )


def _upload_file(up: _Upload) -> _File:
    return _File(
        filename=up.filename,
        data=up.data,
        sha256=hashlib.sha256(up.data).hexdigest(),
        requires_python=up.requires_python,
        yanked=False,
        metadata=up.metadata,
        metadata_sha256=hashlib.sha256(up.metadata).hexdigest() if up.metadata else None,
    )


def _upload_dist(up: _Upload, previous: Dist | None) -> Dist:
    """The :class:`Dist` describing an uploaded release (from its first upload's form)."""
    is_wheel = up.filetype == "bdist_wheel"
    tag = "-".join(up.filename[: -len(".whl")].split("-")[-3:]) if is_wheel else None
    if previous is None:
        return Dist(
            up.name,
            str(up.version),
            requires_dist=up.requires_dist,
            requires_python=up.requires_python,
            summary=up.summary,
            wheel=is_wheel,
            sdist=not is_wheel,
            wheel_tag=tag or "py3-none-any",
        )
    if is_wheel and not previous.wheel:
        return replace(previous, wheel=True, wheel_tag=tag or previous.wheel_tag)
    return replace(previous, sdist=previous.sdist or not is_wheel)


def _basic_credentials(header: str | None, want: tuple[str, str]) -> bool | None:
    """``None`` without Basic credentials in ``header``, else whether they are ``want``."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        decoded = ""
    user, _, password = decoded.partition(":")
    want_user, want_password = want
    ok_user = hmac.compare_digest(user.encode(), want_user.encode())
    ok_password = hmac.compare_digest(password.encode(), want_password.encode())
    return ok_user and ok_password


def _files_for(d: Dist) -> list[_File]:
    wheel_name = build_wheel(d)[0] if d.wheel else None
    out: list[_File] = []
    for filename, data in dist_files(d):
        metadata = core_metadata(d) if filename == wheel_name else None
        out.append(
            _File(
                filename=filename,
                data=data,
                sha256=hashlib.sha256(data).hexdigest(),
                requires_python=d.requires_python,
                yanked=d.yanked,
                metadata=metadata,
                metadata_sha256=hashlib.sha256(metadata).hexdigest() if metadata else None,
            )
        )
    return out


def _parse_accept(header: str) -> list[tuple[str, str, float]]:
    """Parse an Accept header into ``(type, subtype, q)`` triples."""
    ranges: list[tuple[str, str, float]] = []
    for part in header.split(","):
        media, *params = (p.strip() for p in part.split(";"))
        if not media:
            continue
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        mtype, _, subtype = media.lower().partition("/")
        # PEP 691: "latest" is an alias for the newest version, which is v1.
        subtype = subtype.replace("vnd.pypi.simple.latest+", "vnd.pypi.simple.v1+")
        ranges.append((mtype, subtype or "*", q))
    return ranges


def negotiate(accept: str | None) -> str | None:
    """Pick the content type for a Simple API page, or ``None`` for 406.

    The client's q-values decide; among equal q-values the most specific match
    wins, then JSON over HTML.  A missing ``Accept`` header, or one that only
    matches through wildcards, gets ``text/html`` (what legacy clients expect).
    """
    if accept is None or not accept.strip():
        return TEXT_HTML
    ranges = _parse_accept(accept)
    scored: list[tuple[float, int, int, str]] = []
    for pref, offered in enumerate(_OFFERED):
        otype, osub = offered.split("/")
        best: tuple[int, float] | None = None
        for mtype, subtype, q in ranges:
            if mtype == otype and subtype == osub:
                specificity = 2
            elif mtype == otype and subtype == "*":
                specificity = 1
            elif mtype == "*" and subtype == "*":
                specificity = 0
            else:
                continue
            if best is None or specificity > best[0]:
                best = (specificity, q)
        if best is not None and best[1] > 0:
            scored.append((best[1], best[0], -pref, offered))
    if not scored:
        return None
    if max(s[1] for s in scored) == 0:
        html_only = [s for s in scored if s[3] == TEXT_HTML]
        if html_only:
            return TEXT_HTML
    return max(scored)[3]


def _etag_matches(if_none_match: str, etag: str) -> bool:
    for token in if_none_match.split(","):
        token = token.strip()
        if token.startswith("W/"):
            token = token[2:]
        if token in ("*", etag):
            return True
    return False


_RANGE_RE = re.compile(r"bytes=(\d*)-(\d*)")


def _parse_range(header: str, size: int) -> tuple[int, int] | Literal["unsatisfiable"] | None:
    """Parse a single byte range; ``None`` means "ignore it, send everything"."""
    m = _RANGE_RE.fullmatch(header.strip().replace(" ", ""))
    if m is None or (not m[1] and not m[2]):
        return None
    if not m[1]:
        suffix = int(m[2])
        if suffix == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - suffix), size - 1
    start = int(m[1])
    if m[2] and int(m[2]) < start:
        return None  # syntactically invalid: ignore the header
    if start >= size:
        return "unsatisfiable"
    end = int(m[2]) if m[2] else size - 1
    return start, min(end, size - 1)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], index: IndexServer) -> None:
        self.index = index
        #: Set by :meth:`IndexServer.stop`; ends "stall" faults early.
        self.stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conn_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Wake up handler threads parked on idle keep-alive connections."""
        with self._conn_lock:
            conns = list(self._connections)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet (clients hanging up mid-response is normal in tests)."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nbext-demo-index/0.1"
    timeout = 30  # idle keep-alive connections are closed after this long
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log (requests go to ``IndexServer.requests``)."""

    def do_GET(self) -> None:
        self._dispatch(head=False)

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def _unsupported(self) -> None:
        self.close_connection = True  # we do not read a request body
        self._dispatch(head=False, allowed=False)

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _unsupported

    def do_POST(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if not self.server.index.upload or path not in (_LEGACY, _LEGACY.rstrip("/")):
            self._unsupported()
        elif path == _LEGACY:
            self._upload(path)
        else:
            # Like the public index: ``/legacy`` -> ``/legacy/`` (a client that does not
            # follow redirects then says so).  Drain a small body to keep the connection.
            length = self._content_length()
            if isinstance(length, int) and length <= self.server.index.max_upload_bytes:
                if isinstance(self._read_body(length), str):
                    self.close_connection = True
            else:
                self.close_connection = True
            resp = _Response(301, b"", headers=[("Location", _LEGACY)])
            self._record(resp)
            self._send(resp, head=False)

    def _dispatch(self, *, head: bool, allowed: bool = True) -> None:
        index = self.server.index
        if allowed:
            try:
                resp = index._respond(self.path, self.headers)
            except Exception as exc:  # pragma: no cover - a bug in the demo server
                resp = _Response(500, f"internal error: {exc!r}\n".encode())
        else:
            resp = _Response(405, b"method not allowed\n", headers=[("Allow", "GET, HEAD")])
        self._record(resp)
        if resp.fault == "reset":
            self._reset()
            return
        if resp.fault == "stall":
            self._stall(resp.delay)
            return
        self._send(resp, head=head)

    def _request_record(self, resp: _Response) -> RequestRecord:
        return RequestRecord(
            method=self.command,
            path=self.path,
            accept=self.headers.get("Accept"),
            has_auth=self.headers.get("Authorization") is not None,
            status=resp.status,
            range=self.headers.get("Range"),
            fault=resp.fault,
        )

    def _record(self, resp: _Response) -> None:
        self.server.index._record(self._request_record(resp))

    def _send(self, resp: _Response, *, head: bool) -> None:
        """Send ``resp`` (a ``"truncate"`` fault: only half of its body, then hang up)."""
        reason = _reason_phrase(resp.reason) if resp.reason is not None else None
        self.send_response(resp.status, reason)
        if resp.content_type is not None:
            self.send_header("Content-Type", resp.content_type)
        for key, value in resp.headers:
            self.send_header(key, value)
        if resp.status not in _BODY_LESS:
            self.send_header("Content-Length", str(len(resp.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if not head and resp.status not in _BODY_LESS:
            if resp.fault == "truncate":
                # Content-Length promised the whole body; send half of it and hang up.
                self.wfile.write(resp.body[: len(resp.body) // 2])
                self.close_connection = True
            else:
                self.wfile.write(resp.body)

    # -- uploads ---------------------------------------------------------------

    def _content_length(self) -> int | str | None:
        """The declared body length; ``None`` if not given, a string if unusable."""
        if self.headers.get("Transfer-Encoding") is not None:
            return None  # chunked bodies are not supported: ask for a length (411)
        value = self.headers.get("Content-Length")
        if value is None:
            return None
        if not re.fullmatch(r"[0-9]+", value.strip()):
            return "Invalid Content-Length header."
        return int(value.strip())

    def _read_body(self, length: int) -> bytes | str:
        """Read exactly ``length`` bytes; a string says why the client did not send them."""
        chunks: list[bytes] = []
        got = 0
        try:
            while got < length:
                chunk = self.rfile.read(min(length - got, _READ_CHUNK))
                if not chunk:
                    return f"interrupted: the client hung up after {got} of {length} bytes"
                chunks.append(chunk)
                got += len(chunk)
        except TimeoutError:
            return f"interrupted: timed out after {got} of {length} bytes"
        except OSError as exc:
            return f"interrupted: {type(exc).__name__} after {got} of {length} bytes"
        return b"".join(chunks)

    def _refuse_length(self, length: int | str | None) -> _Response | None:
        """411 without a length, 413 over ``max_upload_bytes``: the body is never read."""
        if length is None:
            return _plain(411, "Length Required")
        if isinstance(length, str):
            return _plain(400, length)
        if length > self.server.index.max_upload_bytes:
            return _plain(413, "Request Entity Too Large")
        return None

    def _upload(self, path: str) -> None:
        """``POST /legacy/``: faults first, then the body's length, the body, the upload."""
        index = self.server.index
        has_auth = self.headers.get("Authorization") is not None
        fault = index._take_fault(path)
        length = self._content_length()
        if fault is not None and fault.action in ("reset", "stall"):
            resp = _Response(0, fault=fault.action)
            index._record_upload(
                self._request_record(resp),
                UploadRecord(path, 0, fault.action, has_auth=has_auth, fault=fault.action),
            )
            if fault.action == "reset":
                if isinstance(length, int):  # the client is cut off mid-body
                    self._read_body(min(length // 2, _RESET_READ_MAX))
                self._reset()
            else:
                self._stall(fault.delay)
            return
        early = self._refuse_length(length)
        body = b""
        if early is None and isinstance(length, int):
            read = self._read_body(length)
            if isinstance(read, str):  # nothing is stored and nothing answered
                self.close_connection = True
                index._record_upload(
                    self._request_record(_Response(0)),
                    UploadRecord(path, 0, read, has_auth=has_auth),
                )
                return
            body = read
        else:
            self.close_connection = True  # the body (if any) is left unread
        if fault is not None and (fault.action == "respond" or fault.body):
            resp = _Response(
                fault.status, fault.body, fault.content_type, list(fault.headers.items())
            )
            record = UploadRecord(path, resp.status, _reason_of(resp), has_auth=has_auth)
        elif early is not None:
            resp = early
            record = UploadRecord(path, resp.status, _reason_of(resp), has_auth=has_auth)
        else:
            try:
                resp, record = index._accept_upload(path, self.headers, body)
            except Exception as exc:  # pragma: no cover - a bug in the demo server
                resp = _Response(500, f"internal error: {exc!r}\n".encode())
                record = UploadRecord(path, 500, _reason_of(resp), has_auth=has_auth)
        if fault is not None:
            resp.fault = fault.action
            record = replace(record, fault=fault.action)
        index._record_upload(self._request_record(resp), record)
        self._send(resp, head=False)

    def _reset(self) -> None:
        """Abort the connection: SO_LINGER on with a 0 s timeout makes close() send a RST."""
        self.close_connection = True
        sock = self.connection
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        # The socket really closes (RST, no FIN first) when ``finish()`` closes ``rfile``;
        # ``shutdown_request`` then finds it closed and skips its SHUT_WR.
        sock.close()

    def _stall(self, delay: float) -> None:
        """Send nothing for ``delay`` seconds (less if the server stops), then hang up."""
        self.close_connection = True
        self.server.stopping.wait(delay)


class IndexServer:
    """A PEP 503/691 package index serving :class:`Dist` objects from memory.

    ``api="json"`` negotiates between the PEP 691 JSON and HTML forms using the
    ``Accept`` header; ``api="html"`` always answers ``text/html`` (like a plain
    mirror).  ``metadata`` toggles PEP 658/714 metadata files for wheels.
    ``layout="single-page"`` serves one flat page of links at ``/links.html``
    (what Poetry calls a single-page link source) instead of ``/simple/``.

    ``json_api=True`` adds the public index's legacy JSON API, which Poetry reads
    release metadata from (``GET /pypi/<name>/<version>/json``; the latest release
    with ``"releases"`` at ``GET /pypi/<name>/json``).  Like the real one, it
    answers 404 for unknown projects or releases, redirects (301) a name spelled
    differently from the project's own to that spelling, and gives
    ``"requires_dist": null`` for a release without requirements.  Releases in
    ``json_api_null_requires`` (``(name, version)`` pairs, any spelling; or use
    :meth:`set_json_api_null_requires` at runtime) also get ``null``, as when an
    uploader gave no metadata: Poetry then falls back to reading the files.

    ``upload=True`` accepts uploads at :attr:`upload_url` (``POST /legacy/``), the
    public index's legacy upload API that ``twine upload`` and ``poetry publish`` use.
    Uploads need the ``upload_auth`` credentials (HTTP Basic), or ``auth`` when
    ``upload_auth`` is ``None`` (none if both are): with only ``upload_auth`` set the
    index is public to read but authenticated to write.  Like the real index, it
    answers 401 without credentials, 403 ("Invalid or non-existent authentication
    information.") for wrong ones, 400 (the reason phrase and the text/plain body say
    why) for a form it refuses (missing fields, a version or file name that does not
    fit the project, digests that do not match, a file name already on the index) and
    200 "OK" once the file is served; bodies over ``max_upload_bytes`` get 413 unread.
    An accepted file joins its release (created if needed, with a :class:`Dist`
    synthesized from the form: ``summary``, ``requires_python``, ``requires_dist``) and
    is listed and served like any other (a wheel's PEP 658 metadata is its
    ``METADATA``).  :attr:`uploads` records every attempt.  ``GET /project/<name>/``
    (:meth:`project_url`) is a small project page listing the versions.
    """

    def __init__(
        self,
        dists: Iterable[Dist] = (),
        *,
        name: str = "index",
        api: Literal["json", "html"] = "json",
        metadata: bool = True,
        auth: tuple[str, str] | None = None,
        layout: Literal["simple", "single-page"] = "simple",
        max_age: int | None = None,
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        json_api: bool = False,
        json_api_null_requires: Iterable[tuple[str, str]] = (),
        upload: bool = False,
        upload_auth: tuple[str, str] | None = None,
        max_upload_bytes: int = 100 * 1024 * 1024,
    ) -> None:
        if api not in ("json", "html"):
            raise ValueError(f"api must be 'json' or 'html', not {api!r}")
        if max_upload_bytes < 0:
            raise ValueError(f"max_upload_bytes must be >= 0, not {max_upload_bytes!r}")
        if layout not in ("simple", "single-page"):
            raise ValueError(f"layout must be 'simple' or 'single-page', not {layout!r}")
        self.name = name
        self.api: Literal["json", "html"] = api
        self.metadata = metadata
        self.auth = auth
        self.layout: Literal["simple", "single-page"] = layout
        self.max_age = max_age
        self.port = port
        self.ssl_context = ssl_context  # serve HTTPS (tests: trustme certificates)
        self.json_api = json_api
        self.upload = upload
        self.upload_auth = upload_auth
        self.max_upload_bytes = max_upload_bytes
        self._lock = threading.Lock()
        self._null_requires: set[tuple[str, Version]] = {
            (canonicalize_name(n), Version(v)) for n, v in json_api_null_requires
        }
        self._serial = 0  # the JSON API's last_serial: bumped by every add/remove
        self._projects: dict[str, _Project] = {}
        self._faults: list[_Fault] = []
        self._log: list[RequestRecord] = []
        self._uploads: list[UploadRecord] = []
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        for d in dists:
            self.add(d)

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> IndexServer:
        """Bind 127.0.0.1:``port`` and serve in a daemon thread; returns ``self``."""
        if self._httpd is not None:
            raise RuntimeError(f"IndexServer {self.name!r} is already running")
        httpd = _HTTPServer(("127.0.0.1", self.port), self)
        if self.ssl_context is not None:
            # The handshake happens on the first read, in the request's own thread, so a
            # client that fails it (no client certificate, untrusted CA) blocks no one else.
            httpd.socket = self.ssl_context.wrap_socket(
                httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"nbext-demo-{self.name}",
            daemon=True,
        )
        self._httpd, self._thread = httpd, thread
        thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close idle connections and release the port (idempotent)."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._httpd = self._thread = None
        httpd.stopping.set()  # wake "stall" faults first, so their threads end promptly
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=10)

    def __enter__(self) -> IndexServer:
        if self._httpd is None:
            self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def bound_port(self) -> int:
        """The actual port (useful with ``port=0``); only while running."""
        if self._httpd is None:
            raise RuntimeError(f"IndexServer {self.name!r} is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (``https`` with TLS; no trailing slash)."""
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.bound_port}"

    @property
    def url(self) -> str:
        """The index URL a client is given: ``.../simple/`` or ``.../links.html``."""
        if self.layout == "single-page":
            return f"{self.base_url}/links.html"
        return f"{self.base_url}/simple/"

    @property
    def upload_url(self) -> str:
        """Where to upload (``POST``; with ``upload=True``): ``.../legacy/``."""
        return f"{self.base_url}{_LEGACY}"

    def project_url(self, name: str) -> str:
        """The project page of ``name`` (any spelling): ``.../project/<name>/``."""
        return f"{self.base_url}/project/{quote(canonicalize_name(name))}/"

    def __repr__(self) -> str:
        where = self.url if self.running else "stopped"
        return f"<IndexServer {self.name!r} api={self.api} {where}>"

    # -- content ---------------------------------------------------------------

    def add(self, dist: Dist) -> None:
        """Add (or replace) a release; safe while serving."""
        files = _files_for(dist)
        key = canonicalize_name(dist.name)
        with self._lock:
            project = self._projects.setdefault(key, _Project(dist.name))
            project.releases[Version(dist.version)] = _Release(dist, files)
            self._serial += 1

    def remove(self, name: str, version: str) -> None:
        """Remove one release (``KeyError`` if absent); an empty project disappears."""
        key = canonicalize_name(name)
        with self._lock:
            project = self._projects.get(key)
            if project is None or Version(version) not in project.releases:
                raise KeyError(f"{name} {version} is not on index {self.name!r}")
            del project.releases[Version(version)]
            if not project.releases:
                del self._projects[key]
            self._serial += 1

    def set_json_api_null_requires(self, name: str, version: str, null: bool = True) -> None:
        """Make the JSON API answer ``"requires_dist": null`` for one release (or stop)."""
        key = (canonicalize_name(name), Version(version))
        with self._lock:
            if null:
                self._null_requires.add(key)
            else:
                self._null_requires.discard(key)

    @property
    def dists(self) -> list[Dist]:
        """Every release currently served."""
        with self._lock:
            return [
                p.releases[v].dist
                for _, p in sorted(self._projects.items())
                for v in sorted(p.releases)
            ]

    # -- faults ----------------------------------------------------------------

    def set_fault(
        self,
        path_prefix: str,
        *,
        status: int = 200,
        body: bytes = b"",
        content_type: str = "text/plain",
        headers: dict[str, str] | None = None,
        times: int | None = None,
        action: FaultAction = "respond",
        delay: float = 30.0,
    ) -> None:
        """Answer requests whose path starts with ``path_prefix`` with this instead.

        ``action`` says how:

        * ``"respond"``: answer ``status`` with ``body``, ``content_type`` and
          ``headers`` (a redirect loop: ``status=302, headers={"Location": path}``).
        * ``"reset"``: read the request, then abort the connection with a TCP RST
          (no response at all).
        * ``"stall"``: read the request, send nothing for ``delay`` seconds (cut
          short when the server stops), then close the connection.
        * ``"truncate"``: send the status line and headers with the ``Content-Length``
          of the whole body, but only its first half, then close the connection.
          With an empty ``body`` the normal answer is truncated (its status and
          headers are kept); otherwise ``status``/``body``/``content_type``/``headers``.

        Faults also apply to uploads (``POST /legacy/``): ``"respond"`` reads and
        discards the body, then answers (nothing is stored); ``"reset"`` reads about
        half the body (at most 256 KiB) before the RST, an upload cut off mid-body;
        ``"truncate"`` with an empty ``body`` stores the upload and cuts its answer short.

        Faults win over everything else (auth included).  ``times=None`` keeps
        the fault forever; otherwise it is used up after ``times`` requests.
        Setting a fault for the same prefix again replaces it; with several
        matching prefixes the most recently set one applies.  Each request a fault
        serves is logged with ``RequestRecord.fault`` set to the action.
        """
        if action not in _FAULT_ACTIONS:
            raise ValueError(f"action must be one of {sorted(_FAULT_ACTIONS)}, not {action!r}")
        if delay < 0:
            raise ValueError(f"delay must be >= 0, not {delay!r}")
        fault = _Fault(
            path_prefix,
            status,
            body,
            content_type,
            dict(headers or {}),
            times,
            action,
            float(delay),
        )
        with self._lock:
            self._faults = [f for f in self._faults if f.prefix != path_prefix]
            if times is None or times > 0:
                self._faults.append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in reversed(self._faults):
                if path.startswith(fault.prefix):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    # -- request log -----------------------------------------------------------

    def _record(self, record: RequestRecord) -> None:
        with self._lock:
            self._log.append(record)

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of every request served so far (oldest first)."""
        with self._lock:
            return list(self._log)

    @property
    def uploads(self) -> list[UploadRecord]:
        """A snapshot of every upload attempt so far (oldest first); also in :attr:`requests`."""
        with self._lock:
            return list(self._uploads)

    def _record_upload(self, request: RequestRecord, upload: UploadRecord) -> None:
        with self._lock:
            self._log.append(request)
            self._uploads.append(upload)

    def clear_log(self) -> None:
        """Forget :attr:`requests` and :attr:`uploads`."""
        with self._lock:
            self._log.clear()
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

    # -- uploads -----------------------------------------------------------------

    def _accept_upload(
        self, path: str, headers: Message[str, str], body: bytes
    ) -> tuple[_Response, UploadRecord]:
        """Check the credentials, parse and validate the form, store the file."""
        header = headers.get("Authorization")
        record = UploadRecord(path, 0, "", has_auth=header is not None)
        want = self.upload_auth if self.upload_auth is not None else self.auth
        if want is not None:
            ok = _basic_credentials(header, want)
            if ok is None:
                challenge = [("WWW-Authenticate", 'Basic realm="demo"')]
                resp = _Response(401, b"authentication required\n", headers=challenge)
                return resp, replace(record, status=401, reason=_reason_of(resp))
            if not ok:
                return _plain(403, _UPLOAD_FORBIDDEN), replace(
                    record, status=403, reason=_UPLOAD_FORBIDDEN
                )
        try:
            form = _parse_form(headers.get("Content-Type", ""), body)
        except _Refused as exc:
            return _plain(exc.status, exc.text), replace(record, status=exc.status, reason=exc.text)
        record = replace(record, fields=form.fields)
        if form.content is not None:
            filename, data = form.content
            record = replace(
                record,
                filename=filename,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            )
        try:
            self._store(_check_upload(form))
        except _Refused as exc:
            resp = _plain(exc.status, exc.text)
        else:
            resp = _plain(200, "OK")
        return resp, replace(record, status=resp.status, reason=_reason_of(resp))

    def _store(self, up: _Upload) -> None:
        """Add an uploaded file to its release, unless its file name is already taken."""
        new = _upload_file(up)
        key = canonicalize_name(up.name)
        with self._lock:
            for project in self._projects.values():
                if any(f.filename == up.filename for f in project.files()):
                    raise _Refused(
                        400,
                        f"File already exists ({up.filename!r}, with blake2_256 hash "
                        f"{up.blake2_256!r}). See /help/#file-name-reuse for more information.",
                    )
            project = self._projects.setdefault(key, _Project(up.name))
            release = project.releases.get(up.version)
            if release is None:
                project.releases[up.version] = _Release(_upload_dist(up, None), [new], True)
            else:
                release.files.append(new)
                if release.uploaded:
                    release.dist = _upload_dist(up, release.dist)
            self._serial += 1

    # -- responses -------------------------------------------------------------

    def _respond(self, raw_path: str, headers: Message[str, str]) -> _Response:
        path = unquote(urlsplit(raw_path).path)
        fault = self._take_fault(path)
        if fault is None:
            return self._route(path, headers)
        if fault.action in ("reset", "stall"):
            return _Response(0, fault=fault.action, delay=fault.delay)
        if fault.action == "truncate" and not fault.body:
            resp = self._route(path, headers)
        else:
            resp = _Response(
                fault.status, fault.body, fault.content_type, list(fault.headers.items())
            )
        resp.fault = fault.action
        return resp

    def _route(self, path: str, headers: Message[str, str]) -> _Response:
        if self.auth is not None:
            denied = self._check_auth(headers.get("Authorization"))
            if denied is not None:
                return denied

        if path.startswith("/files/"):
            return self._file(path[len("/files/") :], headers)
        if path.startswith("/project/"):
            return self._project_page(path, headers)
        if path == "/":
            link = html.escape(self.url)
            body = f'<!DOCTYPE html><html><body><a href="{link}">{link}</a></body></html>\n'
            return _Response(200, body.encode(), "text/html; charset=utf-8")
        if self.json_api and path.startswith("/pypi/"):
            return self._json_api(path, headers)
        if self.layout == "single-page":
            if path == "/links.html":
                return self._page(self._single_page(), TEXT_HTML, headers)
            return _Response(404, b"not found\n")

        if path == "/simple":
            return _Response(301, b"", headers=[("Location", "/simple/")])
        if path == "/simple/":
            return self._negotiated(headers, self._root_json, self._root_html)
        m = re.fullmatch(r"/simple/([^/]+)(/?)", path)
        if m is None:
            return _Response(404, b"not found\n")
        requested, slash = m[1], m[2]
        key = canonicalize_name(requested)
        if requested != key or not slash:
            location = f"/simple/{quote(key)}/"
            return _Response(301, b"", headers=[("Location", location), ("Vary", "Accept")])
        with self._lock:
            project = self._projects.get(key)
            files = project.files() if project else []
            versions = [str(v) for v in sorted(project.releases)] if project else []
        if project is None:
            return _Response(404, f"no project named {key!r}\n".encode())
        return self._negotiated(
            headers,
            lambda: self._project_json(key, versions, files),
            lambda: self._project_html(key, files),
        )

    def _check_auth(self, header: str | None) -> _Response | None:
        assert self.auth is not None
        ok = _basic_credentials(header, self.auth)
        if ok is None:
            challenge = [("WWW-Authenticate", 'Basic realm="demo"')]
            return _Response(401, b"authentication required\n", headers=challenge)
        if ok:
            return None
        return _Response(403, b"forbidden\n")

    def _cache_headers(self) -> list[tuple[str, str]]:
        if self.max_age is None:
            return [("Cache-Control", "max-age=0, must-revalidate")]
        return [("Cache-Control", f"max-age={self.max_age}")]

    def _negotiated(
        self,
        headers: Message[str, str],
        make_json: Callable[[], bytes],
        make_html: Callable[[], bytes],
    ) -> _Response:
        if self.api == "html":
            chosen: str | None = TEXT_HTML
        else:
            chosen = negotiate(headers.get("Accept"))
        if chosen is None:
            body = ("not acceptable; offered: " + ", ".join(_OFFERED) + "\n").encode()
            return _Response(406, body, headers=[("Vary", "Accept")])
        body = make_json() if chosen == JSON_V1 else make_html()
        return self._page(body, chosen, headers)

    def _page(self, body: bytes, chosen: str, headers: Message[str, str]) -> _Response:
        content_type = chosen if chosen != TEXT_HTML else "text/html; charset=utf-8"
        etag = '"' + hashlib.sha256(content_type.encode() + b"\0" + body).hexdigest()[:32] + '"'
        extra = [("Vary", "Accept"), ("ETag", etag), *self._cache_headers()]
        inm = headers.get("If-None-Match")
        if inm is not None and _etag_matches(inm, etag):
            return _Response(304, b"", None, extra)
        return _Response(200, body, content_type, extra)

    def _file(self, name: str, headers: Message[str, str]) -> _Response:
        want_metadata = name.endswith(".metadata")
        filename = name[: -len(".metadata")] if want_metadata else name
        found: _File | None = None
        with self._lock:
            for project in self._projects.values():
                for f in project.files():
                    if f.filename == filename:
                        found = f
        if found is None:
            return _Response(404, b"no such file\n")
        if want_metadata:
            if not self.metadata or found.metadata is None:
                return _Response(404, b"no metadata file\n")
            data, digest = found.metadata, found.metadata_sha256
            content_type = "text/plain; charset=utf-8"
        else:
            data, digest = found.data, found.sha256
            content_type = "application/octet-stream"
        etag = f'"{digest}"'
        extra = [("Accept-Ranges", "bytes"), ("ETag", etag), *self._cache_headers()]
        inm = headers.get("If-None-Match")
        if inm is not None and _etag_matches(inm, etag):
            return _Response(304, b"", None, extra)
        range_header = headers.get("Range")
        if range_header is not None:
            rng = _parse_range(range_header, len(data))
            if rng == "unsatisfiable":
                extra.append(("Content-Range", f"bytes */{len(data)}"))
                return _Response(416, b"", content_type, extra)
            if rng is not None:
                start, end = rng
                extra.append(("Content-Range", f"bytes {start}-{end}/{len(data)}"))
                return _Response(206, data[start : end + 1], content_type, extra)
        return _Response(200, data, content_type, extra)

    # -- project pages -----------------------------------------------------------

    def _project_page(self, path: str, headers: Message[str, str]) -> _Response:
        """``/project/<name>/`` (its versions) and ``/project/<name>/<version>/`` (files)."""
        m = re.fullmatch(r"/project/([^/]+)(?:/([^/]+))?(/?)", path)
        if m is None:
            return _Response(404, b"not found\n")
        requested, version, slash = m[1], m[2], m[3]
        key = canonicalize_name(requested)
        if requested != key or not slash:
            tail = f"{quote(version)}/" if version else ""
            return _Response(301, b"", headers=[("Location", f"/project/{quote(key)}/{tail}")])
        with self._lock:
            project = self._projects.get(key)
            if project is None:
                return _Response(404, f"no project named {key!r}\n".encode())
            releases = {v: (r.dist, list(r.files)) for v, r in project.releases.items()}
            latest = _latest(project)
        if version is None:
            return self._page(_versions_html(project.name, releases, latest), TEXT_HTML, headers)
        with contextlib.suppress(InvalidVersion):
            chosen = Version(version)
            if chosen in releases:
                files = releases[chosen][1]
                links = "\n".join(f"    {self._anchor(f, '/files/')}<br/>" for f in files)
                doc = _html_doc(f"{project.name} {chosen}", links)
                return self._page(doc, TEXT_HTML, headers)
        return _Response(404, f"no release {version!r} of {key!r}\n".encode())

    # -- the legacy JSON API -----------------------------------------------------

    def _json_api(self, path: str, headers: Message[str, str]) -> _Response:
        not_found = _Response(
            404, b'{"message": "Not Found"}', "application/json", [("Vary", "Accept")]
        )
        m = _JSON_API_RE.fullmatch(path)
        if m is None:
            return not_found
        requested, version = m["name"], m["version"]
        with self._lock:
            project = self._projects.get(canonicalize_name(requested))
            if project is None:
                return not_found
            if requested != project.name:  # the real index: 301 to the project's own spelling
                tail = f"/{quote(version)}/json" if version else "/json"
                location = f"/pypi/{quote(project.name)}{tail}"
                return _Response(301, b"", headers=[("Location", location)])
            if version is None:
                chosen = _latest(project)
            else:
                try:
                    chosen = Version(version)
                except InvalidVersion:
                    return not_found
                if chosen not in project.releases:
                    return not_found
            releases = dict(project.releases)
            null_requires = {
                v for n, v in self._null_requires if n == canonicalize_name(project.name)
            }
            serial = self._serial
        base = self.base_url
        doc: dict[str, Any] = {
            "info": _json_info(base, releases[chosen].dist, chosen in null_requires),
            "last_serial": serial,
            "urls": [_json_file(base, f) for f in releases[chosen].files],
            "vulnerabilities": [],
        }
        if version is None:
            doc["releases"] = {
                str(v): [_json_file(base, f) for f in releases[v].files] for v in sorted(releases)
            }
        resp = self._page(json.dumps(doc, indent=1).encode(), "application/json", headers)
        resp.headers.append(("X-PyPI-Last-Serial", str(serial)))
        return resp

    # -- page bodies -------------------------------------------------------------

    def _root_json(self) -> bytes:
        with self._lock:
            names = [p.name for _, p in sorted(self._projects.items())]
        doc = {"meta": {"api-version": _API_VERSION}, "projects": [{"name": n} for n in names]}
        return json.dumps(doc, indent=1).encode()

    def _root_html(self) -> bytes:
        with self._lock:
            items = sorted(self._projects.items())
        links = "\n".join(
            f'    <a href="{quote(key)}/">{html.escape(p.name)}</a><br/>' for key, p in items
        )
        return _html_doc("Simple index", links)

    def _project_json(self, key: str, versions: list[str], files: list[_File]) -> bytes:
        entries = []
        for f in files:
            entry: dict[str, Any] = {
                "filename": f.filename,
                "url": f"../../files/{quote(f.filename)}",
                "hashes": {"sha256": f.sha256},
            }
            if f.requires_python:
                entry["requires-python"] = f.requires_python
            entry["yanked"] = f.yanked
            if self.metadata and f.metadata_sha256:
                entry["core-metadata"] = {"sha256": f.metadata_sha256}
                entry["dist-info-metadata"] = {"sha256": f.metadata_sha256}
            entry["size"] = len(f.data)
            entry["upload-time"] = _UPLOAD_TIME
            entries.append(entry)
        doc = {
            "meta": {"api-version": _API_VERSION},
            "name": key,
            "versions": versions,
            "files": entries,
        }
        return json.dumps(doc, indent=1).encode()

    def _anchor(self, f: _File, href_prefix: str) -> str:
        attrs = [f'href="{href_prefix}{quote(f.filename)}#sha256={f.sha256}"']
        if f.requires_python:
            attrs.append(f'data-requires-python="{html.escape(f.requires_python)}"')
        if f.yanked is not False:
            reason = f.yanked if isinstance(f.yanked, str) else ""
            attrs.append(f'data-yanked="{html.escape(reason)}"')
        if self.metadata and f.metadata_sha256:
            attrs.append(f'data-core-metadata="sha256={f.metadata_sha256}"')
            attrs.append(f'data-dist-info-metadata="sha256={f.metadata_sha256}"')
        return f"<a {' '.join(attrs)}>{html.escape(f.filename)}</a>"

    def _project_html(self, key: str, files: list[_File]) -> bytes:
        links = "\n".join(f"    {self._anchor(f, '../../files/')}<br/>" for f in files)
        return _html_doc(f"Links for {key}", links)

    def _single_page(self) -> bytes:
        with self._lock:
            files = [f for _, p in sorted(self._projects.items()) for f in p.files()]
        links = "\n".join(f"    {self._anchor(f, '/files/')}<br/>" for f in files)
        return _html_doc(f"Links for {self.name}", links)


def _html_doc(title: str, body: str) -> bytes:
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{_API_VERSION}">\n'
        f"    <title>{html.escape(title)}</title>\n  </head>\n  <body>\n"
        f"    <h1>{html.escape(title)}</h1>\n{body}\n  </body>\n</html>\n"
    ).encode()


def _versions_html(
    name: str, releases: dict[Version, tuple[Dist, list[_File]]], latest: Version
) -> bytes:
    """A project page: its summary and every version (newest first), each linked."""
    summary = " ".join(releases[latest][0].summary.split())
    items = []
    for v in sorted(releases, reverse=True):
        yanked = " (yanked)" if releases[v][0].yanked is not False else ""
        items.append(f'    <li><a href="{quote(str(v))}/">{html.escape(str(v))}</a>{yanked}</li>')
    body = f"    <p>{html.escape(summary)}</p>\n" if summary else ""
    body += "    <h2>Release history</h2>\n    <ul>\n" + "\n".join(items) + "\n    </ul>"
    return _html_doc(name, body)


def _latest(project: _Project) -> Version:
    """The release ``/pypi/<name>/json`` describes: like the real index, the newest
    non-yanked final release, else the newest non-yanked pre-release, else the newest."""
    versions = sorted(project.releases, reverse=True)
    live = [v for v in versions if project.releases[v].dist.yanked is False]
    finals = [v for v in live if not v.is_prerelease]
    return (finals or live or versions)[0]


def _yanked(d: Dist) -> tuple[bool, str | None]:
    if d.yanked is False:
        return False, None
    return True, d.yanked if isinstance(d.yanked, str) and d.yanked else None


def _json_info(base: str, d: Dist, null_requires: bool) -> dict[str, Any]:
    yanked, reason = _yanked(d)
    version = d.normalized_version
    project_url = f"{base}/project/{quote(d.name)}/"
    return {
        "author": None,
        "author_email": None,
        "classifiers": [],
        "description": f"{d.name} {version}: a fictional package served by nbext.demo.\n",
        "description_content_type": "text/plain",
        "home_page": None,
        "license": None,
        "name": d.name,
        "package_url": project_url,
        "project_url": project_url,
        "project_urls": None,
        "release_url": f"{project_url}{version}/",
        # The real index gives null for "no Requires-Dist" as well as for "not known".
        "requires_dist": list(d.requires_dist) if d.requires_dist and not null_requires else None,
        "requires_python": d.requires_python,
        "summary": " ".join(d.summary.split()) or None,
        "version": version,
        "yanked": yanked,
        "yanked_reason": reason,
    }


def _json_file(base: str, f: _File) -> dict[str, Any]:
    is_wheel = f.filename.endswith(".whl")
    if is_wheel:
        tags = parse_wheel_filename(f.filename)[3]
        python_version = ".".join(sorted({t.interpreter for t in tags}))
    else:
        python_version = "source"
    yanked = f.yanked is not False
    md5 = hashlib.md5(f.data, usedforsecurity=False).hexdigest()
    return {
        "comment_text": "",
        "digests": {
            "blake2b_256": hashlib.blake2b(f.data, digest_size=32).hexdigest(),
            "md5": md5,
            "sha256": f.sha256,
        },
        "downloads": -1,
        "filename": f.filename,
        "has_sig": False,
        "md5_digest": md5,
        "packagetype": "bdist_wheel" if is_wheel else "sdist",
        "python_version": python_version,
        "requires_python": f.requires_python,
        "size": len(f.data),
        "upload_time": _UPLOAD_TIME[:19],
        "upload_time_iso_8601": _UPLOAD_TIME,
        "url": f"{base}/files/{quote(f.filename)}",
        "yanked": yanked,
        "yanked_reason": f.yanked if isinstance(f.yanked, str) and f.yanked else None,
    }
