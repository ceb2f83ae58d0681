"""``%source`` in a real IPython shell (nbext.magics.source): Poetry's rules and messages,
nothing written when a value is refused.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

import nbext
from tests.support.shell import run


def test_pypi_rules_in_source_add(ip: InteractiveShell, project_dir: Path) -> None:
    with pytest.raises(nbext.SourceError, match="The URL of PyPI is fixed and cannot be set."):
        run(ip, "source add pypi https://x.example/simple/")
    with pytest.raises(nbext.SourceError, match="A custom source cannot be added without a URL."):
        run(ip, "source add foo")
    with pytest.raises(nbext.SourceError, match="At least one source must not be configured"):
        run(ip, "source add --priority explicit pypi")
    out, _, _ = run(ip, "source add --priority supplemental PYPI")
    assert out == "Adding source with name PyPI.\n"
    assert (
        'name = "PyPI"\npriority = "supplemental"' in (project_dir / "pyproject.toml").read_text()
    )


def test_bad_url_is_refused_before_writing(ip: InteractiveShell, project_dir: Path) -> None:
    before = (project_dir / "pyproject.toml").read_text()
    with pytest.raises(nbext.SourceError, match="Invalid URL 'foo.bar/simple' for source corp"):
        run(ip, "source add corp foo.bar/simple")
    assert (project_dir / "pyproject.toml").read_text() == before


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("source add 'my corp' https://corp.example/simple/", "'my corp'"),
        ('source add "my corp" https://corp.example/simple/', "'my corp'"),
        ("source add --priority explicit 'my corp' https://corp.example/simple/", "'my corp'"),
        ("source add corp/eu https://corp.example/simple/", "'corp/eu'"),
        ("source add {name} https://corp.example/simple/", "'corp\\x07'"),
    ],
)
def test_a_name_commands_cannot_type_is_refused_before_writing(
    ip: InteractiveShell, project_dir: Path, line: str, name: str
) -> None:
    ip.user_ns["name"] = "corp\x07"
    before = (project_dir / "pyproject.toml").read_text()
    with pytest.raises(nbext.SourceError) as exc:
        run(ip, line)
    assert str(exc.value).startswith(f"Invalid source name {name}: it contains a")
    assert "Fix: choose a name of letters, digits, '-', '_' and '.', such as '" in str(exc.value)
    assert (project_dir / "pyproject.toml").read_text() == before


def test_a_valid_name_is_added_as_before(ip: InteractiveShell, project_dir: Path) -> None:
    out, err, _ = run(ip, "source add my-corp.eu https://corp.example/simple/")
    assert out == "Adding source with name my-corp.eu.\n"
    assert err == "The default priority will change to supplemental in a future release.\n"
