"""Which metadata describes the chosen release, compared with Poetry 2.5.1's own code run in
its venv: the file(s) Poetry reads (``HTTPRepository._get_info_from_links``) and its merge of
separate py2 and py3 wheels (issue 14.14).
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from poetry.core.constraints.version import Version

from nbext.index.choice import choose_metadata_files, merge_py2_py3
from nbext.index.filenames import parse_filename
from nbext.index.files import File, Release
from nbext.index.metadata import ReleaseMetadata
from tests.support.poetry import PoetryUnavailable, poetry_python

# -- which files: Poetry's choice ------------------------------------------------------------

#: Releases as lists of (file name, yanked).
RELEASES: tuple[tuple[tuple[str, bool], ...], ...] = (
    (
        ("foo-1.0.tar.gz", False),
        ("foo-1.0-cp311-cp311-linux_x86_64.whl", False),
        ("foo-1.0-py3-none-any.whl", False),
        ("foo-1.0-py2.py3-none-any.whl", False),
    ),
    (
        ("foo-1.0.tar.gz", False),
        ("foo-1.0-py2-none-any.whl", False),
        ("foo-1.0-py3-none-any.whl", False),
    ),
    (("foo-1.0.tar.gz", False), ("foo-1.0-cp311-cp311-linux_x86_64.whl", False)),
    (("foo-1.0.zip", False),),
    (("foo-1.0-1-py3-none-any.whl", False), ("foo-1.0-2-py3-none-any.whl", False)),
    (("foo-1.0-py36-none-any.whl", False), ("foo-1.0-py2-none-any.whl", False)),
    (("foo-1.0.whl", False), ("foo-1.0.tar.gz", False)),
    (("foo-1.0-py3-none-any.whl", True), ("foo-1.0.tar.gz", False)),
    (("foo-1.0-py3-none-any.whl", True), ("foo-1.0.tar.gz", True)),
    (
        ("foo-1.0-cp39-abi3-manylinux_2_17_x86_64.whl", False),
        ("foo-1.0-cp311-cp311-win_amd64.whl", False),
    ),
    (("foo-1.0-py2.py3-none-any.whl", False), ("foo-1.0-1-py2.py3-none-any.whl", False)),
    (("foo-1.0-py3-none-linux_x86_64.whl", False), ("foo-1.0-py2-none-any.whl", False)),
    (("foo-1.0-cp311-none-any.whl", False), ("foo-1.0.tar.gz", False)),
    (("foo-1.0.tar.xz", False), ("foo-1.0.tar.gz", False)),
    (("foo-1.0-py2-none-any.whl", False),),
    (("foo-1.0-py2-none-any.whl", True), ("foo-1.0-py3-none-any.whl", False)),
    (("foo-1.0.whl", False),),  # nothing Poetry can read: it fails (IndexError)
)
_POETRY_CHOICE = """
from poetry.core.packages.utils.link import Link
from poetry.inspection.info import PackageInfo
from poetry.repositories.legacy_repository import LegacyRepository

repo = LegacyRepository("corp", "https://i.example/simple", disable_cache=True)
read = []

def record(link):
    read.append(link.filename)
    return PackageInfo(name="foo", version="1.0", requires_dist=[], requires_python=None)

repo._get_info_from_metadata = record
repo._get_info_from_wheel = record
repo._get_info_from_sdist = record
out = []
for files in payload:
    read.clear()
    links = [Link("https://i.example/f/" + name, yanked=yanked) for name, yanked in files]
    try:
        repo._get_info_from_links(links, ignore_yanked=not all(y for _, y in files))
    except IndexError:
        out.append(None)
    else:
        out.append(list(read))
print(json.dumps(out))
"""


def _release(files: Sequence[tuple[str, bool]]) -> Release:
    made = []
    for name, yanked in files:
        parsed = parse_filename(name)
        assert parsed is not None
        made.append(
            File(
                name,
                f"https://i.example/f/{name}",
                parsed[0],
                Version.parse(parsed[1]),
                parsed[2],
                yanked=yanked,
            )
        )
    return Release(made[0].version, tuple(made))


@pytest.fixture(scope="module")
def poetry_choices() -> list[list[str] | None]:
    try:
        answer: list[list[str] | None] = poetry_python(_POETRY_CHOICE, RELEASES)
    except PoetryUnavailable as exc:
        pytest.fail(f"Poetry's environment is needed for this comparison: {exc}", pytrace=False)
    return answer


@pytest.mark.parametrize("index", range(len(RELEASES)))
def test_the_files_read_are_the_ones_poetry_reads(
    index: int, poetry_choices: list[list[str] | None]
) -> None:
    ours = [f.filename for f in choose_metadata_files(_release(RELEASES[index]))]
    assert ours == (poetry_choices[index] or [])


# -- the py2 + py3 merge: Poetry's own code --------------------------------------------------

#: (py2 Requires-Python, py2 requires, py3 Requires-Python, py3 requires)
MERGES: tuple[tuple[str | None, list[str], str | None, list[str]], ...] = (
    (None, [], ">=3.6", []),
    (None, [], None, []),
    (">=2.7,<3", ["six"], ">=3.5", ["six"]),
    (None, ["six", "futures>=3"], ">=3.6", ["six"]),
    (None, [], None, ["attrs>=19"]),
    (None, ["attrs>=19"], None, []),
    (">=2.7", ['enum34; python_version < "3.4"', "six"], "~=3.7", ["typing>=3.7", "six"]),
    (None, ['pywin32; sys_platform == "win32"'], ">=3", ['colorama; extra == "color"']),
)
_POETRY_MERGE = """
from poetry.core.packages.utils.link import Link
from poetry.inspection.info import PackageInfo
from poetry.repositories.legacy_repository import LegacyRepository

repo = LegacyRepository("corp", "https://i.example/simple", disable_cache=True)
out = []
for rp2, req2, rp3, req3 in payload:
    infos = {
        "foo-1.0-py2-none-any.whl": (rp2, req2),
        "foo-1.0-py3-none-any.whl": (rp3, req3),
    }

    def read(link):
        rp, req = infos[link.filename]
        return PackageInfo(
            name="foo", version="1.0", summary="py2 summary" if "py2" in link.filename else "",
            requires_dist=list(req), requires_python=rp,
        )

    repo._get_info_from_metadata = read
    links = [Link("https://i.example/f/" + name) for name in infos]
    info = repo._get_info_from_links(links, ignore_yanked=True)
    out.append([info.requires_python, sorted(info.requires_dist or []), info.summary])
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def poetry_merges() -> list[list[object]]:
    try:
        answer: list[list[object]] = poetry_python(_POETRY_MERGE, MERGES)
    except PoetryUnavailable as exc:
        pytest.fail(f"Poetry's environment is needed for this comparison: {exc}", pytrace=False)
    return answer


@pytest.mark.parametrize("index", range(len(MERGES)))
def test_py2_and_py3_metadata_merge_as_poetry_merges_them(
    index: int, poetry_merges: list[list[object]]
) -> None:
    rp2, req2, rp3, req3 = MERGES[index]
    merged = merge_py2_py3(
        ReleaseMetadata("foo", "1.0", "py2 summary", rp2, tuple(req2)),
        ReleaseMetadata("foo", "1.0", "", rp3, tuple(req3)),
    )
    assert [merged.requires_python, sorted(merged.requires_dist), merged.summary] == (
        poetry_merges[index]
    )
