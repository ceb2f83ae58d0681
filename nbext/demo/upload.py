"""Accepting an upload (``POST /legacy/``) once its body is read: the credentials, the
form (:mod:`.upload_form`), storing the file, and the answer and record that say how.

The request handler (:mod:`.handler`) reads the body and applies faults first.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from email.message import Message

from .dists import Dist
from .records import UploadRecord
from .response import Response, basic_credentials, plain, reason_of, unauthorized
from .store import File, Store
from .upload_form import Refused, Upload, check_upload, parse_form

__all__ = ["accept_upload"]

#: What the public index answers for wrong upload credentials.
_UPLOAD_FORBIDDEN = "Invalid or non-existent authentication information."


def accept_upload(
    store: Store,
    want: tuple[str, str] | None,
    path: str,
    headers: Message[str, str],
    body: bytes,
) -> tuple[Response, UploadRecord]:
    """Check the credentials (``want``, if any), parse and validate the form, store the file."""
    header = headers.get("Authorization")
    record = UploadRecord(path, 0, "", has_auth=header is not None)
    if want is not None:
        ok = basic_credentials(header, want)
        if ok is None:
            resp = unauthorized()
            return resp, replace(record, status=401, reason=reason_of(resp))
        if not ok:
            return plain(403, _UPLOAD_FORBIDDEN), replace(
                record, status=403, reason=_UPLOAD_FORBIDDEN
            )
    try:
        form = parse_form(headers.get("Content-Type", ""), body)
    except Refused as exc:
        return plain(exc.status, exc.text), replace(record, status=exc.status, reason=exc.text)
    record = replace(record, fields=form.fields)
    if form.content is not None:
        filename, data = form.content
        record = replace(
            record,
            filename=filename,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
        )
    try:
        _store(store, check_upload(form))
    except Refused as exc:
        resp = plain(exc.status, exc.text)
    else:
        resp = plain(200, "OK")
    return resp, replace(record, status=resp.status, reason=reason_of(resp))


def _store(store: Store, up: Upload) -> None:
    """Add an uploaded file to its release, unless its file name is already taken."""
    new = File.of(up.filename, up.data, up.requires_python, False, up.metadata)
    if not store.add_upload(up.name, up.version, new, lambda d: _upload_dist(up, d)):
        raise Refused(
            400,
            f"File already exists ({up.filename!r}, with blake2_256 hash "
            f"{up.blake2_256!r}). See /help/#file-name-reuse for more information.",
        )


def _upload_dist(up: Upload, previous: Dist | None) -> Dist:
    """The :class:`Dist` describing an uploaded release (from its first upload's form)."""
    is_wheel = up.filetype == "bdist_wheel"
    tag = "-".join(up.filename[: -len(".whl")].split("-")[-3:]) if is_wheel else None
    if previous is None:
        return Dist(
            up.name,
            str(up.version),
            requires_dist=up.requires_dist,
            requires_python=up.requires_python,
            summary=up.summary,
            wheel=is_wheel,
            sdist=not is_wheel,
            wheel_tag=tag or "py3-none-any",
        )
    if is_wheel and not previous.wheel:
        return replace(previous, wheel=True, wheel_tag=tag or previous.wheel_tag)
    return replace(previous, sdist=previous.sdist or not is_wheel)
