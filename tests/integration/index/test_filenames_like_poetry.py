"""Distribution file names: nbext lists exactly the files Poetry 2.5.1 lists (issue 14.13).

Poetry's own reading is the reference: its ``LinkSource._link_package_name_and_version``
(wheel and sdist patterns, else the generic ``<name>-<version>`` pattern, then PEP 440) after
its format filter (``SUPPORTED_FORMATS`` on poetry-core's ``splitext``), run in Poetry's venv
over a table of odd names and compared name by name with what nbext reads from an HTML page
and from a PEP 691 JSON page listing the same file.
"""

from __future__ import annotations

import pytest

from nbext.index.filenames import parse_filename
from tests.support.filenames import ODD_NAMES
from tests.support.filenames import listed as _listed
from tests.support.poetry import PoetryUnavailable, poetry_python

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
