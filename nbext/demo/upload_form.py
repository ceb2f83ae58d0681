"""The legacy upload API's form: parsing the ``multipart/form-data`` body and checking
it the way the public index does.  Pure: bytes in, an :class:`Upload` or :class:`Refused` out.

The archive checks read only what a refusal needs (a wheel's ``METADATA``, an sdist that
opens), with the standard library, like the rest of the demo.
"""

from __future__ import annotations

import email.policy
import hashlib
import hmac
import io
import re
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser

from packaging.utils import (
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version

__all__ = ["Form", "Refused", "Upload", "check_upload", "parse_form"]

_METADATA_VERSIONS = frozenset({"1.0", "1.1", "1.2", "2.0", "2.1", "2.2", "2.3", "2.4"})
#: The public index's rule for project names (PEP 508 names, ASCII only).
_NAME_RE = re.compile(r"[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9]", re.IGNORECASE)


class Refused(Exception):
    """An upload refused with ``status`` and ``text`` (reason phrase and body)."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def _required(name: str) -> Refused:
    return Refused(400, f"Invalid value for {name}. Error: This field is required.")


@dataclass(frozen=True)
class Form:
    """A parsed ``multipart/form-data`` upload body."""

    fields: tuple[tuple[str, str], ...]  # every non-file field, in order
    content: tuple[str, bytes] | None  # the ``content`` file part: (filename, bytes)

    def get(self, name: str) -> str | None:
        """The first value of field ``name`` (``None`` if absent)."""
        return next((v for k, v in self.fields if k == name), None)

    def get_all(self, name: str) -> list[str]:
        return [v for k, v in self.fields if k == name]


@dataclass(frozen=True)
class Upload:
    """A validated upload, ready to be stored."""

    name: str
    version: Version
    filetype: str
    filename: str
    data: bytes
    blake2_256: str
    requires_python: str | None
    summary: str
    requires_dist: tuple[str, ...]
    metadata: bytes | None  # the wheel's METADATA (PEP 658)


def parse_form(content_type: str, body: bytes) -> Form:
    """Parse a ``multipart/form-data`` body with the stdlib email parser."""
    header = "Content-Type: " + re.sub(r"[\r\n]+", " ", content_type) + "\r\n\r\n"
    parser = BytesParser(policy=email.policy.HTTP)
    msg = parser.parsebytes(header.encode("latin-1", "replace") + body)
    if msg.get_content_type() != "multipart/form-data" or not msg.is_multipart() or msg.defects:
        raise Refused(400, "Invalid request body: expected a complete multipart/form-data body.")
    fields: list[tuple[str, str]] = []
    content: tuple[str, bytes] | None = None
    for part in msg.get_payload():
        assert isinstance(part, Message)
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue  # a part without a (plain) name is not a form field
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is None:
            fields.append((name, data.decode("utf-8", "replace")))
        elif name == "content" and content is None:
            content = (filename, data)
    return Form(tuple(fields), content)


def _check_filename(name: str, version: Version, filetype: str, filename: str) -> None:
    """The file name must be a wheel or ``.tar.gz`` sdist of ``name`` ``version``."""
    if "/" in filename or "\\" in filename:
        raise Refused(400, "Cannot upload a file with '/' or '\\' in the name.")
    if filename.endswith(".whl"):
        kind = "bdist_wheel"
    elif filename.endswith(".tar.gz"):
        kind = "sdist"
    else:
        raise Refused(
            400,
            "Invalid file extension: Use .tar.gz or .whl extension. See "
            "https://peps.python.org/pep-0527 and https://peps.python.org/pep-0625/ "
            "for more information.",
        )
    if kind != filetype:
        raise Refused(400, f"Invalid value for filetype. Error: {filename!r} is not a {filetype}.")
    try:
        if kind == "bdist_wheel":
            file_name, file_version = parse_wheel_filename(filename)[:2]
        else:
            file_name, file_version = parse_sdist_filename(filename)
    except (InvalidWheelFilename, InvalidSdistFilename) as exc:
        raise Refused(400, f"{exc}.") from None
    if canonicalize_name(file_name) != canonicalize_name(name):
        prefix = f"{re.sub(r'[-_.]+', '_', name).lower()}-{version}"
        raise Refused(400, f"Start filename for {name!r} with {prefix!r}.")
    if file_version != version:
        raise Refused(
            400, f"Version in filename should be {str(version)!r} not {str(file_version)!r}."
        )


def _check_digests(form: Form, data: bytes) -> str:
    """Compare the digests the client sent with the content's; returns its blake2_256."""
    blake2_256 = hashlib.blake2b(data, digest_size=32).hexdigest()
    calculated = {
        "md5_digest": hashlib.md5(data, usedforsecurity=False).hexdigest(),
        "sha256_digest": hashlib.sha256(data).hexdigest(),
        "blake2_256_digest": blake2_256,
    }
    for name, digest in calculated.items():
        given = (form.get(name) or "").strip().lower()
        if given and not hmac.compare_digest(given.encode(), digest.encode()):
            raise Refused(
                400,
                "The digest supplied does not match a digest calculated from the uploaded file.",
            )
    return blake2_256


def _wheel_metadata(filename: str, data: bytes) -> bytes:
    """The wheel's ``*.dist-info/METADATA``; refuses files that are not wheels."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = [
                n for n in zf.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
            ]
            if not names:
                stem = "-".join(filename.split("-")[:2])
                raise Refused(
                    400,
                    f"Wheel {filename!r} does not contain the required METADATA file: "
                    f"{stem}.dist-info/METADATA",
                )
            return zf.read(names[0])
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, OSError):
        raise Refused(400, "Invalid distribution file.") from None


def _check_sdist(data: bytes) -> None:
    """Refuse an sdist that is not a readable ``.tar.gz``."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tf:
            tf.getmembers()
    except (tarfile.TarError, zlib.error, EOFError, OSError):
        raise Refused(400, "Invalid distribution file.") from None


def check_upload(form: Form) -> Upload:
    """Validate an upload form like the public index does (raises :class:`Refused`)."""
    action = form.get(":action")
    if action == "submit":
        raise Refused(
            410,
            "Project pre-registration is no longer required or supported, "
            "upload your files instead.",
        )
    if action == "doc_upload":
        raise Refused(
            410,
            "Uploading documentation is no longer supported, we recommend using "
            "https://readthedocs.org/.",
        )
    if action is None:
        raise _required(":action")
    if action != "file_upload":
        raise Refused(400, f"Invalid value for :action. Error: {action!r} is not 'file_upload'.")
    if form.get("protocol_version") not in (None, "1"):  # the public index defaults to 1
        raise Refused(400, "Unknown protocol version.")
    values: dict[str, str] = {}
    for name in ("metadata_version", "name", "version", "filetype"):
        value = (form.get(name) or "").strip()
        if not value:
            raise _required(name)
        values[name] = value
    if form.content is None or not form.content[0]:
        raise _required("content")
    if values["metadata_version"] not in _METADATA_VERSIONS:
        raise Refused(
            400, "Invalid value for metadata_version. Error: Use a known metadata version."
        )
    name = values["name"]
    if not _NAME_RE.fullmatch(name):
        raise Refused(
            400,
            "Invalid value for name. Error: Start and end with a letter or numeral "
            "containing only ASCII numeric and '.', '_' and '-'.",
        )
    try:
        version = Version(values["version"])
    except InvalidVersion:
        raise Refused(
            400,
            f"Invalid value for version. Error: {values['version']!r} is not a valid "
            "PEP 440 version.",
        ) from None
    filetype = values["filetype"]
    if filetype not in ("sdist", "bdist_wheel"):
        raise Refused(400, "Invalid value for filetype. Error: Use a known file type.")
    filename, data = form.content
    _check_filename(name, version, filetype, filename)
    blake2_256 = _check_digests(form, data)
    if filetype == "bdist_wheel":
        metadata: bytes | None = _wheel_metadata(filename, data)
    else:
        _check_sdist(data)
        metadata = None
    return Upload(
        name=name,
        version=version,
        filetype=filetype,
        filename=filename,
        data=data,
        blake2_256=blake2_256,
        requires_python=(form.get("requires_python") or "").strip() or None,
        summary=form.get("summary") or "",
        requires_dist=tuple(form.get_all("requires_dist")),
        metadata=metadata,
    )
