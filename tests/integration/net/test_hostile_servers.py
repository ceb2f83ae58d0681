"""No index can hang or exhaust the kernel (issue 14, points 7-10 and 21): real servers on
127.0.0.1 that drip bytes, never start TLS, send decompression bombs, ask to be retried in
eleven days, redirect to URLs that cannot be parsed, or are down. Each ends within the
configured timeout as that source's row, and the other sources still answer."""

from __future__ import annotations

import json
import resource
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

import nbext
from nbext.demo import Dist, IndexServer
from tests.support.hostile import Hostile, answer, drip, gzip_bomb, respond, silent
from tests.support.servers import free_port

TIMEOUT = 1.5
#: Room for a loaded CI machine on top of the timeout.
SLACK = 1.5

PAGE = (
    b"<!DOCTYPE html><html><body>"
    b'<a href="/files/acme-1.0-py3-none-any.whl">acme-1.0-py3-none-any.whl</a>'
    b"</body></html>"
)


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[nbext.Workspace]:
    with nbext.Workspace(tmp_path, timeout=TIMEOUT) as workspace:
        workspace._retry_sleep = lambda _delay: None  # type: ignore[method-assign]
        yield workspace


@pytest.fixture
def hostile() -> Iterator[list[Hostile]]:
    started: list[Hostile] = []
    yield started
    for server in started:
        server.stop()


@pytest.fixture
def good(index_factory: type[IndexServer]) -> IndexServer:
    return index_factory([Dist("acme", "2.0")], name="good")


def _start(started: list[Hostile], server: Hostile) -> Hostile:
    started.append(server.start())
    return server


def _lookup(ws: nbext.Workspace, bad: str, good: IndexServer) -> tuple[nbext.LookupResult, float]:
    ws.add_source("bad", bad, "primary")
    ws.add_source("good", good.url, "primary")
    started = time.monotonic()
    res = ws.lookup("acme")
    return res, time.monotonic() - started


def _bad_row_error(res: nbext.LookupResult) -> str:
    row = next(r for r in res.per_source if r.source == "bad")
    return row.error or ""


def _good_answered(res: nbext.LookupResult) -> bool:
    return res.chosen is not None and res.chosen.source == "good"


# -- point 8: one deadline per request ------------------------------------------------------------


def test_headers_dripped_end_at_the_deadline(
    ws: nbext.Workspace, hostile: list[Hostile], good: IndexServer
) -> None:
    head = answer("200 OK", [("Content-Type", "text/html")], PAGE)
    server = _start(hostile, Hostile(drip(b"", head, 0.25)))
    res, elapsed = _lookup(ws, server.url, good)
    assert elapsed < TIMEOUT + SLACK, elapsed  # per-operation timeouts never fired here
    error = _bad_row_error(res)
    assert error.startswith(
        f"Source (bad): timed out after {TIMEOUT:g} s waiting for the response headers at "
        f"{server.url}acme/"
    ), error
    assert server.connections == 1  # a timeout is not retried
    assert _good_answered(res)


def test_a_body_dripped_ends_at_the_deadline(
    ws: nbext.Workspace, hostile: list[Hostile], good: IndexServer
) -> None:
    head = answer("200 OK", [("Content-Type", "text/html"), ("Content-Length", "500")])
    server = _start(hostile, Hostile(drip(head, b"x" * 500, 0.25)))
    res, elapsed = _lookup(ws, server.url, good)
    assert elapsed < TIMEOUT + SLACK, elapsed
    error = _bad_row_error(res)
    assert f"timed out after {TIMEOUT:g} s reading the body (" in error, error
    assert "bytes received) at" in error
    assert _good_answered(res)


def test_tcp_accepted_but_no_tls_handshake_ends_at_the_deadline(
    ws: nbext.Workspace, hostile: list[Hostile], good: IndexServer
) -> None:
    server = _start(hostile, Hostile(silent, scheme="https"))
    res, elapsed = _lookup(ws, server.url, good)
    assert elapsed < TIMEOUT + SLACK, elapsed
    error = _bad_row_error(res)
    assert error.startswith(
        f"Source (bad): timed out after {TIMEOUT:g} s in the TLS handshake at {server.url}"
    ), error
    assert server.connections == 1
    assert _good_answered(res)


