"""``%publish --build``'s log (nbext.publish.build.build) is plain text in a notebook, where
ipykernel sets FORCE_COLOR for child processes and a backend may colour what it prints anyway.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nbext.errors import PublishError
from nbext.publish.build import build
from tests.support.projects import write_project

# Appended to the in-tree backend: it colours what it prints whatever the environment says.
_COLOURING = """

_plain_build_wheel = build_wheel


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    print("\\x1b[1;32mwheel\\x1b[0m \\x1b]8;;http://127.0.0.1/\\x1b\\\\built\\x1b]8;;\\x1b\\\\")
    return _plain_build_wheel(wheel_directory, config_settings, metadata_directory)
"""


@pytest.fixture
def kernel_colours(monkeypatch: pytest.MonkeyPatch) -> None:
    """The variables ipykernel sets in a kernel's environment (``!cmd`` in colour)."""
    for name in ("FORCE_COLOR", "CLICOLOR_FORCE", "CLICOLOR"):
        monkeypatch.setenv(name, "1")
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.mark.usefixtures("kernel_colours")
def test_the_build_log_has_no_escapes_under_the_kernels_force_color(tmp_path: Path) -> None:
    root = write_project(tmp_path / "demo")
    output = build(root, root / "dist", isolation=False)
    assert "Successfully built demo_pkg-0.1.0.tar.gz and demo_pkg-0.1.0-py3-none-any.whl" in output
    assert "\x1b" not in output
    assert "NO_COLOR and FORCE_COLOR" not in output  # build's warning when it gets both


@pytest.mark.usefixtures("kernel_colours")
def test_what_a_backend_colours_itself_is_stripped(tmp_path: Path) -> None:
    root = write_project(tmp_path / "demo", backend="in-tree")
    backend = root / "backend.py"
    backend.write_text(backend.read_text(encoding="utf-8") + _COLOURING, encoding="utf-8")
    output = build(root, root / "dist", isolation=False)
    assert "wheel built" in output.splitlines()
    assert "\x1b" not in output


@pytest.mark.usefixtures("kernel_colours")
def test_a_failed_builds_log_has_no_escapes(tmp_path: Path) -> None:
    root = write_project(tmp_path / "demo", backend="in-tree")
    (root / "backend.py").write_text("raise SystemExit('no backend here')\n", encoding="utf-8")
    with pytest.raises(PublishError) as info:
        build(root, root / "dist", isolation=False)
    assert str(info.value).startswith("The build failed (exit 1)")
    assert "ERROR" in str(info.value)
    assert "\x1b" not in str(info.value)
