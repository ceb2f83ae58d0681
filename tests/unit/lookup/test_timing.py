"""Where a lookup's time goes, per source (nbext/lookup/timing.py)."""

from __future__ import annotations

from nbext.lookup.timing import is_page, time_by_source
from nbext.net.events import Event, retry_event


def _event(source: str, url: str, elapsed: float, size: int, cache: str | None = None) -> Event:
    return Event(source, "GET", url, 200, elapsed, size, cache=cache)


def test_pages_and_metadata_are_told_apart() -> None:
    assert is_page(_event("s", "https://h/simple/acme/", 0, 0))
    assert is_page(_event("s", "https://h/links.html", 0, 0))  # a single-page index
    for url in (
        "https://h/f/acme-1.0-py3-none-any.whl",
        "https://h/f/acme-1.0-py3-none-any.whl.metadata",
        "https://h/f/acme-1.0.tar.gz",
        "https://h/pypi/acme/1.0/json",
    ):
        assert not is_page(_event("s", url, 0, 0)), url


def test_time_and_bytes_are_summed_per_source_in_order() -> None:
    events = [
        _event("corp", "https://c/simple/acme/", 0.120, 2_000_000),
        _event("pypi", "https://p/simple/acme/", 0.010, 500),
        _event("corp", "https://c/f/acme-1.0-py3-none-any.whl", 0.040, 131_072),
        _event("corp", "https://c/simple/tool/", 0.001, 900, cache="hit (age 5 s)"),  # sent nothing
        retry_event("corp", "https://c/simple/x/", 0.5, 1),
    ]
    times = time_by_source(events)
    assert list(times) == ["corp", "pypi"]
    assert times["corp"].text() == "pages 120 ms, 1.9 MB; metadata 40 ms, 128 KB; 2 requests"
    assert times["pypi"].text() == "pages 10 ms, 500 B; 1 request"
