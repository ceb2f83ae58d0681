"""Pure parsers for index pages, filenames and core metadata (no I/O).

Page links come from :mod:`nbext.index.pages` (PEP 503 HTML with PEP 592/658/714 attributes, PEP
691 JSON); nbext then applies Poetry's own rules on top: which files count (wheels and sdists
only), how names and versions come from filenames, when a release is yanked, which file's
metadata is read.
"""

from __future__ import annotations

import email.parser
import io
import posixpath
import re
import tarfile
import threading
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote, urlsplit

from packaging.metadata import parse_email
from packaging.utils import canonicalize_name
from poetry.core.constraints.version import Version
from poetry.core.version.exceptions import InvalidVersionError

from nbext.constants import JSON_MEDIA_TYPE
from nbext.errors import MarkupError, PageFormatError
from nbext.index.pages import (
    Link,
    _start_tags,
    links_from_anchors,
    links_from_json,
)

__all__ = [
    "File",
    "PageReader",
    "ProjectPage",
    "Release",
    "ReleaseMetadata",
    "choose_metadata_file",
    "choose_metadata_files",
    "group_releases",
    "merge_py2_py3",
    "metadata_from_archive",
    "parse_filename",
    "parse_metadata",
    "parse_project_page",
    "read_project_page",
]

# Which files count and how a file name gives a project and a version: Poetry 2.5.1's own rules,
# copied (poetry.utils.patterns, LinkSource.SUPPORTED_FORMATS, VERSION_REGEX and
# _link_package_name_and_version; poetry.core's splitext). packaging's parse_wheel_filename and
# parse_sdist_filename are not used: they refuse names Poetry lists (robpkg-9.0.whl,
# robpkg-1.0.tar.bz2, a name with a dot) and would make a lookup disagree with `poetry lock`.
# tests/test_filenames.py runs Poetry's own code over a table of odd names and compares.
_SUPPORTED_FORMATS = (".tar.gz", ".whl", ".zip", ".tar.bz2", ".tar.xz", ".tar.Z", ".tar")
_WHEEL_RE = re.compile(
    r"^(?P<namever>(?P<name>.+?)-(?P<ver>\d[^-]*))"
    r"(-(?P<build>\d[^-]*))?"
    r"-(?P<pyver>[^-]+)"
    r"-(?P<abi>[^-]+)"
    r"-(?P<plat>[^-]+)"
    r"\.whl$"
)
_SDIST_RE = re.compile(
    r"^(?P<namever>(?P<name>.+?)-(?P<ver>\d[^-]*?))"
    r"(\.sdist)?\.(?P<format>(zip|tar(\.(gz|bz2|xz|Z))?))$"
)
_VERSION_RE = re.compile(r"(?i)([a-z0-9_\-.]+?)-(?=\d)([a-z0-9_.!+-]+)")
#: Files whose PEP 658 metadata Poetry asks for (Link.is_wheel or Link.is_sdist).
_METADATA_FORMATS = frozenset({".whl", ".tar.gz", ".zip", ".tar.bz2"})
# Hash algorithms by preference for verifying a file or metadata (strongest first).
HASH_PREFERENCE = ("sha512", "sha384", "sha256", "sha224", "sha1", "md5")


@dataclass(frozen=True)
class File:
    """One distribution file listed on a project page."""

    filename: str
    url: str
    name: str  # canonical project name parsed from the filename
    version: Version
    kind: str  # "wheel" | "sdist"
    hashes: dict[str, str] = field(default_factory=dict)
    requires_python: str | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    has_metadata: bool = False
    metadata_hashes: dict[str, str] = field(default_factory=dict)
    size: int | None = None

    @property
    def wheel_tags(self) -> tuple[str, str, str]:
        m = _WHEEL_RE.match(self.filename)
        return (m["pyver"], m["abi"], m["plat"]) if m else ("", "", "")


@dataclass(frozen=True)
class Release:
    """All files of one version on one source."""

    version: Version
    files: tuple[File, ...]

    @property
    def yanked(self) -> bool:
        """Yanked only if every file is yanked (Poetry's rule)."""
        return bool(self.files) and all(f.yanked for f in self.files)

    @property
    def yanked_reason(self) -> str:
        reasons = sorted({f.yanked_reason for f in self.files if f.yanked_reason})
        return "\n".join(reasons)

    @property
    def requires_python(self) -> str | None:
        for f in self.files:
            if f.requires_python:
                return f.requires_python
        return None


@dataclass(frozen=True)
class ReleaseMetadata:
    """The parts of core metadata a lookup shows."""

    name: str
    version: str
    summary: str = ""
    requires_python: str | None = None
    requires_dist: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (
            f"ReleaseMetadata(name={self.name!r}, version={self.version!r}, "
            f"requires_python={self.requires_python!r}, requires_dist={list(self.requires_dist)!r})"
        )


