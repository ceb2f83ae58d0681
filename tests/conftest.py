"""Fixtures for every test: the isolated environment, empty caches, a project, a shell.

The session runs with HOME, XDG_*, Jupyter, IPython and Poetry directories in a temporary
directory and without the machine's CA bundles, proxies and ``PIP_*``/``POETRY_*``
settings (:mod:`tests.support.env`). Fixtures used by one tier only live in that tier's
``conftest.py``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from nbext import kernel as _workspace
from nbext.publish.publish import build
from tests.support.env import dropped, isolated_vars
from tests.support.projects import write_project
from tests.support.workspaces import close_opened


@pytest.fixture(scope="session", autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("home")
    mp = pytest.MonkeyPatch()
    for var in list(os.environ):
        if dropped(var):
            mp.delenv(var, raising=False)
    for var, value in isolated_vars(home).items():
        mp.setenv(var, value)
    yield home
    mp.undo()


@pytest.fixture(autouse=True)
def own_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test starts with empty caches (HTTP, metadata, artifacts)."""
    path = tmp_path / "poetry-cache"
    monkeypatch.setenv("POETRY_CACHE_DIR", str(path))
    return path


@pytest.fixture(autouse=True)
def _close_workspaces() -> Iterator[None]:
    """Workspaces a helper opened for the test (``tests/support/workspaces.py``) are closed."""
    yield
    close_opened()


@pytest.fixture
def project_dir(tmp_path: Path) -> Path:
    """A directory with a minimal PEP 621 pyproject.toml."""
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "demo-app"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        "dependencies = []\n",
        encoding="utf-8",
    )
    return tmp_path


@pytest.fixture
def ip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[InteractiveShell]:
    """A real IPython shell with nbext loaded, in ``tmp_path``, unloaded afterwards."""
    monkeypatch.chdir(tmp_path)
    _workspace._reset_default()
    shell = InteractiveShell.instance()
    shell.history_manager.enabled = False
    shell.run_line_magic("load_ext", "nbext")
    yield shell
    shell.run_line_magic("unload_ext", "nbext")
    _workspace._reset_default()
    InteractiveShell.clear_instance()


@pytest.fixture
def cfg(config_dir: Path) -> Path:
    """:func:`config_dir`, created."""
    config_dir.mkdir()
    return config_dir


@pytest.fixture(scope="module")
def dist(built: Path) -> Path:
    """The files of :func:`built`."""
    return built / "dist"


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Poetry's config directory (``POETRY_CONFIG_DIR``, not created) with the keyring off."""
    path = tmp_path / "poetry-config"
    monkeypatch.setenv("POETRY_CONFIG_DIR", str(path))
    monkeypatch.setenv("POETRY_KEYRING_ENABLED", "false")  # credentials in auth.toml
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sample project built once (poetry-core, in the test venv: offline)."""
    root = write_project(tmp_path_factory.mktemp("built") / "demo")
    build(root, root / "dist", isolation=False)
    return root
