"""The files of a project on an index page (pure; no I/O).

Page links come from :mod:`nbext.index.pages` (PEP 503 HTML with PEP 592/658/714 attributes, PEP
691 JSON); nbext then applies Poetry's own rules on top: which files count (wheels and sdists
only), how names and versions come from filenames (:mod:`nbext.index.filenames`), which files
have metadata Poetry reads. A page is parsed once and asked for one project at a time.
"""

from __future__ import annotations

import posixpath
import threading
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote, urlsplit

from packaging.utils import canonicalize_name
from poetry.core.constraints.version import Version
from poetry.core.version.exceptions import InvalidVersionError

from nbext.constants import JSON_MEDIA_TYPE
from nbext.errors import MarkupError, PageFormatError
from nbext.index.filenames import METADATA_FORMATS, parse_filename, splitext
from nbext.index.files import File, new_file
from nbext.index.pages import (
    Link,
    links_from_anchors,
    links_from_json,
    pep708_from_json,
    pep708_from_meta,
)
from nbext.index.tags import start_tags as _start_tags

__all__ = [
    "MAX_SKIPPED_NOTES",
    "PageFormatError",
    "PageReader",
    "ProjectPage",
    "parse_project_page",
    "read_project_page",
]


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _html_text(body: bytes, content_type: str | None) -> str:
    """The page as text: its charset (else UTF-8), with replacement characters where it does
    not decode, as Poetry gets it from requests."""
    import codecs

    charset = "utf-8"
    for param in (content_type or "").split(";")[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip("\"'")
    try:
        codecs.lookup(charset)
    except LookupError:
        charset = "utf-8"
    return body.decode(charset, errors="replace")


@dataclass(frozen=True)
class ProjectPage:
    """What a project page lists for one project, and what was left out and why."""

    files: list[File]
    #: Links left out that Poetry would have read or failed on (a URL that is no URL, a
    #: version Python cannot read), one line each; at most :data:`MAX_SKIPPED_NOTES`.
    skipped: list[str] = field(default_factory=list)
    skipped_count: int = 0
    #: PEP 708 "tracks": the project pages on other repositories this repository's operator
    #: says this project extends (JSON ``meta.tracks``, HTML ``<meta name="pypi:tracks">``).
    #: Absolute URLs without userinfo, each once, in page order. On a single-page index, the
    #: page's, for every project asked.
    tracks: tuple[str, ...] = ()
    #: PEP 708 "alternate locations": the same project on other repositories, as its owner
    #: declares them (JSON ``alternate-locations``, HTML ``pypi:alternate-locations``), as
    #: :attr:`tracks`. As declared: PEP 708 has clients count the URL the page was fetched
    #: from as listed too, which a client comparing sources adds itself.
    alternate_locations: tuple[str, ...] = ()


MAX_SKIPPED_NOTES = 3


def parse_project_page(
    project: str,
    body: bytes,
    *,
    content_type: str | None,
    url: str,
) -> list[File]:
    """The files of :func:`read_project_page`."""
    return read_project_page(project, body, content_type=content_type, url=url).files


def read_project_page(
    project: str,
    body: bytes,
    *,
    content_type: str | None,
    url: str,
) -> ProjectPage:
    """Files of ``project`` on a page fetched from ``url`` (the final URL, after redirects).

    JSON is used iff the media type is exactly the PEP 691 one (Poetry's rule). HTML and
    ``*/*``-ish text types are parsed as PEP 503. Anything else, and a page that cannot be
    read at all (malformed or too deeply nested JSON, markup html.parser refuses), is a
    :class:`PageFormatError`; nothing else escapes. A single link that cannot be read is
    left out and noted in :attr:`ProjectPage.skipped`.
    """
    return PageReader(body, content_type=content_type, url=url).project(project)


#: What reading a page can raise that is a defect in the page, not in nbext (a page too deep
#: or too large to read, a value of the wrong type or encoding).
_PAGE_DEFECTS = (PageFormatError, RecursionError, MemoryError, ValueError, TypeError, LookupError)


def _page_format_error(exc: BaseException, body: bytes) -> PageFormatError:
    """What reading a page raised, as the :class:`PageFormatError` that says so."""
    if isinstance(exc, PageFormatError):
        return exc
    if isinstance(exc, RecursionError):
        return PageFormatError(f"the page is nested too deeply to read ({exc})")
    if isinstance(exc, MemoryError):
        return PageFormatError(f"the page is too large to read in memory ({len(body):,} bytes)")
    return PageFormatError(f"unreadable page ({type(exc).__name__}: {exc})")


class PageReader:
    """One fetched page: parsed once (its JSON, or its HTML start tags), then asked for the
    files of one project at a time. A single-page index serves every project from one page,
    and a lookup of many packages reads it once (thread-safe)."""

    def __init__(self, body: bytes, *, content_type: str | None, url: str) -> None:
        self.body = body
        self.content_type = content_type
        self.url = url
        self._lock = threading.Lock()
        self._parsed: tuple[str, Any] | None = None
        self._error: str | None = None

    def _parse(self) -> tuple[str, Any]:
        with self._lock:
            if self._parsed is None and self._error is None:
                try:
                    self._parsed = self._parse_once()
                except _PAGE_DEFECTS as exc:
                    self._error = str(_page_format_error(exc, self.body))
            if self._error is not None:
                raise PageFormatError(self._error)
            assert self._parsed is not None
            return self._parsed

    def _parse_once(self) -> tuple[str, Any]:
        media = _media_type(self.content_type)
        body = self.body
        if media == JSON_MEDIA_TYPE:
            import json

            try:
                return "json", json.loads(body)
            except RecursionError:
                raise PageFormatError("malformed PEP 691 JSON page (nested too deeply)") from None
            except ValueError as exc:  # json.JSONDecodeError, UnicodeDecodeError
                raise PageFormatError(f"malformed PEP 691 JSON page ({exc})") from exc
        if media and not (
            media.startswith("text/") or media in ("application/xhtml+xml",) or "html" in media
        ):
            raise PageFormatError(
                f"expected an HTML or PEP 691 JSON index page, got Content-Type {media!r}"
            )
        if b"\x00" in body[:4096]:
            raise PageFormatError("expected an HTML index page, got binary data")
        try:
            return "html", _start_tags(_html_text(body, self.content_type))
        except MarkupError as exc:
            raise PageFormatError(f"malformed HTML page ({exc}; html.parser refuses it)") from exc

    def project(self, project: str) -> ProjectPage:
        """The files of ``project`` (any spelling) on this page; see :func:`read_project_page`."""
        try:
            return self._project(project)
        except _PAGE_DEFECTS as exc:
            raise _page_format_error(exc, self.body) from None

    def _project(self, project: str) -> ProjectPage:
        kind, parsed = self._parse()
        wanted = canonicalize_name(project)
        skipped: list[str] = []
        if kind == "json":
            try:
                links = links_from_json(parsed, self.url, skipped, wanted)
            except ValueError as exc:
                raise PageFormatError(f"malformed PEP 691 JSON page ({exc})") from exc
            pep708 = pep708_from_json(parsed, self.url)
        else:
            links = links_from_anchors(parsed.base, parsed.anchors, self.url, skipped, wanted)
            pep708 = pep708_from_meta(parsed.base, parsed.meta, self.url)
        page = _files_of(links, wanted, skipped)
        if pep708 == ((), ()):
            return page
        return replace(page, tracks=pep708[0], alternate_locations=pep708[1])


def _files_of(links: list[Link], wanted: str, skipped: list[str]) -> ProjectPage:
    files: list[File] = []
    versions: dict[str, Version] = {}  # a release's wheels share its version: parsed once
    for pkg in links:
        # Poetry takes an HTML link's filename from its URL (the last path segment, trailing
        # slashes dropped), ignoring the anchor text; PEP 691 JSON names the file itself.
        filename = pkg.filename or unquote(posixpath.basename(urlsplit(pkg.url).path.rstrip("/")))
        parsed = parse_filename(filename)
        if parsed is None:
            continue
        name, ver, kind = parsed
        if name != wanted:
            continue
        version = versions.get(ver)
        if version is None:
            try:
                version = versions[ver] = Version.parse(ver)
            except InvalidVersionError:
                continue  # not PEP 440: Poetry skips the file (with a debug log)
            except ValueError as exc:  # PEP 440, but Python refuses it (Poetry fails the page)
                skipped.append(f"{filename[:60]}...: its version cannot be read ({str(exc)[:60]})")
                continue
        files.append(
            new_file(
                {
                    "filename": filename,
                    "url": pkg.url,
                    "name": name,
                    "version": version,
                    "kind": kind,
                    "hashes": pkg.hashes,
                    "requires_python": pkg.requires_python,
                    "yanked": pkg.yanked,
                    "yanked_reason": pkg.yanked_reason or None,
                    "has_metadata": pkg.has_metadata and splitext(filename)[1] in METADATA_FORMATS,
                    "metadata_hashes": pkg.metadata_hashes,
                    "size": pkg.size,
                }
            )
        )
    return ProjectPage(files, skipped[:MAX_SKIPPED_NOTES], len(skipped))
