"""The one reader of core metadata inside a distribution archive (nbext.index.archive)."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from nbext.demo import Dist
from nbext.demo.dists import build_sdist, build_wheel, core_metadata
from nbext.index.archive import (
    NoMetadataFile,
    UnreadableArchive,
    archive_names,
    sdist_metadata,
    wheel_metadata,
)
from nbext.index.archive import core_metadata as read_core_metadata
from tests.support.archives import tar_bytes, zip_bytes

DIST = Dist("acme", "1.0")


@pytest.mark.parametrize("build", [build_wheel, build_sdist])
def test_metadata_from_bytes_a_path_and_a_file(
    build: Callable[[Dist], tuple[str, bytes]], tmp_path: Path
) -> None:
    filename, data = build(DIST)
    path = tmp_path / filename
    path.write_bytes(data)
    expected = core_metadata(DIST)
    assert read_core_metadata(data, filename) == expected
    assert read_core_metadata(path, filename) == expected
    assert read_core_metadata(str(path), filename) == expected
    with path.open("rb") as fh:
        assert read_core_metadata(fh, filename) == expected
    names = archive_names(data, filename)
    assert any(name.endswith(("/METADATA", "/PKG-INFO")) for name in names), names


@pytest.mark.parametrize("mode", ["w:gz", "w:bz2", "w:xz", "w"])
def test_sdists_in_every_tar_compression_and_zip(mode: str) -> None:
    members = {"acme-1.0/setup.py": b"", "acme-1.0/PKG-INFO": b"Name: acme\n"}
    assert sdist_metadata(tar_bytes(members, mode), "acme-1.0.tar") == b"Name: acme\n"
    assert sdist_metadata(zip_bytes(members), "acme-1.0.zip") == b"Name: acme\n"


def test_only_the_member_one_directory_deep_counts() -> None:
    wheel = zip_bytes(
        {
            "acme/vendored/x.dist-info/METADATA": b"deep",
            "METADATA": b"top",
            "acme-1.0.dist-info/METADATA": b"Name: acme\n",
        }
    )
    assert wheel_metadata(wheel) == b"Name: acme\n"
    sdist = tar_bytes({"acme-1.0/sub/PKG-INFO": b"deep", "PKG-INFO": b"top"})
    with pytest.raises(NoMetadataFile, match=r"acme-1.0.tar.gz has no PKG-INFO"):
        sdist_metadata(sdist, "acme-1.0.tar.gz")
    with pytest.raises(NoMetadataFile, match=r"^the wheel has no .dist-info/METADATA$"):
        wheel_metadata(zip_bytes({"acme/__init__.py": b""}))


def test_a_damaged_archive_is_unreadable_with_the_readers_message() -> None:
    with pytest.raises(UnreadableArchive, match="File is not a zip file"):
        read_core_metadata(b"not a zip", "acme-1.0-py3-none-any.whl")
    with pytest.raises(UnreadableArchive):
        read_core_metadata(b"not a tar", "acme-1.0.tar.gz")
    gz = tar_bytes({"acme-1.0/PKG-INFO": b"x"}, "w:gz")
    with pytest.raises(UnreadableArchive):  # gzip only, as an upload check wants
        sdist_metadata(tar_bytes({"acme-1.0/PKG-INFO": b"x"}, "w"), "a.tar.gz", tar_mode="r:gz")
    assert sdist_metadata(gz, "a.tar.gz", tar_mode="r:gz") == b"x"
    with pytest.raises(UnreadableArchive):
        archive_names(gz[: len(gz) // 2], "a.tar.gz")
    with pytest.raises(UnreadableArchive):
        read_core_metadata(Path("/nonexistent/acme-1.0.tar.gz"), "acme-1.0.tar.gz")


def test_a_tar_sdist_is_read_as_it_arrives_up_to_pkg_info() -> None:
    import os

    from nbext.index.archive import NoMetadataFile, streamed_sdist_metadata

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for path, data in (("a-1.0/PKG-INFO", b"Name: a\n"), ("a-1.0/big", os.urandom(500_000))):
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    body = buf.getvalue()
    given: list[int] = []

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(body), 1000):
            given.append(start)
            yield body[start : start + 1000]

    assert streamed_sdist_metadata(chunks(), "a-1.0.tar.gz") == b"Name: a\n"
    assert len(given) < len(body) // 1000  # stopped before the end
    with pytest.raises(NoMetadataFile):
        streamed_sdist_metadata(iter([b""]), "a-1.0.zip")