def _splitext(filename: str) -> tuple[str, str]:
    """poetry.core's ``splitext(filename, is_filename=True)``: ``.tar`` stays with the
    extension (``.tar.gz``, ``.tar.Z``)."""
    base, sep, ext = filename.rpartition(".")
    ext = sep + ext
    if not base:
        return ext, ""
    if base.lower().endswith(".tar"):
        ext = base[-4:] + ext
        base = base[:-4]
    return base, ext


def parse_filename(filename: str) -> tuple[str, str, str] | None:
    """``(canonical name, version string, kind)`` of a distribution file name as Poetry 2.5.1
    reads it (kind ``"wheel"`` or ``"sdist"``), else None: not a format Poetry keeps, or no
    name and version in it. The version string is not checked here (Poetry then parses it and
    skips the file when it is not PEP 440)."""
    stem, ext = _splitext(filename)
    if ext not in _SUPPORTED_FORMATS or "/" in filename or "\\" in filename:
        return None
    m = _WHEEL_RE.match(filename) or _SDIST_RE.match(filename)
    if m:
        name, version = m["name"], m["ver"]
    else:
        generic = _VERSION_RE.match(stem)
        if generic is None:
            return None
        name, version = generic.group(1), generic.group(2)
    if not (name and version):
        return None
    return canonicalize_name(name), version, "wheel" if ext == ".whl" else "sdist"


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
                except (
                    PageFormatError,
                    RecursionError,
                    MemoryError,
                    ValueError,
                    TypeError,
                    LookupError,
                ) as exc:
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
        except (
            PageFormatError,
            RecursionError,
            MemoryError,
            ValueError,
            TypeError,
            LookupError,
        ) as exc:  # a defect in the page, not in nbext
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
        else:
            base, anchors = parsed
            links = links_from_anchors(base, anchors, self.url, skipped, wanted)
        return _files_of(links, wanted, skipped)


def _files_of(links: list[Link], wanted: str, skipped: list[str]) -> ProjectPage:
    files: list[File] = []
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
        try:
            version = Version.parse(ver)
        except InvalidVersionError:
            continue  # not PEP 440: Poetry skips the file (with a debug log)
        except ValueError as exc:  # PEP 440, but Python refuses it (Poetry fails the page)
            skipped.append(f"{filename[:60]}...: its version cannot be read ({str(exc)[:60]})")
            continue
        files.append(
            File(
                filename=filename,
                url=pkg.url,
                name=name,
                version=version,
                kind=kind,
                hashes=dict(pkg.hashes),
                requires_python=pkg.requires_python,
                yanked=pkg.yanked,
                yanked_reason=pkg.yanked_reason or None,
                has_metadata=pkg.has_metadata and _splitext(filename)[1] in _METADATA_FORMATS,
                metadata_hashes=dict(pkg.metadata_hashes),
                size=pkg.size,
            )
        )
    return ProjectPage(files, skipped[:MAX_SKIPPED_NOTES], len(skipped))


def group_releases(files: Iterable[File]) -> list[Release]:
    """Files grouped by version, in ascending version order."""
    by_version: dict[Version, list[File]] = {}
    for f in files:
        by_version.setdefault(f.version, []).append(f)
    return [Release(v, tuple(fs)) for v, fs in sorted(by_version.items(), key=lambda kv: kv[0])]


def choose_metadata_files(release: Release) -> tuple[File, ...]:
    """The file(s) whose metadata describes a release, as Poetry 2.5.1 chooses them
    (``HTTPRepository._get_info_from_links``, spec 8.3): yanked files are left out unless the
    whole release is yanked; then a ``py2.py3-none-any`` wheel; else a ``py2-none-any`` and
    a ``py3``-ish ``none-any`` wheel together, ``(py2, py3)``, whose metadata are merged
    (:func:`merge_py2_py3`); else the ``none-any`` wheel for Python 3, else the one for
    Python 2; else the first platform wheel; else the first sdist. Among universal wheels of
    one kind the last listed counts, as in Poetry; wheels whose name is not a full wheel name
    (``robpkg-9.0.whl``) are not read. Empty when there is nothing to read (Poetry fails).
    """
    files = [f for f in release.files if not f.yanked] or list(release.files)
    universal: File | None = None
    py2: File | None = None
    py3: File | None = None
    platform: list[File] = []
    for f in files:
        if f.kind != "wheel":
            continue
        m = _WHEEL_RE.match(f.filename)
        if m is None:
            continue
        if (m["abi"], m["plat"]) == ("none", "any"):
            if m["pyver"] == "py2.py3":
                universal = f
            elif m["pyver"] == "py2":
                py2 = f
            else:
                py3 = f
        else:
            platform.append(f)
    if universal is not None:
        return (universal,)
    if py2 is not None and py3 is not None:
        return (py2, py3)
    for chosen in (py3, py2, platform[0] if platform else None):
        if chosen is not None:
            return (chosen,)
    sdists = [f for f in files if f.kind == "sdist"]
    return (sdists[0],) if sdists else ()


