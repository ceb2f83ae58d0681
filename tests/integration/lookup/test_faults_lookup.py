"""Faults on one source, seen through ``Workspace.lookup`` with a second, healthy source.

The bad source (declared first) holds ``acme 1.0``, the good one ``acme 2.0``: whenever the
bad source fails, or recovers, the good source still answers and its higher version is chosen.
Retry sleeps are recorded, not slept, so every time bound below is a guard against hangs,
not a performance assertion. Attempt counts follow Poetry's rule (spec 5.3): 6 attempts on
connection errors and on 429/500-504, 1 on other 4xx and on read timeouts.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import nbext
from nbext.demo import Dist, IndexServer
from nbext.lookup.results import LookupResult, SourceRow

PAGE = "/simple/acme/"
POETRY_DELAYS = [0.5, 1.0, 1.5, 2.0, 2.5]


@dataclass
class Pair:
    bad: IndexServer
    good: IndexServer
    tmp_path: Path
    delays: list[float]

    def lookup(self, *, timeout: float = 5, bound: float = 10) -> tuple[LookupResult, SourceRow]:
        """Look ``acme`` up across bad then good; check the good source won, within ``bound``."""
        with nbext.Workspace(self.tmp_path, timeout=timeout, retry_sleep=self.delays.append) as ws:
            ws.add_source("bad", self.bad.url, "primary")
            ws.add_source("good", self.good.url, "primary")
            started = time.monotonic()
            res = ws.lookup("acme")
            elapsed = time.monotonic() - started
        assert elapsed < bound, f"lookup took {elapsed:.1f} s"
        assert res.chosen is not None
        assert (res.chosen.version, res.chosen.source) == ("2.0", "good")
        rows = {r.source: r for r in res.per_source}
        assert rows["good"].status == 200 and rows["good"].versions == ["2.0"]
        assert rows["good"].error is None
        assert rows["bad"].asked
        return res, rows["bad"]

    @property
    def attempts(self) -> int:
        """How many times the bad source's project page was requested."""
        return len(self.bad.project_requests("acme"))


@pytest.fixture
def pair(tmp_path: Path, index_factory: type[IndexServer]) -> Iterator[Pair]:
    yield Pair(
        bad=index_factory([Dist("acme", "1.0")], name="bad"),
        good=index_factory([Dist("acme", "2.0")], name="good"),
        tmp_path=tmp_path,
        delays=[],
    )


def test_503_twice_then_success_recovers(pair: Pair) -> None:
    pair.bad.set_fault(PAGE, status=503, times=2)
    _res, row = pair.lookup()
    assert row.status == 200 and row.versions == ["1.0"] and row.error is None
    assert pair.attempts == 3 and row.requests == 3
    assert [r.status for r in pair.bad.project_requests("acme")] == [503, 503, 200]
    assert pair.delays == [0.5, 1.0]


def test_429_retry_after_is_the_delay(pair: Pair) -> None:
    pair.bad.set_fault(PAGE, status=429, headers={"Retry-After": "2"}, times=1)
    _res, row = pair.lookup()
    assert row.status == 200 and row.versions == ["1.0"]
    assert pair.attempts == 2
    assert pair.delays == [2.0]


def test_500_forever_is_an_error_row_after_six_attempts(pair: Pair) -> None:
    pair.bad.set_fault(PAGE, status=500, body=b"boom")
    _res, row = pair.lookup()
    assert row.status == 500 and row.versions == []
    assert row.error == f"Source (bad): HTTP 500 from {pair.bad.url}acme/"
    assert pair.attempts == 6
    assert pair.delays == POETRY_DELAYS


def test_4xx_other_than_404_is_not_retried(pair: Pair) -> None:
    pair.bad.set_fault(PAGE, status=418, body=b"teapot")
    _res, row = pair.lookup()
    assert row.status == 418 and row.error == f"Source (bad): HTTP 418 from {pair.bad.url}acme/"
    assert pair.attempts == 1 and pair.delays == []


def test_connection_reset_is_retried_then_reported(pair: Pair) -> None:
    pair.bad.set_fault(PAGE, action="reset")
    _res, row = pair.lookup()
    assert pair.attempts == 6
    assert [(r.status, r.fault) for r in pair.bad.project_requests("acme")] == [(0, "reset")] * 6
    assert pair.delays == POETRY_DELAYS
    assert row.status is None and row.versions == []
    host = f"127.0.0.1:{pair.bad.bound_port}"
    # Poetry: "All attempts to connect to <netloc> failed." -- and say what happened.
    assert row.error is not None
    assert row.error.startswith(
        f"Source (bad): All attempts to connect to {host} failed (connection reset by peer)"
    ), row.error


