"""Sources as declared (nbext.sources.declared): the schema, names and URLs, checked with Poetry's
texts before the pool rules apply; bad values are one line with the file and the fix.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import nbext
from nbext.errors import ConfigurationError, SourceError
from nbext.sources.declared import parse_source_table, validate_url
from nbext.sources.pool import Priority
from tests.support.projects import P, project, toml
from tests.support.shell import one_line


def test_schema_accepts_deprecated_values_with_notices() -> None:
    specs, notices = parse_source_table(
        [
            {"name": "a", "url": "https://a/", "priority": "secondary"},
            {"name": "b", "url": "https://b/", "default": True},
        ]
    )
    assert [s.priority for s in specs] == [Priority.SECONDARY, Priority.DEFAULT]
    assert notices[0].startswith("Found deprecated priority 'secondary' for source 'a'")
    assert 'write priority = "primary"' in notices[0]
    assert notices[1].startswith("Found deprecated key 'default' or 'secondary'")
    assert "Found deprecated priority 'default' for source 'b'" in notices[2]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"name": "foo", "url": "https://x/", "priority": "bogus"},
            "tool.poetry.source[0].priority must be one of ['primary', 'supplemental', 'explicit']",
        ),
        ({"url": "https://x/"}, "tool.poetry.source[0] must contain ['name'] properties"),
        (
            {"name": "foo", "url": "https://x/", "colour": "red"},
            "tool.poetry.source[0] must contain only specified properties",
        ),
        ({"name": "foo", "url": "foo.bar/simple"}, "tool.poetry.source[0].url must be uri"),
    ],
)
def test_schema_errors_use_poetrys_text(entry: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigurationError) as exc:
        parse_source_table([entry])
    assert str(exc.value) == f"The Poetry configuration is invalid:\n  - {message}"


@pytest.mark.parametrize("url", ["foo.bar/simple", "https://", "ftp://x/simple", "http://a b/"])
def test_bad_url_names_the_source_and_the_fix(url: str) -> None:
    with pytest.raises(SourceError) as exc:
        validate_url("corp", url)
    assert "corp" in str(exc.value)
    assert exc.value.source == "corp"


# -- source names and URLs -----------------------------------------------------------------------

BAD_NAMES = [
    "a\nb",
    "a/b",
    "..",
    "../escape",
    "a\\b",
    "tab\there",
    "bell\x07",
    "my corp",
    " corp",
    "corp ",
    "nb\u00a0space",  # a no-break space (not printable to Python)
]


@pytest.mark.parametrize("name", BAD_NAMES, ids=repr)
def test_source_add_refuses_names_that_are_not_directory_names(
    name: str, tmp_path: Path, cfg: Path
) -> None:
    path = project(tmp_path, P)
    with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.SourceError) as exc:
        ws.add_source(name, "https://corp.example/simple/", "primary")
    text = one_line(exc.value)
    assert repr(name) in text and "Fix:" in text
    assert exc.value.source == name
    assert path.read_text() == P


@pytest.mark.parametrize(
    ("name", "message"),
    [
        (
            "my corp",
            "Invalid source name 'my corp': it contains a space (every command that names a "
            "source, such as %config http-basic.NAME USERNAME or %add PKG --source NAME, would "
            "take it for two words, and its POETRY_HTTP_BASIC_* variables cannot be set from a "
            "shell). Fix: choose a name of letters, digits, '-', '_' and '.', such as 'my-corp'.",
        ),
        (
            "a/b",
            "Invalid source name 'a/b': it contains a slash (a source name is also a directory "
            "name in the cache). Fix: choose a name of letters, digits, '-', '_' and '.', such "
            "as 'a-b'.",
        ),
        (
            "corp\x1b[1m",
            "Invalid source name 'corp\\x1b[1m': it contains a line break or another control "
            "character (a command line cannot type it and an output does not show it as it "
            "is). Fix: choose a name of letters, digits, '-', '_' and '.', such as 'corp-1m'.",
        ),
        (  # no name to suggest
            "..",
            "Invalid source name '..': it contains \"..\" (a source name is also a directory "
            "name in the cache). Fix: choose a name of letters, digits, '-', '_' and '.'.",
        ),
    ],
    ids=["space", "slash", "control", "dots"],
)
def test_a_refused_name_says_why_and_suggests_one(
    name: str, message: str, tmp_path: Path, cfg: Path
) -> None:
    project(tmp_path, P)
    with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.SourceError) as exc:
        ws.add_source(name, "https://corp.example/simple/", "primary")
    assert str(exc.value) == message
    assert one_line(exc.value) == f"SourceError: {message}"


@pytest.mark.parametrize("name", ["corp", "My_Corp-2", "my.dotted", "café", "a.b-c_d"])
def test_other_names_are_added_as_before(name: str, tmp_path: Path, cfg: Path) -> None:
    path = project(tmp_path, P)
    with nbext.Workspace(tmp_path) as ws:
        report = ws.add_source(name, "https://corp.example/simple/", "primary")
        assert report.info == [f"Adding source with name {name}."]
        assert [s.name for s in ws.sources] == [name]
    assert toml(path)["tool"] == {
        "poetry": {
            "source": [{"name": name, "url": "https://corp.example/simple/", "priority": "primary"}]
        }
    }


def test_a_name_with_a_space_in_pyproject_is_refused_and_removable(
    tmp_path: Path, cfg: Path
) -> None:
    """Poetry writes `name = "my corp"` (`poetry source add 'my corp' URL`): nbext says which
    entry to rename, and removes it when asked."""
    text = P + '\n[[tool.poetry.source]]\nname = "my corp"\nurl = "https://c.example/"\n'
    path = project(tmp_path, text)
    with nbext.Workspace(tmp_path) as ws:
        with pytest.raises(nbext.SourceError) as exc:
            ws.lookup("acme")
        shown = one_line(exc.value)
        assert "'my corp': it contains a space" in shown
        assert shown.endswith(
            "Fix: rename the source in pyproject.toml (tool.poetry.source[0]) to 'my-corp' (and "
            "in the source = ... pins that use it)."
        )
        assert path.read_text() == text
        ws.remove_source("my corp")
    assert "my corp" not in path.read_text()


def test_a_bad_name_in_pyproject_is_refused_and_removable(tmp_path: Path, cfg: Path) -> None:
    text = P + '\n[[tool.poetry.source]]\nname = "../../escape"\nurl = "https://e.example/"\n'
    path = project(tmp_path, text)
    with nbext.Workspace(tmp_path) as ws:
        with pytest.raises(nbext.SourceError) as exc:
            ws.lookup("acme")
        shown = one_line(exc.value)
        assert "'../../escape'" in shown and "pyproject.toml (tool.poetry.source[0])" in shown
        assert "rename the source" in shown
        assert path.read_text() == text
        ws.remove_source("../../escape")  # the way out works on the file
    assert "escape" not in path.read_text()


@pytest.mark.parametrize(
    "url", ["http://h.example:70000/simple/", "http://h.example:abc/simple/", "http://[::1/simple/"]
)
def test_source_add_refuses_urls_whose_port_does_not_parse(
    url: str, tmp_path: Path, cfg: Path
) -> None:
    path = project(tmp_path, P)
    with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.SourceError) as exc:
        ws.add_source("x", url, "primary")
    text = one_line(exc.value)
    assert "for source x" in text and "Fix:" in text
    assert path.read_text() == P


def test_a_port_over_65535_in_pyproject(tmp_path: Path, cfg: Path) -> None:
    text = P + '\n[[tool.poetry.source]]\nname = "x"\nurl = "http://h.example:70000/simple/"\n'
    path = project(tmp_path, text)
    with nbext.Workspace(tmp_path) as ws:
        with pytest.raises(nbext.SourceError) as exc:
            ws.lookup("acme")
        assert one_line(exc.value) == (
            "SourceError: Invalid URL 'http://h.example:70000/simple/' for source x in "
            "pyproject.toml (tool.poetry.source[0]): Port out of range 0-65535. Fix: correct "
            "the URL there (scheme://host[:port]/path, a port from 1 to 65535), or %source "
            "remove x."
        )
        assert path.read_text() == text
        ws.remove_source("x")
    assert "70000" not in path.read_text()


@pytest.mark.parametrize(
    "entry",
    [
        '[[tool.poetry.source]]\nname = "x"\n',  # no url
        '[[tool.poetry.source]]\nurl = "https://x.example/"\n',  # no name
        '[[tool.poetry.source]]\nname = "x"\nurl = "https://x.example/"\npriority = 1\n',
        '[tool.poetry.source]\nname = "x"\n',  # a table, not an array of tables
    ],
    ids=["no-url", "no-name", "priority-int", "source-table"],
)
def test_malformed_source_entries_are_one_line_with_the_file_and_fix(
    entry: str, tmp_path: Path, cfg: Path
) -> None:
    """Poetry's own sentence (``str()`` keeps it exactly), shown on one line with the file
    and the fix; the file is untouched."""
    path = project(tmp_path, P + "\n" + entry)
    refused = (nbext.SourceError, nbext.ProjectError)
    with nbext.Workspace(tmp_path) as ws, pytest.raises(refused) as exc:
        _ = ws.sources
    shown = one_line(exc.value)
    assert "Fix" in shown
    if isinstance(exc.value, nbext.ConfigurationError):
        assert str(exc.value).startswith("The Poetry configuration is invalid:\n  - tool.poetry.")
        assert shown.startswith("ConfigurationError: The Poetry configuration is invalid (")
        assert str(path) in shown
    else:
        assert shown.startswith("SourceError: Missing [url] in source 'x'.")
    assert path.read_text() == P + "\n" + entry