def choose_metadata_file(release: Release) -> File | None:
    """The first of :func:`choose_metadata_files` (the ``py2`` wheel of a pair)."""
    chosen = choose_metadata_files(release)
    return chosen[0] if chosen else None


def merge_py2_py3(py2: ReleaseMetadata, py3: ReleaseMetadata) -> ReleaseMetadata:
    """Poetry's merge of separate ``py2`` and ``py3`` wheels' metadata (spec 8.3 step 2.2,
    ``HTTPRepository._get_info_from_links``, with poetry-core's own constraint and marker
    code): Requires-Python becomes the union of both (``^2.7`` and ``^3`` where a wheel
    gives none) when either gives one; requirements found in only one wheel get the marker
    ``python_version == "2.7"`` or ``python_version >= "3"``. The summary is the py2 wheel's.
    """
    from poetry.core.constraints.version import parse_marker_version_constraint
    from poetry.core.packages.dependency import Dependency
    from poetry.core.version.markers import parse_marker

    requires_python = py2.requires_python
    if py2.requires_python or py3.requires_python:
        requires_python = str(
            parse_marker_version_constraint(py2.requires_python or "^2.7").union(
                parse_marker_version_constraint(py3.requires_python or "^3")
            )
        )
    requires_dist = py2.requires_dist
    if py3.requires_dist:
        if not py2.requires_dist:
            requires_dist = py3.requires_dist
        else:
            two = {Dependency.create_from_pep_508(r).to_pep_508() for r in py2.requires_dist}
            three = {Dependency.create_from_pep_508(r).to_pep_508() for r in py3.requires_dist}
            merged = list(two & three)
            for only, marker in (
                (two - three, "python_version == '2.7'"),
                (three - two, "python_version >= '3'"),
            ):
                for requirement in only:
                    dep = Dependency.create_from_pep_508(requirement)
                    dep.marker = dep.marker.intersect(parse_marker(marker))
                    merged.append(dep.to_pep_508())
            requires_dist = tuple(sorted(set(merged)))
    return replace(py2, requires_python=requires_python, requires_dist=tuple(requires_dist))


def parse_metadata(data: bytes) -> ReleaseMetadata:
    """Core metadata (METADATA / PKG-INFO / PEP 658 file) to :class:`ReleaseMetadata`."""
    raw, _unparsed = parse_email(data)
    if "name" not in raw or "version" not in raw:
        # Fall back to the plain email parser for very old or odd files.
        msg = email.parser.BytesParser().parsebytes(data)
        raw_any: dict[str, Any] = {
            "name": msg.get("Name", ""),
            "version": msg.get("Version", ""),
            "summary": msg.get("Summary", ""),
            "requires_python": msg.get("Requires-Python"),
            "requires_dist": msg.get_all("Requires-Dist") or [],
        }
    else:
        raw_any = dict(raw)
    return ReleaseMetadata(
        name=str(raw_any.get("name", "")),
        version=str(raw_any.get("version", "")),
        summary=str(raw_any.get("summary") or ""),
        requires_python=raw_any.get("requires_python") or None,
        requires_dist=tuple(raw_any.get("requires_dist") or ()),
    )


def parse_json_api_release(body: bytes) -> tuple[ReleaseMetadata, bool]:
    """The public index's legacy JSON API, ``/pypi/<name>/<version>/json``.

    Returns the metadata and whether ``info.requires_dist`` was given: ``null`` means the
    uploader sent none, and Poetry then reads the release's files instead (spec 8.3 step 5).
    """
    import json

    try:
        info = json.loads(body)["info"]
        requires = info.get("requires_dist")
        meta = ReleaseMetadata(
            name=str(info.get("name") or ""),
            version=str(info.get("version") or ""),
            summary=str(info.get("summary") or ""),
            requires_python=info.get("requires_python") or None,
            requires_dist=tuple(str(r) for r in requires or ()),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PageFormatError(f"malformed JSON API answer ({exc})") from exc
    return meta, requires is not None


def metadata_from_archive(filename: str, data: bytes) -> bytes:
    """The METADATA (wheel) or PKG-INFO (sdist) bytes inside a downloaded archive."""
    if filename.endswith(".whl"):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = [n for n in zf.namelist() if n.count("/") == 1]
            for n in names:
                if n.endswith(".dist-info/METADATA"):
                    return zf.read(n)
        raise PageFormatError(f"{filename} has no .dist-info/METADATA")
    if filename.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for n in zf.namelist():
                if n.count("/") == 1 and n.endswith("/PKG-INFO"):
                    return zf.read(n)
        raise PageFormatError(f"{filename} has no PKG-INFO")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
        for member in tf.getmembers():
            if member.name.count("/") == 1 and member.name.endswith("/PKG-INFO"):
                fh = tf.extractfile(member)
                if fh is not None:
                    return fh.read()
    raise PageFormatError(f"{filename} has no PKG-INFO")
