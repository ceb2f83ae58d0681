"""An in-process package index speaking PEP 503, 691, 658, 700 and 714.

:class:`IndexServer` runs a :class:`http.server.ThreadingHTTPServer` in a daemon
thread, bound to 127.0.0.1 only.  It is meant for demos and tests: it records
every request, can be changed at runtime, and can be told to misbehave
(:meth:`IndexServer.set_fault`: wrong answers, connection resets, stalls and
truncated bodies).  With ``json_api=True`` it also serves the public index's
legacy JSON API (``/pypi/<name>/json`` and ``/pypi/<name>/<version>/json``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import html
import json
import re
import socket
import ssl
import struct
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, get_args
from urllib.parse import quote, unquote, urlsplit

from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import InvalidVersion, Version

from ._dists import Dist, build_wheel, core_metadata, dist_files

__all__ = ["FaultAction", "IndexServer", "RequestRecord"]

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
    dist: Dist
    files: list[_File]


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

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _unsupported

    def _dispatch(self, *, head: bool, allowed: bool = True) -> None:
        index = self.server.index
        if allowed:
            try:
                resp = index._respond(self.path, self.headers)
            except Exception as exc:  # pragma: no cover - a bug in the demo server
                resp = _Response(500, f"internal error: {exc!r}\n".encode())
        else:
            resp = _Response(405, b"method not allowed\n", headers=[("Allow", "GET, HEAD")])
        index._record(
            RequestRecord(
                method=self.command,
                path=self.path,
                accept=self.headers.get("Accept"),
                has_auth=self.headers.get("Authorization") is not None,
                status=resp.status,
                range=self.headers.get("Range"),
                fault=resp.fault,
            )
        )
        if resp.fault == "reset":
            self._reset()
            return
        if resp.fault == "stall":
            self._stall(resp.delay)
            return
        self.send_response(resp.status)
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
    ) -> None:
        if api not in ("json", "html"):
            raise ValueError(f"api must be 'json' or 'html', not {api!r}")
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
        self._lock = threading.Lock()
        self._null_requires: set[tuple[str, Version]] = {
            (canonicalize_name(n), Version(v)) for n, v in json_api_null_requires
        }
        self._serial = 0  # the JSON API's last_serial: bumped by every add/remove
        self._projects: dict[str, _Project] = {}
        self._faults: list[_Fault] = []
        self._log: list[RequestRecord] = []
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

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

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
        if not header or not header.lower().startswith("basic "):
            challenge = [("WWW-Authenticate", 'Basic realm="demo"')]
            return _Response(401, b"authentication required\n", headers=challenge)
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            decoded = ""
        user, _, password = decoded.partition(":")
        want_user, want_password = self.auth
        ok_user = hmac.compare_digest(user.encode(), want_user.encode())
        ok_password = hmac.compare_digest(password.encode(), want_password.encode())
        if ok_user and ok_password:
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
