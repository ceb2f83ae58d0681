"""The demo index (``nbext.demo.IndexServer``) on 127.0.0.1: the Simple API with Accept
negotiation, PEP 658 files, the JSON API, redirects, auth, ETags, ranges, fault injection,
the catalogue and its command line.
"""

from __future__ import annotations

import hashlib
import http.client
import io
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import nbext.demo
import pytest
from nbext.demo import Dist, IndexServer, RequestRecord, build_sdist, build_wheel, start
from nbext.demo.negotiation import negotiate

from tests.support.dists import DISTS, UTILS_1, UTILS_2
from tests.support.env import subprocess_env
from tests.support.pages import HTML_V1, JSON_V1, PIP_ACCEPT, anchors
from tests.support.servers import free_port

SRC_DIR = Path(nbext.demo.__file__).resolve().parents[2]


@pytest.fixture
def index() -> Iterator[IndexServer]:
    with IndexServer(DISTS, name="test") as server:
        yield server


# -- IndexServer: negotiation -----------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (PIP_ACCEPT, JSON_V1),
        (JSON_V1, JSON_V1),
        ("application/vnd.pypi.simple.latest+json", JSON_V1),
        (HTML_V1, HTML_V1),
        ("text/html", "text/html; charset=utf-8"),
        ("*/*", "text/html; charset=utf-8"),
        (f"{JSON_V1}; q=0.5, text/html", "text/html; charset=utf-8"),
        (f"text/html; q=0.2, {HTML_V1}; q=0.3", HTML_V1),
        ("application/*, text/html; q=0.9", JSON_V1),
        (f"{JSON_V1}; q=0, */*", "text/html; charset=utf-8"),
    ],
)
def test_accept_negotiation(
    index: IndexServer, client: httpx.Client, accept: str, expected: str
) -> None:
    for path in ("", "acme-utils/"):
        r = client.get(index.url + path, headers={"Accept": accept})
        assert r.status_code == 200
        assert r.headers["content-type"] == expected
        assert r.headers["vary"] == "Accept"
        if expected == JSON_V1:
            assert r.json()["meta"] == {"api-version": "1.1"}
        else:
            assert r.text.startswith("<!DOCTYPE html>")


def test_negotiation_edge_cases(index: IndexServer, client: httpx.Client) -> None:
    assert negotiate(None) == "text/html"
    assert negotiate("") == "text/html"
    assert negotiate("application/json") is None
    r = client.get(index.url, headers={"Accept": "application/json"})
    assert r.status_code == 406
    assert r.headers["vary"] == "Accept"


def test_api_html_ignores_accept(client: httpx.Client) -> None:
    with IndexServer(DISTS, api="html") as server:
        r = client.get(server.url + "acme-utils/", headers={"Accept": JSON_V1})
        assert r.status_code == 200
        assert r.headers["content-type"] == "text/html; charset=utf-8"
        assert r.headers["vary"] == "Accept"


# -- IndexServer: pages and files -------------------------------------------------


def test_json_project_page(index: IndexServer, client: httpx.Client) -> None:
    r = client.get(index.url + "acme-utils/", headers={"Accept": PIP_ACCEPT})
    doc = r.json()
    assert doc["name"] == "acme-utils"
    assert doc["versions"] == ["1.0.0", "2.0.0", "3.0.0", "4.0.0"]
    files = {f["filename"]: f for f in doc["files"]}
    assert list(files) == [
        "acme_utils-1.0.0-py3-none-any.whl",
        "acme_utils-1.0.0.tar.gz",
        "acme_utils-2.0.0-py3-none-any.whl",
        "acme_utils-2.0.0.tar.gz",
        "acme_utils-3.0.0-py3-none-any.whl",
        "acme_utils-3.0.0.tar.gz",
        "acme_utils-4.0.0-py3-none-any.whl",
    ]
    for name, f in files.items():
        download = client.get(r.url.join(f["url"]))
        assert download.status_code == 200
        assert hashlib.sha256(download.content).hexdigest() == f["hashes"]["sha256"]
        assert f["size"] == len(download.content)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", f["upload-time"])
        if name.endswith(".whl"):
            assert f["core-metadata"] == f["dist-info-metadata"]
            assert set(f["core-metadata"]) == {"sha256"}
        else:
            assert "core-metadata" not in f and "dist-info-metadata" not in f
    assert files["acme_utils-2.0.0-py3-none-any.whl"]["requires-python"] == ">=3.8"
    assert "requires-python" not in files["acme_utils-1.0.0-py3-none-any.whl"]
    assert files["acme_utils-1.0.0.tar.gz"]["yanked"] is False
    assert files["acme_utils-3.0.0.tar.gz"]["yanked"] == "broken <build>"
    assert files["acme_utils-4.0.0-py3-none-any.whl"]["yanked"] is True

    root = client.get(index.url, headers={"Accept": JSON_V1}).json()
    assert root["projects"] == [{"name": "Acme.Core"}, {"name": "acme-utils"}]


