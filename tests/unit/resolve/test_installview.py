"""The live view of ``%install`` and the HTML of its result (no kernel needed: widgets render
to HTML strings; the text/plain stays constant for nbval)."""

from __future__ import annotations

from pathlib import Path

from nbext.lookup.radar import RadarVerdict, Sighting, judge
from nbext.resolve.results import InstallResult, InstallStep, LockedPackage, LockResult
from nbext.ui.html import to_html
from nbext.ui.installview import LiveInstall


def test_live_install_shows_each_package_as_it_goes() -> None:
    live = LiveInstall("acme-utils", interval=0)
    step = InstallStep(name="acme-utils", version="2.1.0", action="install", source="corp")
    live.update(step)
    assert "waiting" in live.table.value and "corp" in live.table.value
    step.state, step.size = "downloading", 0
    live.update(step)
    step.state, step.size, step.filename = "verified", 2048, "acme_utils-2.1.0-py3-none-any.whl"
    live.update(step)
    assert "verified (2.0 KB)" in live.table.value
    assert "acme_utils-2.1.0-py3-none-any.whl" in live.table.value
    step.state = "done"
    live.update(step)
    assert "1/1 packages" in live.head.value
    live.finish()
    assert repr(live) == (
        "%install acme-utils: live view (closed when the install ends; the result follows)"
    )


def test_install_result_html_and_text() -> None:
    steps = [
        InstallStep("acme-core", "1.2.0", "install", source="extras", state="done", cached=True),
        InstallStep("acme-utils", "1.0.0", "update", previous="2.1.0", source="corp"),
    ]
    result = InstallResult(
        environment="/venv",
        steps=steps,
        output=["", "Package operations: 1 install, 1 update, 0 removals", ""],
        notes=["acme-utils was downgraded ... restart the kernel to use 1.0.0."],
    )
    page = to_html(result)
    assert "installed into <code>/venv</code>" in page
    assert "2.1.0 → 1.0.0" in page and "done (cached)" in page
    assert result.text().startswith("Package operations: 1 install, 1 update, 0 removals")
    assert result.text().endswith("restart the kernel to use 1.0.0.")
    assert result.installed == {"acme-core": "1.2.0", "acme-utils": "1.0.0"}


def test_lock_result_html_and_text(tmp_path: Path) -> None:
    result = LockResult(
        path=tmp_path / "poetry.lock",
        packages=[LockedPackage("acme", "2.0.0", "corp", 2, ("main",))],
        changes={"acme": ("1.0.0", "2.0.0"), "gone": ("0.1", "")},
        output=["Resolving dependencies...", "Writing lock file"],
    )
    page = to_html(result)
    assert "poetry.lock</b> written: 1 packages" in page and "was 1.0.0" in page
    assert "removed (was 0.1)" in page
    text = result.text()
    assert "acme     2.0.0    corp    (was 1.0.0)" in text and "removed: gone 0.1" in text


def _unsafe(name: str) -> RadarVerdict:
    return judge(
        name,
        Sighting("corp", "primary", "http://corp/simple/x/", "1.2.0"),
        [Sighting("mirror", "primary", "http://mirror/simple/x/", "6.6.6")],
        pinned=False,
    )


def test_a_lock_shows_the_radar_for_each_private_package(tmp_path: Path) -> None:
    safe = judge("tinyhttp", Sighting("corp", "primary", "u", "1.0"), [], pinned=False)
    safe.unknown = ["gpu"]
    result = LockResult(
        path=tmp_path / "poetry.lock",
        packages=[
            LockedPackage("acme-core", "1.2.0", "corp"),
            LockedPackage("requests", "2.32.0", "PyPI"),
            LockedPackage("tinyhttp", "1.0", "corp"),
        ],
        changes={"acme-core": ("", "1.2.0")},
        radar={"acme-core": _unsafe("acme-core"), "tinyhttp": safe},
    )
    lines = result.text().splitlines()
    assert lines[1:5] == [
        "package    version  source  also on       radar",
        "acme-core  1.2.0    corp    mirror 6.6.6  unsafe  (new)",
        "requests   2.32.0   PyPI    -             -",
        "tinyhttp   1.0      corp    -             safe",
    ]
    assert lines[5].startswith("acme-core: A copy on mirror could be chosen instead")
    assert "%add acme-core --source corp" in lines[5]
    assert lines[6] == "radar: gpu could not be asked: not known there."
    page = to_html(result)
    assert "<th style='text-align:left'>also on</th>" in page and "mirror 6.6.6" in page
    assert "%add acme-core --source corp" in page
    # Nothing private (every package from the public index): no radar columns at all.
    plain = LockResult(path=tmp_path / "poetry.lock", packages=[LockedPackage("a", "1", "PyPI")])
    assert "radar" not in plain.text() and "also on" not in to_html(plain)


def test_an_install_shows_the_radar_for_each_private_package() -> None:
    steps = [
        InstallStep("acme-core", "1.2.0", "install", source="corp", radar=_unsafe("acme-core")),
        InstallStep("requests", "2.32.0", "install", source="PyPI"),
    ]
    result = InstallResult(
        environment="/venv",
        steps=steps,
        output=["Package operations: 2 installs, 0 updates, 0 removals"],
    )
    text = result.text()
    assert text.splitlines()[2].startswith("acme-core: A copy on mirror could be chosen")
    page = to_html(result)
    assert "<th style='text-align:left'>radar</th>" in page and ">unsafe<" in page
