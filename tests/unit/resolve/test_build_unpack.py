"""Unpacking an sdist before its build: safely, and with clear errors."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from nbext.demo.dists import Dist, build_sdist
from nbext.errors import BuildError
from nbext.resolve.build import unpack_sdist


def tar_of(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def test_a_demo_sdist_unpacks_to_its_project_folder_with_fresh_times(tmp_path: Path) -> None:
    name, data = build_sdist(Dist("acme-utils", "1.0.0"))
    (tmp_path / name).write_bytes(data)
    project = unpack_sdist(tmp_path / name, tmp_path / "out")
    assert project == tmp_path / "out" / "acme_utils-1.0.0"
    assert (project / "pyproject.toml").is_file()
    assert os.stat(project / "pyproject.toml").st_mtime > 315_532_800  # after 1980: zippable


def test_a_zip_sdist_unpacks(tmp_path: Path) -> None:
    path = tmp_path / "acme-1.0.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("acme-1.0/setup.py", "")
    assert unpack_sdist(path, tmp_path / "out") == tmp_path / "out" / "acme-1.0"


def test_a_member_outside_the_folder_is_refused(tmp_path: Path) -> None:
    path = tar_of(tmp_path / "evil-1.0.tar.gz", {"../evil.txt": b"x", "evil-1.0/setup.py": b""})
    with pytest.raises(BuildError, match=r"evil-1\.0\.tar\.gz cannot be unpacked"):
        unpack_sdist(path, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()


def test_an_sdist_without_a_build_file_is_refused(tmp_path: Path) -> None:
    path = tar_of(tmp_path / "bare-1.0.tar.gz", {"bare-1.0/README": b""})
    with pytest.raises(BuildError, match="has no pyproject.toml or setup.py"):
        unpack_sdist(path, tmp_path / "out")


def test_not_an_archive(tmp_path: Path) -> None:
    (tmp_path / "x-1.0.tar.gz").write_bytes(b"not gzip")
    with pytest.raises(BuildError, match="cannot be unpacked"):
        unpack_sdist(tmp_path / "x-1.0.tar.gz", tmp_path / "out")
    (tmp_path / "x-1.0.rpm").write_bytes(b"")
    with pytest.raises(BuildError, match="neither a wheel nor an sdist"):
        unpack_sdist(tmp_path / "x-1.0.rpm", tmp_path / "out")
