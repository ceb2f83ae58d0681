"""Fixtures of the demo index tests: an index serving the sample dists, and servers for uploads."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nbext.demo import IndexServer
from tests.support.dists import DISTS
from tests.support.uploads import PASSWORD, USER, start


@pytest.fixture
def index() -> Iterator[IndexServer]:
    with IndexServer(DISTS, name="test") as server:
        yield server


@pytest.fixture
def servers() -> Iterator[list[IndexServer]]:
    """Servers a test starts (append to the list); all stopped at teardown."""
    started: list[IndexServer] = []
    yield started
    for server in started:
        server.stop()


@pytest.fixture
def server(servers: list[IndexServer]) -> IndexServer:
    """Public to read, authenticated to write."""
    return start(servers, upload=True, upload_auth=(USER, PASSWORD), json_api=True)
