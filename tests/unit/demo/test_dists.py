"""Sample distributions built in pure Python (nbext.demo.dists): valid core metadata, valid
and deterministic wheels and sdists.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.metadata import Metadata
from packaging.tags import Tag
from packaging.utils import parse_sdist_filename, parse_wheel_filename
from packaging.version import Version

from nbext.demo import Dist, build_sdist, build_wheel, core_metadata, write_dists
from tests.support.dists import CORE, UTILS_1, UTILS_2, UTILS_4

# -- sample distributions -----------------------------------------------------------


def test_core_metadata_is_valid_metadata_2_1() -> None:
    meta = Metadata.from_email(core_metadata(UTILS_2), validate=True)
    assert meta.metadata_version == "2.1"
    assert meta.name == "acme-utils"
    assert meta.version == Version("2.0.0")
    assert meta.summary == "helpers"
    assert str(meta.requires_python) == ">=3.8"
    assert [str(r) for r in meta.requires_dist or []] == [
        "acme-core>=1",
        'colorama; sys_platform == "win32"',
    ]


@pytest.mark.parametrize("tag", ["py3-none-any", "py2.py3-none-any"])
def test_wheel_is_valid_and_deterministic(tag: str) -> None:
    d = Dist("Acme_Utils", "2.0", requires_dist=("acme-core>=1",), wheel_tag=tag)
    filename, data = build_wheel(d)
    assert filename == f"acme_utils-2.0-{tag}.whl"
    name, version, build, tags = parse_wheel_filename(filename)
    assert (name, version, build) == ("acme-utils", Version("2.0"), ())
    assert Tag("py3", "none", "any") in tags

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        names = zf.namelist()
        assert names == [
            "acme_utils/__init__.py",
            "acme_utils-2.0.dist-info/METADATA",
            "acme_utils-2.0.dist-info/WHEEL",
            "acme_utils-2.0.dist-info/RECORD",
        ]
        assert all(info.date_time == (1980, 1, 1, 0, 0, 0) for info in zf.infolist())
        metadata = zf.read("acme_utils-2.0.dist-info/METADATA")
        wheel = zf.read("acme_utils-2.0.dist-info/WHEEL").decode()
        record = zf.read("acme_utils-2.0.dist-info/RECORD").decode()
        contents = {n: zf.read(n) for n in names}
    assert metadata == core_metadata(d)
    meta = Metadata.from_email(metadata, validate=True)
    assert (meta.name, str(meta.version)) == ("Acme_Utils", "2.0")
    assert "Root-Is-Purelib: true" in wheel
    assert sorted(re.findall(r"^Tag: (.+)$", wheel, re.M)) == sorted(
        f"{t}-none-any" for t in tag.split("-")[0].split(".")
    )
    for line in record.splitlines():
        path, digest, size = line.split(",")
        if path.endswith("RECORD"):
            assert (digest, size) == ("", "")
            continue
        raw = hashlib.sha256(contents[path]).digest()
        assert digest == "sha256=" + base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        assert int(size) == len(contents[path])
    # Built again from scratch (bypassing the cache): byte-identical.
    assert build_wheel.__wrapped__(d) == (filename, data)


def test_sdist_is_valid_and_deterministic() -> None:
    d = Dist("acme.core", "1.2.0", requires_python=">=3.9", summary='say "hi"')
    filename, data = build_sdist(d)
    assert filename == "acme_core-1.2.0.tar.gz"
    assert parse_sdist_filename(filename) == ("acme-core", Version("1.2.0"))
    assert data[4:8] == b"\0\0\0\0"  # gzip header mtime
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tf:
        members = {m.name: m for m in tf.getmembers()}
        assert {"acme_core-1.2.0/PKG-INFO", "acme_core-1.2.0/pyproject.toml"} <= set(members)
        assert "acme_core-1.2.0/acme_core/__init__.py" in members
        assert all(m.mtime == 0 for m in members.values())
        pkg_info = tf.extractfile("acme_core-1.2.0/PKG-INFO")
        pyproject = tf.extractfile("acme_core-1.2.0/pyproject.toml")
        assert pkg_info is not None and pyproject is not None
        assert pkg_info.read() == core_metadata(d)
        pyproject_text = pyproject.read().decode()
    project = tomllib.loads(pyproject_text)["project"]
    assert project["name"] == "acme.core"
    assert project["requires-python"] == ">=3.9"
    assert project["description"] == 'say "hi"'
    assert build_sdist.__wrapped__(d) == (filename, data)


def test_write_dists(tmp_path: Path) -> None:
    paths = write_dists([UTILS_1, UTILS_4, CORE], tmp_path / "out")
    assert [p.name for p in paths] == [
        "acme_utils-1.0.0-py3-none-any.whl",
        "acme_utils-1.0.0.tar.gz",
        "acme_utils-4.0.0-py3-none-any.whl",
        "acme_core-1.0.tar.gz",
    ]
    assert paths[0].read_bytes() == build_wheel(UTILS_1)[1]
