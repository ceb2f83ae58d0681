"""Distribution file names as Poetry 2.5.1 reads them (nbext.index.filenames).

Poetry's own reading of the same table is compared in
``tests/integration/index/test_filenames_like_poetry.py``.
"""

from __future__ import annotations

import pytest

from nbext.index.filenames import parse_filename
from nbext.index.reader import read_project_page
from tests.support.filenames import BIG, ODD_NAMES
from tests.support.filenames import listed as _listed


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("Foo_Bar-1.0-py3-none-any.whl", ("foo-bar", "1.0", "wheel")),
        ("foo-1.0-1-py3-none-any.whl", ("foo", "1.0", "wheel")),
        ("foo-bar-2.0.tar.gz", ("foo-bar", "2.0", "sdist")),
        ("foo-2.0.zip", ("foo", "2.0", "sdist")),
        ("foo-2.0.tar.bz2", ("foo", "2.0", "sdist")),
        ("foo-2.0.tar.Z", ("foo", "2.0", "sdist")),
        ("foo-2.0.egg", None),
        ("foo-2.0.exe", None),
        ("README.txt", None),
    ],
)
def test_filenames(filename: str, expected: tuple[str, str, str] | None) -> None:
    assert parse_filename(filename) == expected


def test_the_table_is_big_and_varied() -> None:
    assert len(ODD_NAMES) >= 40
    assert len(set(ODD_NAMES)) == len(ODD_NAMES)


def test_the_cases_of_issue_14() -> None:
    """The named cases, without Poetry at hand: too many parts and a build tag that does not
    start with a digit are not robpkg 9.0; a wheel name without tags is."""
    assert _listed("robpkg-9.0-1-2-3-py3-none-any.whl", "robpkg", "html") == []
    assert _listed("robpkg-9.0.0-foo-py3-none-any.whl", "robpkg", "html") == []
    assert _listed("robpkg-9.0.whl", "robpkg", "html") == ["9.0"]
    assert _listed("robpkg-9.0.whl", "robpkg", "json") == ["9.0"]


def test_a_version_python_cannot_convert_is_left_out_with_a_note() -> None:
    body = (
        f'<a href="/f/robpkg-1.{BIG}.tar.gz">x</a><a href="/f/robpkg-1.0.tar.gz">y</a>'
    ).encode()
    page = read_project_page(
        "robpkg", body, content_type="text/html", url="https://i.example/simple/robpkg/"
    )
    assert [f.version.text for f in page.files] == ["1.0"]
    assert page.skipped_count == 1
    assert "its version cannot be read" in page.skipped[0]
    assert "Exceeds the limit" in page.skipped[0]
