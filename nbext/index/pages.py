"""Links on a simple-index page, PEP 503 HTML or PEP 691 JSON (pure; no I/O), read exactly as
Poetry reads them (spec 8.1-8.2): HTML as ``html.parser`` reads it (a faster tokenizer checked
against it), ``json`` for PEP 691, in about 0.1 ms a page. Not pypi-simple (a test oracle
instead): it imports pydantic (0.5 s on every kernel's first lookup) and parses with
BeautifulSoup (1.6 ms a page): a 60-package lookup spent more time in it than on the network.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

from nbext.errors import MarkupError
from nbext.index.files import LinkFacts

__all__ = ["Link", "links_from_anchors", "links_from_html", "links_from_json"]

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


# -- start tags, read as html.parser reads them ------------------------------------------------
#
# Poetry reads a page with ``html.parser`` (its HTMLPageParser: ``feed`` only, never ``close``).
# The tokenizer below reads the same tags and attributes: html.parser's own patterns (CPython
# 3.11's ``locatestarttagend_tolerant``, ``tagfind_tolerant`` and ``attrfind_tolerant``, copied)
# and its rules for comments, declarations, processing instructions, end tags, the raw text of
# <script>/<style>, tags that are data, and input that ends inside a construct (a fed parser
# waits for more: nothing after it counts). tests/unit/index/test_pages.py checks it on tests/data/.
#
# Why not html.parser itself: it is 2-3x slower. On a single-page index with 400,000 links
# (benchmarks/bench_pages.py, Python 3.11, the 2-core machine) an HTMLParser subclass took
# 3.0 s for a 32 MB page where this tokenizer took 1.45 s (quiet machine), and 6.0 s against
# 2.1 s on the 24 MB benchmark page (busy machine, best of 3): everything that is not an <a>,
# <base>, <script> or <style> start tag (text, end tags, other tags, comments) is skipped by
# one regular expression, in C, instead of a Python call per piece of text. The regular
# expression it replaces (1.0 s and 1.2 s) stopped a tag at the first ">", even inside a
# quoted value (data-requires-python=">=3.6" data-yanked=""), and lost the attributes after it.

_TAG_REST = (  # locatestarttagend_tolerant after "<" and the tag name's first letter
    r"""[^\t\n\r\f />\x00]*(?:[\s/]*(?:(?<=['"\s/])[^\s/>][^\s/=>]*(?:\s*=+\s*"""
    r"""(?:'[^']*'|"[^"]*"|(?!['"])[^>\s]*)\s*)?(?:\s|/(?!>))*)*)?\s*"""
)
_LOCATE_TAG_END = re.compile(r"<[a-zA-Z]" + _TAG_REST)
_TAG_NAME = re.compile(r"([a-zA-Z][^\t\n\r\f />\x00]*)(?:\s|/(?!>))*")
_ATTR = re.compile(
    r"""((?<=['"\s/])[^\s/>][^\s/=>]*)(\s*=+\s*('[^']*'|"[^"]*"|(?!['"])[^>\s]*))?"""
    r"""(?:\s|/(?!>))*"""
)
_READ_TAGS = r"(?i:a|base|script|style)(?:[\t\n\r\f />\x00]|$)"
#: Everything up to the next construct that needs a look: text, end tags, closed comments,
#: declarations and processing instructions, and well-formed start tags of other elements
#: (the atomic group takes html.parser's match of the tag, then only ">" or "/>" may follow).
_SKIP = re.compile(
    r"(?>[^<]+"
    r"|</[^>]*>"
    r"|<!--.*?--\s*>"
    r"|<!(?!--|\[)[^>]*>"
    r"|<\?[^>]*>"
    rf"|<(?!{_READ_TAGS})(?>[a-zA-Z]{_TAG_REST})/?>"
    r"|<(?![a-zA-Z!?/]))*",
    re.S,
)
_COMMENT_END = re.compile(r"--\s*>")
_SECTION_NAME = re.compile(r"[a-zA-Z][-_.a-zA-Z0-9]*\s*")
_SECTION_END = re.compile(r"]\s*]\s*>")
_MS_SECTION_END = re.compile(r"]\s*>")
_RAW_TEXT_END = {
    "script": re.compile(r"</\s*script\s*>", re.I),
    "style": re.compile(r"</\s*style\s*>", re.I),
}
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_INCOMPLETE_AFTER = _LETTERS | {"=", "/"}

Attrs = dict[str, str | None]


def _attributes(text: str, k: int, end: int) -> tuple[Attrs, int]:
    """html.parser's attribute loop over ``text[k:end]``: names lower-cased, quotes removed,
    values HTML-unescaped, a valueless attribute None, the last of a repeated name kept."""
    attrs: Attrs = {}
    while k < end:
        m = _ATTR.match(text, k)
        if m is None:
            break
        name, rest, value = m.group(1, 2, 3)
        if not rest:
            value = None
        elif value[:1] == "'" == value[-1:] or value[:1] == '"' == value[-1:]:
            value = value[1:-1]
        if value:
            value = html.unescape(value)
        attrs[name.lower()] = value
        k = m.end()
    return attrs, k


def _start_tags(text: str) -> tuple[str | None, list[Attrs]]:
    """``(first <base href>, attributes of every <a>)`` as Poetry's HTMLPageParser gets them.

    Raises :class:`MarkupError` where html.parser raises (an unknown ``<![name`` section).
    """
    base: str | None = None
    anchors: list[Attrs] = []
    skip = _SKIP.match
    n = len(text)
    pos = 0
    while True:
        i = skip(text, pos).end()  # type: ignore[union-attr]  # the pattern matches ""
        if i + 1 >= n:
            break
        second = text[i + 1]
        if second in _LETTERS:
            m = _LOCATE_TAG_END.match(text, i)
            j = m.end()  # type: ignore[union-attr]  # "<" + a letter always matches
            after = text[j : j + 1]
            if after == ">":
                end = j + 1
            elif after == "/" and text.startswith("/>", j):
                end = j + 2
            elif after == "" or after in _INCOMPLETE_AFTER:
                break  # html.parser waits for the rest of the tag, which never comes
            else:
                end = j if j > i else i + 1
            name = _TAG_NAME.match(text, i + 1)
            tag = name.group(1).lower()  # type: ignore[union-attr]
            attrs, k = _attributes(text, name.end(), end)  # type: ignore[union-attr]
            closing = text[k:end].strip()
            if closing in (">", "/>"):  # else html.parser takes the tag as text
                if tag == "a":
                    anchors.append(attrs)
                elif tag == "base":
                    if base is None and attrs.get("href") is not None:
                        base = attrs["href"]
                elif closing == ">" and tag in _RAW_TEXT_END:
                    raw_end = _RAW_TEXT_END[tag].search(text, end)
                    if raw_end is None:
                        break  # the rest of the page is the script's text
                    end = raw_end.end()
            pos = end
        elif second == "/":
            break  # an end tag without ">" (the closed ones were skipped)
        elif text.startswith("<!--", i):
            close = _COMMENT_END.search(text, i + 4)
            if close is None:
                break
            pos = close.end()
        elif text.startswith("<![", i):
            section_name = _SECTION_NAME.match(text, i + 3)
            section = section_name.group().strip().lower() if section_name else ""
            if section in ("temp", "cdata", "ignore", "include", "rcdata"):
                close = _SECTION_END.search(text, i + 3)
            elif section in ("if", "else", "endif"):
                close = _MS_SECTION_END.search(text, i + 3)
            else:
                raise MarkupError(f"unknown marked section <![{section}")
            if close is None:
                break
            pos = close.end()
        else:  # "<!" or "<?" without a ">"
            break
    return base, anchors


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
    base, anchors = _start_tags(text)
    return links_from_anchors(base, anchors, base_url, skipped, project)


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
    page_base = base_url
    if base:  # Poetry: the first <base> with an href; an empty one means the page's URL
        try:
            page_base = urljoin(base_url, base)
        except ValueError as exc:
            if skipped is not None:
                skipped.append(f"<base href> {base[:80]!r} is not a URL ({exc})")
    resolve = _Resolver(page_base)
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
