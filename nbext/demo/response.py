"""An answer before it goes on the wire, and the answers every part of the index shares.

Pure: the routes and the upload API build a :class:`Response`; the request handler
(:mod:`.handler`) sends it.
"""

from __future__ import annotations

import base64
import hmac
from dataclasses import dataclass, field
from http import HTTPStatus

from .faults import Fault, FaultAction

__all__ = [
    "BODY_LESS",
    "Response",
    "basic_credentials",
    "fault_response",
    "not_found",
    "plain",
    "reason_of",
    "reason_phrase",
    "redirect",
    "unauthorized",
]

#: Statuses that never carry a body (nor a Content-Length).
BODY_LESS = frozenset({HTTPStatus.NO_CONTENT, HTTPStatus.NOT_MODIFIED})


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str | None = "text/plain; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)
    fault: FaultAction | None = None
    delay: float = 0.0
    reason: str | None = None  # the status line's reason phrase; None: the standard one


def plain(status: int, text: str) -> Response:
    """A text answer whose reason phrase is ``text`` too (how the upload API answers)."""
    return Response(status, text.encode(), reason=text)


def fault_response(fault: Fault) -> Response:
    """The answer a fault gives instead of the normal one (``status``, ``body``...)."""
    return Response(fault.status, fault.body, fault.content_type, list(fault.headers.items()))


def not_found(text: str = "not found") -> Response:
    return Response(404, f"{text}\n".encode())


def redirect(location: str, *extra: tuple[str, str]) -> Response:
    """A 301 to ``location`` (``extra`` headers after the Location)."""
    return Response(301, b"", headers=[("Location", location), *extra])


def unauthorized() -> Response:
    """401 with a Basic challenge: no credentials came."""
    challenge = [("WWW-Authenticate", 'Basic realm="demo"')]
    return Response(401, b"authentication required\n", headers=challenge)


def reason_phrase(text: str) -> str:
    """``text`` made safe for a status line (printable Latin-1, no CR/LF)."""
    return "".join(c if " " <= c <= "~" or "\xa0" <= c <= "\xff" else "?" for c in text)


def reason_of(resp: Response) -> str:
    if resp.reason is not None:
        return resp.reason
    try:
        return HTTPStatus(resp.status).phrase
    except ValueError:
        return ""


def basic_credentials(header: str | None, want: tuple[str, str]) -> bool | None:
    """``None`` without Basic credentials in ``header``, else whether they are ``want``."""
    if not header or not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        decoded = ""
    user, _, password = decoded.partition(":")
    want_user, want_password = want
    ok_user = hmac.compare_digest(user.encode(), want_user.encode())
    ok_password = hmac.compare_digest(password.encode(), want_password.encode())
    return ok_user and ok_password
