"""What a request's headers ask for: a content type (``Accept``, PEP 691), a fresh copy
(``If-None-Match``) and a part of a file (``Range``).  Pure functions of header values.
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = [
    "HTML_V1",
    "JSON_V1",
    "OFFERED",
    "TEXT_HTML",
    "etag_matches",
    "negotiate",
    "parse_accept",
    "parse_range",
]

JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
TEXT_HTML = "text/html"
OFFERED = (JSON_V1, HTML_V1, TEXT_HTML)  # server preference order for ties

_RANGE_RE = re.compile(r"bytes=(\d*)-(\d*)")


def parse_accept(header: str) -> list[tuple[str, str, float]]:
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
    ranges = parse_accept(accept)
    scored: list[tuple[float, int, int, str]] = []
    for pref, offered in enumerate(OFFERED):
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


def etag_matches(if_none_match: str, etag: str) -> bool:
    for token in if_none_match.split(","):
        token = token.strip()
        if token.startswith("W/"):
            token = token[2:]
        if token in ("*", etag):
            return True
    return False


def parse_range(header: str, size: int) -> tuple[int, int] | Literal["unsatisfiable"] | None:
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
