"""Redaction of credentials in URLs (pure; used by every layer that shows a URL)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit, urlunsplit

__all__ = ["redact_url", "split_userinfo"]


def redact_url(url: str) -> str:
    """The URL with the password in its userinfo replaced by ``***``.

    ``https://user:s3cret@host/simple/`` becomes ``https://user:***@host/simple/``; a lone
    user name is masked too (``https://***@host/``: it is often a token, as pip assumes). A URL
    without userinfo (or one that cannot be parsed) is returned unchanged.
    """
    if "@" not in url:
        return url  # the common case, without parsing
    try:
        parts = urlsplit(url)
        password, username = parts.password, parts.username
    except ValueError:
        return url
    if password is None and username is None:
        return url
    host = parts.netloc.rpartition("@")[2]  # as written: IPv6 brackets and port kept
    userinfo = f"{username or ''}:***@" if password is not None else "***@"
    return urlunsplit((parts.scheme, userinfo + host, parts.path, parts.query, parts.fragment))


def split_userinfo(url: str) -> tuple[str, str, str] | None:
    """``(url without userinfo, username, password)``, percent-decoded; None when the URL
    has no userinfo (or cannot be parsed). A missing password is ``""``."""
    if "@" not in url:
        return None
    try:
        parts = urlsplit(url)
        username, password = parts.username, parts.password
    except ValueError:
        return None
    if username is None and password is None:
        return None
    host = parts.netloc.rpartition("@")[2]
    clean = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return clean, unquote(username or ""), unquote(password or "")
