"""Poetry's retry loop (spec 5.3, scenario 13) against a real server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import nbext
from nbext.demo import Dist, IndexServer
from nbext.net.client import Http
from tests.support.servers import free_port


@pytest.fixture
def http() -> Iterator[tuple[Http, list[float]]]:
    delays: list[float] = []
    client = Http(timeout=5, sleep=delays.append)
    yield client, delays
    client.close()


def test_503_five_times_then_200_with_poetrys_delays(
    http: tuple[Http, list[float]], index_factory: type[IndexServer]
) -> None:  # scenario 13
    client, delays = http
    server = index_factory([Dist("acme", "1.0")])
    server.set_fault("/simple/acme/", status=503, times=5)
    response, events = client.get(server.url + "acme/", source="corp")
    assert response.status_code == 200
    assert delays == [0.5, 1.0, 1.5, 2.0, 2.5]
    assert [r.status for r in server.project_requests("acme")] == [503] * 5 + [200]
    assert next(e.line() for e in events if not e.is_request) == (
        "[corp] Retrying HTTP request in 0.5 seconds."
    )


def test_retry_after_is_honoured_and_capped(
    http: tuple[Http, list[float]], index_factory: type[IndexServer]
) -> None:
    client, delays = http
    server = index_factory([Dist("acme", "1.0")])
    server.set_fault("/simple/acme/", status=429, headers={"Retry-After": "0.25"}, times=1)
    server.set_fault("/simple/other/", status=503, headers={"Retry-After": "950400"}, times=1)
    assert client.get(server.url + "acme/", source="corp")[0].status_code == 200
    # Eleven days: over the cap (NBEXT_MAX_RETRY_AFTER), so the 503 is the answer at once.
    response, events = client.get(server.url + "other/", source="corp")
    assert response.status_code == 503
    assert delays == [0.25]
    assert events[-1].line() == (
        "[corp] The server asks to retry in 11 days; not waiting "
        "(more than NBEXT_MAX_RETRY_AFTER = 10 s)."
    )
    assert response.extensions["nbext_gave_up"] == events[-1].error


def test_4xx_is_never_retried_and_5xx_gives_up_after_six(
    http: tuple[Http, list[float]], index_factory: type[IndexServer]
) -> None:
    client, delays = http
    server = index_factory([])
    assert client.get(server.url + "nope/", source="corp")[0].status_code == 404
    server.set_fault("/simple/down/", status=500)
    assert client.get(server.url + "down/", source="corp")[0].status_code == 500
    assert len(server.project_requests("down")) == 6
    assert delays == [0.5, 1.0, 1.5, 2.0, 2.5]


def test_connection_refused_is_retried_then_reported(http: tuple[Http, list[float]]) -> None:
    client, delays = http
    url = f"http://127.0.0.1:{free_port()}/simple/acme/"
    with pytest.raises(httpx.ConnectError, match=r"All attempts to connect to 127\.0\.0\.1:\d+ "):
        client.get(url, source="corp")
    assert len(delays) == 5


def test_a_lookup_recovers_from_transient_errors(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory([Dist("acme", "1.0")])
    server.set_fault("/simple/acme/", status=502, headers={"Retry-After": "0"}, times=2)
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", server.url, "primary")
        res = ws.lookup("acme")
    assert res.chosen is not None and res.chosen.version == "1.0"
    row = res.per_source[0]
    assert row.status == 200 and row.requests == 4  # 3 page attempts + the metadata file
    assert any("Retrying HTTP request in 0 seconds." in line for line in res.log_lines(2))


def test_a_stalled_server_never_hangs_the_lookup(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    import socket
    import time

    stalled = socket.socket()
    stalled.bind(("127.0.0.1", 0))
    stalled.listen(8)  # connections complete in the kernel; nothing ever answers
    port = stalled.getsockname()[1]
    healthy = index_factory([Dist("acme", "1.0")])
    try:
        with nbext.Workspace(tmp_path, timeout=0.5, retry_sleep=lambda _s: None) as ws:
            ws.add_source("stalled", f"http://127.0.0.1:{port}/simple/", "primary")
            ws.add_source("healthy", healthy.url, "primary")
            started = time.monotonic()
            res = ws.lookup("acme")
            elapsed = time.monotonic() - started
    finally:
        stalled.close()
    assert elapsed < 5
    assert res.chosen is not None and res.chosen.source == "healthy"
    error = res.per_source[0].error or ""
    assert error.startswith(
        "Source (stalled): timed out after 0.5 s waiting for the response headers at "
        "http://127.0.0.1:"
    )
    assert "raise requests.timeout" in error


def test_every_request_goes_to_the_nbext_logger_redacted(
    tmp_path: Path, index_factory: type[IndexServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = index_factory([Dist("acme", "1.0")], auth=("alice", "log-secret-77"))
    with caplog.at_level("DEBUG", logger="nbext"), nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", server.url.replace("//", "//alice:log-secret-77@"), "primary")
        assert ws.lookup("acme").chosen is not None
    lines = [r.getMessage() for r in caplog.records if r.name == "nbext.http"]
    assert any(line.startswith("[corp] GET http://alice:***@127.0.0.1:") for line in lines)
    assert "log-secret-77" not in caplog.text
