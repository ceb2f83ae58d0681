"""``Workspace.lock()`` on the demo sources writes the lock ``poetry lock`` 2.5.1 writes, byte for
byte, and Poetry accepts it (``poetry check --lock``)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import nbext
from nbext.demo import Demo, start
from tests.support.env import poetry_env
from tests.support.poetry import poetry_lock
from tests.support.procs import run_captured

PYPROJECT = """\
[project]
name = "trial"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["acme-utils>=2", "acme-ml", "gpu-kernels", "colorama-lite"]

[tool.poetry]
package-mode = false

[tool.poetry.dependencies]
gpu-kernels = {{source = "extras"}}

[[tool.poetry.source]]
name = "corp"
url = "{corp}"
priority = "primary"

[[tool.poetry.source]]
name = "mirror"
url = "{mirror}"
priority = "supplemental"

[[tool.poetry.source]]
name = "extras"
url = "{extras}"
priority = "explicit"
"""


@pytest.fixture(scope="module")
def demo() -> Iterator[Demo]:
    with start() as running:
        yield running


def _project(where: Path, demo: Demo) -> Path:
    where.mkdir()
    (where / "pyproject.toml").write_text(PYPROJECT.format(**demo.urls), encoding="utf-8")
    return where


def test_lock_is_poetrys_byte_for_byte(demo: Demo, tmp_path: Path, poetry: Path) -> None:
    ours = _project(tmp_path / "nbext", demo)
    theirs = _project(tmp_path / "poetry", demo)
    with nbext.Workspace(ours) as ws:
        result = ws.lock()
    assert poetry_lock(theirs).ok
    assert (ours / "poetry.lock").read_text() == (theirs / "poetry.lock").read_text()
    assert {p.name: (p.version, p.source) for p in result.packages} == {
        "acme-core": ("1.2.0", "corp"),
        "acme-ml": ("0.3.0", "corp"),
        "acme-utils": ("2.1.0", "corp"),
        "colorama-lite": ("0.4.6", "mirror"),
        "gpu-kernels": ("2.0.0", "extras"),
    }
    assert "Writing lock file" in result.output
    assert all(p.files > 0 for p in result.packages)


def test_poetry_accepts_the_lock_as_fresh(demo: Demo, tmp_path: Path, poetry: Path) -> None:
    ours = _project(tmp_path / "nbext", demo)
    with nbext.Workspace(ours) as ws:
        ws.lock()
    with tempfile.TemporaryDirectory(prefix="poetry-home-") as home:
        proc = run_captured(
            [str(poetry), "check", "--lock", "--no-ansi"], env=poetry_env(Path(home)), cwd=ours
        )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_second_lock_keeps_the_file_and_says_so(demo: Demo, tmp_path: Path) -> None:
    ours = _project(tmp_path / "nbext", demo)
    with nbext.Workspace(ours) as ws:
        ws.lock()
        before = (ours / "poetry.lock").read_bytes()
        again = ws.lock()
    assert (ours / "poetry.lock").read_bytes() == before
    assert not again.changes
    assert "acme-utils" in again.text()


def test_lock_without_a_project_names_the_fix(tmp_path: Path) -> None:
    with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.NbextError, match="pyproject.toml"):
        ws.lock()


def test_conflict_is_poetrys_explanation_and_nothing_is_written(demo: Demo, tmp_path: Path) -> None:
    ours = _project(tmp_path / "nbext", demo)
    text = (ours / "pyproject.toml").read_text().replace('"acme-utils>=2"', '"acme-utils>=9"')
    (ours / "pyproject.toml").write_text(text)
    with nbext.Workspace(ours) as ws, pytest.raises(nbext.NbextError) as info:
        ws.lock()
    assert "version solving failed" in str(info.value)
    assert "acme-utils" in str(info.value)
    assert not (ours / "poetry.lock").exists()


def test_poetry_installs_from_the_lock_without_relocking(
    demo: Demo, tmp_path: Path, poetry: Path
) -> None:
    ours = _project(tmp_path / "nbext", demo)
    with nbext.Workspace(ours) as ws:
        ws.lock()
    before = (ours / "poetry.lock").read_bytes()
    with tempfile.TemporaryDirectory(prefix="poetry-home-") as home:
        env = poetry_env(Path(home))
        # Poetry's own venv for the project, inside the (temporary) project directory.
        env.update({"POETRY_VIRTUALENVS_CREATE": "true", "POETRY_VIRTUALENVS_IN_PROJECT": "true"})
        proc = run_captured(
            [str(poetry), "install", "--no-root", "--no-ansi", "--no-interaction"],
            env=env,
            cwd=ours,
            timeout=300,
        )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Installing dependencies from lock file" in out
    assert "Resolving dependencies" not in out and "Writing lock file" not in out
    assert "Installing acme-utils (2.1.0)" in out and "Installing gpu-kernels (2.0.0)" in out
    assert (ours / "poetry.lock").read_bytes() == before
