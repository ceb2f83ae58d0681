"""``%add --lock`` is ``poetry add --lock`` (2.5.1): the same pyproject.toml and poetry.lock,
byte for byte; ``--dry-run`` and a failed lock leave pyproject.toml as it was."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

import nbext
from nbext.demo import Dist, IndexServer
from nbext.resolve.results import AddResult
from tests.support.env import poetry_env
from tests.support.procs import run_captured
from tests.support.shell import run

PYPROJECT = """\
[project]
name = "adder"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["acme-core (>=1.0)"]

[tool.poetry]
package-mode = false

[[tool.poetry.source]]
name = "corp"
url = "{url}"
priority = "primary"
"""


@pytest.fixture
def corp(index_factory: type[IndexServer]) -> IndexServer:
    return index_factory(
        [
            Dist("acme", "1.0.0", requires_dist=("acme-core>=1",)),
            Dist("acme", "2.1.0", requires_dist=("acme-core>=1.2",)),
            Dist("acme-core", "1.0.0"),
            Dist("acme-core", "1.2.0"),
            Dist("acme-core", "1.3.0"),
        ],
        api="json",
    )


def _poetry(poetry: Path, project: Path, *args: str) -> str:
    with tempfile.TemporaryDirectory(prefix="poetry-home-") as home:
        proc = run_captured(
            [str(poetry), *args, "--no-interaction", "--no-ansi"],
            env=poetry_env(Path(home)),
            cwd=project,
        )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout + proc.stderr


def test_add_lock_is_poetry_add_lock(
    ip: InteractiveShell, project_dir: Path, corp: IndexServer, poetry: Path, tmp_path: Path
) -> None:
    (project_dir / "pyproject.toml").write_text(PYPROJECT.format(url=corp.url))
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    shutil.copy(project_dir / "pyproject.toml", theirs / "pyproject.toml")
    # An existing lock whose acme-core (1.0.0) the new package does not need to move.
    corp.remove("acme-core", "1.2.0")
    corp.remove("acme-core", "1.3.0")
    run(ip, "lock --no-live")
    _poetry(poetry, theirs, "lock")
    assert (project_dir / "poetry.lock").read_bytes() == (theirs / "poetry.lock").read_bytes()
    corp.add(Dist("acme-core", "1.2.0"))
    corp.add(Dist("acme-core", "1.3.0"))
    _, _, result = run(ip, "add acme@^1.0 --source corp --lock")
    said = _poetry(poetry, theirs, "add", "acme@^1.0", "--source", "corp", "--lock")
    assert isinstance(result, AddResult) and result.lock is not None
    assert (project_dir / "pyproject.toml").read_text() == (theirs / "pyproject.toml").read_text()
    assert (project_dir / "poetry.lock").read_bytes() == (theirs / "poetry.lock").read_bytes()
    locked = {p.name: p.version for p in result.lock.packages}
    assert locked == {"acme": "1.0.0", "acme-core": "1.0.0"}  # acme-core kept, as Poetry
    assert "Writing lock file" in said and "Writing lock file" in result.text()


def test_add_dry_run_changes_nothing(
    ip: InteractiveShell, project_dir: Path, corp: IndexServer
) -> None:
    (project_dir / "pyproject.toml").write_text(PYPROJECT.format(url=corp.url))
    before = (project_dir / "pyproject.toml").read_bytes()
    _, _, result = run(ip, "add acme --source corp --lock --dry-run")
    assert isinstance(result, AddResult)
    text = result.text()
    assert "Using version ^2.1.0 for acme" in text
    assert (project_dir / "pyproject.toml").read_bytes() == before
    assert not (project_dir / "poetry.lock").exists()
    # It says what it would have done: the entry it did not keep, and the lock it did not
    # write (not "up to date", which it was not).
    assert "Would add acme (^2.1.0) to project.dependencies" in text
    assert "Dry run: poetry.lock was not written. It would hold:" in text
    assert "up to date" not in text and "Writing lock file" not in text
    assert result.lock is not None and result.lock.dry_run
    assert {p.name: (p.version, p.source) for p in result.lock.packages} == {
        "acme": ("2.1.0", "corp"),
        "acme-core": ("1.3.0", "corp"),
    }
    # ... which is what the same command without --dry-run writes.
    _, _, done = run(ip, "add acme --source corp --lock")
    assert done.lock is not None and done.lock.packages == result.lock.packages


def test_failed_lock_puts_pyproject_back(
    ip: InteractiveShell, project_dir: Path, corp: IndexServer
) -> None:
    (project_dir / "pyproject.toml").write_text(
        PYPROJECT.format(url=corp.url).replace("acme-core (>=1.0)", "acme-core (<1.1)")
    )
    before = (project_dir / "pyproject.toml").read_bytes()
    with pytest.raises(nbext.NbextError, match="version solving failed"):
        run(ip, "add acme@^2.1 --source corp --lock")
    assert (project_dir / "pyproject.toml").read_bytes() == before
    assert not (project_dir / "poetry.lock").exists()


def test_add_lock_and_no_lock_together_is_a_usage_error(
    ip: InteractiveShell, project_dir: Path
) -> None:
    result = ip.run_cell("%add acme --lock --no-lock")
    assert result.error_in_exec is not None
    assert "--lock or --no-lock" in str(result.error_in_exec)
