"""Tests of the legacy upload API of ``nbext.demo.IndexServer`` (``POST /legacy/``)."""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import socket
import time
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import pytest
from nbext.demo import Dist, IndexServer, UploadRecord, build_sdist, build_wheel

from tests.support.pages import anchor_list as anchors

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


@pytest.fixture
def servers() -> Iterator[list[IndexServer]]:
    """Servers a test starts (append to the list); all stopped at teardown."""
    started: list[IndexServer] = []
    yield started
    for server in started:
        server.stop()


def start(servers: list[IndexServer], **kw: object) -> IndexServer:
    server = IndexServer([EXISTING], **kw)  # type: ignore[arg-type]
    servers.append(server.start())
    return server


@pytest.fixture
def server(servers: list[IndexServer]) -> IndexServer:
    """Public to read, authenticated to write."""
    return start(servers, upload=True, upload_auth=(USER, PASSWORD), json_api=True)


# -- success ------------------------------------------------------------------------


def test_uploaded_wheel_is_listed_and_served(server: IndexServer) -> None:
    assert server.upload_url == f"{server.base_url}/legacy/"
    filename, data = build_wheel(WIDGETS)
    r = upload(server, *upload_form(WIDGETS))
    assert (r.status, r.reason, r.body) == (200, "OK", b"OK")
    assert r.headers["Content-Type"].startswith("text/plain")

    sha256 = hashlib.sha256(data).hexdigest()
    with zipfile.ZipFile(BytesIO(data)) as zf:
        metadata = zf.read("acme_widgets-1.0.dist-info/METADATA")
    metadata_sha256 = hashlib.sha256(metadata).hexdigest()

    doc = simple_json(server, "acme-widgets")
    assert doc["versions"] == ["1.0"]
    [entry] = doc["files"]
    assert entry["filename"] == filename
    assert entry["hashes"] == {"sha256": sha256}
    assert entry["requires-python"] == ">=3.9"
    assert entry["core-metadata"] == {"sha256": metadata_sha256}
    assert entry["size"] == len(data)

    page = get(server, "/simple/acme-widgets/")
    assert page.status == 200
    [anchor] = anchors(page.body)
    assert anchor["href"] == f"../../files/{filename}#sha256={sha256}"
    assert anchor["data-requires-python"] == ">=3.9"
    assert anchor["data-core-metadata"] == f"sha256={metadata_sha256}"

    served = get(server, f"/files/{filename}")
    assert served.status == 200 and served.body == data
    served_metadata = get(server, f"/files/{filename}.metadata")
    assert served_metadata.status == 200 and served_metadata.body == metadata

    # the project joins the root page, and the JSON API describes the release from the form
    root = json.loads(
        get(server, "/simple/", {"Accept": "application/vnd.pypi.simple.v1+json"}).body
    )
    assert {p["name"] for p in root["projects"]} == {"acme-core", "Acme.Widgets"}
    info = json.loads(get(server, "/pypi/Acme.Widgets/1.0/json").body)["info"]
    assert info["summary"] == "widgets for everyone"
    assert info["requires_python"] == ">=3.9"
    assert info["requires_dist"] == list(WIDGETS.requires_dist)
    assert [(d.name, d.version) for d in server.dists] == [
        ("acme-core", "1.0"),
        ("Acme.Widgets", "1.0"),
    ]


def test_sdist_joins_the_release_and_serial_moves(server: IndexServer) -> None:
    def serial() -> int:
        return int(get(server, "/pypi/acme-core/json").headers["X-PyPI-Last-Serial"])

    before = serial()
    assert upload(server, *upload_form(WIDGETS)).status == 200
    assert upload(server, *upload_form(WIDGETS, "sdist", requires_python="")).status == 200
    assert serial() == before + 2
    sdist_name, sdist = build_sdist(WIDGETS)
    files = simple_json(server, "acme-widgets")["files"]
    assert [f["filename"] for f in files] == [build_wheel(WIDGETS)[0], sdist_name]
    assert "requires-python" not in files[1]  # an empty field: None
    assert "core-metadata" not in files[1]  # no PEP 658 for sdists
    assert get(server, f"/files/{sdist_name}").body == sdist
    [dist] = [d for d in server.dists if d.name == "Acme.Widgets"]
    assert dist.wheel and dist.sdist


