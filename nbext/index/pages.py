"""Links on a simple-index page, PEP 503 HTML or PEP 691 JSON (pure; no I/O), read exactly as
Poetry reads them (spec 8.1-8.2): HTML as ``html.parser`` reads it (a faster tokenizer checked
against it, :mod:`nbext.index.tags`), ``json`` for PEP 691, in about 0.1 ms a page. Not
pypi-simple (a test oracle instead): it imports pydantic (0.5 s on every kernel's first
lookup) and parses with BeautifulSoup (1.6 ms a page): a 60-package lookup spent more time in
it than on the network.

Also the page's PEP 708 lists, which Poetry does not read: "tracks" and "alternate locations"
(:func:`pep708_from_meta`, :func:`pep708_from_json`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from nbext.index.files import LinkFacts
from nbext.index.tags import Attrs
from nbext.index.tags import start_tags as _start_tags
from nbext.redact import split_userinfo

__all__ = [
    "Link",
    "Pep708",
    "links_from_anchors",
    "links_from_html",
    "links_from_json",
    "page_base",
    "pep708_from_json",
    "pep708_from_meta",
]

#: Hash names Poetry takes from a link's URL fragment (spec 8.2).
_FRAGMENT_HASHES = frozenset({"sha1", "sha224", "sha256", "sha384", "sha512", "md5"})
_METADATA_HASH = re.compile(r"(\w+)=([0-9A-Fa-f]+)")
# What Poetry's Link leaves alone when it percent-encodes a URL (RFC 3986 reserved, unreserved, %)
_SAFE = "/:?#[]@!$&'()*+,;=%~"


@dataclass(frozen=True)
class Link(LinkFacts):
    """One file link of a project page."""

    url: str  # absolute, without the #fragment
    filename: str | None  # None for HTML: taken from the URL by the caller


def _metadata_attr(value: str | None) -> tuple[bool, dict[str, str]]:
    """A metadata attribute's value as Poetry's Link takes it: ``<algo>=<hex>`` is present
    with that hash, ``true`` (or any other text) present without one, ``false`` or an empty
    value not present; None (no attribute) not present."""
    if value is None:
        return False, {}
    m = _METADATA_HASH.fullmatch(value.strip())
    if m:
        return True, {m[1].lower(): m[2].lower()}
    # Poetry's Link: "true" is available, "" and "false" are not, anything else is a value
    return value.strip().lower() not in ("", "false"), {}


_ABSOLUTE = ("https://", "http://")
_UNSAFE = re.compile(r"[^A-Za-z0-9/:?#\[\]@!$&'()*+,;=%~._-]")


class _Resolver:
    """Resolves a page's hrefs against its base URL, as ``urljoin`` would, but joins each
    distinct directory part once: a page's links share it (``../../files/``), and urljoin
    was most of the parsing time."""

    def __init__(self, base: str) -> None:
        self.base = base
        self._dirs: dict[str, str] = {}

    def __call__(self, href: str) -> tuple[str, str]:
        """``(url without fragment, fragment)``, resolved and percent-encoded as Poetry does."""
        href, _, fragment = href.strip().partition("#")
        plain = "?" not in href and "[" not in href and not _UNSAFE.search(href)
        if plain and href.startswith(_ABSOLUTE):  # urljoin and quoting would give it back
            return href, fragment  # (a JSON page's every URL: 27% of a warm lookup before)
        directory, _, name = href.rpartition("/")
        if "?" in href or name in (".", "..") or not name:
            return self._slow(href), fragment
        prefix = self._dirs.get(directory)
        if prefix is None:
            joined = self._slow(directory + "/x") if directory or href.startswith("/") else None
            prefix = joined[:-1] if joined else self._slow("x")[:-1]
            self._dirs[directory] = prefix
        if _UNSAFE.search(name):
            name = quote(name, safe=_SAFE)
        return prefix + name, fragment

    def or_note(self, href: str, what: str, notes: list[str] | None) -> tuple[str, str] | None:
        """:meth:`__call__`, or None for an href that is no URL (``http://[bad/``, a lone
        surrogate): then ``notes`` gets why (``what`` names the link)."""
        try:
            return self(href)
        except ValueError as exc:  # also UnicodeEncodeError (lone surrogates)
            if notes is not None:
                notes.append(f"{what} {href[:80]!r} is not a URL ({exc})")
            return None

    def _slow(self, href: str) -> str:
        parts = urlsplit(urljoin(self.base, href))
        path = quote(parts.path, safe=_SAFE) if _UNSAFE.search(parts.path) else parts.path
        query = quote(parts.query, safe=_SAFE) if _UNSAFE.search(parts.query) else parts.query
        return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def _metadata_of(attrs: Attrs) -> str | bool:
    """Poetry's reading of PEP 714's ``data-core-metadata``, else PEP 658's
    ``data-dist-info-metadata``: a value (HTML-unescaped once more, as Poetry does), else
    whether the attribute is there at all; the first that says anything wins."""
    metadata: str | bool = False
    for key in ("data-core-metadata", "data-dist-info-metadata"):
        value = attrs.get(key)
        metadata = html.unescape(value) if value else key in attrs
        if metadata:
            break
    return metadata


_SEPARATORS = re.compile(r"[-_.]+")


def _quick_filename(href: str) -> str | None:
    """The file name an href gives (its last path segment, percent-decoded) when that is
    plain to see, without resolving it; None when only the resolved URL tells."""
    path = href.strip().partition("#")[0]
    if "?" in path:
        return None
    name = path.rpartition("/")[2]
    return unquote(name) if name not in ("", ".", "..") else None


def could_be_of(filename: str, project: str) -> bool:
    """False when ``filename`` cannot be a file of ``project`` (a canonical name) as Poetry
    reads file names: they start with the project's name, ``-``, ``_`` and ``.`` alike and
    case-insensitive. A cheap test that spares resolving the URLs of other projects' links on
    a single-page index."""
    if not filename.isascii():
        return True  # str.lower() of some letters depends on what follows (final sigma)
    if filename.startswith(project) or filename.lower().startswith(project):
        return True  # the same answer, without the substitution (a canonical name has no runs)
    return _SEPARATORS.sub("-", filename).lower().startswith(project)


def links_from_html(
    text: str, base_url: str, skipped: list[str] | None = None, project: str | None = None
) -> list[Link]:
    """:func:`links_from_anchors` of the page's start tags (``_start_tags``)."""
    tags = _start_tags(text)
    return links_from_anchors(tags.base, tags.anchors, base_url, skipped, project)


