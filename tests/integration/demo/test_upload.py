"""Uploads the demo index accepts (``POST /legacy/``): listed and served at once, the release and
the serial, credentials, the fields recorded (never the password).
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from io import BytesIO

from nbext.demo import Dist, IndexServer, UploadRecord, build_sdist, build_wheel
from tests.support.pages import anchor_list as anchors
from tests.support.uploads import (
    AUTH,
    PASSWORD,
    USER,
    WIDGETS,
    basic,
    get,
    simple_json,
    start,
    upload,
    upload_form,
)

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


def test_digests_are_optional(server: IndexServer) -> None:
    form = upload_form(WIDGETS, drop=("md5_digest", "sha256_digest", "blake2_256_digest"))
    assert upload(server, *form).status == 200


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
