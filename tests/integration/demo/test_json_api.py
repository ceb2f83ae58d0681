"""The demo index's JSON API (``/pypi/<name>/json`` and ``/pypi/<name>/<version>/json``), off by
default.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import httpx
import pytest

from nbext.demo import Dist, IndexServer, build_sdist, build_wheel
from tests.support.dists import DISTS, UTILS_2
from tests.support.pages import JSON_V1

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
