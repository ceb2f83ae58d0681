"""A tutorial stopped midway leaves nothing behind.

Each tutorial keeps its project, Poetry's directories and any password it saves in one
throwaway directory (``nbext.demo.throwaway_dir``) and removes it in its last cell. Here each
one runs only until nbext has read and written its directories (the first cell that looks a
package up, adds, installs or publishes), then its kernel is shut down, as a person closing
the notebook or a test that stops would: no throwaway directory may be left, and nothing may
have been written to the fresh HOME's Poetry directories. A kernel that is killed (nbval
stops its kernels with SIGKILL) leaves nothing either: not the directory, and not tutorial
03's password, saved in plain text in its ``auth.toml`` (the keyring is off there).

The strict nbval run of every tutorial (``test_notebooks.py``) checks the same after a
complete run.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat import NotebookNode

from tests.support.kernels import CELL_TIMEOUT, STARTUP_TIMEOUT
from tests.support.tutorials import (
    NOTEBOOKS,
    TUTORIAL_KERNEL,
    TutorialEnv,
    leftovers,
    poetry_dirs,
    register_tutorial_kernel,
    wait_for_no_leftovers,
)

#: A code cell with one of these has nbext read its configuration and write its caches.
FIRST_REAL_WORK = ("%lookup", "%add", "%install", "%publish")


@pytest.fixture(scope="module")
def tutorial_kernel_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Jupyter path with the ``nbext-tutorial`` kernel (tutorial 09's throwaway venv)."""
    path = tmp_path_factory.mktemp("jupyter-path")
    register_tutorial_kernel(path)
    return path


def _until(nb: NotebookNode, stop: int) -> list[tuple[int, NotebookNode]]:
    """The code cells (with their index in the notebook) up to and including ``stop``."""
    return [(i, c) for i, c in enumerate(nb.cells[: stop + 1]) if c.cell_type == "code"]


def _first(nb: NotebookNode, needles: tuple[str, ...]) -> int:
    found = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and any(n in c.source for n in needles)
    ]
    assert found, f"no code cell with any of {needles}"
    return found[0]


def _run_then_stop(
    notebook: Path,
    stop: int,
    env: TutorialEnv,
    work: Path,
    *,
    kill: bool,
    during: Callable[[], None] | None = None,
) -> None:
    """Run ``notebook``'s code cells up to cell ``stop`` in a kernel, call ``during()``, then
    shut the kernel down (``kill``: at once, with SIGKILL, as nbval does)."""
    nb = nbformat.read(notebook, as_version=4)
    work.mkdir()
    client = NotebookClient(
        nb,
        kernel_name=nb.metadata["kernelspec"]["name"],
        timeout=CELL_TIMEOUT,
        startup_timeout=STARTUP_TIMEOUT,
        resources={"metadata": {"path": str(work)}},
        shutdown_kernel="immediate" if kill else "graceful",
    )
    with client.setup_kernel(env=env.environ):
        for index, cell in _until(nb, stop):
            client.execute_cell(cell, index)
        # The tutorial has its throwaway directory by now: the test means something.
        assert leftovers(env.tmp), f"no throwaway directory in {env.tmp}"
        if during is not None:
            during()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_a_tutorial_stopped_midway_leaves_nothing_behind(
    notebook: Path,
    tmp_path: Path,
    tutorial_kernel_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = TutorialEnv(tmp_path / "env")
    nb = nbformat.read(notebook, as_version=4)
    if nb.metadata["kernelspec"]["name"] == TUTORIAL_KERNEL:
        # This process looks the kernelspec up; the kernel's own Jupyter path is the same.
        monkeypatch.setenv("JUPYTER_PATH", str(tutorial_kernel_path))
        env.environ["JUPYTER_PATH"] = str(tutorial_kernel_path)
    stop = _first(nb, FIRST_REAL_WORK)
    _run_then_stop(notebook, stop, env, tmp_path / "work", kill=False)
    assert wait_for_no_leftovers(env.tmp) == []
    assert poetry_dirs(env.home) == []


def test_a_killed_tutorial_kernel_leaves_no_password_behind(tmp_path: Path) -> None:
    notebook = next(p for p in NOTEBOOKS if p.name.startswith("03-"))
    env = TutorialEnv(tmp_path / "env")
    password = env.environ["NBEXT_DEMO_PASSWORD"] = secrets.token_urlsafe(16)
    nb = nbformat.read(notebook, as_version=4)
    # The cell that saves the password (in auth.toml: the tutorial turned the keyring off).
    stop = _first(nb, ('config_set("http-basic.corp"',))

    def saved_in_plain_text() -> None:
        files = [p for p in env.tmp.rglob("*") if p.is_file()]
        assert any(password.encode() in p.read_bytes() for p in files), "not saved: no test"

    _run_then_stop(notebook, stop, env, tmp_path / "work", kill=True, during=saved_in_plain_text)
    assert wait_for_no_leftovers(env.tmp) == []
    written = [p for p in (tmp_path / "env").rglob("*") if p.is_file()]
    assert [p for p in written if password.encode() in p.read_bytes()] == []
    assert poetry_dirs(env.home) == []