def test_pep658_metadata_matches_wheel(index: IndexServer, client: httpx.Client) -> None:
    r = client.get(index.url + "acme-utils/", headers={"Accept": JSON_V1})
    entry = next(f for f in r.json()["files"] if f["filename"].startswith("acme_utils-2.0.0-"))
    wheel = client.get(r.url.join(entry["url"])).content
    metadata = client.get(r.url.join(entry["url"] + ".metadata"))
    assert metadata.status_code == 200
    with zipfile.ZipFile(io.BytesIO(wheel)) as zf:
        assert metadata.content == zf.read("acme_utils-2.0.0.dist-info/METADATA")
    assert hashlib.sha256(metadata.content).hexdigest() == entry["core-metadata"]["sha256"]
    # No metadata file for sdists, nor for unknown files.
    assert client.get(index.base_url + "/files/acme_utils-2.0.0.tar.gz.metadata").status_code == 404
    assert client.get(index.base_url + "/files/nope-1.0.tar.gz").status_code == 404


def test_html_project_page_anchors(index: IndexServer, client: httpx.Client) -> None:
    r = client.get(index.url + "acme-utils/", headers={"Accept": "text/html"})
    assert '<meta name="pypi:repository-version" content="1.1">' in r.text
    assert 'data-requires-python="&gt;=3.8"' in r.text
    assert 'data-yanked="broken &lt;build&gt;"' in r.text
    links = anchors(r.text)
    for name, a in links.items():
        href = a["href"] or ""
        file_url, _, fragment = href.partition("#")
        assert file_url == f"../../files/{name}"
        body = client.get(r.url.join(file_url)).content
        assert fragment == "sha256=" + hashlib.sha256(body).hexdigest()
    whl2 = links["acme_utils-2.0.0-py3-none-any.whl"]
    assert whl2["data-requires-python"] == ">=3.8"
    assert "data-yanked" not in whl2
    assert whl2["data-core-metadata"] == whl2["data-dist-info-metadata"]
    meta = client.get(r.url.join("../../files/acme_utils-2.0.0-py3-none-any.whl.metadata"))
    assert whl2["data-core-metadata"] == "sha256=" + hashlib.sha256(meta.content).hexdigest()
    assert "data-core-metadata" not in links["acme_utils-2.0.0.tar.gz"]
    assert links["acme_utils-3.0.0.tar.gz"]["data-yanked"] == "broken <build>"
    assert links["acme_utils-4.0.0-py3-none-any.whl"]["data-yanked"] == ""
    assert "data-requires-python" not in links["acme_utils-1.0.0.tar.gz"]

    root = client.get(index.url, headers={"Accept": "text/html"})
    assert set(anchors(root.text)) == {"acme-core", "acme-utils"}


def test_metadata_disabled(client: httpx.Client) -> None:
    with IndexServer(DISTS, metadata=False) as server:
        doc = client.get(server.url + "acme-utils/", headers={"Accept": JSON_V1}).json()
        assert all("core-metadata" not in f for f in doc["files"])
        assert all("dist-info-metadata" not in f for f in doc["files"])
        page = client.get(server.url + "acme-utils/", headers={"Accept": "text/html"}).text
        assert "data-core-metadata" not in page and "data-dist-info-metadata" not in page
        url = server.base_url + "/files/acme_utils-1.0.0-py3-none-any.whl"
        assert client.get(url).status_code == 200
        assert client.get(url + ".metadata").status_code == 404


def test_redirects_and_404(index: IndexServer, client: httpx.Client) -> None:
    for path, location in [
        ("/simple/Acme_Utils/", "/simple/acme-utils/"),
        ("/simple/acme-utils", "/simple/acme-utils/"),
        ("/simple/ACME.core/", "/simple/acme-core/"),
        ("/simple", "/simple/"),
    ]:
        r = client.get(index.base_url + path)
        assert (r.status_code, r.headers["location"]) == (301, location), path
    r = client.get(index.base_url + "/simple/Acme_Utils/", follow_redirects=True)
    assert r.status_code == 200 and str(r.url).endswith("/simple/acme-utils/")
    assert client.get(index.url + "no-such-project/").status_code == 404
    assert client.get(index.base_url + "/elsewhere").status_code == 404
    assert client.get(index.base_url + "/").status_code == 200