def test_upload_to_a_release_added_with_a_dist_keeps_its_files(
    servers: list[IndexServer],
) -> None:
    sdist_only = Dist("acme-widgets", "1.0", wheel=False)
    server = IndexServer([sdist_only], upload=True).start()
    servers.append(server)
    assert upload(server, *upload_form(WIDGETS), auth=None).status == 200
    files = simple_json(server, "acme-widgets")["files"]
    assert {f["filename"] for f in files} == {
        build_sdist(sdist_only)[0],
        build_wheel(WIDGETS)[0],
    }
    assert server.dists == [sdist_only]  # the Dist a release was added with stays


# -- authentication -------------------------------------------------------------------


def test_upload_credentials(server: IndexServer) -> None:
    form = upload_form(WIDGETS)
    missing = upload(server, *form, auth=None)
    assert missing.status == 401
    assert missing.headers["WWW-Authenticate"] == 'Basic realm="demo"'
    not_basic = upload(server, *form, auth="Bearer " + PASSWORD)
    assert not_basic.status == 401
    wrong = upload(server, *form, auth=basic(USER, "nope"))
    assert wrong.status == 403
    assert wrong.reason == "Invalid or non-existent authentication information."
    assert wrong.body.decode() == wrong.reason
    assert upload(server, *form, auth=basic("someone", PASSWORD)).status == 403
    assert get(server, "/simple/acme-widgets/").status == 404  # nothing stored so far
    assert upload(server, *form).status == 200
    assert [(u.status, u.has_auth) for u in server.uploads] == [
        (401, False),
        (401, True),
        (403, True),
        (403, True),
        (200, True),
    ]
    assert server.uploads[0].fields == ()  # refused before the form is parsed


def test_downloads_stay_open_with_only_upload_auth(server: IndexServer) -> None:
    assert server.auth is None
    assert get(server, "/simple/").status == 200
    assert get(server, "/simple/acme-core/").status == 200
    assert upload(server, *upload_form(WIDGETS)).status == 200
    filename = build_wheel(WIDGETS)[0]
    assert get(server, f"/files/{filename}").body == build_wheel(WIDGETS)[1]
    assert not any(r.has_auth for r in server.requests if r.method == "GET")


def test_uploads_use_the_download_credentials_without_upload_auth(
    servers: list[IndexServer],
) -> None:
    server = start(servers, upload=True, auth=("reader", "read-pw"))
    form = upload_form(WIDGETS)
    assert upload(server, *form, auth=None).status == 401
    assert upload(server, *form).status == 403  # the upload credentials are not these
    assert upload(server, *form, auth=basic("reader", "read-pw")).status == 200
    assert get(server, "/simple/acme-widgets/").status == 401
    r = get(server, "/simple/acme-widgets/", {"Authorization": basic("reader", "read-pw")})
    assert r.status == 200


def test_no_credentials_needed_without_auth(servers: list[IndexServer]) -> None:
    server = start(servers, upload=True)
    assert upload(server, *upload_form(WIDGETS), auth=None).status == 200
    # credentials nobody asked for are ignored
    assert upload(server, *upload_form(WIDGETS, "sdist")).status == 200


# -- refusals -------------------------------------------------------------------------


