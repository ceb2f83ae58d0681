"""An in-process package index speaking PEP 503, 691, 658, 700, 708 and 714.

:class:`IndexServer` runs a :class:`http.server.ThreadingHTTPServer` in a daemon
thread, bound to 127.0.0.1 only.  It is meant for demos and tests: it records
every request, can be changed at runtime, and can be told to misbehave
(:meth:`IndexServer.set_fault`: wrong answers, connection resets, stalls and
truncated bodies).  With ``json_api=True`` it also serves the public index's
legacy JSON API (``/pypi/<name>/json`` and ``/pypi/<name>/<version>/json``).
With ``upload=True`` it accepts uploads like the public index's legacy upload API
(``POST /legacy/``, what ``twine upload`` and ``poetry publish`` speak).

This module holds the index's settings, lifecycle and content calls, and dispatches
each request: faults first (:mod:`.faults`), then the routes (:mod:`.routes`) or the
upload API (:mod:`.upload`).  :mod:`.handler` is the wire side.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterable
from email.message import Message
from typing import Literal
from urllib.parse import quote, unquote, urlsplit

from packaging.utils import canonicalize_name

from .dists import Dist
from .faults import Fault, FaultAction, FaultTable, new_fault
from .handler import LEGACY, HTTPServer
from .records import RequestLog, RequestRecord, UploadRecord
from .response import Response, fault_response
from .routes import Router
from .store import Project, Store
from .upload import accept_upload

__all__ = ["IndexServer"]


class IndexServer:
    """A PEP 503/691 package index serving :class:`Dist` objects from memory.

    ``api="json"`` negotiates between the PEP 691 JSON and HTML forms using the
    ``Accept`` header; ``api="html"`` always answers ``text/html`` (like a plain
    mirror).  ``metadata`` toggles PEP 658/714 metadata files for wheels.
    ``layout="single-page"`` serves one flat page of links at ``/links.html``
    (what Poetry calls a single-page link source) instead of ``/simple/``.

    :meth:`set_pep708` makes a project's Simple API page carry PEP 708's "tracks" and
    "alternate locations" (the dependency-confusion mitigation's metadata).

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
        self._store = Store()
        for n, v in json_api_null_requires:
            self._store.set_null_requires(n, v, True)
        self._router = Router(self, self._store)
        self._faults = FaultTable()
        self._log = RequestLog()
        self._httpd: HTTPServer | None = None
        self._thread: threading.Thread | None = None
        for d in dists:
            self.add(d)

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> IndexServer:
        """Bind 127.0.0.1:``port`` and serve in a daemon thread; returns ``self``."""
        if self._httpd is not None:
            raise RuntimeError(f"IndexServer {self.name!r} is already running")
        httpd = HTTPServer(("127.0.0.1", self.port), self)
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

    def __exit__(self, *exc: object) -> None:
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
        return f"{self.base_url}{LEGACY}"

    def project_url(self, name: str) -> str:
        """The project page of ``name`` (any spelling): ``.../project/<name>/``."""
        return f"{self.base_url}/project/{quote(canonicalize_name(name))}/"

    def __repr__(self) -> str:
        where = self.url if self.running else "stopped"
        return f"<IndexServer {self.name!r} api={self.api} {where}>"

    # -- content ---------------------------------------------------------------

    def add(self, dist: Dist) -> None:
        """Add (or replace) a release; safe while serving."""
        self._store.add(dist)

    def remove(self, name: str, version: str) -> None:
        """Remove one release (``KeyError`` if absent); an empty project disappears."""
        if not self._store.remove(name, version):
            raise KeyError(f"{name} {version} is not on index {self.name!r}")

    def set_json_api_null_requires(self, name: str, version: str, null: bool = True) -> None:
        """Make the JSON API answer ``"requires_dist": null`` for one release (or stop)."""
        self._store.set_null_requires(name, version, null)

    def set_pep708(
        self,
        name: str,
        *,
        tracks: Iterable[str] = (),
        alternate_locations: Iterable[str] = (),
    ) -> None:
        """Serve PEP 708's lists on project ``name``'s page (any spelling; safe while serving,
        and before the project has releases). ``tracks``: URLs of the project pages on other
        repositories this index says the project tracks; ``alternate_locations``: URLs of the
        same project on other repositories, as its owner would declare them. Served as given
        (relative URLs too, for clients to resolve against the page's URL), in order.

        The PEP 691 JSON page gets ``meta.tracks`` and a top-level ``alternate-locations``
        (where PEP 708 puts them; a list only when non-empty), the HTML page one
        ``<meta name="pypi:tracks" content="URL">`` or ``<meta
        name="pypi:alternate-locations" content="URL">`` per URL; either then says API
        version 1.2 (``meta.api-version``, ``pypi:repository-version``), which PEP 708
        defines. Both empty: the page is as before (version 1.1). Only ``/simple/<name>/``
        pages carry them; the single-page layout's one page does not.
        """
        lists = []
        for what, urls in (("tracks", tracks), ("alternate_locations", alternate_locations)):
            if isinstance(urls, str):
                raise TypeError(f"{what} must be an iterable of URLs, not one string")
            values = tuple(urls)
            for url in values:
                if not isinstance(url, str):
                    raise TypeError(f"{what} must hold strings, not {type(url).__name__}")
            lists.append(values)
        self._store.set_pep708(name, lists[0], lists[1])

    @property
    def dists(self) -> list[Dist]:
        """Every release currently served."""
        return self._store.dists()

    @property
    def _projects(self) -> dict[str, Project]:
        """The projects served, by canonical name (tests read files from here)."""
        return self._store.projects

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
        self._faults.set(
            new_fault(
                path_prefix,
                status=status,
                body=body,
                content_type=content_type,
                headers=headers,
                times=times,
                action=action,
                delay=delay,
            )
        )

    def clear_faults(self) -> None:
        self._faults.clear()

    def _take_fault(self, path: str) -> Fault | None:
        return self._faults.take(path)

    # -- request log -----------------------------------------------------------

    def _record(self, request: RequestRecord, upload: UploadRecord | None = None) -> None:
        self._log.record(request, upload)

    @property
    def requests(self) -> list[RequestRecord]:
        """A snapshot of every request served so far (oldest first)."""
        return self._log.requests

    @property
    def uploads(self) -> list[UploadRecord]:
        """A snapshot of every upload attempt so far (oldest first); also in :attr:`requests`."""
        return self._log.uploads

    def clear_log(self) -> None:
        """Forget :attr:`requests` and :attr:`uploads`."""
        self._log.clear()

    def project_requests(self, project: str) -> list[RequestRecord]:
        """Requests for the project page of ``project`` (any spelling of its name)."""
        return self._log.project_requests(project)

    # -- dispatch --------------------------------------------------------------

    def _respond(self, raw_path: str, headers: Message[str, str]) -> Response:
        """The answer to a ``GET``/``HEAD``: a fault's if one matches, else the route's."""
        path = unquote(urlsplit(raw_path).path)
        fault = self._take_fault(path)
        if fault is None:
            return self._router.route(path, headers)
        if fault.action in ("reset", "stall"):
            return Response(0, fault=fault.action, delay=fault.delay)
        if fault.action == "truncate" and not fault.body:
            resp = self._router.route(path, headers)
        else:
            resp = fault_response(fault)
        resp.fault = fault.action
        return resp

    def _accept_upload(
        self, path: str, headers: Message[str, str], body: bytes
    ) -> tuple[Response, UploadRecord]:
        """Check the credentials, parse and validate the form, store the file."""
        want = self.upload_auth if self.upload_auth is not None else self.auth
        return accept_upload(self._store, want, path, headers, body)