def page_base(base: str | None, base_url: str, skipped: list[str] | None = None) -> str:
    """What an HTML page's relative URLs resolve against: its first ``<base href>`` (itself
    resolved against ``base_url``, the final response URL; Poetry: an empty one means the
    page's URL), else ``base_url``. A ``<base href>`` that is no URL is passed over, and why
    is appended to ``skipped``."""
    if base:
        try:
            return urljoin(base_url, base)
        except ValueError as exc:
            if skipped is not None:
                skipped.append(f"<base href> {base[:80]!r} is not a URL ({exc})")
    return base_url


def links_from_anchors(
    base: str | None,
    anchors: list[Attrs],
    base_url: str,
    skipped: list[str] | None = None,
    project: str | None = None,
) -> list[Link]:
    """Every ``<a href>`` of a PEP 503 page (the anchor text is ignored, as by Poetry).

    Relative URLs resolve against the first ``<base href>`` (itself resolved against
    ``base_url``, the final response URL), else against ``base_url``. A link whose URL cannot
    be read (``http://[bad/``, a character no URL can hold) is left out, and why is appended
    to ``skipped``. ``data-requires-python``, ``data-yanked`` and the metadata attributes are
    HTML-unescaped twice (html.parser, then Poetry), as Poetry reads them. With ``project`` (a
    canonical name), links that cannot be that project's files (:func:`could_be_of`) are left
    out early.
    """
    resolve = _Resolver(page_base(base, base_url, skipped))
    links: list[Link] = []
    for attrs in anchors:
        href = attrs.get("href")
        if not href:
            continue
        if project is not None:
            quick = _quick_filename(href)
            if quick is not None and not could_be_of(quick, project):
                continue
        resolved = resolve.or_note(href, "link", skipped)
        if resolved is None:
            continue
        url, fragment = resolved
        hashes: dict[str, str] = {}
        algo, _, value = fragment.partition("=")
        if value and algo.lower() in _FRAGMENT_HASHES:
            hashes[algo.lower()] = value.lower()
        metadata = _metadata_of(attrs)
        has_metadata, metadata_hashes = _metadata_attr(
            metadata if isinstance(metadata, str) else ("true" if metadata else None)
        )
        yanked_value = attrs.get("data-yanked")
        requires_python = attrs.get("data-requires-python")
        links.append(
            Link(
                url=url,
                filename=None,
                hashes=hashes,
                requires_python=html.unescape(requires_python) if requires_python else None,
                yanked=bool(yanked_value) or "data-yanked" in attrs,
                yanked_reason=html.unescape(yanked_value) if yanked_value else None,
                has_metadata=has_metadata,
                metadata_hashes=metadata_hashes,
            )
        )
    return links


def _json_metadata(value: Any) -> tuple[bool, dict[str, str]]:
    if isinstance(value, dict):
        return True, {str(k).lower(): str(v).lower() for k, v in value.items()}
    return bool(value), {}


