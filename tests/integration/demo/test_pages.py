"""The demo index's Simple API pages (``nbext.demo.IndexServer`` on 127.0.0.1): Accept negotiation
(PEP 691), the JSON and HTML project pages, PEP 658 files, the single-page layout.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile

import httpx
import pytest

from nbext.demo import IndexServer
from nbext.demo.negotiation import negotiate
from tests.support.dists import DISTS
from tests.support.pages import HTML_V1, JSON_V1, PIP_ACCEPT, anchors

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
