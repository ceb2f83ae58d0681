"""The third-party and stdlib servers the tests run (``tests/support/servers.py``):
pypiserver with and without auth, a static PEP 503 tree, fixed raw answers.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest

from nbext.demo import build_wheel, write_dists
from tests.support.dists import DISTS, UTILS_1, UTILS_2
from tests.support.pages import anchors
from tests.support.servers import RawResponse, run_pypiserver, run_raw_server, run_static_tree

# -- real third-party / stdlib servers (tests/support/servers.py) ----------------------------


@pytest.fixture(scope="module")
def pkg_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("packages")
    write_dists([UTILS_1, UTILS_2], directory)
    return directory


def test_pypiserver_without_auth(pkg_dir: Path, tmp_path: Path, client: httpx.Client) -> None:
    with run_pypiserver(pkg_dir, workdir=tmp_path) as server:
        assert server.url == server.base_url + "/simple/"
        root = client.get(server.url)
        assert root.status_code == 200 and "acme-utils" in root.text
        page = client.get(server.url + "acme-utils/")
        links = anchors(page.text)
        assert "acme_utils-2.0.0-py3-none-any.whl" in links
        href = links["acme_utils-2.0.0-py3-none-any.whl"]["href"] or ""
        wheel = client.get(page.url.join(href))
        assert wheel.status_code == 200
        assert href.endswith("#sha256=" + hashlib.sha256(wheel.content).hexdigest())
        paths = server.request_paths(wait_for="/simple/acme-utils/")
        assert paths[0] == "/health"
        assert "/simple/" in paths and "/simple/acme-utils/" in paths
        assert any(p.endswith(".whl") for p in paths)
    assert server.proc.returncode is not None


def test_pypiserver_with_auth(pkg_dir: Path, tmp_path: Path, client: httpx.Client) -> None:
    with run_pypiserver(pkg_dir, auth=("alice", "s3cret"), workdir=tmp_path) as server:
        r = client.get(server.url + "acme-utils/")
        assert r.status_code == 401 and "basic" in r.headers["www-authenticate"].lower()
        assert client.get(server.url, auth=("alice", "nope")).status_code == 403
        ok = client.get(server.url + "acme-utils/", auth=("alice", "s3cret"))
        assert ok.status_code == 200 and "acme_utils-1.0.0.tar.gz" in ok.text
        paths = server.request_paths(wait_for="/simple/acme-utils/")
        assert paths.count("/simple/acme-utils/") == 2
        assert (tmp_path / "htpasswd").read_text().startswith("alice:")
    assert server.proc.returncode is not None


def test_static_tree(tmp_path: Path, client: httpx.Client) -> None:
    root = tmp_path / "static"
    with run_static_tree(DISTS, root) as server:
        assert (root / "simple" / "index.html").is_file()
        assert (root / "packages" / "acme_utils-1.0.0.tar.gz").is_file()
        index_page = client.get(server.url)
        assert set(anchors(index_page.text)) == {"acme-core", "acme-utils"}
        page = client.get(server.url + "acme-utils/")
        assert page.status_code == 200
        assert 'data-requires-python="&gt;=3.8"' in page.text
        links = anchors(page.text)
        assert links["acme_utils-3.0.0.tar.gz"]["data-yanked"] == "broken <build>"
        assert links["acme_utils-4.0.0-py3-none-any.whl"]["data-yanked"] == ""
        href = links["acme_utils-2.0.0-py3-none-any.whl"]["href"] or ""
        wheel = client.get(page.url.join(href))
        assert href.endswith("#sha256=" + hashlib.sha256(wheel.content).hexdigest())
        assert wheel.content == build_wheel(UTILS_2)[1]
        assert client.get(server.url + "acme-core").status_code == 301
        assert client.get(server.url + "missing/").status_code == 404
        paths = server.request_paths(wait_for="/simple/missing/")
        wheel_path = "/packages/acme_utils-2.0.0-py3-none-any.whl"
        assert paths[:3] == ["/simple/", "/simple/acme-utils/", wheel_path]
        assert paths[-2:] == ["/simple/acme-core", "/simple/missing/"]
        log = server.log_path.read_text().splitlines()
        assert log[-1] == "REQ GET /simple/missing/ 404"
        pid = server.proc.pid
    assert server.proc.returncode is not None and server.proc.pid == pid


def test_raw_server(tmp_path: Path, client: httpx.Client) -> None:
    blob = b"\x00\x01\x02 not html \xff"
    routes = {
        "/simple/weird/": RawResponse(200, blob, "application/octet-stream"),
        "/simple/boom/": RawResponse(500, b"oops", headers={"Retry-After": "1"}),
    }
    with run_raw_server(routes, tmp_path) as server:
        weird = client.get(server.url + "weird/")
        assert weird.status_code == 200 and weird.content == blob
        assert weird.headers["content-type"] == "application/octet-stream"
        boom = client.get(server.url + "boom/")
        assert (boom.status_code, boom.text, boom.headers["retry-after"]) == (500, "oops", "1")
        assert client.head(server.url + "weird/").content == b""
        assert client.get(server.url + "other/").status_code == 404
        assert server.request_paths(wait_for="/simple/other/") == [
            "/simple/weird/",
            "/simple/boom/",
            "/simple/weird/",
            "/simple/other/",
        ]
        assert server.requests()[2] == ("HEAD", "/simple/weird/")
