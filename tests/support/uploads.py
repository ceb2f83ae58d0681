"""Talking to the demo index's legacy upload API (``POST /legacy/``) the way twine does: the
multipart form, the request and its answer, the sample dists and credentials.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from nbext.demo import Dist, IndexServer, UploadRecord, build_sdist, build_wheel

USER = "uploader"
PASSWORD = "s3cret-upl0ad-pw"  # must never show up in the server's records
WIDGETS = Dist(
    "Acme.Widgets",
    "1.0",
    requires_dist=("acme-core>=1", 'colorama ; sys_platform == "win32"'),
    requires_python=">=3.9",
    summary="widgets for everyone",
)
EXISTING = Dist("acme-core", "1.0", summary="already on the index")
TIMEOUT = 10.0  # seconds, for every socket and wait in this module
Field = tuple[str, str]
FilePart = tuple[str, str, bytes]  # (field name, file name, bytes)


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


AUTH = basic(USER, PASSWORD)


def encode_multipart(
    fields: Sequence[Field], files: Sequence[FilePart], boundary: str = "nbext-test-b0undary"
) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body (as twine sends it) and its Content-Type."""
    out = bytearray()
    for name, value in fields:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    for name, filename, data in files:
        out += (
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def upload_form(
    d: Dist, kind: str = "wheel", *, drop: Sequence[str] = (), **override: str
) -> tuple[list[Field], list[FilePart]]:
    """The form twine would send for the wheel or sdist of ``d``."""
    filename, data = build_wheel(d) if kind == "wheel" else build_sdist(d)
    fields: list[Field] = [
        (":action", "file_upload"),
        ("protocol_version", "1"),
        ("metadata_version", "2.1"),
        ("name", d.name),
        ("version", d.version),
        ("filetype", "bdist_wheel" if kind == "wheel" else "sdist"),
        ("pyversion", "py3" if kind == "wheel" else "source"),
        ("summary", d.summary),
        ("requires_python", d.requires_python or ""),
        *[("requires_dist", req) for req in d.requires_dist],
        ("md5_digest", hashlib.md5(data, usedforsecurity=False).hexdigest()),
        ("sha256_digest", hashlib.sha256(data).hexdigest()),
        ("blake2_256_digest", hashlib.blake2b(data, digest_size=32).hexdigest()),
    ]
    fields = [(k, override.pop(k, v)) for k, v in fields if k not in drop]
    fields += list(override.items())
    files = [] if "content" in drop else [("content", filename, data)]
    return fields, files


@dataclass
class Answer:
    status: int
    reason: str
    body: bytes
    headers: http.client.HTTPMessage


def request(
    server: IndexServer,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    conn = http.client.HTTPConnection("127.0.0.1", server.bound_port, timeout=TIMEOUT)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return Answer(resp.status, resp.reason, resp.read(), resp.headers)
    finally:
        conn.close()


def upload(
    server: IndexServer,
    fields: Sequence[Field],
    files: Sequence[FilePart],
    *,
    auth: str | None = AUTH,
    path: str = "/legacy/",
) -> Answer:
    body, content_type = encode_multipart(fields, files)
    headers = {"Content-Type": content_type}
    if auth is not None:
        headers["Authorization"] = auth
    return request(server, "POST", path, body, headers)


def get(server: IndexServer, path: str, headers: dict[str, str] | None = None) -> Answer:
    return request(server, "GET", path, headers=headers)


def simple_json(server: IndexServer, project: str) -> dict[str, Any]:
    r = get(server, f"/simple/{project}/", {"Accept": "application/vnd.pypi.simple.v1+json"})
    assert r.status == 200, r
    doc: dict[str, Any] = json.loads(r.body)
    return doc


def wait_for_uploads(server: IndexServer, count: int) -> list[UploadRecord]:
    deadline = time.monotonic() + TIMEOUT
    while len(server.uploads) < count:
        assert time.monotonic() < deadline, f"expected {count} uploads, got {server.uploads}"
        time.sleep(0.02)
    return server.uploads


def start(servers: list[IndexServer], **kw: object) -> IndexServer:
    server = IndexServer([EXISTING], **kw)  # type: ignore[arg-type]
    servers.append(server.start())
    return server