def _tls_server(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    return ctx


@pytest.mark.parametrize("first", [True, False], ids=["new-connection", "lean-path"])
def test_https_headers_dripped_end_at_the_deadline(
    ws: nbext.Workspace,
    hostile: list[Hostile],
    good: IndexServer,
    ca: trustme.CA,
    pems: dict[str, Path],
    first: bool,
) -> None:
    """The first request to an HTTPS host goes through httpx (HTTP/2 negotiation), later ones
    through the lean path: the deadline holds on both."""
    head = answer("200 OK", [("Content-Type", "text/html")], PAGE)
    fine = respond(answer("200 OK", [("Content-Type", "text/html")], PAGE))
    calls: list[int] = []

    def script(server: Hostile, sock: object, request: bytes) -> None:
        calls.append(1)
        (fine if not first and len(calls) == 1 else drip(b"", head, 0.25))(server, sock, request)  # type: ignore[arg-type]

    server = _start(hostile, Hostile(script, tls=_tls_server(ca)))
    ws.add_source("bad", server.url, "primary")
    ws.config_set("certificates.bad.cert", str(pems["ca"]))
    if not first:
        assert ws.lookup("acme").per_source[0].versions == ["1.0"]  # the host is HTTP/1.1 now
    ws.add_source("good", good.url, "primary")
    started = time.monotonic()
    res = ws.lookup("acme", refresh=True)
    elapsed = time.monotonic() - started
    assert elapsed < TIMEOUT + SLACK, elapsed
    error = _bad_row_error(res)
    assert f"timed out after {TIMEOUT:g} s waiting for the response headers" in error, error
    assert _good_answered(res)


def test_retry_after_over_the_cap_is_not_waited_for(
    ws: nbext.Workspace, index_factory: type[IndexServer], good: IndexServer
) -> None:
    bad = index_factory([Dist("acme", "1.0")], name="bad")
    bad.set_fault("/simple/acme/", status=503, headers={"Retry-After": "950400"})
    slept: list[float] = []
    ws._retry_sleep = slept.append  # type: ignore[method-assign]
    res, elapsed = _lookup(ws, bad.url, good)
    assert slept == [] and elapsed < SLACK
    assert len(bad.project_requests("acme")) == 1
    error = _bad_row_error(res)
    assert error == (
        f"Source (bad): HTTP 503 from {bad.url}acme/ (The server asks to retry in 11 days; "
        "not waiting (more than NBEXT_MAX_RETRY_AFTER = 10 s))"
    )
    # the live view and -vv show the same line as the row
    lines = res.log_lines(2)
    assert any("asks to retry in 11 days; not waiting" in line for line in lines), lines
    assert _good_answered(res)


def test_retry_after_as_an_http_date_is_read(
    ws: nbext.Workspace, index_factory: type[IndexServer], good: IndexServer
) -> None:
    bad = index_factory([Dist("acme", "1.0")], name="bad")
    bad.set_fault(
        "/simple/acme/", status=429, headers={"Retry-After": "Fri, 01 Jan 2100 00:00:00 GMT"}
    )
    res, _elapsed = _lookup(ws, bad.url, good)
    assert "The server asks to retry in" in _bad_row_error(res)
    assert len(bad.project_requests("acme")) == 1


# -- point 9: bounded resources -------------------------------------------------------------------


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_a_gzip_bomb_ends_fast_and_rss_stays_low(
    ws: nbext.Workspace, hostile: list[Hostile], good: IndexServer
) -> None:
    bomb = gzip_bomb(1024**3)  # 1 GB of zeros, about 1 MB on the wire
    assert len(bomb) < 2 * 1024 * 1024
    headers = [("Content-Type", "text/html"), ("Content-Encoding", "gzip")]
    server = _start(hostile, Hostile(respond(answer("200 OK", headers, bomb))))
    before = _peak_rss_mb()
    res, elapsed = _lookup(ws, server.url, good)
    assert elapsed < 10, elapsed
    assert _peak_rss_mb() - before < 200
    error = _bad_row_error(res)
    assert error.startswith(
        f"Source (bad): an index page larger than 64 MiB at {server.url}acme/: not read."
    ), error
    assert "NBEXT_MAX_PAGE_BYTES=<bytes>" in error
    assert server.connections == 1  # not retried
    assert _good_answered(res)


def test_the_caps_are_configurable(
    ws: nbext.Workspace,
    hostile: list[Hostile],
    good: IndexServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("NBEXT_MAX_PAGE_BYTES", "100")
    server = _start(
        hostile, Hostile(respond(answer("200 OK", [("Content-Type", "text/html")], PAGE)))
    )
    with nbext.Workspace(tmp_path, timeout=TIMEOUT) as small:
        res, _elapsed = _lookup(small, server.url, good)
    assert _bad_row_error(res).startswith(
        f"Source (bad): an index page larger than 100 bytes at {server.url}acme/"
    )


def test_a_huge_metadata_file_is_refused_and_the_wheel_read_instead(
    ws: nbext.Workspace, index_factory: type[IndexServer]
) -> None:
    server = index_factory([Dist("acme", "1.0")], name="corp", api="json", metadata=True)
    server.set_fault(
        "/files/acme-1.0-py3-none-any.whl.metadata",
        status=200,
        body=b"Metadata-Version: 2.1\n" + b"X" * (50 * 1024 * 1024),
    )
    ws.add_source("corp", server.url, "primary")
    started = time.monotonic()
    res = ws.lookup("acme")
    assert time.monotonic() - started < 10
    assert res.chosen is not None and res.chosen.metadata is not None
    assert res.chosen.metadata_via == "range requests"
    assert "a metadata file larger than 8 MiB" in (res.chosen.metadata_note or ""), repr(res)


# -- point 7: nothing raised by reading a source escapes the lookup --------------------------------


@pytest.mark.parametrize(
    "location",
    [b"http://[::1/simple/acme/", b"http://\xe9t\xe9.example/simple/acme/", b"/caf\xe9/acme/"],
    ids=["unclosed-ipv6", "non-ascii-host", "non-ascii-path"],
)
def test_a_hostile_location_header_is_that_sources_row(
    ws: nbext.Workspace, hostile: list[Hostile], good: IndexServer, location: bytes
) -> None:
    raw = b"HTTP/1.1 302 Found\r\nLocation: " + location + b"\r\nContent-Length: 0\r\n\r\n"
    server = _start(hostile, Hostile(respond(raw)))
    res, elapsed = _lookup(ws, server.url, good)
    assert elapsed < SLACK
    assert _bad_row_error(res).startswith("Source (bad): ")
    assert _good_answered(res)


def test_a_page_that_breaks_the_parser_is_a_row_and_is_not_cached(
    ws: nbext.Workspace, index_factory: type[IndexServer], good: IndexServer
) -> None:
    bad = index_factory([Dist("acme", "1.0")], name="bad")
    nested = b'{"meta": {"api-version": "1.0"}, "files": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    bad.set_fault(
        "/simple/acme/",
        status=200,
        body=nested,
        content_type="application/vnd.pypi.simple.v1+json",
        headers={"Cache-Control": "max-age=600"},
    )
    res, _elapsed = _lookup(ws, bad.url, good)
    assert _bad_row_error(res).startswith("Source (bad): ")
    assert _good_answered(res)
    again = ws.lookup("acme")  # a bad page is not cached: asked again
    assert _bad_row_error(again).startswith("Source (bad): ")
    assert len(bad.project_requests("acme")) == 2


# -- point 10: a source that is down costs its retries once per lookup ----------------------------


def test_a_source_that_is_down_costs_its_retries_once(
    ws: nbext.Workspace, index_factory: type[IndexServer]
) -> None:
    names = [f"pkg{i}" for i in range(6)]
    good = index_factory([Dist(n, "1.0") for n in names], name="good")
    down = f"http://127.0.0.1:{free_port()}/simple/"
    ws.add_source("down", down, "primary")
    ws.add_source("good", good.url, "primary")
    results = ws.lookup_many(names)
    assert all(r.chosen is not None and r.chosen.source == "good" for r in results)
    waits = [e for e in ws.events if e.source == "down" and e.kind == "retry"]
    assert len(waits) == 5  # Poetry's five waits, once for the whole lookup
    attempts = [e for e in ws.events if e.source == "down" and e.kind == "error"]
    assert len(attempts) <= 6 + len(names) - 1
    rows = [next(row for row in r.per_source if row.source == "down") for r in results]
    full = [row for row in rows if (row.error or "").startswith("Source (down): All attempts")]
    assert len(full) == 1  # the error shows once ...
    others = [row for row in rows if row is not full[0]]
    assert all(row.outcome == "no: unreachable" for row in others)  # ... the rest say so
    assert all("could not be reached earlier in this lookup" in (r.error or "") for r in others)
    # -vv keeps the failed attempts the live view showed
    probe = next(r for r in results if any(row is full[0] for row in r.per_source))
    lines = probe.log_lines(2)
    assert sum("failed: ConnectError" in line for line in lines) == 6, lines
    assert sum("Retrying HTTP request in" in line for line in lines) == 5


def test_an_unresolvable_host_is_one_row(ws: nbext.Workspace, good: IndexServer) -> None:
    res, _elapsed = _lookup(ws, "http://nbext-test.invalid/simple/", good)
    assert _bad_row_error(res).startswith("Source (bad): All attempts to connect to ")
    assert _good_answered(res)


# -- point 21: refetched without validators -------------------------------------------------------


def test_same_body_without_validators_is_said_so(
    ws: nbext.Workspace, hostile: list[Hostile]
) -> None:
    page = json.dumps({"meta": {"api-version": "1.0"}, "name": "acme", "files": []}).encode()
    headers = [("Content-Type", "application/vnd.pypi.simple.v1+json")]
    server = _start(hostile, Hostile(respond(answer("200 OK", headers, page))))
    ws.add_source("plain", server.url, "primary")
    first = ws.lookup("acme").per_source[0]
    second = ws.lookup("acme").per_source[0]
    assert first.cache == "miss"
    assert second.cache == "refetched, no validators"
    assert server.connections == 2
