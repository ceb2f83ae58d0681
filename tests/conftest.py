"""Shared fixtures: an isolated environment and real index servers on 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from IPython.core.interactiveshell import InteractiveShell
from nbext import kernel as _workspace
from nbext.demo import Dist, IndexServer

from tests.support.env import dropped, isolated_vars
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
def index_factory() -> Iterator[type[IndexServer]]:
    """Start IndexServers that are stopped at the end of the test."""
    started: list[IndexServer] = []

    class Factory(IndexServer):
        def __init__(self, dists: list[Dist] | tuple[Dist, ...] = (), **kw: object) -> None:
            super().__init__(dists, **kw)  # type: ignore[arg-type]
            self.start()
            started.append(self)

    yield Factory
    for server in started:
        server.stop()


@pytest.fixture
def fake_pypi(index_factory: type[IndexServer], monkeypatch: pytest.MonkeyPatch) -> IndexServer:
    """A local index standing in for the public one (NBEXT_PYPI_URL points at it)."""
    server = index_factory(
        [Dist("requests", "2.32.0"), Dist("requests", "2.31.0"), Dist("six", "1.16.0")],
        name="pypi",
        api="json",
        json_api=True,
    )
    monkeypatch.setenv("NBEXT_PYPI_URL", server.url)
    return server


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


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    """A private CA (trustme) for HTTPS servers on 127.0.0.1."""
    return trustme.CA()


@pytest.fixture(scope="module")
def pems(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``ca``: the CA bundle; ``client``: a client certificate with its key; ``other``: the
    bundle of an unrelated CA."""
    d = tmp_path_factory.mktemp("pki")
    ca.cert_pem.write_to_path(str(d / "ca.pem"))
    ca.issue_cert("client@example.test").private_key_and_cert_chain_pem.write_to_path(
        str(d / "client.pem")
    )
    trustme.CA().cert_pem.write_to_path(str(d / "other-ca.pem"))
    return {"ca": d / "ca.pem", "client": d / "client.pem", "other": d / "other-ca.pem"}


@pytest.fixture
def poetry() -> Path:
    """The real Poetry (pinned, in ``.venv-poetry``, installed on first use)."""
    from tests.support.poetry import PoetryUnavailable, poetry_bin

    try:
        return poetry_bin()
    except PoetryUnavailable as exc:  # pragma: no cover - needs the package registry
        pytest.fail(f"Poetry could not be installed: {exc}")
