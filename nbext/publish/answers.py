"""What the index answered an upload, in words: Poetry's texts (``HTTP Error <code>: <reason>
| <body>``, its "already exists" answers) and nbext's advice for each status."""

from __future__ import annotations

import httpx

from nbext.auth.credentials import Credential
from nbext.publish.distfiles import DistFile
from nbext.publish.target import Target
from nbext.redact import redact_url

__all__ = ["advice", "http_error", "is_exists_error", "no_upload_url", "replace_refused"]

#: Poetry's texts (``poetry publish``), for "already there" answers (twine's list).
_EXISTS_400 = ("already exist", "updating asset", "cannot be updated", "already been taken")


def is_exists_error(response: httpx.Response) -> bool:
    """Poetry's (and twine's) "already exists" answers."""
    status = response.status_code
    text = (response.reason_phrase + response.text).lower()
    return (
        status == 409
        or (status == 400 and any(s in text for s in _EXISTS_400))
        or (status == 403 and "overwrite artifact" in text)
    )


def http_error(response: httpx.Response, secret: str | None) -> str:
    message = f"HTTP Error {response.status_code}: {response.reason_phrase} | {response.content!r}"
    if secret:
        message = message.replace(secret, "***")
    return message


def no_upload_url(target: Target) -> str:
    """The advice when ``-r NAME`` posted to the URL of the source NAME (no
    ``repositories.NAME.url``) and the server answered that it takes no uploads there."""
    name, base = target.name, target.url.rstrip("/")
    if base.endswith("/+simple"):  # devpi: the index URL is the upload URL
        upload = redact_url(base[: -len("+simple")])
    elif base.endswith("/simple"):
        upload = redact_url(base[: -len("simple")])
    else:
        upload = "UPLOAD_URL"
    return (
        f"\nNo upload URL is configured for {name}: -r {name} posts to the URL of the source "
        f"{name} ({redact_url(target.url)}), as Poetry does, and the server takes no uploads "
        f"there. Fix: %config repositories.{name} {upload} (the index's upload URL: devpi's "
        "is the index URL without +simple/, a warehouse-like index's ends in /legacy/)"
    )


def replace_refused(dist: DistFile, there: str, target: Target) -> str:
    return (
        f"\n{dist.name}: a different file of that name is already on {target.shown} (sha256 "
        f"{there[:12]}..., yours {dist.sha256[:12]}...): {target.shown} does not let a file be "
        "replaced. Fix: bump the version, build again and publish"
    )


def advice(status: int, target: Target, cred: Credential) -> str:
    who = f" (sent as user {cred.username!r})" if cred.username else " (no credentials sent)"
    if status == 403:
        return (
            f"\n{target.shown} refused the credentials{who}: a wrong password or token, or no "
            f"permission to upload this project. Fix: %config http-basic.{target.name} USER "
            f"(the password field opens), or %config pypi-token.{target.name} TOKEN"
        )
    if status == 401:
        return (
            f"\n{target.shown} wants credentials{who}. Fix: %config http-basic.{target.name} "
            "USER (the password field opens), or -u USER -p PASSWORD"
        )
    if status == 413:
        return f"\nThe file is larger than {target.shown} accepts."
    if status == 409:
        return (
            f"\n{target.shown} already has a file of that name and does not let it be replaced. "
            "Fix: bump the version, build again and publish (--skip-existing skips files that "
            "are already there)"
        )
    if status in (404, 405) and target.from_source:
        return no_upload_url(target)
    if status in (404, 405):
        return (
            f"\nIs {target.url} the index's upload URL? (Not its /simple/ URL; for a "
            "warehouse-like index it ends in /legacy/.)"
        )
    return ""