def test_existing_file_is_refused(server: IndexServer) -> None:
    assert upload(server, *upload_form(WIDGETS)).status == 200
    filename, data = build_wheel(WIDGETS)
    again = upload(server, *upload_form(WIDGETS))
    blake2 = hashlib.blake2b(data, digest_size=32).hexdigest()
    reason = (
        f"File already exists ('{filename}', with blake2_256 hash '{blake2}'). "
        "See /help/#file-name-reuse for more information."
    )
    assert (again.status, again.reason, again.body.decode()) == (400, reason, reason)

    # a file added from a Dist counts too; the hash is the one of the new upload
    other = Dist("acme-core", "1.0", summary="different bytes, same file name")
    other_data = build_wheel(other)[1]
    assert other_data != build_wheel(EXISTING)[1]
    r = upload(server, *upload_form(other))
    new_blake2 = hashlib.blake2b(other_data, digest_size=32).hexdigest()
    assert r.status == 400
    assert r.reason.startswith("File already exists ('acme_core-1.0-py3-none-any.whl', ")
    assert f"with blake2_256 hash '{new_blake2}'" in r.reason
    assert get(server, "/files/acme_core-1.0-py3-none-any.whl").body == build_wheel(EXISTING)[1]


@pytest.mark.parametrize("digest", ["md5_digest", "sha256_digest", "blake2_256_digest"])
def test_bad_digest_is_refused(server: IndexServer, digest: str) -> None:
    r = upload(server, *upload_form(WIDGETS, **{digest: "0" * 64}))
    reason = "The digest supplied does not match a digest calculated from the uploaded file."
    assert (r.status, r.reason, r.body.decode()) == (400, reason, reason)
    assert get(server, "/simple/acme-widgets/").status == 404


def test_digests_are_optional(server: IndexServer) -> None:
    form = upload_form(WIDGETS, drop=("md5_digest", "sha256_digest", "blake2_256_digest"))
    assert upload(server, *form).status == 200


@pytest.mark.parametrize("missing", ["name", "version", "filetype", "metadata_version", "content"])
def test_missing_field_is_refused(server: IndexServer, missing: str) -> None:
    r = upload(server, *upload_form(WIDGETS, drop=(missing,)))
    reason = f"Invalid value for {missing}. Error: This field is required."
    assert (r.status, r.reason, r.body.decode()) == (400, reason, reason)


def test_name_and_version_must_match_the_filename(server: IndexServer) -> None:
    form = upload_form(Dist("acme-gadgets", "1.0"))
    fields = [(k, "Acme.Widgets" if k == "name" else v) for k, v in form[0]]
    r = upload(server, fields, form[1])
    assert (r.status, r.reason) == (
        400,
        "Start filename for 'Acme.Widgets' with 'acme_widgets-1.0'.",
    )
    assert r.body.decode() == r.reason
    wrong_version = upload(server, *upload_form(WIDGETS, version="1.0.1"))
    assert wrong_version.status == 400
    assert wrong_version.reason == "Version in filename should be '1.0.1' not '1.0'."
    # another spelling of the same name and version is fine
    assert upload(server, *upload_form(WIDGETS, name="acme_widgets", version="1.0.0")).status == 200
    assert get(server, "/simple/acme-widgets/").status == 200


@pytest.mark.parametrize(
    ("override", "status", "reason"),
    [
        ({"version": "one"}, 400, "Invalid value for version. Error: 'one' is not a valid PEP 440"),
        (
            {"filetype": "bdist_egg"},
            400,
            "Invalid value for filetype. Error: Use a known file type.",
        ),
        ({"filetype": "sdist"}, 400, "Invalid value for filetype. Error: "),
        ({"metadata_version": "9.9"}, 400, "Invalid value for metadata_version."),
        ({"name": "-bad-"}, 400, "Invalid value for name. Error: Start and end with"),
        ({"protocol_version": "2"}, 400, "Unknown protocol version."),
        ({":action": "frobnicate"}, 400, "Invalid value for :action. Error: "),
        ({":action": "doc_upload"}, 410, "Uploading documentation is no longer supported"),
        (
            {":action": "submit"},
            410,
            "Project pre-registration is no longer required or supported, "
            "upload your files instead.",
        ),
    ],
)
def test_invalid_form_is_refused(
    server: IndexServer, override: dict[str, str], status: int, reason: str
) -> None:
    r = upload(server, *upload_form(WIDGETS, **override))
    assert r.status == status and r.reason.startswith(reason)
    assert r.body.decode() == r.reason
    assert get(server, "/simple/acme-widgets/").status == 404


