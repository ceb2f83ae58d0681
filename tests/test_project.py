"""pyproject.toml through tomlkit: surgical edits, both layouts, bad files."""

from __future__ import annotations

from pathlib import Path

import nbext
import pytest

COMMENTED = """\
# My project. Comments and formatting must survive nbext's edits.
[project]
name = "app"   # the name
version = "0.1.0"
requires-python = ">=3.11"
dependencies = [
    "numpy>=1.26",  # numerics
]

[tool.poetry]
package-mode = false

# Company index: keep this comment
[[tool.poetry.source]]
name = "corp"  # internal
url = "https://pypi.corp.example/simple/"
priority = "primary"

[[tool.poetry.source]]
name = "mirror"
url = "https://mirror.example/simple/"
priority = "supplemental"

[tool.ruff]
line-length = 88
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_add_then_remove_source_round_trips_byte_for_byte(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("extra", "https://extra.example/simple/", "explicit")
        text = path.read_text()
        assert text.startswith(COMMENTED.split("[tool.ruff]")[0].rstrip("\n"))
        assert (
            '[[tool.poetry.source]]\nname = "extra"\nurl = "https://extra.example/simple/"\n'
            'priority = "explicit"\n' in text
        )
        ws.remove_source("extra")
    assert path.read_text() == COMMENTED


def test_update_in_place_keeps_comments_and_position(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    with nbext.Workspace(tmp_path) as ws:
        report = ws.add_source("CORP", "https://new.corp.example/simple/", "supplemental")
    assert report.info == ["Source with name CORP already exists. Updating."]
    expected = COMMENTED.replace('name = "corp"  # internal', 'name = "CORP"  # internal')
    expected = expected.replace(
        'url = "https://pypi.corp.example/simple/"\npriority = "primary"',
        'url = "https://new.corp.example/simple/"\npriority = "supplemental"',
    )
    assert path.read_text() == expected


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


def test_pep621_project_gets_tool_poetry_created(tmp_path: Path) -> None:
    path = write(tmp_path, '[project]\nname = "x"\nversion = "0"\n')
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", "https://corp.example/simple/", "primary")
    assert path.read_text() == (
        '[project]\nname = "x"\nversion = "0"\n\n[[tool.poetry.source]]\nname = "corp"\n'
        'url = "https://corp.example/simple/"\npriority = "primary"\n\n'
    )


def test_removing_the_last_source_removes_the_key(tmp_path: Path) -> None:
    path = write(tmp_path, '[project]\nname = "x"\nversion = "0"\n')
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", "https://corp.example/simple/", "primary")
        ws.remove_source("corp")
    assert "source" not in path.read_text()


def test_malformed_pyproject_is_a_clear_error_and_untouched(tmp_path: Path) -> None:
    broken = '[project\nname = "x"\n'
    path = write(tmp_path, broken)
    with nbext.Workspace(tmp_path) as ws:
        with pytest.raises(nbext.ProjectError) as exc:
            ws.add_source("corp", "https://corp.example/simple/", "primary")
        assert str(path) in str(exc.value) and "not valid TOML" in str(exc.value)
        with pytest.raises(nbext.ProjectError):
            ws.lookup("x")
    assert path.read_text() == broken


def test_invalid_source_table_gives_poetrys_text(tmp_path: Path) -> None:
    write(tmp_path, '[[tool.poetry.source]]\nname = "a"\nurl = "https://a/"\npriority = "nope"\n')
    with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.ConfigurationError) as exc:
        _ = ws.sources
    assert str(exc.value) == (
        "The Poetry configuration is invalid:\n  - tool.poetry.source[0].priority must be one of "
        "['primary', 'supplemental', 'explicit']"
    )


def test_project_is_found_in_parents_only_when_discovering(tmp_path: Path) -> None:
    write(tmp_path, COMMENTED)
    sub = tmp_path / "notebooks" / "deep"
    sub.mkdir(parents=True)
    with nbext.Workspace(sub, discover=True) as ws:
        assert ws.project is not None and ws.project.path == (tmp_path / "pyproject.toml")
        assert ws.sources.names == ["corp", "mirror"]
    with nbext.Workspace(sub) as ws:
        assert ws.project is None


def test_external_edits_are_seen(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    with nbext.Workspace(tmp_path) as ws:
        assert ws.sources.names == ["corp", "mirror"]
        path.write_text(COMMENTED.replace('"supplemental"', '"explicit"') + "\n")
        assert [s.priority.value for s in ws.sources] == ["primary", "explicit"]


def test_write_is_atomic_and_keeps_mode(tmp_path: Path) -> None:
    path = write(tmp_path, COMMENTED)
    path.chmod(0o640)
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("x", "https://x.example/simple/", "explicit")
    assert path.stat().st_mode & 0o777 == 0o640
    # no temporary file is left; the lock file beside it is documented (nbext.files.userfiles)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".pyproject.toml.lock", "pyproject.toml"]


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


def test_skipped_package_matches_poetry(tmp_path: Path) -> None:
    """Poetry 2.5.1's own `poetry add numpy` on the same file: skipped, file unchanged."""
    from tests.support.env import poetry_env
    from tests.support.poetry import PoetryUnavailable, poetry_bin
    from tests.support.procs import run_checked

    try:
        poetry = poetry_bin()
    except PoetryUnavailable as exc:
        pytest.fail(str(exc))
    project = tmp_path / "p"
    project.mkdir()
    path = write(project, COMMENTED)
    before = path.read_bytes()
    out = run_checked(
        [str(poetry), "add", "numpy", "--lock", "--no-interaction", "--no-ansi"],
        env=poetry_env(tmp_path / "home"),
        timeout=120,
        what="poetry add",
        cwd=project,
    )
    assert path.read_bytes() == before
    poetry_lines = [line for line in out.splitlines() if line.strip()]
    with nbext.Workspace(project) as ws:
        ours = [line for line in "\n".join(ws.add("numpy").info).splitlines() if line.strip()]
    # The same notice and the same end; the hint between is nbext's own (no `poetry update`).
    assert poetry_lines[:2] == ours[:2]
    assert poetry_lines[-1] == ours[-1] == "Nothing to add."
