"""Fixtures of the integration tests: index servers on 127.0.0.1, TLS material, Poetry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from nbext.demo import Dist, IndexServer
from tests.support.poetry import POETRY_VERSION, PoetryUnavailable, poetry_bin


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


@pytest.fixture(scope="session")
def poetry() -> Path:
    """The real Poetry (pinned, in ``.venv-poetry``, installed on first use)."""
    try:
        return poetry_bin()
    except PoetryUnavailable as exc:  # pragma: no cover - needs the package registry
        pytest.fail(f"Cannot create the Poetry {POETRY_VERSION} environment:\n{exc}", False)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=10) as c:
        yield c
