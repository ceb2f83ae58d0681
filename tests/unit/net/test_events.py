"""What every request leaves in the log (nbext.net.events): the lines ``-vv`` shows."""

from __future__ import annotations

from nbext.net.client import Event


def test_log_lines_say_what_the_cache_did() -> None:
    """-vv: a hit sent nothing, a revalidation got a 304 (not the stored page's 200)."""
    hit = Event("corp", "GET", "http://h/simple/a/", 200, 0.001, 10, cache="hit (age 3 s)")
    assert hit.line().startswith("[corp] GET http://h/simple/a/ -> 200 from the cache, no request")
    assert not hit.is_request
    again = Event("corp", "GET", "http://h/simple/a/", 200, 0.02, 10, cache="revalidated (304)")
    assert "-> 304 Not Modified: the cached copy is used (10 bytes" in again.line()
    assert again.is_request
    new = Event("corp", "GET", "http://h/simple/a/", 200, 0.02, 10, cache="changed (200)")
    assert "-> 200 (10 bytes" in new.line()
