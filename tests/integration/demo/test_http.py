"""The demo index on the wire: redirects, 404s, auth, ETags and Cache-Control, ranges, the
request log, HEAD, changes at runtime, concurrency, keep-alive and a prompt stop.
"""

from __future__ import annotations

import hashlib
import http.client
import socket
import threading
import time

import httpx
import pytest

from nbext.demo import Dist, IndexServer, RequestRecord, build_sdist
from tests.support.dists import DISTS, UTILS_1
from tests.support.pages import JSON_V1, PIP_ACCEPT


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
