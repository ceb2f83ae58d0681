"""Which answer a ``GET``/``HEAD`` gets: the Simple API (or the single page of links),
files and PEP 658 metadata files, project pages and the legacy JSON API.

:class:`Router` maps a path and the request's headers to a :class:`Response`; it reads
the index's settings live (tests change ``max_age`` while serving), and its content
from the :class:`Store`.  Faults are applied before routing (:meth:`IndexServer._respond`).
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import re
from collections.abc import Callable
from email.message import Message
from typing import Literal, Protocol
from urllib.parse import quote

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from . import pages
from .negotiation import JSON_V1, OFFERED, TEXT_HTML, etag_matches, negotiate, parse_range
from .response import Response, basic_credentials, not_found, redirect, unauthorized
from .store import Store

__all__ = ["Router", "Settings"]

_JSON_API_RE = re.compile(r"/pypi/(?P<name>[^/]+)(?:/(?P<version>[^/]+))?/json/?")


def _not_modified(
    headers: Message[str, str], etag: str, extra: list[tuple[str, str]]
) -> Response | None:
    """304 (with ``extra`` headers) when If-None-Match names ``etag`` or ``*``."""
    inm = headers.get("If-None-Match")
    if inm is not None and etag_matches(inm, etag):
        return Response(304, b"", None, extra)
    return None


class Settings(Protocol):
    """What routing reads from the index (:class:`IndexServer` has it all)."""

    name: str
    api: Literal["json", "html"]
    metadata: bool
    auth: tuple[str, str] | None
    layout: Literal["simple", "single-page"]
    max_age: int | None
    json_api: bool

    @property
    def url(self) -> str: ...

    @property
    def base_url(self) -> str: ...


class Router:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store

    def route(self, path: str, headers: Message[str, str]) -> Response:
        """The answer for ``path`` (already unquoted, without its query)."""
        s = self.settings
        if s.auth is not None:
            denied = self._check_auth(s.auth, headers.get("Authorization"))
            if denied is not None:
                return denied

        if path.startswith("/files/"):
            return self._file(path[len("/files/") :], headers)
        if path.startswith("/project/"):
            return self._project_page(path, headers)
        if path == "/":
            link = html.escape(s.url)
            body = f'<!DOCTYPE html><html><body><a href="{link}">{link}</a></body></html>\n'
            return Response(200, body.encode(), "text/html; charset=utf-8")
        if s.json_api and path.startswith("/pypi/"):
            return self._json_api(path, headers)
        if s.layout == "single-page":
            if path == "/links.html":
                files = self.store.all_files()
                page = pages.links_html(f"Links for {s.name}", files, "/files/", s.metadata)
                return self._page(page, TEXT_HTML, headers)
            return not_found()

        if path == "/simple":
            return redirect("/simple/")
        if path == "/simple/":
            return self._negotiated(
                headers,
                lambda: pages.root_json([name for _, name in self.store.names()]),
                lambda: pages.root_html(self.store.names()),
            )
        m = re.fullmatch(r"/simple/([^/]+)(/?)", path)
        if m is None:
            return not_found()
        requested, slash = m[1], m[2]
        key = canonicalize_name(requested)
        if requested != key or not slash:
            return redirect(f"/simple/{quote(key)}/", ("Vary", "Accept"))
        listing = self.store.listing(key)
        if listing is None:
            return not_found(f"no project named {key!r}")
        versions, files = listing
        pep708 = self.store.pep708(key)
        return self._negotiated(
            headers,
            lambda: pages.project_json(key, versions, files, s.metadata, pep708),
            lambda: pages.links_html(f"Links for {key}", files, "../../files/", s.metadata, pep708),
        )

    @staticmethod
    def _check_auth(want: tuple[str, str], header: str | None) -> Response | None:
        ok = basic_credentials(header, want)
        if ok is None:
            return unauthorized()
        if ok:
            return None
        return Response(403, b"forbidden\n")

    def _cache_headers(self) -> list[tuple[str, str]]:
        max_age = self.settings.max_age
        if max_age is None:
            return [("Cache-Control", "max-age=0, must-revalidate")]
        return [("Cache-Control", f"max-age={max_age}")]

    def _negotiated(
        self,
        headers: Message[str, str],
        make_json: Callable[[], bytes],
        make_html: Callable[[], bytes],
    ) -> Response:
        if self.settings.api == "html":
            chosen: str | None = TEXT_HTML
        else:
            chosen = negotiate(headers.get("Accept"))
        if chosen is None:
            body = ("not acceptable; offered: " + ", ".join(OFFERED) + "\n").encode()
            return Response(406, body, headers=[("Vary", "Accept")])
        body = make_json() if chosen == JSON_V1 else make_html()
        return self._page(body, chosen, headers)

    def _page(self, body: bytes, chosen: str, headers: Message[str, str]) -> Response:
        content_type = chosen if chosen != TEXT_HTML else "text/html; charset=utf-8"
        etag = '"' + hashlib.sha256(content_type.encode() + b"\0" + body).hexdigest()[:32] + '"'
        extra = [("Vary", "Accept"), ("ETag", etag), *self._cache_headers()]
        unchanged = _not_modified(headers, etag, extra)
        if unchanged is not None:
            return unchanged
        return Response(200, body, content_type, extra)

    def _file(self, name: str, headers: Message[str, str]) -> Response:
        want_metadata = name.endswith(".metadata")
        filename = name[: -len(".metadata")] if want_metadata else name
        found = self.store.find_file(filename)
        if found is None:
            return not_found("no such file")
        if want_metadata:
            if not self.settings.metadata or found.metadata is None:
                return not_found("no metadata file")
            data, digest = found.metadata, found.metadata_sha256
            content_type = "text/plain; charset=utf-8"
        else:
            data, digest = found.data, found.sha256
            content_type = "application/octet-stream"
        etag = f'"{digest}"'
        extra = [("Accept-Ranges", "bytes"), ("ETag", etag), *self._cache_headers()]
        unchanged = _not_modified(headers, etag, extra)
        if unchanged is not None:
            return unchanged
        range_header = headers.get("Range")
        if range_header is not None:
            rng = parse_range(range_header, len(data))
            if rng == "unsatisfiable":
                extra.append(("Content-Range", f"bytes */{len(data)}"))
                return Response(416, b"", content_type, extra)
            if rng is not None:
                start, end = rng
                extra.append(("Content-Range", f"bytes {start}-{end}/{len(data)}"))
                return Response(206, data[start : end + 1], content_type, extra)
        return Response(200, data, content_type, extra)

    def _project_page(self, path: str, headers: Message[str, str]) -> Response:
        """``/project/<name>/`` (its versions) and ``/project/<name>/<version>/`` (files)."""
        m = re.fullmatch(r"/project/([^/]+)(?:/([^/]+))?(/?)", path)
        if m is None:
            return not_found()
        requested, version, slash = m[1], m[2], m[3]
        key = canonicalize_name(requested)
        if requested != key or not slash:
            tail = f"{quote(version)}/" if version else ""
            return redirect(f"/project/{quote(key)}/{tail}")
        view = self.store.project(key)
        if view is None:
            return not_found(f"no project named {key!r}")
        if version is None:
            body = pages.versions_html(view.name, view.releases, view.latest)
            return self._page(body, TEXT_HTML, headers)
        with contextlib.suppress(InvalidVersion):
            chosen = Version(version)
            if chosen in view.releases:
                files = view.releases[chosen].files
                body = pages.release_html(view.name, chosen, files, self.settings.metadata)
                return self._page(body, TEXT_HTML, headers)
        return not_found(f"no release {version!r} of {key!r}")

    def _json_api(self, path: str, headers: Message[str, str]) -> Response:
        missing = Response(
            404, b'{"message": "Not Found"}', "application/json", [("Vary", "Accept")]
        )
        m = _JSON_API_RE.fullmatch(path)
        if m is None:
            return missing
        requested, version = m["name"], m["version"]
        view = self.store.project(canonicalize_name(requested))
        if view is None:
            return missing
        if requested != view.name:  # the real index: 301 to the project's own spelling
            tail = f"/{quote(version)}/json" if version else "/json"
            return redirect(f"/pypi/{quote(view.name)}{tail}")
        if version is None:
            chosen = view.latest
        else:
            try:
                chosen = Version(version)
            except InvalidVersion:
                return missing
            if chosen not in view.releases:
                return missing
        body = pages.json_api_doc(self.settings.base_url, view, chosen, version is None)
        resp = self._page(body, "application/json", headers)
        resp.headers.append(("X-PyPI-Last-Serial", str(view.serial)))
        return resp
