"""Fixtures of the publish tests: a devpi-server with indexes per test, a copy of the built
sample project.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.devpi import USER_PASSWORD as PASSWORD
from tests.support.devpi import USERS as _users
from tests.support.devpi import DevpiServer, DevpiUnavailable, Indexes, run_devpi
from tests.support.projects import copy_built


@pytest.fixture(scope="package")
def devpi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevpiServer]:
    """One devpi-server for the publish tests (it takes seconds to start); a user per test."""
    try:
        server = run_devpi(tmp_path_factory.mktemp("devpi"))
    except DevpiUnavailable as exc:  # pragma: no cover - needs the package registry
        pytest.fail(f"devpi-server could not be installed or started: {exc}")
    yield server
    server.stop()


@pytest.fixture
def indexes(devpi: DevpiServer) -> Indexes:
    """A new user with its three indexes (:class:`tests.support.devpi.Indexes`)."""
    user = f"alice{next(_users)}"
    devpi.create_user(user, PASSWORD)
    found = Indexes(devpi, user)
    for name in ("dev", "priv"):
        devpi.create_index(found.index(name), found.auth)
    devpi.create_index(found.index("vol"), found.auth, volatile=True)
    return found


@pytest.fixture
def project(tmp_path: Path, built: Path) -> Path:
    """A copy of the built sample project (``built``), this test's own."""
    return copy_built(tmp_path, built)
