"""Distribution file names: nbext lists exactly the files Poetry 2.5.1 lists (issue 14.13).

Poetry's own reading is the reference: its ``LinkSource._link_package_name_and_version``
(wheel and sdist patterns, else the generic ``<name>-<version>`` pattern, then PEP 440) after
its format filter (``SUPPORTED_FORMATS`` on poetry-core's ``splitext``), run in Poetry's venv
over a table of odd names and compared name by name with what nbext reads from an HTML page
and from a PEP 691 JSON page listing the same file.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from nbext.index.filenames import parse_filename
from nbext.index.reader import read_project_page

from tests.support.poetry import PoetryUnavailable, poetry_python

BIG = "9" * 5000

#: File names, all meant for project ``robpkg`` (some fail to be, as Poetry reads them).
ODD_NAMES = (
    # wheels
    "robpkg-9.0-py3-none-any.whl",
    "robpkg-9.0-1-py3-none-any.whl",  # build tag
    "robpkg-9.0-1a-py3-none-any.whl",  # a build tag starting with a digit
    "robpkg-1.0.0-0-py3-none-any.whl",
    "robpkg-9.0-1-2-3-py3-none-any.whl",  # too many parts: another project's name
    "robpkg-9.0.0-foo-py3-none-any.whl",  # a build tag that does not start with a digit
    "robpkg-9.0.whl",  # no tags: Poetry's generic pattern takes it as 9.0
    "robpkg-9.0-py3-none.whl",  # too few tags
    "robpkg-9.0-py3-none-any-extra.whl",
    "Robpkg-9.1-py3-none-any.whl",  # uppercase name
    "ROB_PKG-9.0-py3-none-any.whl",  # another project (rob-pkg)
    "robpkg-9.0-py2.py3-none-any.whl",
    "robpkg-9.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
    "robpkg-2.0.0-cp39-abi3-macosx_10_9_universal2.whl",
    "robpkg-9.0+local.1-py3-none-any.whl",  # local version
    "robpkg-1!9.0-py3-none-any.whl",  # epoch
    "robpkg-9.0.post1-py3-none-any.whl",
    "robpkg-9.0.dev3-py3-none-any.whl",
    "robpkg-9.0rc1-py3-none-any.whl",
    "robpkg-9.0.dev0+abc.def-py3-none-any.whl",
    "robpkg-9.0-py3-none-any.WHL",  # extensions are case-sensitive
    "robpkg-9.0-py3-none-any.whl.metadata",
    # sdists
    "robpkg-9.2.tar.gz",
    "robpkg-9.3.zip",
    "robpkg-9.4.tar.bz2",
    "robpkg-9.5.tar.xz",
    "robpkg-9.6.tar.Z",
    "robpkg-9.7.tar",
    "robpkg-9.0.tgz",
    "robpkg-9.0.TAR.GZ",
    "robpkg-9.0.Tar.gz",
    "ROBPKG-9.0.ZIP",
    "robpkg-9.8.sdist.tar.gz",
    "robpkg-9.0-2.tar.gz",  # a dash in the version: another project (robpkg-9-0)
    "robpkg-9.0-beta.tar.gz",  # the generic pattern, and PEP 440 reads 9.0-beta as 9.0b0
    "robpkg-9.0a.tar.gz",
    "robpkg-9.0_1.tar.gz",
    "robpkg-9.0 (1).tar.gz",
    "robpkg-9.0.win32.zip",
    "robpkg-9.0.linux-x86_64.tar.gz",  # bdist_dumb
    "robpkg-9.0.0.0.0.0.tar.gz",
    "robpkg-v9.0.tar.gz",
    "robpkg-dev-9.0.tar.gz",  # another project (robpkg-dev)
    "rob.pkg-9.0.tar.gz",
    "robpkg_-9.0.tar.gz",
    "robpkg--9.0.tar.gz",
    "robpkg.tar.gz",
    "-9.0.tar.gz",
    "robpkg-notaversion.tar.gz",
    "robpkg-9.0.zip.zip",
    "robpkg-\u0669.0.tar.gz",  # an Arabic-Indic digit: re's \d matches it
    # other formats Poetry drops
    "robpkg-9.0.egg",
    "robpkg-9.0-py3.11.egg",
    "robpkg-9.0.exe",
    "robpkg-9.0.win-amd64.msi",
    "robpkg-9.0-1.noarch.rpm",
    "robpkg-9.0.tar.gz.asc",
    # a version Python cannot convert (Poetry fails the whole page; nbext skips the file)
    f"robpkg-1.{BIG}.tar.gz",
)

_POETRY_READS = """
from poetry.core.packages.utils.utils import splitext
from poetry.repositories.link_sources.base import LinkSource

out = []
for filename in payload:
    if splitext(filename, is_filename=True)[1] not in LinkSource.SUPPORTED_FORMATS:
        out.append(None)
        continue
    try:
        found = LinkSource._link_package_name_and_version(filename)
    except ValueError as exc:
        out.append(["error", type(exc).__name__])
        continue
    out.append(None if found is None else [found[0], found[1].text])
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def poetry_reading() -> dict[str, list[str] | None]:
    try:
        answers = poetry_python(_POETRY_READS, list(ODD_NAMES))
    except PoetryUnavailable as exc:
        pytest.fail(f"Poetry's environment is needed for this comparison: {exc}", pytrace=False)
    return dict(zip(ODD_NAMES, answers, strict=True))


def _listed(filename: str, project: str, api: str) -> list[str]:
    """The versions nbext lists for ``project`` on a page with this one file."""
    if api == "html":
        body = f'<a href="/files/{quote(filename)}">{filename}</a>'.encode()
        content_type = "text/html"
    else:
        doc = {
            "meta": {"api-version": "1.1"},
            "name": project,
            "files": [{"filename": filename, "url": f"/files/{quote(filename)}", "hashes": {}}],
        }
        body = json.dumps(doc).encode()
        content_type = "application/vnd.pypi.simple.v1+json"
    page = read_project_page(
        project, body, content_type=content_type, url=f"https://i.example/simple/{project}/"
    )
    return [f.version.text for f in page.files]


def test_the_table_is_big_and_varied() -> None:
    assert len(ODD_NAMES) >= 40
    assert len(set(ODD_NAMES)) == len(ODD_NAMES)


@pytest.mark.parametrize("api", ["html", "json"])
@pytest.mark.parametrize("filename", ODD_NAMES, ids=lambda n: n[:60])
def test_file_names_are_read_as_poetry_reads_them(
    filename: str, api: str, poetry_reading: dict[str, list[str] | None]
) -> None:
    answer = poetry_reading[filename]
    if answer is None or answer[0] == "error":
        # Poetry lists nothing for robpkg (or fails on the page: nbext leaves the file out)
        assert _listed(filename, "robpkg", api) == []
        parsed = parse_filename(filename)
        if parsed is not None and answer is None:
            assert _listed(filename, parsed[0], api) == []
        return
    name, version = answer
    assert _listed(filename, name, api) == [version]
    parsed = parse_filename(filename)
    assert parsed is not None and parsed[0] == name
    assert parsed[2] == ("wheel" if filename.endswith(".whl") else "sdist")


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
