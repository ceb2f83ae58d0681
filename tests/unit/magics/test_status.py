"""``%nbext``: the one-screen status, and that it never shows (or reads) a secret."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from nbext.project.status import Status
from nbext.ui.html import to_html


def test_status_screen(
    ip: InteractiveShell, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POETRY_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("POETRY_KEYRING_ENABLED", "false")
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "1.0"\n', encoding="utf-8"
    )
    from nbext import kernel as _workspace

    _workspace._reset_default()
    secrets = ["env-pw-123456", "file-pw-123456", "url-pw-123456", "tok-123456789"]
    ip.run_line_magic("source", "add --priority primary corp http://127.0.0.1:9/simple/")
    ip.run_line_magic("source", "add --priority supplemental files http://127.0.0.1:9/f/")
    ip.run_line_magic(
        "source", f"add --priority explicit inurl http://bob:{secrets[2]}@127.0.0.1:9/u/"
    )
    ip.run_line_magic("source", "add --priority explicit bare http://127.0.0.1:9/b/")
    monkeypatch.setenv("POETRY_HTTP_BASIC_CORP_USERNAME", "alice")
    monkeypatch.setenv("POETRY_HTTP_BASIC_CORP_PASSWORD", secrets[0])
    ws = _workspace.workspace()
    ws.config_set("http-basic.files", "carol", secrets[1])
    ws.config_set("pypi-token.corp", secrets[3])
    ws.config_set("repositories.corp-pub", "http://127.0.0.1:9/legacy/")

    shown = ip.run_line_magic("nbext", "")
    assert isinstance(shown, Status)
    text, page = repr(shown), to_html(shown)
    assert text.startswith("nbext ")
    assert f"project: {tmp_path / 'pyproject.toml'}" in text
    lines = text.splitlines()
    assert any(line.split()[:3] == ["corp", "primary", "password:"] for line in lines[3:])
    assert "password: environment, token" in text
    assert "password: auth.toml" in text
    # %source add moved the URL's credentials to http-basic.inurl (auth.toml here).
    assert any(line.split()[:2] == ["inurl", "explicit"] and "auth.toml" in line for line in lines)
    assert any(line.split()[:3] == ["bare", "explicit", "none"] for line in lines[3:])
    assert "publishing to: corp-pub (http://127.0.0.1:9/legacy/)" in text
    assert "caches: 0 B in 0 source cache(s)" in text
    for secret in secrets:
        assert secret not in text and secret not in page


def test_status_without_a_project(ip: InteractiveShell) -> None:
    text = repr(ip.run_line_magic("nbext", ""))
    assert "project: none (kernel session only)" in text
    assert "PyPI" in text  # the implicit public index, as Poetry adds it


PINNED = """\
[project]
name = "app"
version = "1.0"
dependencies = ["foo", "bar"]

[tool.poetry.dependencies]
foo = {source = "gone"}
bar = {source = "corp"}

[tool.poetry.group.pins.dependencies]
baz = {version = "*", source = "Elsewhere"}

[[tool.poetry.source]]
name = "corp"
url = "http://127.0.0.1:9/simple/"
priority = "primary"
"""


def test_status_warns_about_pins_to_a_source_that_is_gone(
    ip: InteractiveShell, tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text(PINNED, encoding="utf-8")
    shown = ip.run_line_magic("nbext", "")
    text, page = repr(shown), to_html(shown)
    warnings = [line for line in text.splitlines() if line.startswith("warning: ")]
    assert warnings == [
        'warning: foo is pinned to source "gone", which is not declared: its lookups fail '
        'with Repository "gone" does not exist. Fix: %source add gone URL, or remove '
        'source = "gone" from its entry in pyproject.toml.',
        'warning: baz (group pins) is pinned to source "Elsewhere", which is not declared: '
        'its lookups fail with Repository "elsewhere" does not exist. Fix: %source add '
        'Elsewhere URL, or remove source = "Elsewhere" from its entry in pyproject.toml.',
    ]
    assert "bar is pinned" not in text  # corp is declared
    for line in warnings:
        assert html.escape(line.removeprefix("warning: ")) in page
    assert page.count("<b>warning:</b>") == 2
    # Put the source back: the warning goes.
    ip.run_line_magic("source", "add --priority explicit gone http://127.0.0.1:9/gone/")
    assert 'foo is pinned to source "gone"' not in repr(ip.run_line_magic("nbext", ""))


def test_status_warns_about_a_kernel_pin_whose_source_was_removed(ip: InteractiveShell) -> None:
    ip.run_line_magic("source", "add --priority explicit gpu http://127.0.0.1:9/gpu/")
    ip.run_line_magic("add", "gpu-kernels@* --source gpu --no-lock")  # no project: kept here
    assert "warning:" not in repr(ip.run_line_magic("nbext", ""))
    ip.run_line_magic("source", "remove gpu")
    text = repr(ip.run_line_magic("nbext", ""))
    assert (
        'warning: gpu-kernels is pinned to source "gpu", which is not declared: its lookups '
        'fail with Repository "gpu" does not exist. Fix: %source add gpu URL, or restart the '
        "kernel (without a pyproject.toml the pin lives in this kernel)." in text.splitlines()
    )


def test_status_table_reads_left_aligned(ip: InteractiveShell, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PINNED, encoding="utf-8")
    page = to_html(ip.run_line_magic("nbext", ""))
    cells = re.findall(r"<t[dh]\b[^>]*>", page)
    assert len(cells) == 4 * 2  # the header row and corp's
    assert all(c.endswith(" style='text-align:left'>") for c in cells), cells
    assert page.count("<table") == 1