def links_from_json(
    data: Any, base_url: str, skipped: list[str] | None = None, project: str | None = None
) -> list[Link]:
    """The ``files`` of a PEP 691 project page (``meta.api-version`` is not checked, as by
    Poetry). Raises ``ValueError`` for a document that is not a project page; a file whose URL
    cannot be read is left out, and why is appended to ``skipped``."""
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        raise ValueError("no 'files' list")
    resolve = _Resolver(base_url)
    links: list[Link] = []
    for entry in data["files"]:
        if not isinstance(entry, dict):
            raise ValueError("a 'files' entry is not an object")
        filename, href = entry.get("filename"), entry.get("url")
        if not isinstance(filename, str) or not isinstance(href, str):
            raise ValueError("a file without 'filename' or 'url'")
        if project is not None and not could_be_of(filename, project):
            continue
        resolved = resolve.or_note(href, f"file {filename[:80]!r}:", skipped)
        if resolved is None:
            continue
        url = resolved[0]
        hashes = entry.get("hashes") or {}
        if not isinstance(hashes, dict):
            raise ValueError(f"'hashes' of {filename} is not an object")
        if "core-metadata" in entry:
            has_metadata, metadata_hashes = _json_metadata(entry["core-metadata"])
        else:
            has_metadata, metadata_hashes = _json_metadata(entry.get("dist-info-metadata"))
        yanked_value = entry.get("yanked", False)
        size = entry.get("size")
        requires_python = entry.get("requires-python") or None
        link = object.__new__(Link)  # no frozen __init__: as new_file, for the same reason
        link.__dict__.update(
            url=url,
            filename=filename,
            hashes={str(k).lower(): str(v).lower() for k, v in hashes.items()},
            requires_python=requires_python if isinstance(requires_python, str) else None,
            yanked=isinstance(yanked_value, str) or bool(yanked_value),  # Poetry's Link
            yanked_reason=yanked_value if isinstance(yanked_value, str) else None,
            has_metadata=has_metadata,
            metadata_hashes=metadata_hashes,
            size=size if isinstance(size, int) else None,
        )
        links.append(link)
    return links


# -- PEP 708: "tracks" and "alternate locations" ----------------------------------------------

#: A project page's PEP 708 lists: ``(tracks, alternate_locations)``, absolute URLs.
Pep708 = tuple[tuple[str, ...], tuple[str, ...]]

_TRACKS = "pypi:tracks"
_ALTERNATE_LOCATIONS = "pypi:alternate-locations"


def _pep708_urls(values: list[Any], base: str) -> tuple[str, ...]:
    """The URLs of a PEP 708 list: strings only, stripped, resolved against ``base`` (as a
    link's href is), without userinfo, each once, in page order. An empty value, or one
    that is no URL, is passed over.

    Without userinfo: a repository is named by its scheme, host, port and path, and a
    relative URL would otherwise carry the credentials of the page's own URL into results,
    displays and the kept-as-read cache.
    """
    out: dict[str, None] = {}
    for value in values:
        if not isinstance(value, str) or not value.strip():
            continue
        try:
            url = urljoin(base, value.strip())
            _ = urlsplit(url).port  # a port that is no number raises here, not in a reader
            url.encode()  # a lone surrogate (a JSON \ud800 escape) is no URL either
        except ValueError:  # also UnicodeEncodeError
            continue
        out[(split_userinfo(url) or (url,))[0]] = None
    return tuple(out)


def pep708_from_meta(base: str | None, meta: list[tuple[str, str]], base_url: str) -> Pep708:
    """PEP 708's lists of an HTML page from its ``pypi:`` meta tags (``StartTags.meta``): one
    ``<meta name="pypi:tracks" content="URL">`` or ``<meta name="pypi:alternate-locations"
    content="URL">`` per URL, any number of each. Relative URLs resolve as the page's links
    do (:func:`page_base`)."""
    if not meta:
        return (), ()
    resolved = page_base(base, base_url)
    tracks = [content for name, content in meta if name == _TRACKS]
    alternates = [content for name, content in meta if name == _ALTERNATE_LOCATIONS]
    return _pep708_urls(tracks, resolved), _pep708_urls(alternates, resolved)


def _json_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def pep708_from_json(data: Any, base_url: str) -> Pep708:
    """PEP 708's lists of a PEP 691 project page: ``meta.tracks`` (where PEP 708 puts it; a
    top-level ``tracks`` is read too) and the top-level ``alternate-locations``. Relative
    URLs resolve against ``base_url`` (PEP 691: as if the page were HTML).

    A value that is not a list, and an entry that is not a string, is passed over without
    failing the page: PEP 708 says nothing of malformed values, PEP 691 has clients ignore
    what they do not understand, and both lists only ever permit merging a project's
    namespaces, so a list passed over can only make a client more careful. The page's files
    stay readable either way.
    """
    if not isinstance(data, dict):
        return (), ()
    meta = data.get("meta")
    tracks = _json_list(meta.get("tracks")) if isinstance(meta, dict) else []
    tracks = tracks + _json_list(data.get("tracks"))
    alternates = _json_list(data.get("alternate-locations"))
    return _pep708_urls(tracks, base_url), _pep708_urls(alternates, base_url)
