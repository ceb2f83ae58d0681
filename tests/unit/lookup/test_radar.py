"""The radar's rules (pure): which copies elsewhere could win, PEP 708 declarations, pins."""

from __future__ import annotations

from nbext.lookup.radar import Sighting, judge

CORP = "http://corp/simple/acme/"
PUB = "http://pub/simple/acme/"


def _s(source: str, priority: str, url: str, highest: str = "1.0", **kw: object) -> Sighting:
    return Sighting(source, priority, url, highest, **kw)  # type: ignore[arg-type]


def test_nothing_elsewhere_is_safe() -> None:
    v = judge("acme", _s("corp", "primary", CORP), [_s("pub", "primary", PUB, "")], False)
    assert (v.verdict, v.elsewhere, v.reason) == ("safe", {}, "No other source lists it.")


def test_another_primary_could_win_and_the_fix_is_a_pin() -> None:
    v = judge("acme", _s("corp", "primary", CORP), [_s("pub", "primary", PUB, "9.9")], False)
    assert v.verdict == "unsafe" and v.elsewhere == {"pub": "9.9"}
    assert v.fix == "%add acme --source corp"
    assert "highest version from all primary sources" in v.reason
    assert v.line().startswith(
        "radar: unsafe: acme from corp (highest there 1.0); also on: pub 9.9."
    )


def test_from_a_supplemental_source_a_primary_copy_is_asked_first() -> None:
    v = judge("acme", _s("corp", "supplemental", CORP), [_s("pub", "primary", PUB)], False)
    assert v.verdict == "unsafe" and "corp is supplemental" in v.reason


def test_pinned_or_unreachable_copies_are_safe() -> None:
    pinned = judge("acme", _s("corp", "primary", CORP), [_s("pub", "primary", PUB)], True)
    assert pinned.verdict == "safe" and "pinned to corp" in pinned.reason
    others = [_s("x", "explicit", "http://x/acme/"), _s("y", "supplemental", "http://y/acme/")]
    v = judge("acme", _s("corp", "primary", CORP), others, False)
    assert v.verdict == "safe"
    assert "x is explicit" in v.reason and "y is supplemental" in v.reason


def test_pep_708_tracks_or_mutual_alternate_locations_declare_one_project() -> None:
    chosen = _s("corp", "primary", CORP, tracks=(PUB.rstrip("/"),))
    v = judge("acme", chosen, [_s("pub", "primary", PUB, "9.9")], False)
    assert v.verdict == "declared" and v.fix == ""
    one_way = _s("corp", "primary", CORP, alternate_locations=(PUB,))
    assert judge("acme", one_way, [_s("pub", "primary", PUB)], False).verdict == "unsafe"
    other = _s("pub", "primary", PUB, alternate_locations=(CORP,))
    assert judge("acme", one_way, [other], False).verdict == "declared"


def test_a_source_that_could_not_be_asked_is_named() -> None:
    down = _s("pub", "primary", PUB, "", error="Source (pub): HTTP 503")
    v = judge("acme", _s("corp", "primary", CORP), [down], False)
    assert v.verdict == "safe" and v.unknown == ["pub"] and "(not known for: pub)" in v.line()
