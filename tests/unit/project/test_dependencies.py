"""Dependencies written as ``poetry add [--source S] [--group G]`` writes them
(nbext.project.dependencies): PEP 621 and Poetry tables, groups, pins, skipped packages.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import nbext
from tests.support.projects import COMMENTED
from tests.support.projects import project as write


def test_add_dependency_pep621_with_pin_changes_nothing_else(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    with nbext.Workspace(tmp_path) as ws:
        ws.add("acme@^2.1", source="corp")
    text = path.read_text()
    assert '    "numpy>=1.26",  # numerics\n' in text
    assert '"acme (>=2.1,<3.0)"' in text
    assert '[tool.poetry.dependencies]\nacme = {source = "corp"}\n' in text
    # everything that was there is still there, in order
    rest = text
    for line in COMMENTED.splitlines():
        if line.strip() in ("]",):
            continue
        idx = rest.find(line)
        assert idx >= 0, line
        rest = rest[idx + len(line) :]


def test_add_again_replaces_and_keeps_the_pin_like_poetry(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    with nbext.Workspace(tmp_path) as ws:
        ws.add("acme@^2.1", source="corp")
        report = ws.add("Acme@>=3")
    text = path.read_text()
    assert text.count("acme") == 1 and text.count('"Acme (>=3)"') == 1
    assert 'acme = {source = "corp"}' in text  # Poetry keeps it too
    assert report.warnings == [
        "Acme stays pinned to source corp: like Poetry, nbext keeps an existing source pin when "
        "--source is not given. Use --source NAME to change it."
    ]


def test_group_pin_for_a_transitive_dependency(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    with nbext.Workspace(tmp_path) as ws:
        report = ws.add("acme-core@*", source="corp", group="pins")
        assert ws.project is not None
        pin = ws.project.pin_for("ACME_core")
    assert pin is not None and (pin.source, pin.group) == ("corp", "pins")
    assert report.info == ['Added acme-core (*) to dependency-groups.pins with source = "corp".']
    text = path.read_text()
    # Poetry 2.5: a new group goes to PEP 735 [dependency-groups], the pin to tool.poetry.group
    assert '[tool.poetry.group.pins.dependencies]\nacme-core = {source = "corp"}\n' in text
    assert text.endswith('[dependency-groups]\npins = [\n    "acme-core"\n]\n')


def test_existing_poetry_groups_are_used_as_they_are(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED + '\n[tool.poetry.group.dev.dependencies]\npytest = "^8"\n')
    with nbext.Workspace(tmp_path) as ws:
        ws.add("acme-core@*", source="corp", group="dev")
    assert path.read_text().endswith(
        '[tool.poetry.group.dev.dependencies]\npytest = "^8"\n'
        'acme-core = {version = "*", source = "corp"}\n'
    )


def test_pep621_without_dependencies_key_uses_tool_poetry(tmp_path: Path) -> None:
    path = write(tmp_path, '[project]\nname = "x"\nversion = "0"\n')
    with nbext.Workspace(tmp_path) as ws:
        ws.add("acme@^1.2")
    assert path.read_text().endswith('[tool.poetry.dependencies]\nacme = "^1.2"\n')


def test_old_layout_dependencies(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[tool.poetry]\nname = "old"\nversion = "1.0"\n\n[tool.poetry.dependencies]\n'
        'python = "^3.11"\nrequests = "^2.31"  # http\n',
    )
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", "https://corp.example/simple/", "primary")
        ws.add("acme@~1.2", source="corp")
        ws.add("tiny@1.0")
        assert str(ws.python) == ">=3.11,<4.0"
    text = path.read_text()
    assert (
        'requests = "^2.31"  # http\nacme = {version = "~1.2", source = "corp"}\n'
        'tiny = "1.0"\n' in text
    )


# -- a package already declared: Poetry's "will be skipped" --------------------------------

SKIPPED = [
    "The following packages are already present in the pyproject.toml ({path}) and will be "
    "skipped:\n",
    "  - {name}",
    "\nTo change its constraint or its source pin, give a constraint: %add {name}@^X.Y "
    "[--source NAME], or %add {name}@latest for the latest version.\n",
    "Nothing to add.",
]


@pytest.mark.parametrize(
    ("name", "group", "extra"),
    [
        ("numpy", "main", ""),  # in project.dependencies
        ("NumPy", "main", ""),  # normalized, as Poetry compares
        ("acme", "main", '\n[tool.poetry.dependencies]\nacme = {source = "corp"}\n'),
        ("pytest", "dev", '\n[tool.poetry.group.dev.dependencies]\npytest = "^8"\n'),
        ("ruff", "lint", '\n[dependency-groups]\nlint = ["ruff>=0.8"]\n'),
    ],
)
def test_add_of_a_declared_package_without_constraint_is_skipped(
    tmp_path: Path, name: str, group: str, extra: str
) -> None:
    path = write(tmp_path, COMMENTED + extra)
    before = path.read_bytes()
    with nbext.Workspace(tmp_path) as ws:
        # --source too: Poetry skips before it looks at the pin (no request is made either:
        # the sources' URLs do not resolve).
        report = ws.add(name, source="corp", group=group)
    assert report.info == [line.format(path=path, name=name) for line in SKIPPED]
    assert report.warnings == []
    assert path.read_bytes() == before


@pytest.mark.parametrize(
    ("text", "group", "extra"),
    [
        ("numpy@^2", "main", ""),  # a constraint: an update, not a skip
        ("numpy[extra]@^2", "main", ""),
        ("pytest@^8", "main", '\n[tool.poetry.group.dev.dependencies]\npytest = "^8"\n'),
        ("numpy@^2", "dev", ""),  # declared in another group only
    ],
)
def test_add_with_a_constraint_or_in_another_group_writes(
    tmp_path: Path, text: str, group: str, extra: str
) -> None:
    path = write(tmp_path, COMMENTED + extra)
    before = path.read_bytes()
    with nbext.Workspace(tmp_path) as ws:
        report = ws.add(text, group=group)
    assert report.info[-1].startswith("Added ")
    assert path.read_bytes() != before
