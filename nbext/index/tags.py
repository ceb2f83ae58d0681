"""Start tags of an HTML page read as ``html.parser`` reads them (pure; no I/O): the first
``<base href>``, every ``<a>``'s attributes, and the ``<meta name="pypi:...">`` tags (PEP 629's
``pypi:repository-version``, PEP 708's ``pypi:tracks`` and ``pypi:alternate-locations``), for
:mod:`nbext.index.pages` to read links and page metadata from.
"""

from __future__ import annotations

import html
import re
from typing import NamedTuple

from nbext.errors import MarkupError

__all__ = ["Attrs", "StartTags", "start_tags"]

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
# <base>, <meta>, <script> or <style> start tag (text, end tags, other tags, comments) is
# skipped by one regular expression, in C, instead of a Python call per piece of text. The
# regular expression it replaces (1.0 s and 1.2 s) stopped a tag at the first ">", even inside
# a quoted value (data-requires-python=">=3.6" data-yanked=""), and lost the attributes after
# it. A page has a few <meta> tags (in its head), so reading them costs nothing measurable.

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
_READ_TAGS = r"(?i:a|base|meta|script|style)(?:[\t\n\r\f />\x00]|$)"
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


class StartTags(NamedTuple):
    """What :func:`start_tags` reads from a page."""

    #: The first ``<base>`` with an ``href`` (its value), as Poetry's HTMLPageParser takes it.
    base: str | None
    #: The attributes of every ``<a>``, in page order.
    anchors: list[Attrs]
    #: ``(name, content)`` of every ``<meta>`` whose ``name`` starts with ``pypi:`` (ASCII,
    #: any case; the name lower-cased) and that has a ``content`` value, in page order.
    meta: list[tuple[str, str]]


def _pypi_meta(attrs: Attrs) -> tuple[str, str] | None:
    """``(name lower-cased, content)`` of a ``<meta name="pypi:..." content="...">``, else
    None. HTML compares meta names ASCII-case-insensitively; a name with other characters
    names no ``pypi:`` value."""
    name, content = attrs.get("name"), attrs.get("content")
    if name is None or content is None or not name.isascii() or name[:5].lower() != "pypi:":
        return None
    return name.lower(), content


def start_tags(text: str) -> StartTags:
    """The first ``<base href>``, the attributes of every ``<a>`` and the ``pypi:`` meta values
    as an ``html.parser`` fed ``text`` (never closed, as by Poetry's HTMLPageParser) gets them:
    attribute names lower-cased, values HTML-unescaped.

    Raises :class:`MarkupError` where html.parser raises (an unknown ``<![name`` section).
    """
    base: str | None = None
    anchors: list[Attrs] = []
    meta: list[tuple[str, str]] = []
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
                elif tag == "meta":
                    found = _pypi_meta(attrs)
                    if found is not None:
                        meta.append(found)
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
    return StartTags(base, anchors, meta)