def test_bad_filenames_and_files_are_refused(server: IndexServer) -> None:
    fields, [(_, filename, data)] = upload_form(WIDGETS, drop=("md5_digest",), sha256_digest="")
    for bad_name, reason in [
        ("../" + filename, "Cannot upload a file with '/' or '\\' in the name."),
        ("acme_widgets-1.0.zip", "Invalid file extension: Use .tar.gz or .whl extension."),
        ("acme_widgets-1.0-py3.whl", "Invalid wheel filename"),
    ]:
        r = upload(server, fields, [("content", bad_name, data)])
        assert r.status == 400 and r.reason.startswith(reason), r
    no_digests = [(k, v) for k, v in fields if k != "blake2_256_digest"]
    not_a_zip = upload(server, no_digests, [("content", filename, b"not a zip file")])
    assert (not_a_zip.status, not_a_zip.reason) == (400, "Invalid distribution file.")
    sdist_fields, [(_, sdist_name, _)] = upload_form(WIDGETS, "sdist", drop=("md5_digest",))
    sdist_fields = [(k, v) for k, v in sdist_fields if not k.endswith("_digest")]
    not_a_tarball = upload(server, sdist_fields, [("content", sdist_name, b"\x1f\x8bjunk")])
    assert (not_a_tarball.status, not_a_tarball.reason) == (400, "Invalid distribution file.")
    no_metadata = BytesIO()
    with zipfile.ZipFile(no_metadata, "w") as zf:
        zf.writestr("acme_widgets/__init__.py", "")
    r = upload(server, no_digests, [("content", filename, no_metadata.getvalue())])
    assert r.status == 400 and r.reason == (
        f"Wheel '{filename}' does not contain the required METADATA file: "
        "acme_widgets-1.0.dist-info/METADATA"
    )
    assert get(server, "/simple/acme-widgets/").status == 404
    not_multipart = request(
        server,
        "POST",
        "/legacy/",
        b"name=x",
        {"Content-Type": "application/x-www-form-urlencoded", "Authorization": AUTH},
    )
    assert not_multipart.status == 400 and "multipart/form-data" in not_multipart.reason


def _raw_exchange(server: IndexServer, head: bytes, body: bytes = b"") -> bytes:
    """Send raw request bytes, return everything the server answers until it closes."""
    with socket.create_connection(("127.0.0.1", server.bound_port), timeout=TIMEOUT) as sock:
        sock.sendall(head + body)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_length_required(server: IndexServer) -> None:
    answer = _raw_exchange(
        server,
        b"POST /legacy/ HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\n"
        b"Authorization: " + AUTH.encode() + b"\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 411 Length Required\r\n")
    assert b"Connection: close" in answer  # the server hangs up: it cannot find the body's end
    assert [(u.status, u.reason) for u in server.uploads] == [(411, "Length Required")]


def test_too_large_is_refused_unread(servers: list[IndexServer]) -> None:
    server = start(servers, upload=True, max_upload_bytes=1000)
    big = 10**9  # never sent: the server must answer from the headers alone
    answer = _raw_exchange(
        server,
        f"POST /legacy/ HTTP/1.1\r\nHost: x\r\nContent-Length: {big}\r\n"
        "Content-Type: multipart/form-data; boundary=b\r\n\r\n".encode(),
    )
    assert answer.startswith(b"HTTP/1.1 413 Request Entity Too Large\r\n")
    assert b"Connection: close" in answer
    assert [u.status for u in server.uploads] == [413]
    # a body within the limit is read and parsed
    small = upload(server, [(":action", "file_upload")], [])
    assert small.status == 400 and small.reason.startswith("Invalid value for ")


