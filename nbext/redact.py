"""Redaction of credentials in URLs: pure, below every layer (all that shows a URL uses it)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit, urlunsplit

__all__ = ["redact_url", "split_userinfo"]


_Parts = tuple[str, str, str, str, str, str | None, str | None]


def _userinfo(url: str) -> _Parts | None:
    """``(scheme, host as written, path, query, fragment, username, password)`` of a URL with
    userinfo; None without userinfo or when it cannot be parsed."""
    if "@" not in url:
        return None  # the common case, without parsing
    try:
        parts = urlsplit(url)
        username, password = parts.username, parts.password
    except ValueError:
        return None
    if username is None and password is None:
        return None
    host = parts.netloc.rpartition("@")[2]  # as written: IPv6 brackets and port kept
    return parts.scheme, host, parts.path, parts.query, parts.fragment, username, password


def redact_url(url: str) -> str:
    """The URL with the password in its userinfo replaced by ``***``.

    ``https://user:s3cret@host/simple/`` becomes ``https://user:***@host/simple/``; a lone
    user name is masked too (``https://***@host/``: it is often a token, as pip assumes). A URL
    without userinfo (or one that cannot be parsed) is returned unchanged.
    """
    found = _userinfo(url)
    if found is None:
        return url
    scheme, host, path, query, fragment, username, password = found
    userinfo = f"{username or ''}:***@" if password is not None else "***@"
    return urlunsplit((scheme, userinfo + host, path, query, fragment))


def split_userinfo(url: str) -> tuple[str, str, str] | None:
    """``(url without userinfo, username, password)``, percent-decoded; None when the URL
    has no userinfo (or cannot be parsed). A missing password is ``""``."""
    found = _userinfo(url)
    if found is None:
        return None
    scheme, host, path, query, fragment, username, password = found
    clean = urlunsplit((scheme, host, path, query, fragment))
    return clean, unquote(username or ""), unquote(password or "")
