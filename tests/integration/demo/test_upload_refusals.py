"""Uploads the demo index refuses, as PyPI refuses them: existing files, bad digests, missing
or invalid fields, bad file names, no length, too large, an interrupted body, wrong paths.
"""

from __future__ import annotations

import hashlib
import socket
import zipfile
from io import BytesIO

import pytest

from nbext.demo import Dist, IndexServer, build_wheel
from tests.support.uploads import (
    AUTH,
    EXISTING,
    TIMEOUT,
    WIDGETS,
    encode_multipart,
    get,
    request,
    start,
    upload,
    upload_form,
    wait_for_uploads,
)

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
