"""``%cache list``, ``%cache clear`` (Poetry's rules and messages, checked against the real
``poetry cache``), ``%cache refresh`` and the cache widget."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import nbext
from nbext.cache.metadata import entry_path
from nbext.cache.storage import DIRNAME
from nbext.demo import Dist, IndexServer
from nbext.errors import CacheError
from nbext.ui.cacheview import CacheView, ConfirmForm
from nbext.ui.html import to_html
from tests.support.env import poetry_env
from tests.support.procs import run_checked

DISTS = [Dist("acme", "1.0"), Dist("acme", "2.0"), Dist("tool", "3.0")]


@pytest.fixture(autouse=True)
def _close_widgets() -> Iterator[None]:
    yield
    import ipywidgets

    ipywidgets.Widget.close_all()


@pytest.fixture
def filled(
    tmp_path: Path, own_cache_dir: Path, index_factory: type[IndexServer]
) -> Iterator[tuple[nbext.Workspace, IndexServer, IndexServer]]:
    corp = index_factory(DISTS, name="corp")
    mirror = index_factory([Dist("acme", "1.5")], name="mirror")
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", corp.url, "primary")
        ws.add_source("mirror", mirror.url, "primary")
        assert all(r.chosen is not None for r in ws.lookup_many(["acme", "tool"]))
        yield ws, corp, mirror


def _root(cache_dir: Path) -> Path:
    return cache_dir / "cache" / "repositories"


def test_list_shows_each_source(
    filled: tuple[nbext.Workspace, IndexServer, IndexServer], tmp_path: Path
) -> None:
    ws, _corp, _mirror = filled
    table = ws.cache_list()
    rows = {s.source: s for s in table.rows}
    assert list(rows) == ["corp", "mirror"]  # Poetry's order: plain string order
    corp = rows["corp"]
    # pages of acme and tool, two PEP 658 files; two releases in the metadata cache
    assert (corp.http_entries, corp.metadata_entries, corp.entries) == (4, 2, 6)
    assert corp.size > 0 and corp.oldest is not None and corp.newest is not None
    assert corp.cache_control == ["max-age=0, must-revalidate"]
    text = repr(table)
    assert text.splitlines()[0].split() == [
        "source",
        "entries",
        "http",
        "metadata",
        "size",
        "oldest",
        "newest",
    ]
    assert "corp: Cache-Control seen: max-age=0, must-revalidate" in text
    assert "<table>" in to_html(table)
    with nbext.Workspace(tmp_path / "other", no_cache=True) as empty:
        empty_dir = tmp_path / "none"
        empty.settings.session["cache-dir"] = str(empty_dir)
        assert repr(empty.cache_list()) == "No caches found"


def test_clear_follows_poetrys_rules(
    filled: tuple[nbext.Workspace, IndexServer, IndexServer], own_cache_dir: Path
) -> None:
    ws, _corp, _mirror = filled
    root = _root(own_cache_dir)
    artifacts = own_cache_dir / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "kept").write_text("artifacts are never cleared")
    for target, all_ in ((None, False), ("corp", False)):
        with pytest.raises(CacheError, match="^Add the --all option if you want to clear all"):
            ws.cache_clear_plan(target, all=all_)
    with pytest.raises(CacheError, match="^Invalid cache key$"):
        ws.cache_clear_plan("corp:acme:1.0:x")
    with pytest.raises(CacheError, match="is not a valid repository cache$"):
        ws.cache_clear_plan("../..", all=True)
    assert ws.cache_clear_plan("nope", all=True).message == "No cache entries for nope"
    assert ws.cache_clear_plan("Corp", all=True).message == "No cache entries for Corp"
    missing = ws.cache_clear_plan("corp:acme:9.9")
    assert (missing.question, missing.message) == (None, "No cache entries for acme:9.9")
    one = ws.cache_clear_plan("corp:Acme:2.0")
    assert one.question == "Delete cache entry acme:2.0"
    assert repr(one.execute()) == "Deleted 1 cache entry."
    assert not entry_path(root, "corp", "acme", "2.0").exists()
    assert entry_path(root, "corp", "tool", "3.0").exists()
    whole = ws.cache_clear_plan("corp", all=True)
    count = sum(1 for p in (root / "corp").rglob("*") if p.is_file())
    assert whole.question == f"Delete {count} entries?"
    whole.execute()
    assert not (root / "corp").exists() and (root / "mirror").exists()
    everything = ws.cache_clear_plan(None, all=True)
    assert everything.question is not None and everything.question.endswith(" entries?")
    everything.execute()
    assert not root.exists()
    assert (artifacts / "kept").is_file()


def test_clear_one_package_makes_a_new_release_visible(
    filled: tuple[nbext.Workspace, IndexServer, IndexServer], own_cache_dir: Path
) -> None:
    ws, corp, _mirror = filled
    corp.add(Dist("acme", "2.1"))  # published a minute ago
    plan = ws.cache_clear_plan("corp:acme")
    # acme's page, its 658 file and its metadata entry; tool's stay
    assert plan.question == "Delete 3 cache entries of acme on corp?"
    plan.execute()
    root = _root(own_cache_dir)
    assert entry_path(root, "corp", "tool", "3.0").exists()
    assert len([p for p in (root / "corp" / DIRNAME).iterdir()]) == 2  # tool's page and file
    corp.clear_log()
    res = ws.lookup("acme")
    assert res.chosen is not None and res.chosen.version == "2.1"
    assert corp.project_requests("acme")[0].status == 200  # asked afresh, not revalidated
    assert ws.cache_clear_plan("corp:nothing").message == "No cache entries for nothing on corp"


def test_refresh_revalidates_what_a_source_has_cached(
    filled: tuple[nbext.Workspace, IndexServer, IndexServer],
) -> None:
    ws, corp, mirror = filled
    corp.clear_log()
    mirror.clear_log()
    report = ws.cache_refresh("corp")
    assert repr(report) == "corp: 4 cached pages and files revalidated: 4 revalidated (304)"
    assert sorted((r.path, r.status) for r in corp.requests) == [
        ("/files/acme-2.0-py3-none-any.whl.metadata", 304),
        ("/files/tool-3.0-py3-none-any.whl.metadata", 304),
        ("/simple/acme/", 304),
        ("/simple/tool/", 304),
    ]
    assert mirror.requests == []


def _poetry(poetry: Path, cache_dir: Path, home: Path, *args: str) -> str:
    env = poetry_env(home)
    env["POETRY_CACHE_DIR"] = str(cache_dir)
    cmd = [str(poetry), "cache", *args, "--no-ansi"]
    return run_checked(cmd, env, 60, "poetry cache", error=AssertionError, cwd=home)


def test_poetry_cache_sees_and_clears_what_nbext_cached(
    filled: tuple[nbext.Workspace, IndexServer, IndexServer],
    own_cache_dir: Path,
    poetry: Path,
    tmp_path: Path,
) -> None:
    ws, _corp, _mirror = filled
    home = tmp_path / "poetry-home"
    home.mkdir()
    root = _root(own_cache_dir)
    listed = _poetry(poetry, own_cache_dir, home, "list").split()
    assert listed == [s.source for s in ws.cache_list().rows] == ["corp", "mirror"]
    # one entry: Poetry removes exactly the file nbext would
    assert ws.cache_clear_plan("corp:acme:2.0").paths == [entry_path(root, "corp", "acme", "2.0")]
    _poetry(poetry, own_cache_dir, home, "clear", "corp:acme:2.0", "-n")
    assert not entry_path(root, "corp", "acme", "2.0").exists()
    assert ws.cache_clear_plan("corp:acme:2.0").message == "No cache entries for acme:2.0"
    # a whole source: nbext's HTTP cache goes with it
    _poetry(poetry, own_cache_dir, home, "clear", "mirror", "--all", "-n")
    assert not (root / "mirror").exists()
    assert ws.cache_clear_plan("mirror", all=True).message == "No cache entries for mirror"


# -- the magic -----------------------------------------------------------------------------------


def _run(ip: InteractiveShell, line: str) -> tuple[str, str, object]:
    with capture_output() as cap:
        result = ip.run_line_magic("cache", line)
    return cap.stdout, cap.stderr, result


def test_cache_magic(
    ip: InteractiveShell,
    index_factory: type[IndexServer],
    own_cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nbext.magics import base as _magics

    corp = index_factory(DISTS, name="corp")
    ip.run_line_magic("source", f"add -p primary corp {corp.url}")
    ip.run_line_magic("lookup", "acme --no-live")
    _out, _err, table = _run(ip, "list")
    assert [s.source for s in table.rows] == ["corp"]  # type: ignore[attr-defined]
    with pytest.raises(nbext.NbextError, match="Add the --all option"):
        _run(ip, "clear corp")
    out, _err, _ = _run(ip, "clear corp:acme:2.0 -n")
    assert out == "Deleted 1 cache entry.\n"
    out, _err, _ = _run(ip, "clear corp:acme:2.0 -n")
    assert out == "No cache entries for acme:2.0\n"
    # in a notebook: Poetry's question as buttons, nothing deleted before Yes
    monkeypatch.setattr(_magics, "in_kernel", lambda _shell: True)
    _out, _err, form = _run(ip, "clear corp --all")
    assert isinstance(form, ConfirmForm) and form.question == "Delete 2 entries?"
    assert (_root(own_cache_dir) / "corp").exists()
    form.no.click()
    assert form.state == "cancelled" and (_root(own_cache_dir) / "corp").exists()
    _out, _err, form = _run(ip, "clear corp --all")
    assert isinstance(form, ConfirmForm)
    form.yes.click()
    assert form.state == "done" and not (_root(own_cache_dir) / "corp").exists()


def test_cache_view_refreshes_and_clears(
    ip: InteractiveShell,
    index_factory: type[IndexServer],
    own_cache_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from nbext.magics import base as _magics

    corp = index_factory(DISTS, name="corp")
    ip.run_line_magic("source", f"add -p primary corp {corp.url}")
    ip.run_line_magic("lookup", "acme --no-live")
    monkeypatch.setattr(_magics, "in_kernel", lambda _shell: True)
    _out, _err, view = _run(ip, "")
    assert isinstance(view, CacheView) and view.names == ["corp"]
    assert repr(view) == "nbext cache: corp (%cache list shows the details)"
    row = view.rows.children[0]
    label, refresh, clear = row.children
    assert "<b>corp</b>: 3 entries" in label.value
    corp.clear_log()
    refresh.click()
    assert [r.status for r in corp.requests] == [304, 304]
    assert "revalidated (304)" in view.status.value
    clear.click()
    form = view.widget.children[-1]
    yes = form.children[1].children[0]
    yes.click()
    assert not (_root(own_cache_dir) / "corp").exists()
    assert view.rows.children[0].value == "No caches found"
