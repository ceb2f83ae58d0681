"""Redaction of credentials in URLs (pure; used by every layer that shows a URL)."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

__all__ = ["redact_url"]


def redact_url(url: str) -> str:
    """The URL with the password in its userinfo replaced by ``***``.

    ``https://user:s3cret@host/simple/`` becomes ``https://user:***@host/simple/``; a URL
    without userinfo (or one that cannot be parsed) is returned unchanged.
    """
    try:
        parts = urlsplit(url)
        password, username, host, port = (
            parts.password,
            parts.username,
            parts.hostname or "",
            parts.port,
        )
    except ValueError:
        return url
    if password is None and username is None:
        return url
    if port:
        host = f"{host}:{port}"
    userinfo = f"{username or ''}:***@" if password is not None else f"{username}@"
    return urlunsplit((parts.scheme, userinfo + host, parts.path, parts.query, parts.fragment))
