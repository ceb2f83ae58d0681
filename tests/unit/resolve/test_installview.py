"""The live view of ``%install`` and the HTML of its result (no kernel needed: widgets render
to HTML strings; the text/plain stays constant for nbval)."""

from __future__ import annotations

from pathlib import Path

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
    assert "acme     2.0.0    corp  (was 1.0.0)" in text and "removed: gone 0.1" in text