def test_auth(client: httpx.Client) -> None:
    with IndexServer(DISTS, auth=("alice", "s3cret")) as server:
        r = client.get(server.url)
        assert r.status_code == 401
        assert r.headers["www-authenticate"] == 'Basic realm="demo"'
        assert client.get(server.url, auth=("alice", "wrong")).status_code == 403
        assert client.get(server.url, auth=("bob", "s3cret")).status_code == 403
        assert client.get(server.url, headers={"Authorization": "Basic !!"}).status_code == 403
        assert client.get(server.url, auth=("alice", "s3cret")).status_code == 200
        file_url = server.base_url + "/files/acme_utils-1.0.0.tar.gz"
        assert client.get(file_url).status_code == 401
        assert client.get(file_url, auth=("alice", "s3cret")).status_code == 200
        assert [(r.status, r.has_auth) for r in server.requests] == [
            (401, False),
            (403, True),
            (403, True),
            (403, True),
            (200, True),
            (401, False),
            (200, True),
        ]


def test_etag_and_cache_control(client: httpx.Client) -> None:
    with IndexServer(DISTS, max_age=600) as server:
        r = client.get(server.url + "acme-utils/", headers={"Accept": JSON_V1})
        assert r.headers["cache-control"] == "max-age=600"
        etag = r.headers["etag"]
        again = client.get(
            server.url + "acme-utils/", headers={"Accept": JSON_V1, "If-None-Match": etag}
        )
        assert again.status_code == 304 and again.content == b""
        assert again.headers["etag"] == etag
        # The HTML representation has its own ETag.
        html_page = client.get(
            server.url + "acme-utils/", headers={"Accept": "text/html", "If-None-Match": etag}
        )
        assert html_page.status_code == 200 and html_page.headers["etag"] != etag
        assert client.get(server.url, headers={"If-None-Match": '"other", *'}).status_code == 304
        # Files too: their ETag is their sha256.
        f = client.get(server.base_url + "/files/acme_utils-1.0.0.tar.gz")
        assert f.headers["etag"] == '"' + hashlib.sha256(f.content).hexdigest() + '"'
        assert client.get(f.url, headers={"If-None-Match": f.headers["etag"]}).status_code == 304
        # A change to the project changes its page and so its ETag.
        server.add(Dist("acme-utils", "5.0.0"))
        changed = client.get(
            server.url + "acme-utils/", headers={"Accept": JSON_V1, "If-None-Match": etag}
        )
        assert changed.status_code == 200 and changed.headers["etag"] != etag
    with IndexServer(DISTS) as server:
        r = client.get(server.url)
        assert r.headers["cache-control"] == "max-age=0, must-revalidate"
        revalidated = client.get(server.url, headers={"If-None-Match": r.headers["etag"]})
        assert revalidated.status_code == 304


def test_range_requests(index: IndexServer, client: httpx.Client) -> None:
    url = index.base_url + "/files/acme_utils-1.0.0-py3-none-any.whl"
    full = client.get(url)
    assert full.headers["accept-ranges"] == "bytes"
    data, size = full.content, len(full.content)
    cases = [
        ("bytes=0-9", 0, 9),
        ("bytes=-22", size - 22, size - 1),
        ("bytes=10-", 10, size - 1),
        (f"bytes=5-{size + 100}", 5, size - 1),
    ]
    for header, first, last in cases:
        r = client.get(url, headers={"Range": header})
        assert r.status_code == 206, header
        assert r.content == data[first : last + 1]
        assert r.headers["content-range"] == f"bytes {first}-{last}/{size}"
        assert r.headers["content-length"] == str(last - first + 1)
    r = client.get(url, headers={"Range": f"bytes={size}-"})
    assert r.status_code == 416 and r.headers["content-range"] == f"bytes */{size}"
    assert client.get(url, headers={"Range": "bytes=0-1,4-5"}).status_code == 200
    assert index.requests[1].range == "bytes=0-9"


def test_single_page_layout(client: httpx.Client) -> None:
    with IndexServer(DISTS, layout="single-page") as server:
        assert server.url == server.base_url + "/links.html"
        r = client.get(server.url, headers={"Accept": JSON_V1})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        links = anchors(r.text)
        assert len(links) == 8  # every file of every project
        for name, a in links.items():
            href = a["href"] or ""
            assert href.startswith(f"/files/{name}#sha256=")
        f = client.get(r.url.join(links["acme_core-1.0.tar.gz"]["href"] or ""))
        assert f.status_code == 200
        assert client.get(server.base_url + "/simple/").status_code == 404
        assert client.get(server.base_url + "/simple/acme-utils/").status_code == 404


