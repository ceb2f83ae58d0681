"""An sdist whose PKG-INFO does not list its requirements, read further as Poetry reads it
(``PackageInfo._from_sdist_file`` without the PEP 517 build): pure, on archives made here."""

from __future__ import annotations

from pathlib import Path

import pytest

from nbext.index.archive import UnreadableArchive
from nbext.index.metadata import parse_metadata
from nbext.index.sdist import MEMBER_CAP, SdistInfo, inspect_sdist, merged
from tests.support.archives import tar_bytes, zip_bytes

OLD = "Metadata-Version: 2.1\nName: old\nVersion: 1.0\nSummary: from PKG-INFO\n\n"


@pytest.mark.parametrize(
    ("head", "known"),
    [
        ("Metadata-Version: 2.1\n", False),  # no Requires-Dist: not known
        ("Metadata-Version: 1.0\n", False),
        ("Metadata-Version: 2.2\n", True),  # 2.2+: no Requires-Dist means none
        ("Metadata-Version: 2.4\n", True),
        ("Metadata-Version: 2.2\nDynamic: Requires-Dist\n", False),  # ... unless dynamic
        ("Metadata-Version: 2.1\nRequires-Dist: six\n", True),
    ],
)
def test_whether_the_metadata_says_what_it_requires(head: str, known: bool) -> None:
    meta = parse_metadata(f"{head}Name: a\nVersion: 1\n\n".encode())
    assert meta.requires_known is known


def test_a_poetry_project_pyproject_is_read_first() -> None:
    pyproject = """[project]
name = "Old"
version = "1.0"
description = "from pyproject"
requires-python = ">=3.9"
dependencies = ["requests>=2"]

[project.optional-dependencies]
cli = ["rich"]
"""
    data = tar_bytes(
        {
            "old-1.0/PKG-INFO": OLD,
            "old-1.0/pyproject.toml": pyproject,
            # Poetry reads a Poetry project's pyproject.toml before any egg-info:
            "old-1.0/old.egg-info/PKG-INFO": OLD,
            "old-1.0/old.egg-info/requires.txt": "ignored\n",
        }
    )
    info = inspect_sdist(data, "old-1.0.tar.gz")
    assert info.read_from == "pyproject.toml"
    assert info.requires_dist == ("requests (>=2)", 'rich ; extra == "cli"')
    assert (info.name, info.summary, info.requires_python) == ("old", "from pyproject", ">=3.9")
    meta = merged(parse_metadata(OLD.encode()), info)
    assert meta.requires_known and meta.summary == "from pyproject"


def test_an_egg_info_requires_txt_with_extras_and_markers() -> None:
    requires = "six>=1\n\n[fancy]\nrich\n\n[:python_version < '3.10']\ntomli\n"
    data = tar_bytes(
        {
            "old-1.0/PKG-INFO": OLD,
            "old-1.0/setup.py": "from setuptools import setup; setup()\n",
            "old-1.0/src/old.egg-info/PKG-INFO": OLD,
            "old-1.0/src/old.egg-info/requires.txt": requires,
        }
    )
    info = inspect_sdist(data, "old-1.0.tar.gz")
    assert info.read_from == "old.egg-info/PKG-INFO"
    assert info.requires_dist == (
        "six>=1",
        'rich ; extra == "fancy"',
        "tomli ; python_version < '3.10'",
    )


def test_a_zip_sdist_and_a_top_level_requires_txt() -> None:
    data = zip_bytes({"old-1.0/PKG-INFO": OLD, "old-1.0/requires.txt": "six\n"})
    info = inspect_sdist(data, "old-1.0.zip")
    assert info.requires_dist == ("six",) and info.read_from == "PKG-INFO"


def test_nothing_lists_them_without_a_build() -> None:
    data = tar_bytes({"old-1.0/PKG-INFO": OLD, "old-1.0/setup.py": "raise SystemExit\n"})
    info = inspect_sdist(data, "old-1.0.tar.gz")
    assert info.requires_dist is None  # Poetry would build it; nbext runs no index code
    meta = merged(parse_metadata(OLD.encode()), info)
    assert not meta.requires_known and meta.requires_dist == ()
    assert meta.summary == "from PKG-INFO"


def test_a_hostile_archive_writes_nothing_outside_and_big_members_are_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    data = tar_bytes(
        {
            "../escape/PKG-INFO": OLD,
            "/abs/requires.txt": "evil\n",
            "old-1.0/PKG-INFO": OLD,
            "old-1.0/requires.txt": b"x" * (MEMBER_CAP + 1),  # too big: not unpacked
        }
    )
    info = inspect_sdist(data, "old-1.0.tar.gz")
    assert info == SdistInfo(
        name="old", version="1.0", summary="from PKG-INFO", read_from="PKG-INFO"
    )
    assert not (tmp_path.parent / "escape").exists()
    assert list(tmp_path.iterdir()) == []  # the temporary directory is gone


def test_a_broken_archive_is_an_unreadable_archive() -> None:
    with pytest.raises(UnreadableArchive, match="old-1.0.tar.gz cannot be unpacked"):
        inspect_sdist(b"not a tar at all", "old-1.0.tar.gz")