def test_interrupted_body_stores_nothing(server: IndexServer) -> None:
    body, content_type = encode_multipart(*upload_form(WIDGETS))
    head = (
        f"POST /legacy/ HTTP/1.1\r\nHost: x\r\nContent-Length: {len(body)}\r\n"
        f"Content-Type: {content_type}\r\nAuthorization: {AUTH}\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", server.bound_port), timeout=TIMEOUT) as sock:
        sock.sendall(head + body[: len(body) // 2])
    [record] = wait_for_uploads(server, 1)
    assert record.status == 0 and record.fault is None
    assert (
        record.reason
        == f"interrupted: the client hung up after {len(body) // 2} of {len(body)} bytes"
    )
    assert record.fields == () and record.filename is None
    assert server.requests[-1].method == "POST" and server.requests[-1].status == 0
    assert get(server, "/simple/acme-widgets/").status == 404


# -- paths and methods ---------------------------------------------------------------


def test_legacy_without_slash_redirects(server: IndexServer) -> None:
    r = upload(server, *upload_form(WIDGETS), path="/legacy")
    assert r.status == 301 and r.headers["Location"] == "/legacy/"
    assert get(server, "/simple/acme-widgets/").status == 404
    assert server.uploads == []
    assert [(r.method, r.path, r.status) for r in server.requests[:1]] == [("POST", "/legacy", 301)]


def test_post_elsewhere_is_not_allowed(server: IndexServer) -> None:
    r = upload(server, *upload_form(WIDGETS), path="/simple/")
    assert r.status == 405 and r.headers["Allow"] == "GET, HEAD"


def test_upload_disabled_by_default(servers: list[IndexServer]) -> None:
    server = start(servers)
    for path in ("/legacy/", "/legacy"):
        r = upload(server, *upload_form(WIDGETS), path=path, auth=None)
        assert r.status == 405
    assert server.uploads == []
    assert [r.status for r in server.requests] == [405, 405]


# -- faults ---------------------------------------------------------------------------


def test_reset_fault_interrupts_the_upload(server: IndexServer) -> None:
    big = Dist("acme-widgets", "2.0", payload=2 * 1024 * 1024)  # more than socket buffers
    form = upload_form(big)
    server.set_fault("/legacy/", action="reset", times=1)
    with pytest.raises(ConnectionError):
        upload(server, *form)
    [record] = server.uploads
    assert (record.status, record.fault, record.filename) == (0, "reset", None)
    assert server.requests[-1].fault == "reset"
    assert get(server, "/simple/acme-widgets/").status == 404
    # the fault is used up: the retry goes through
    assert upload(server, *form).status == 200
    assert simple_json(server, "acme-widgets")["versions"] == ["2.0"]


def test_reset_fault_on_a_small_upload(server: IndexServer) -> None:
    server.set_fault("/legacy/", action="reset", times=1)
    with pytest.raises(ConnectionError):
        upload(server, *upload_form(WIDGETS))
    assert get(server, "/simple/acme-widgets/").status == 404


def test_status_fault_then_retry_succeeds(server: IndexServer) -> None:
    form = upload_form(WIDGETS)
    server.set_fault("/legacy/", status=503, body=b"try again later", times=1)
    first = upload(server, *form)
    assert (first.status, first.body) == (503, b"try again later")
    assert get(server, "/simple/acme-widgets/").status == 404
    assert upload(server, *form).status == 200
    assert [(u.status, u.fault) for u in server.uploads] == [(503, "respond"), (200, None)]
    posts = [(r.status, r.fault) for r in server.requests if r.method == "POST"]
    assert posts == [(503, "respond"), (200, None)]


def test_fault_keeps_the_connection_usable(server: IndexServer) -> None:
    """A ``respond`` fault reads the body first, so keep-alive still works."""
    server.set_fault("/legacy/", status=500, times=2)
    body, content_type = encode_multipart(*upload_form(WIDGETS))
    headers = {"Content-Type": content_type, "Authorization": AUTH}
    conn = http.client.HTTPConnection("127.0.0.1", server.bound_port, timeout=TIMEOUT)
    try:
        statuses = []
        for _ in range(3):
            conn.request("POST", "/legacy/", body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            statuses.append(resp.status)
        assert statuses == [500, 500, 200]
    finally:
        conn.close()


def test_truncate_fault_stores_but_cuts_the_answer(server: IndexServer) -> None:
    """With an empty body, ``truncate`` lets the upload through and loses its answer."""
    server.set_fault("/legacy/", action="truncate", times=1)
    with pytest.raises(http.client.IncompleteRead):
        upload(server, *upload_form(WIDGETS))
    assert simple_json(server, "acme-widgets")["versions"] == ["1.0"]
    again = upload(server, *upload_form(WIDGETS))
    assert again.status == 400 and again.reason.startswith("File already exists")


# -- introspection --------------------------------------------------------------------


def test_uploads_record_fields_in_order_and_never_the_password(server: IndexServer) -> None:
    fields, files = upload_form(WIDGETS)
    fields += [
        ("classifiers", "Programming Language :: Python :: 3"),
        ("classifiers", "License :: OSI Approved :: MIT License"),
        ("project_urls", "Homepage, https://example.invalid/"),
        ("project_urls", "Source, https://example.invalid/src"),
        ("description", "Line one\r\nline two, ünïcode"),
    ]
    assert upload(server, fields, files).status == 200
    assert upload(server, fields, files, auth=basic(USER, PASSWORD + "x")).status == 403
    ok, forbidden = server.uploads
    filename, data = build_wheel(WIDGETS)
    assert ok == UploadRecord(
        path="/legacy/",
        status=200,
        reason="OK",
        fields=tuple(fields),
        filename=filename,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        has_auth=True,
    )
    assert [v for k, v in ok.fields if k == "requires_dist"] == list(WIDGETS.requires_dist)
    assert (forbidden.status, forbidden.has_auth) == (403, True)
    for text in (repr(server.uploads), repr(server.requests)):
        assert PASSWORD not in text
        assert AUTH.split()[1] not in text
    server.clear_log()
    assert server.uploads == [] and server.requests == []


# -- project pages --------------------------------------------------------------------


def test_project_page(server: IndexServer) -> None:
    assert server.project_url("Acme.Widgets") == f"{server.base_url}/project/acme-widgets/"
    assert get(server, "/project/acme-widgets/").status == 404
    assert upload(server, *upload_form(WIDGETS)).status == 200
    newer = Dist("Acme.Widgets", "1.1")
    assert upload(server, *upload_form(newer)).status == 200
    page = get(server, "/project/acme-widgets/")
    assert page.status == 200 and page.headers["Content-Type"].startswith("text/html")
    assert [a["href"] for a in anchors(page.body)] == ["1.1/", "1.0/"]
    assert "Acme.Widgets" in page.body.decode()
    redirect = get(server, "/project/Acme_Widgets")
    assert redirect.status == 301 and redirect.headers["Location"] == "/project/acme-widgets/"
    release = get(server, "/project/acme-widgets/1.0/")
    assert release.status == 200
    [anchor] = anchors(release.body)
    assert anchor["href"] is not None and anchor["href"].startswith(
        f"/files/{build_wheel(WIDGETS)[0]}"
    )
    assert get(server, "/project/acme-widgets/9.9/").status == 404
    assert get(server, "/project/acme-widgets/not-a-version/").status == 404
    assert get(server, "/project/unknown/").status == 404
    assert get(server, "/project/acme-core/").status == 200  # added Dists have pages too
