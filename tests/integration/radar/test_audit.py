"""``%source audit`` / ``Workspace.audit()`` against real local indexes and a stand-in for the
public index (``NBEXT_PYPI_URL``): safe, unsafe and "exists on the public index" verdicts, the
fix, and ``--strict`` failing the cell."""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

import nbext
from nbext.demo import Dist, IndexServer
from tests.support.shell import run


@pytest.fixture
def indexes(
    index_factory: type[IndexServer], monkeypatch: pytest.MonkeyPatch
) -> tuple[IndexServer, IndexServer, IndexServer]:
    corp = index_factory(
        [
            Dist("acme-utils", "2.1.0", requires_dist=("acme-core>=1,<2",)),
            Dist("acme-core", "1.2.0"),
        ],
        name="corp",
        api="json",
    )
    mirror = index_factory([Dist("acme-core", "6.6.6"), Dist("tinyhttp", "1.0.0")], name="mirror")
    public = index_factory([Dist("acme-utils", "9.9.9"), Dist("tinyhttp", "1.0.0")], name="pypi")
    monkeypatch.setenv("NBEXT_PYPI_URL", public.url)
    return corp, mirror, public


def _project(where: Path, corp: IndexServer, mirror: IndexServer, mirror_priority: str) -> Path:
    (where / "pyproject.toml").write_text(
        f"""[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["acme-utils (>=2)", "tinyhttp (>=1)"]

[tool.poetry]
package-mode = false

[tool.poetry.dependencies]
acme-utils = {{source = "corp"}}

[[tool.poetry.source]]
name = "corp"
url = "{corp.url}"
priority = "primary"

[[tool.poetry.source]]
name = "mirror"
url = "{mirror.url}"
priority = "{mirror_priority}"
"""
    )
    return where


