"""``%add`` of a package the project already declares: the real ``poetry add`` (2.5.1) on the
same file says the same and changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import nbext
from tests.support.projects import COMMENTED
from tests.support.projects import project as write


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
