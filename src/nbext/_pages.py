"""Links on a simple-index page, PEP 503 HTML or PEP 691 JSON (pure; no I/O).

Why not pypi-simple here: it imports pydantic (0.5 s, on the first lookup of every kernel) and
parses HTML with BeautifulSoup (1.6 ms a page); a 60-package lookup spent more time in it than
on the network. This module reads exactly what Poetry reads (spec 8.1-8.2) with the standard
library: ``html.parser`` for HTML, ``json`` for PEP 691, in about 0.1 ms a page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

__all__ = ["Link", "links_from_html", "links_from_json"]

#: Hash names Poetry takes from a link's URL fragment (spec 8.2).
_FRAGMENT_HASHES = frozenset({"sha1", "sha224", "sha256", "sha384", "sha512", "md5"})
_METADATA_HASH = re.compile(r"(\w+)=([0-9A-Fa-f]+)")
# Characters Poetry's Link leaves alone when it percent-encodes a URL (RFC 3986 reserved and
# unreserved, plus % so existing escapes survive).
_SAFE = "/:?#[]@!$&'()*+,;=%~"


@dataclass(frozen=True)
class Link:
    """One file link of a project page."""

    url: str  # absolute, without the #fragment
    filename: str | None  # None for HTML: taken from the URL by the caller
    hashes: dict[str, str] = field(default_factory=dict)
    requires_python: str | None = None
    yanked: bool = False
    yanked_reason: str | None = None
    has_metadata: bool = False
    metadata_hashes: dict[str, str] = field(default_factory=dict)
    size: int | None = None


def _metadata_attr(value: str | None) -> tuple[bool, dict[str, str]]:
    """``data-core-metadata`` / ``data-dist-info-metadata``: ``true`` or empty means present
    with no hash, ``<algo>=<hex>`` present with that hash, ``false`` (or absent) not present."""
    if value is None:
        return False, {}
    m = _METADATA_HASH.fullmatch(value.strip())
    if m:
        return True, {m[1].lower(): m[2].lower()}
    return value.strip().lower() in ("", "true"), {}


# Start tags of <a> and <base> and their attributes, the way html.parser tokenizes them
# (quoted, single-quoted, bare or valueless attributes); 5x faster than HTMLParser on index
# pages, which are nothing but anchors. Comments, scripts and styles are dropped first.
_SKIP = re.compile(r"<!--.*?-->|<script\b.*?</script\s*>|<style\b.*?</style\s*>", re.S | re.I)
_TAG = re.compile(r"<(a|base)(\s[^>]*)?>", re.I)
_ATTR = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")


def _start_tags(text: str) -> tuple[str | None, list[dict[str, str | None]]]:
    """``(first <base href>, attributes of every <a>)``; values are HTML-unescaped, a
    valueless attribute is None."""
    if "<!--" in text or "<script" in text.lower() or "<style" in text.lower():
        text = _SKIP.sub("", text)
    base: str | None = None
    anchors: list[dict[str, str | None]] = []
    for m in _TAG.finditer(text):
        attrs: dict[str, str | None] = {}
        for a in _ATTR.finditer(m.group(2) or ""):
            key = a.group(1).lower()  # a repeated attribute: the last counts (html.parser, bs4)
            raw = a.group(2) if a.group(2) is not None else a.group(3)
            if raw is None:
                raw = a.group(4)
            attrs[key] = html.unescape(raw) if raw is not None and "&" in raw else raw
        if m.group(1).lower() == "a":
            anchors.append(attrs)
        elif base is None and attrs.get("href"):
            base = attrs["href"]
    return base, anchors


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

    def _slow(self, href: str) -> str:
        parts = urlsplit(urljoin(self.base, href))
        path = quote(parts.path, safe=_SAFE) if _UNSAFE.search(parts.path) else parts.path
        query = quote(parts.query, safe=_SAFE) if _UNSAFE.search(parts.query) else parts.query
        return urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def links_from_html(text: str, base_url: str) -> list[Link]:
    """Every ``<a href>`` of a PEP 503 page (the anchor text is ignored, as by Poetry).

    Relative URLs resolve against the first ``<base href>`` (itself resolved against
    ``base_url``, the final response URL), else against ``base_url``.
    """
    base, anchors = _start_tags(text)
    resolve = _Resolver(urljoin(base_url, base) if base else base_url)
    links: list[Link] = []
    for attrs in anchors:
        href = attrs.get("href")
        if not href:
            continue
        url, fragment = resolve(href)
        hashes: dict[str, str] = {}
        algo, _, value = fragment.partition("=")
        if value and algo.lower() in _FRAGMENT_HASHES:
            hashes[algo.lower()] = value.lower()
        core: str | None
        if "data-core-metadata" in attrs:  # PEP 714's name wins over PEP 658's
            core = attrs["data-core-metadata"] or ""
        elif "data-dist-info-metadata" in attrs:
            core = attrs["data-dist-info-metadata"] or ""
        else:
            core = None
        has_metadata, metadata_hashes = _metadata_attr(core)
        yanked = "data-yanked" in attrs
        reason = attrs.get("data-yanked") or None
        links.append(
            Link(
                url=url,
                filename=None,
                hashes=hashes,
                requires_python=attrs.get("data-requires-python") or None,
                yanked=yanked,
                yanked_reason=reason,
                has_metadata=has_metadata,
                metadata_hashes=metadata_hashes,
            )
        )
    return links


def _json_metadata(value: Any) -> tuple[bool, dict[str, str]]:
    if isinstance(value, dict):
        return True, {str(k).lower(): str(v).lower() for k, v in value.items()}
    return bool(value), {}


def links_from_json(data: Any, base_url: str) -> list[Link]:
    """The ``files`` of a PEP 691 project page (``meta.api-version`` is not checked, as by
    Poetry). Raises ``ValueError`` for a document that is not a project page."""
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
        url, _fragment = resolve(href)
        hashes = entry.get("hashes") or {}
        if not isinstance(hashes, dict):
            raise ValueError(f"'hashes' of {filename} is not an object")
        if "core-metadata" in entry:
            has_metadata, metadata_hashes = _json_metadata(entry["core-metadata"])
        else:
            has_metadata, metadata_hashes = _json_metadata(entry.get("dist-info-metadata"))
        yanked_value = entry.get("yanked", False)
        size = entry.get("size")
        links.append(
            Link(
                url=url,
                filename=filename,
                hashes={str(k).lower(): str(v).lower() for k, v in hashes.items()},
                requires_python=entry.get("requires-python") or None,
                yanked=yanked_value is not False and yanked_value is not None,
                yanked_reason=yanked_value if isinstance(yanked_value, str) else None,
                has_metadata=has_metadata,
                metadata_hashes=metadata_hashes,
                size=size if isinstance(size, int) else None,
            )
        )
    return links
