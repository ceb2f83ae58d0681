"""The captured pages of ``tests/data`` list what Poetry 2.5.1's own page classes list
(run in Poetry's venv).
"""

from __future__ import annotations

import pytest

from nbext.constants import JSON_MEDIA_TYPE
from nbext.index.reader import read_project_page
from tests.support.pages import DATA, PAGE_URL, PROJECT
from tests.support.poetry import PoetryUnavailable, poetry_python

_POETRY_PAGE = """
from poetry.repositories.link_sources.html import HTMLPage
from poetry.repositories.link_sources.json import SimpleJsonPage
from packaging.utils import canonicalize_name

out = {}
for name, (kind, url, project, content) in payload.items():
    page = HTMLPage(url, content) if kind == "html" else SimpleJsonPage(url, json.loads(content))
    project = canonicalize_name(project)
    rows = []
    for version in sorted(page.versions(project)):
        for link in page.links_for_version(project, version):
            rows.append([link.filename, version.text, link.yanked, link.yanked_reason,
                         link.requires_python, link.has_metadata])
    out[name] = sorted(rows)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def poetry_pages() -> dict[str, list[list[object]]]:
    payload = {
        name: (
            "html" if name.endswith(".html") else "json",
            PAGE_URL.format(PROJECT[name]),
            PROJECT[name],
            (DATA / name).read_text(encoding="utf-8"),
        )
        for name in PROJECT
    }
    try:
        answer: dict[str, list[list[object]]] = poetry_python(_POETRY_PAGE, payload)
    except PoetryUnavailable as exc:
        pytest.fail(f"Poetry's environment is needed for this comparison: {exc}", pytrace=False)
    return answer


@pytest.mark.parametrize("page", sorted(PROJECT))
def test_captured_pages_list_what_poetry_lists(
    page: str, poetry_pages: dict[str, list[list[object]]]
) -> None:
    body = (DATA / page).read_bytes()
    content_type = "text/html" if page.endswith(".html") else JSON_MEDIA_TYPE
    files = read_project_page(
        PROJECT[page], body, content_type=content_type, url=PAGE_URL.format(PROJECT[page])
    ).files
    ours = sorted(
        [
            f.filename,
            f.version.text,
            f.yanked,
            f.yanked_reason or "",
            f.requires_python,
            f.has_metadata,
        ]
        for f in files
    )
    assert ours == poetry_pages[page]
    assert ours  # every page lists something