def test_reset_once_then_recovers(pair: Pair) -> None:
    pair.bad.set_fault(PAGE, action="reset", times=1)
    _res, row = pair.lookup()
    assert row.status == 200 and row.versions == ["1.0"] and row.error is None
    assert pair.attempts == 2 and pair.delays == [0.5]


def test_stalled_page_times_out_once(pair: Pair) -> None:
    pair.bad.set_fault(PAGE, action="stall")  # 30 s; the server's stop ends it at teardown
    _res, row = pair.lookup(timeout=1, bound=5)
    assert row.error is not None
    assert row.error.startswith(
        f"Source (bad): timed out after 1 s waiting for the response headers at {pair.bad.url}acme/"
    ), row.error
    assert pair.attempts == 1 and pair.delays == []  # a read timeout is not retried
    assert pair.bad.project_requests("acme")[0].fault == "stall"


def test_truncated_body_is_an_incomplete_read_retried_like_a_connection_error(
    pair: Pair,
) -> None:
    # requests raises ChunkedEncodingError (an OSError) for this: Poetry's loop retries it.
    pair.bad.set_fault(PAGE, action="truncate")
    _res, row = pair.lookup()
    assert pair.attempts == 6
    assert [(r.status, r.fault) for r in pair.bad.project_requests("acme")] == [
        (200, "truncate")
    ] * 6
    assert pair.delays == POETRY_DELAYS
    assert row.versions == []  # half a page is never parsed
    host = f"127.0.0.1:{pair.bad.bound_port}"
    assert row.error is not None
    assert row.error.startswith(
        f"Source (bad): All attempts to connect to {host} failed (peer closed connection "
        "without sending complete message body"
    ), row.error


def test_pep691_body_served_as_application_json_is_not_json(pair: Pair) -> None:
    page = {
        "meta": {"api-version": "1.1"},
        "name": "acme",
        "files": [
            {
                "filename": "acme-9.0.tar.gz",
                "url": "../../files/acme-9.0.tar.gz",
                "hashes": {"sha256": "0" * 64},
            }
        ],
    }
    pair.bad.set_fault(
        PAGE, status=200, body=json.dumps(page).encode(), content_type="application/json"
    )
    _res, row = pair.lookup()
    # Poetry reads JSON only under the exact PEP 691 media type; as HTML this has no links.
    assert row.status == 200 and row.versions == [] and row.listed == 0
    assert row.outcome in ("yes: not found", "yes: error")
    if row.error is not None:
        assert "'application/json'" in row.error
    assert pair.attempts == 1


def test_redirect_loop_is_an_error_row(pair: Pair) -> None:
    pair.bad.set_fault(PAGE, status=302, headers={"Location": PAGE})
    _res, row = pair.lookup()
    assert row.versions == []
    assert row.error is not None
    # A loop does not heal: one attempt (the first request plus httpx's 20 redirects).
    assert pair.attempts == 21 and pair.delays == []
    assert row.error.startswith("Source (bad): too many redirects"), row.error
    assert "redirect loop" in row.error and f"{pair.bad.url}acme/" in row.error
    assert "cannot connect" not in row.error


def test_garbage_bytes_as_html_do_not_crash(pair: Pair, caplog: pytest.LogCaptureFixture) -> None:
    garbage = bytes(range(0x80, 0x100)) * 8 + b"\xc3\x28\xa0\xa1\xe2\x28\xa1\xf0\x28\x8c\x28"
    with pytest.raises(UnicodeDecodeError):
        garbage.decode("utf-8")
    pair.bad.set_fault(PAGE, status=200, body=garbage, content_type="text/html; charset=utf-8")
    with caplog.at_level("WARNING"):
        _res, row = pair.lookup()
    assert row.status == 200 and row.versions == []
    assert row.outcome in ("yes: not found", "yes: error")
    assert pair.attempts == 1
    # Nothing leaks to the notebook's stderr: Poetry decodes such a page with replacement
    # characters silently (requests' ``response.text``); bs4 logs a warning when it has to.
    assert [r.getMessage() for r in caplog.records if r.name.startswith("bs4")] == []