def test_fault_injection(index: IndexServer, client: httpx.Client) -> None:
    page = index.url + "acme-utils/"
    index.set_fault("/simple/acme-utils/", status=500, body=b"boom", times=2)
    assert [client.get(page).status_code for _ in range(3)] == [500, 500, 200]

    blob = bytes(range(256))
    index.set_fault(
        "/simple/",
        status=200,
        body=blob,
        content_type="application/octet-stream",
        headers={"X-Fault": "yes"},
    )
    for _ in range(2):
        r = client.get(page)
        assert r.status_code == 200 and r.content == blob
        assert r.headers["content-type"] == "application/octet-stream"
        assert r.headers["x-fault"] == "yes"
    # The newest matching fault wins; a fault beats auth and routing.
    index.set_fault("/simple/acme", status=503, times=1)
    assert client.get(page).status_code == 503
    assert client.get(page).status_code == 200  # back to the "/simple/" fault
    index.clear_faults()
    assert client.get(page).headers["content-type"].startswith("text/html")
    assert [r.status for r in index.requests] == [500, 500, 200, 200, 200, 503, 200, 200]


def _send_get(port: int, path: str) -> socket.socket:
    """A raw HTTP/1.1 GET (no Accept header: the HTML page); the caller closes the socket."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return sock


def _read_to_eof(sock: socket.socket) -> bytes:
    chunks = []
    for _ in range(10_000):  # bounded; each recv waits at most the socket's 5 s timeout
        chunk = sock.recv(65536)
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _handler_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if "process_request_thread" in t.name}


def test_fault_actions_are_validated_and_logged(index: IndexServer, client: httpx.Client) -> None:
    with pytest.raises(ValueError, match="action must be one of"):
        index.set_fault("/simple/", action="explode")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="delay must be >= 0"):
        index.set_fault("/simple/", action="stall", delay=-1)
    index.set_fault("/simple/acme-utils/", status=500, times=1)  # action="respond"
    assert client.get(index.url + "acme-utils/").status_code == 500
    assert client.get(index.url + "acme-utils/").status_code == 200
    assert [(r.status, r.fault) for r in index.requests] == [(500, "respond"), (200, None)]


def test_fault_reset_aborts_the_connection_with_a_rst(
    index: IndexServer, client: httpx.Client
) -> None:
    page = index.url + "acme-utils/"
    index.set_fault("/simple/acme-utils/", action="reset", times=2)
    with (
        _send_get(index.bound_port, "/simple/acme-utils/") as sock,
        pytest.raises(ConnectionResetError),  # a RST, not an orderly close (b"")
    ):
        sock.recv(1024)
    with pytest.raises(httpx.ReadError):
        client.get(page)
    assert client.get(page).status_code == 200  # used up: a new connection works
    assert [(r.path, r.status, r.fault) for r in index.requests] == [
        ("/simple/acme-utils/", 0, "reset"),
        ("/simple/acme-utils/", 0, "reset"),
        ("/simple/acme-utils/", 200, None),
    ]


def test_fault_stall_sends_nothing_then_closes() -> None:
    with IndexServer(DISTS) as server, httpx.Client(trust_env=False, timeout=0.3) as quick:
        server.set_fault("/simple/", action="stall", delay=0.5)
        t0 = time.monotonic()
        with _send_get(server.bound_port, "/simple/acme-utils/") as sock:
            assert select.select([sock], [], [], 0.2)[0] == []  # nothing yet
            assert _read_to_eof(sock) == b""  # closed after the delay, without a response
        assert 0.4 < time.monotonic() - t0 < 3
        with pytest.raises(httpx.ReadTimeout):
            quick.get(server.url + "acme-utils/")
        assert [(r.status, r.fault) for r in server.requests] == [(0, "stall"), (0, "stall")]


def test_fault_stall_ends_when_the_server_stops() -> None:
    before = _handler_threads()
    server = IndexServer(DISTS).start()
    try:
        server.set_fault("/simple/", action="stall")  # 30 s by default
        with _send_get(server.bound_port, "/simple/acme-utils/") as sock:
            for _ in range(200):  # bounded wait until the request has been read and logged
                if server.requests:
                    break
                time.sleep(0.01)
            assert [r.fault for r in server.requests] == ["stall"]
            assert select.select([sock], [], [], 0.1)[0] == []
            t0 = time.monotonic()
            server.stop()
            assert _read_to_eof(sock) == b""
            stalled = _handler_threads() - before
            for thread in stalled:
                thread.join(timeout=2)
            assert time.monotonic() - t0 < 2
            assert not any(t.is_alive() for t in stalled)  # the stop Event woke the stall
    finally:
        server.stop()


def test_fault_truncate_sends_half_the_promised_body(
    index: IndexServer, client: httpx.Client
) -> None:
    path = "/simple/acme-utils/"
    full = client.get(index.base_url + path, headers={"Accept": "text/html"}).content
    index.set_fault(path, action="truncate")  # no body: the normal answer, truncated
    with _send_get(index.bound_port, path) as sock:
        raw = _read_to_eof(sock)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ")
    assert f"content-length: {len(full)}\r\n" in head.decode().lower() + "\r\n"
    assert "content-type: text/html" in head.decode().lower()
    assert body == full[: len(full) // 2]
    with pytest.raises(httpx.RemoteProtocolError, match="complete message body"):
        client.get(index.base_url + path)
    # With a body of its own: that status, those headers, half of that body.
    index.set_fault(path, action="truncate", status=503, body=b"0123456789", times=1)
    with _send_get(index.bound_port, path) as sock:
        raw = _read_to_eof(sock)
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 ") and b"Content-Length: 10\r\n" in head + b"\r\n"
    assert body == b"01234"
    assert [(r.status, r.fault) for r in index.requests] == [
        (200, None),
        (200, "truncate"),
        (200, "truncate"),
        (503, "truncate"),
    ]


def test_fault_redirect_loop(index: IndexServer, client: httpx.Client) -> None:
    path = "/simple/acme-utils/"
    index.set_fault(path, status=302, headers={"Location": path})
    r = client.get(index.base_url + path)
    assert (r.status_code, r.headers["location"]) == (302, path)
    index.clear_log()
    with pytest.raises(httpx.TooManyRedirects):
        client.get(index.base_url + path, follow_redirects=True)
    assert [(r.path, r.status, r.fault) for r in index.requests] == [(path, 302, "respond")] * (
        client.max_redirects + 1
    )


# -- the legacy JSON API --------------------------------------------------------------


@pytest.fixture
def json_index() -> Iterator[IndexServer]:
    dists = (*DISTS, Dist("acme-utils", "5.0.0rc1"), Dist("only-pre", "1.0a1"))
    with IndexServer(dists, name="pypi", json_api=True) as server:
        yield server


def test_json_api_release(json_index: IndexServer, client: httpx.Client) -> None:
    base = json_index.base_url
    r = client.get(base + "/pypi/acme-utils/2.0.0/json")
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    doc = r.json()
    assert set(doc) == {"info", "last_serial", "urls", "vulnerabilities"}
    assert doc["last_serial"] == int(r.headers["x-pypi-last-serial"]) >= 1
    info = doc["info"]
    assert {k: info[k] for k in ("name", "version", "summary", "requires_python")} == {
        "name": "acme-utils",
        "version": "2.0.0",
        "summary": "helpers",
        "requires_python": ">=3.8",
    }
    assert info["requires_dist"] == list(UTILS_2.requires_dist)
    assert (info["yanked"], info["yanked_reason"]) == (False, None)
    assert info["project_url"] == f"{base}/project/acme-utils/"
    assert info["release_url"] == f"{base}/project/acme-utils/2.0.0/"
    wheel, sdist = build_wheel(UTILS_2)[0], build_sdist(UTILS_2)[0]
    urls = {f["filename"]: f for f in doc["urls"]}
    assert sorted(urls) == sorted([wheel, sdist])
    assert (urls[wheel]["packagetype"], urls[wheel]["python_version"]) == ("bdist_wheel", "py3")
    assert (urls[sdist]["packagetype"], urls[sdist]["python_version"]) == ("sdist", "source")
    for f in doc["urls"]:
        assert f["url"] == f"{base}/files/{f['filename']}"
        data = client.get(f["url"]).content
        assert f["digests"]["sha256"] == hashlib.sha256(data).hexdigest()
        assert f["digests"]["md5"] == f["md5_digest"] == hashlib.md5(data).hexdigest()
        assert f["size"] == len(data)
        assert f["requires_python"] == ">=3.8"
        assert (f["yanked"], f["yanked_reason"]) == (False, None)
        assert f["upload_time_iso_8601"] == "2024-01-01T00:00:00.000000Z"
    # any spelling of the version; an ETag to revalidate with
    again = client.get(base + "/pypi/acme-utils/2.0/json")
    assert again.json() == doc
    etag = again.headers["etag"]
    assert client.get(again.url, headers={"If-None-Match": etag}).status_code == 304


def test_json_api_yanked_and_no_requirements(json_index: IndexServer, client: httpx.Client) -> None:
    base = json_index.base_url
    doc = client.get(base + "/pypi/acme-utils/3.0.0/json").json()
    assert (doc["info"]["yanked"], doc["info"]["yanked_reason"]) == (True, "broken <build>")
    assert all((f["yanked"], f["yanked_reason"]) == (True, "broken <build>") for f in doc["urls"])
    doc = client.get(base + "/pypi/acme-utils/4.0.0/json").json()
    assert (doc["info"]["yanked"], doc["info"]["yanked_reason"]) == (True, None)
    assert [f["packagetype"] for f in doc["urls"]] == ["bdist_wheel"]
    # Like the real index: a release without requirements says null, not [].
    doc = client.get(base + "/pypi/acme-utils/1.0.0/json").json()
    assert doc["info"]["requires_dist"] is None and doc["info"]["requires_python"] is None


def test_json_api_project(json_index: IndexServer, client: httpx.Client) -> None:
    base = json_index.base_url
    doc = client.get(base + "/pypi/acme-utils/json").json()
    # the newest release that is neither yanked (3, 4) nor a pre-release (5.0.0rc1)
    assert doc["info"]["version"] == "2.0.0"
    assert list(doc["releases"]) == ["1.0.0", "2.0.0", "3.0.0", "4.0.0", "5.0.0rc1"]
    assert doc["urls"] == doc["releases"]["2.0.0"]
    release = client.get(base + "/pypi/acme-utils/2.0.0/json").json()
    assert doc["info"] == release["info"]
    assert client.get(base + "/pypi/only-pre/json").json()["info"]["version"] == "1.0a1"
    core = client.get(base + "/pypi/Acme.Core/json").json()
    assert [f["packagetype"] for f in core["urls"]] == ["sdist"]
    # the trailing slash is accepted too
    assert client.get(base + "/pypi/acme-utils/json/").json() == doc


def test_json_api_names_and_404s(json_index: IndexServer, client: httpx.Client) -> None:
    base = json_index.base_url
    # Like the real index: another spelling of the name is redirected to the project's own.
    for path, location in [
        ("/pypi/Acme_Utils/json", "/pypi/acme-utils/json"),
        ("/pypi/acme.core/1.0/json", "/pypi/Acme.Core/1.0/json"),
        ("/pypi/acme-core/json", "/pypi/Acme.Core/json"),
    ]:
        r = client.get(base + path)
        assert (r.status_code, r.headers["location"]) == (301, location), path
    r = client.get(base + "/pypi/ACME_CORE/1.0/json", follow_redirects=True)
    assert r.status_code == 200 and r.json()["info"]["name"] == "Acme.Core"
    for path in (
        "/pypi/nope/json",
        "/pypi/nope/1.0/json",
        "/pypi/acme-utils/9.9/json",
        "/pypi/acme-utils/not-a-version/json",
        "/pypi/acme-utils",
        "/pypi/acme-utils/1.0.0/2/json",
    ):
        r = client.get(base + path)
        assert r.status_code == 404, path
        assert r.json() == {"message": "Not Found"}
    assert [r.path for r in json_index.requests][:3] == [
        "/pypi/Acme_Utils/json",
        "/pypi/acme.core/1.0/json",
        "/pypi/acme-core/json",
    ]
    assert {r.status for r in json_index.requests} == {200, 301, 404}


def test_json_api_is_off_by_default(index: IndexServer, client: httpx.Client) -> None:
    assert client.get(index.base_url + "/pypi/acme-utils/json").status_code == 404
    assert client.get(index.base_url + "/pypi/acme-utils/2.0.0/json").status_code == 404


def test_json_api_null_requires_dist(client: httpx.Client) -> None:
    with IndexServer(
        DISTS, json_api=True, json_api_null_requires={("ACME_utils", "2.0")}
    ) as server:
        url = server.base_url + "/pypi/acme-utils/2.0.0/json"

        def requires() -> object:
            return client.get(url).json()["info"]["requires_dist"]

        assert requires() is None
        assert (
            client.get(server.base_url + "/pypi/acme-utils/json").json()["info"]["requires_dist"]
            is None
        )  # the latest release is 2.0.0
        server.set_json_api_null_requires("acme-utils", "2.0.0", null=False)
        assert requires() == list(UTILS_2.requires_dist)
        server.set_json_api_null_requires("Acme.Utils", "2.0.0")
        assert requires() is None
        # the files still carry the metadata Poetry falls back to
        page = client.get(server.url + "acme-utils/", headers={"Accept": JSON_V1}).json()
        assert any(f.get("core-metadata") for f in page["files"])


def test_request_log(index: IndexServer, client: httpx.Client) -> None:
    client.get(index.url + "Acme_Utils/", headers={"Accept": PIP_ACCEPT}, follow_redirects=True)
    client.get(index.url + "acme-core/?x=1")
    client.head(index.base_url + "/files/acme_utils-1.0.0.tar.gz", headers={"Range": "bytes=0-1"})
    assert index.requests == [
        RequestRecord("GET", "/simple/Acme_Utils/", PIP_ACCEPT, False, 301, None),
        RequestRecord("GET", "/simple/acme-utils/", PIP_ACCEPT, False, 200, None),
        RequestRecord("GET", "/simple/acme-core/?x=1", "*/*", False, 200, None),
        RequestRecord("HEAD", "/files/acme_utils-1.0.0.tar.gz", "*/*", False, 206, "bytes=0-1"),
    ]
    assert [r.path for r in index.project_requests("ACME_utils")] == [
        "/simple/Acme_Utils/",
        "/simple/acme-utils/",
    ]
    assert [r.status for r in index.project_requests("acme.core")] == [200]
    assert index.project_requests("unknown") == []
    index.clear_log()
    assert index.requests == []


def test_head_and_other_methods(index: IndexServer, client: httpx.Client) -> None:
    url = index.base_url + "/files/acme_utils-1.0.0.tar.gz"
    head = client.head(url)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(build_sdist(UTILS_1)[1])
    post = client.post(index.url, content=b"x")
    assert post.status_code == 405 and post.headers["allow"] == "GET, HEAD"
    assert index.requests[-1].method == "POST"


def test_add_and_remove_at_runtime(index: IndexServer, client: httpx.Client) -> None:
    def versions(project: str) -> list[str] | int:
        r = client.get(index.url + f"{project}/", headers={"Accept": JSON_V1})
        return r.json()["versions"] if r.status_code == 200 else r.status_code

    index.add(Dist("acme-utils", "5.0.0"))
    index.add(Dist("brand-new", "0.1"))
    assert versions("acme-utils") == ["1.0.0", "2.0.0", "3.0.0", "4.0.0", "5.0.0"]
    assert versions("brand-new") == ["0.1"]
    index.remove("acme-utils", "5.0")  # any spelling of the version
    index.remove("Brand_New", "0.1")
    assert versions("acme-utils") == ["1.0.0", "2.0.0", "3.0.0", "4.0.0"]
    assert versions("brand-new") == 404
    with pytest.raises(KeyError):
        index.remove("acme-utils", "9.9")
    assert client.get(index.base_url + "/files/brand_new-0.1.tar.gz").status_code == 404
    assert [d.version for d in index.dists if d.name == "acme-utils"] == [
        "1.0.0",
        "2.0.0",
        "3.0.0",
        "4.0.0",
    ]


def test_concurrent_requests(index: IndexServer, client: httpx.Client) -> None:
    statuses: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            r = client.get(index.url + "acme-utils/", headers={"Accept": PIP_ACCEPT})
            with lock:
                statuses.append(r.status_code)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert statuses == [200] * 80
    assert len(index.requests) == 80


def test_keep_alive(index: IndexServer) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", index.bound_port, timeout=5)
    try:
        conn.request("GET", "/simple/acme-utils/")
        first = conn.getresponse()
        assert first.status == 200 and first.read()
        sock = conn.sock
        for path in ("/simple/Acme_Utils/", "/files/acme_utils-1.0.0.tar.gz", "/nope"):
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read()
            assert len(body) == int(resp.headers["Content-Length"])
            assert conn.sock is sock  # same connection, reused
    finally:
        conn.close()


def test_stop_with_idle_connection_is_prompt(client: httpx.Client) -> None:
    server = IndexServer(DISTS).start()
    assert client.get(server.url).status_code == 200  # leaves a keep-alive connection
    port = server.bound_port
    t0 = time.monotonic()
    server.stop()
    server.stop()  # idempotent
    assert time.monotonic() - t0 < 2
    assert not server.running
    with pytest.raises(RuntimeError):
        _ = server.url
    with socket.socket() as s:  # the port is free again
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))


# -- the demo catalogue --------------------------------------------------------------


def test_demo_catalogue(client: httpx.Client) -> None:
    with start() as demo:
        assert list(demo.servers) == ["corp", "mirror", "extras"]
        assert demo.source_lines().splitlines() == [
            f"%source add {name} {url}" for name, url in demo.urls.items()
        ]
        corp, mirror, extras = (demo.urls[n] for n in ("corp", "mirror", "extras"))
        for url in demo.urls.values():
            assert re.fullmatch(r"http://127\.0\.0\.1:\d+/simple/", url)

        def page(url: str, project: str) -> httpx.Response:
            r = client.get(url + f"{project}/", headers={"Accept": PIP_ACCEPT})
            assert r.status_code == 200, (url, project)
            return r

        utils = page(corp, "acme-utils").json()
        assert utils["versions"] == ["1.0.0", "2.0.0", "2.1.0", "3.0.0rc1"]
        assert all("core-metadata" in f for f in utils["files"] if f["filename"].endswith("whl"))
        whl = next(f for f in utils["files"] if f["filename"].startswith("acme_utils-2.1.0-"))
        meta = client.get(httpx.URL(corp + "acme-utils/").join(whl["url"] + ".metadata"))
        assert "Requires-Dist: acme-core>=1" in meta.text
        assert page(corp, "acme-core").json()["versions"] == ["1.0.0", "1.2.0"]
        ml = {f["filename"]: f["yanked"] for f in page(corp, "acme-ml").json()["files"]}
        assert ml["acme_ml-0.4.0-py3-none-any.whl"] == "broken build"
        assert ml["acme_ml-0.3.0-py3-none-any.whl"] is False
        assert page(corp, "shadowed").json()["versions"] == ["1.0.0"]

        # The mirror: HTML only, no metadata, a higher "shadowed", the same acme-utils.
        shadowed = page(mirror, "shadowed")
        assert shadowed.headers["content-type"] == "text/html; charset=utf-8"
        assert "shadowed-9.9.9-py3-none-any.whl" in anchors(shadowed.text)
        assert "data-core-metadata" not in shadowed.text
        tiny = anchors(page(mirror, "tinyhttp").text)
        assert {a["data-requires-python"] for a in tiny.values()} == {">=3.8"}
        assert set(anchors(page(mirror, "acme-utils").text)) == {
            "acme_utils-1.0.0-py3-none-any.whl",
            "acme_utils-1.0.0.tar.gz",
        }
        assert set(anchors(page(mirror, "colorama-lite").text)) >= {"colorama_lite-0.4.6.tar.gz"}
        assert client.get(mirror + "gpu-kernels/").status_code == 404

        assert page(extras, "gpu-kernels").json()["versions"] == ["2.0.0"]
        assert page(extras, "colorama-lite").json()["versions"] == ["0.5.0"]
        assert client.get(corp + "gpu-kernels/").status_code == 404
    assert not any(s.running for s in demo.servers.values())


def test_demo_start_with_ports() -> None:
    with pytest.raises(ValueError, match="bogus"):
        start(ports={"bogus": 1})
    port = free_port()
    with start(ports={"mirror": port}) as demo:
        assert demo.urls["mirror"] == f"http://127.0.0.1:{port}/simple/"
        # The port is taken: a second demo on it fails and leaves nothing running.
        with pytest.raises(OSError):
            start(ports={"mirror": port})


def test_pip_resolves_from_demo_with_pep658(tmp_path: Path) -> None:
    """pip accepts our pages, metadata files and wheels (a dry-run resolve)."""
    with start() as demo:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--isolated",
                "--no-cache-dir",
                "--disable-pip-version-check",
                "--dry-run",
                "--ignore-installed",
                "--quiet",
                "--report",
                str(tmp_path / "report.json"),
                "--index-url",
                demo.urls["corp"],
                "acme-utils<3",
            ],
            env=subprocess_env(tmp_path),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        corp = demo.servers["corp"]
        paths = [r.path for r in corp.requests]
    report = json.loads((tmp_path / "report.json").read_text())
    resolved = {i["metadata"]["name"]: i["metadata"]["version"] for i in report["install"]}
    assert resolved == {"acme-utils": "2.1.0", "acme-core": "1.2.0"}
    assert "/files/acme_core-1.2.0-py3-none-any.whl.metadata" in paths
    assert not any(p.endswith(".whl") for p in paths)  # PEP 658: no wheel downloaded


def _read_until(proc: subprocess.Popen[bytes], marker: bytes, timeout: float) -> bytes:
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    out = b""
    deadline = time.monotonic() + timeout
    while marker not in out:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"timed out waiting for {marker!r}; got {out!r}")
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                raise AssertionError(f"process exited early; got {out!r}")
            out += chunk
    return out


def _three_free_ports() -> int:
    for _ in range(20):
        base = free_port()
        if base > 65000:
            continue
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", base + 1))
                b.bind(("127.0.0.1", base + 2))
        except OSError:
            continue
        return base
    raise RuntimeError("no three consecutive free ports")


@pytest.mark.parametrize(
    "sig", [pytest.param(signal.SIGTERM, id="SIGTERM"), pytest.param(signal.SIGINT, id="SIGINT")]
)
def test_python_m_nbext_demo(tmp_path: Path, client: httpx.Client, sig: signal.Signals) -> None:
    base = _three_free_ports()
    env = subprocess_env(tmp_path)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC_DIR), env.get("PYTHONPATH")]))
    with subprocess.Popen(
        [sys.executable, "-m", "nbext.demo", "--port", str(base)],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    ) as proc:
        try:
            out = _read_until(proc, b"press Ctrl+C", timeout=10).decode()
            urls = dict(re.findall(r"^  (\w+)\s+(http://\S+)", out, re.M))
            assert urls == {
                "corp": f"http://127.0.0.1:{base}/simple/",
                "mirror": f"http://127.0.0.1:{base + 1}/simple/",
                "extras": f"http://127.0.0.1:{base + 2}/simple/",
            }
            assert f"%source add corp http://127.0.0.1:{base}/simple/" in out
            assert client.get(urls["corp"] + "acme-utils/").status_code == 200
            proc.send_signal(sig)  # by its own PID
            rest, _ = proc.communicate(timeout=10)
            assert proc.returncode == 0
            assert b"stopped." in rest
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    with pytest.raises(httpx.ConnectError):
        client.get(urls["corp"])