def test_audit_verdicts(
    project_dir: Path,
    indexes: tuple[IndexServer, IndexServer, IndexServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    corp, mirror, public = indexes
    monkeypatch.setenv("POETRY_HTTP_BASIC_CORP_USERNAME", "alice")
    monkeypatch.setenv("POETRY_HTTP_BASIC_CORP_PASSWORD", "corp-secret")
    _project(project_dir, corp, mirror, "primary")
    with nbext.Workspace(project_dir) as ws:
        lock = ws.lock()
        by_lock = public.requests
        public.clear_log()
        result = ws.audit()
    # The lock's radar asked the public index about each locked package (none comes from
    # it), once per name, never with credentials.
    by_lock = [r for r in by_lock if r.path.startswith("/simple/")]
    assert sorted(r.path for r in by_lock) == [
        "/simple/acme-core/",
        "/simple/acme-utils/",
        "/simple/tinyhttp/",
    ]
    assert not any(r.has_auth for r in by_lock)
    assert lock.radar["acme-core"].verdict == "unsafe"
    assert lock.radar["acme-utils"].elsewhere == {"public index": "9.9.9"}
    rows = {r.name: r for r in result}
    assert set(rows) == {"acme-utils", "acme-core", "tinyhttp"}
    # Pinned to corp: safe, though the public index has a higher version.
    utils = rows["acme-utils"]
    assert (utils.source, utils.pinned, utils.verdict) == ("corp", "corp", "safe")
    assert utils.elsewhere == {"public index": "9.9.9"}
    assert "pinned to corp" in utils.radar.reason
    # A transitive dependency from corp that the primary mirror also lists: a stranger's
    # 6.6.6 there would win as soon as the constraint allows it (with acme-core>=1 it would
    # already have).
    core = rows["acme-core"]
    assert (core.source, core.pinned, core.verdict) == ("corp", None, "unsafe")
    assert core.elsewhere == {"mirror": "6.6.6"}
    assert core.radar.fix == "%add acme-core --source corp"
    # tinyhttp comes from the mirror; the public index (not a source here) has it too.
    tiny = rows["tinyhttp"]
    assert (tiny.source, tiny.verdict) == ("mirror", "safe")
    assert tiny.elsewhere == {"public index": "1.0.0"}
    assert "public index is not one of the sources" in tiny.radar.reason.lower()
    text = result.text()
    assert "acme-core: A copy on mirror could be chosen instead" in text
    assert "1 unsafe: acme-core" in text
    # The public index was asked once per name, never with credentials.
    asked = [r for r in public.requests if r.path.startswith("/simple/")]
    assert sorted(r.path for r in asked) == [
        "/simple/acme-core/",
        "/simple/acme-utils/",
        "/simple/tinyhttp/",
    ]
    assert not any(r.has_auth for r in asked)
    assert all(r.has_auth for r in corp.requests if r.path.startswith("/simple/"))


def test_a_supplemental_copy_cannot_win_and_no_public_is_asked_when_off(
    project_dir: Path, indexes: tuple[IndexServer, IndexServer, IndexServer]
) -> None:
    corp, mirror, public = indexes
    _project(project_dir, corp, mirror, "supplemental")
    with nbext.Workspace(project_dir) as ws:
        ws.lock()
        public.clear_log()
        result = ws.audit(public=False)
    core = {r.name: r for r in result}["acme-core"]
    assert core.verdict == "safe" and core.elsewhere == {"mirror": "6.6.6"}
    assert "mirror is supplemental" in core.radar.reason
    assert public.requests == []


def test_source_audit_strict_fails_the_cell(
    ip: InteractiveShell,
    project_dir: Path,
    indexes: tuple[IndexServer, IndexServer, IndexServer],
) -> None:
    corp, mirror, _ = indexes
    _project(project_dir, corp, mirror, "primary")
    run(ip, "lock --no-live")
    _, _, result = run(ip, "source audit")
    assert "1 unsafe: acme-core" in repr(result)
    cell = ip.run_cell("%source audit --strict")
    assert isinstance(cell.error_in_exec, nbext.NbextError)
    assert "acme-core (fix: %add acme-core --source corp)" in str(cell.error_in_exec)
    run(ip, "add acme-core@* --source corp --group pins --no-lock")
    _, _, fixed = run(ip, "source audit --strict")
    assert "No dependency could be taken from another source." in repr(fixed)


def test_audit_html_names_the_verdict_and_the_fix(
    project_dir: Path, indexes: tuple[IndexServer, IndexServer, IndexServer]
) -> None:
    from nbext.ui.html import to_html

    corp, mirror, _ = indexes
    _project(project_dir, corp, mirror, "primary")
    with nbext.Workspace(project_dir) as ws:
        ws.lock()
        page = to_html(ws.audit())
    assert "<b>%source audit</b>: 1 unsafe" in page
    assert "%add acme-core --source corp (where it comes from now), or --source mirror." in page
    assert "text-align:left" in page


def test_an_unreachable_public_index_costs_one_attempt_and_is_named(
    project_dir: Path,
    indexes: tuple[IndexServer, IndexServer, IndexServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    corp, mirror, _ = indexes
    monkeypatch.setenv("NBEXT_PYPI_URL", "http://127.0.0.1:9/simple/")  # nothing listens
    _project(project_dir, corp, mirror, "primary")
    with nbext.Workspace(project_dir) as ws:
        lock = ws.lock()
        by_lock = [e for e in ws.events if e.source == "public index"]
        again = ws.lookup("acme-core<2")
        by_lookup = [e for e in ws.events if e.source == "public index"][len(by_lock) :]
        started = time.monotonic()
        result = ws.audit()
        took = time.monotonic() - started
        attempts = [e for e in ws.events if e.source == "public index"][len(by_lock) :]
    # The lock: one attempt in all, no retries (Poetry's loop would wait seconds); the other
    # names waited for its answer and were not asked.
    assert len(by_lock) == 1 and by_lock[0].attempt == 1
    # Not known there, but it cannot change a verdict (it is never asked for a package): the
    # lock does not go on about it.
    assert lock.radar["tinyhttp"].public_unknown and lock.radar["tinyhttp"].unknown == []
    assert "could not be asked" not in lock.text()
    # It is left alone for a while: the next lookup does not ask it again.
    assert by_lookup == []
    assert again.radar is not None and again.radar.public_unknown
    assert "public index" not in repr(again)
    # The audit is the radar's own question: it asks again.
    tiny = {r.name: r for r in result}["tinyhttp"]
    assert tiny.radar.public_unknown and tiny.elsewhere == {}
    assert "The public index could not be asked" in result.text()
    assert len(attempts) == 3
    assert took < 5


def test_pep_708_declared_alternate_locations_make_it_declared(
    project_dir: Path, indexes: tuple[IndexServer, IndexServer, IndexServer]
) -> None:
    corp, mirror, _ = indexes
    corp.set_pep708("acme-core", alternate_locations=[mirror.url + "acme-core/"])
    mirror.set_pep708("acme-core", alternate_locations=[corp.url + "acme-core/"])
    _project(project_dir, corp, mirror, "primary")
    with nbext.Workspace(project_dir) as ws:
        ws.lock()
        core = {r.name: r for r in ws.audit(public=False)}["acme-core"]
    assert core.verdict == "declared" and core.elsewhere == {"mirror": "6.6.6"}
    assert "PEP 708" in core.radar.reason and core.radar.fix == ""


def test_pep_708_one_sided_alternate_locations_stay_unsafe(
    project_dir: Path, indexes: tuple[IndexServer, IndexServer, IndexServer]
) -> None:
    corp, mirror, _ = indexes
    corp.set_pep708("acme-core", alternate_locations=[mirror.url + "acme-core/"])
    _project(project_dir, corp, mirror, "primary")
    with nbext.Workspace(project_dir) as ws:
        ws.lock()
        core = {r.name: r for r in ws.audit(public=False)}["acme-core"]
    assert core.verdict == "unsafe"


def test_pep_708_tracks_make_it_declared(
    project_dir: Path, indexes: tuple[IndexServer, IndexServer, IndexServer]
) -> None:
    corp, mirror, _ = indexes
    mirror.set_pep708("acme-core", tracks=[corp.url + "acme-core/"])
    _project(project_dir, corp, mirror, "primary")
    with nbext.Workspace(project_dir) as ws:
        ws.lock()
        core = {r.name: r for r in ws.audit(public=False)}["acme-core"]
    assert core.verdict == "declared"


def test_a_lookup_carries_the_verdict_and_says_when_it_is_unsafe(
    project_dir: Path, indexes: tuple[IndexServer, IndexServer, IndexServer]
) -> None:
    corp, mirror, public = indexes
    _project(project_dir, corp, mirror, "primary")
    with nbext.Workspace(project_dir) as ws:
        core, utils = ws.lookup_many(["acme-core<2", "acme-utils"])
    assert core.chosen is not None and core.chosen.source == "corp"
    assert core.radar is not None and core.radar.verdict == "unsafe"
    assert core.radar.elsewhere == {"mirror": "6.6.6"}
    assert "! radar: unsafe: acme-core from corp (highest there 1.2.0); also on: mirror 6.6.6." in (
        repr(core)
    )
    assert utils.radar is not None and utils.radar.verdict == "safe"  # pinned to corp
    assert utils.radar.elsewhere == {"public index": "9.9.9"}
    assert "radar" not in repr(utils)
    # The radar asked the public index once per name, never with credentials.
    asked = [r for r in public.requests if r.path.startswith("/simple/")]
    assert sorted(r.path for r in asked) == ["/simple/acme-core/", "/simple/acme-utils/"]
    assert not any(r.has_auth for r in asked)


def test_a_public_index_that_does_not_answer_never_holds_up_a_lookup_or_a_lock(
    project_dir: Path,
    indexes: tuple[IndexServer, IndexServer, IndexServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    from nbext.lookup import survey

    corp, mirror, public = indexes
    public.set_fault("/simple/", action="stall", delay=20)  # takes the request, says nothing
    monkeypatch.setattr(survey, "RADAR_WAIT", 0.5)
    _project(project_dir, corp, mirror, "primary")
    with nbext.Workspace(project_dir, timeout=15) as ws:
        started = time.monotonic()
        found, _utils = ws.lookup_many(["acme-core<2", "acme-utils"])
        lookup_took = time.monotonic() - started
        started = time.monotonic()
        lock = ws.lock()
        lock_took = time.monotonic() - started
        stalled = [r for r in public.requests if r.fault == "stall"]
    assert found.chosen is not None and found.chosen.source == "corp"
    assert found.radar is not None and found.radar.verdict == "unsafe"
    assert found.radar.public_unknown  # no answer within the radar's wait
    assert lock.radar["acme-core"].verdict == "unsafe" and lock.radar["acme-core"].public_unknown
    # Each waited the radar's half second at most, not the 15 s request deadline; the lookup
    # sent one request there for its two names (the second waited for the first's answer),
    # and after it went unanswered the lock did not ask the public index again.
    assert lookup_took < 5 and lock_took < 5
    assert len(stalled) == 1


def test_a_declared_source_that_cannot_be_asked_is_named(
    project_dir: Path, indexes: tuple[IndexServer, IndexServer, IndexServer]
) -> None:
    corp, mirror, _ = indexes
    _project(project_dir, corp, mirror, "supplemental")
    mirror.set_fault("/simple/acme-core/", status=500)
    with nbext.Workspace(project_dir) as ws:
        lock = ws.lock()
    core = lock.radar["acme-core"]
    # The supplemental mirror is not asked for acme-core by the lock (corp, a primary source,
    # has it), so it cannot win; the radar could not see whether it lists it, and says so.
    assert core.verdict == "safe" and core.unknown == ["mirror"]
    assert "radar: mirror could not be asked: not known there." in lock.text()


def test_radar_enabled_false_asks_nothing_for_the_radar(
    config_dir: Path,  # %config writes here, not in the session's config directory
    project_dir: Path,
    indexes: tuple[IndexServer, IndexServer, IndexServer],
    ip: InteractiveShell,
) -> None:
    corp, mirror, public = indexes
    _project(project_dir, corp, mirror, "supplemental")
    run(ip, "config radar.enabled false")
    _, _, found = run(ip, "lookup acme-utils")
    _, _, lock = run(ip, "lock --no-live")
    assert found.radar is None and lock.radar == {} and "radar" not in lock.text()
    assert public.requests == []
    # The supplemental mirror was asked only for what no primary source has (tinyhttp).
    assert {r.path for r in mirror.requests if r.path.startswith("/simple/")} == {
        "/simple/tinyhttp/"
    }
    # The audit is the radar's own question: it still asks.
    _, _, audit = run(ip, "source audit")
    assert {r.name for r in audit} == {"acme-utils", "acme-core", "tinyhttp"}
    assert public.requests != []
    assert (config_dir / "config.toml").read_text(encoding="utf-8").count("enabled = false") == 1


def test_the_public_index_never_gets_credentials_even_when_a_repository_matches_its_url(
    project_dir: Path,
    indexes: tuple[IndexServer, IndexServer, IndexServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    corp, mirror, public = indexes
    # A configured repository whose URL is the public index's: Poetry's URL matching would
    # send its password with every request there; the radar's look sends none, nor the
    # credentials of a public index URL that carries some.
    monkeypatch.setenv("POETRY_REPOSITORIES_SHADOW_URL", public.url)
    monkeypatch.setenv("POETRY_HTTP_BASIC_SHADOW_USERNAME", "bob")
    monkeypatch.setenv("POETRY_HTTP_BASIC_SHADOW_PASSWORD", "shadow-secret")
    monkeypatch.setenv("NBEXT_PYPI_URL", public.url.replace("://", "://eve:url-secret@"))
    _project(project_dir, corp, mirror, "primary")
    with nbext.Workspace(project_dir) as ws:
        found = ws.lookup("acme-utils")
        lock = ws.lock()
        audit = ws.audit()
        events = repr(ws.events)
    assert found.radar is not None and found.radar.elsewhere == {"public index": "9.9.9"}
    assert lock.radar["acme-utils"].elsewhere == {"public index": "9.9.9"}
    assert {r.name: r for r in audit}["acme-utils"].elsewhere == {"public index": "9.9.9"}
    asked = [r for r in public.requests if r.path.startswith("/simple/")]
    assert asked and not any(r.has_auth for r in asked)
    assert "shadow-secret" not in events and "url-secret" not in events
