"""Lookups against real index servers on 127.0.0.1, with Poetry's rules.

Three kinds of server, as a user would meet them: pypiserver (PEP 503 HTML, no metadata
files), a static PEP 503 tree served by ``http.server``, and a PEP 691 JSON index with PEP 658
metadata (nbext's demo server). Each test checks the answer *and* which servers were asked,
from the servers' own request logs: the sources Poetry's rules ask, so the radar, whose own
requests go to every source (``tests/integration/radar``), is off here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import nbext
from nbext.demo import Dist, IndexServer, write_dists
from tests.support.servers import ServerProcess, run_pypiserver, run_static_tree
from tests.support.workspaces import OPEN as _OPEN

PP_DISTS = [
    Dist("foo", "1.1.1"),
    Dist("foo", "2.0.0"),
    Dist("same", "1.0.0"),
    Dist("higher", "1.0.0"),
    Dist("ppkg", "1.0.0", requires_dist=("same>=1",)),
    Dist("requests", "0.0.1"),
]
ST_DISTS = [
    Dist("foo", "1.1.1"),
    Dist("foo", "1.2.3"),
    Dist("same", "1.0.0"),
    Dist("higher", "1.1.0"),
    Dist("stpkg", "0.5.0"),
    Dist("stpkg", "0.6.0", yanked="bad build"),
    Dist("stpkg", "0.7.0b1"),
]
JS_DISTS = [
    Dist("jspkg", "1.0.0"),
    Dist("jspkg", "2.0.0rc1"),
    Dist("onlypre", "1.0.0a1"),
    Dist("onlypre", "1.0.0a2"),
    Dist("yanky", "1.0.0"),
    Dist("yanky", "1.1.0", yanked="security issue"),
    Dist("foo", "3.0.0", summary="foo from js"),
    Dist("newpy", "1.0.0"),
    Dist("newpy", "2.0.0", requires_python=">=3.99"),
]


@pytest.fixture(autouse=True)
def _no_radar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POETRY_RADAR_ENABLED", "false")


@pytest.fixture(scope="module")
def pp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    work = tmp_path_factory.mktemp("pypiserver")
    pkgs = work / "packages"
    pkgs.mkdir()
    write_dists(PP_DISTS, pkgs)
    server = run_pypiserver(pkgs, workdir=work)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def st(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = run_static_tree(ST_DISTS, tmp_path_factory.mktemp("static"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def js() -> Iterator[IndexServer]:
    server = IndexServer(JS_DISTS, name="js", api="json", metadata=True).start()
    yield server
    server.stop()


class Hits:
    """Counts requests for one project page on each server since the mark was taken."""

    def __init__(self, pp: ServerProcess, st: ServerProcess, js: IndexServer) -> None:
        self.servers = {"pp": pp, "st": st, "js": js}
        self.marks = {name: len(self._paths(name)) for name in self.servers}

    def _paths(self, name: str) -> list[str]:
        server = self.servers[name]
        if isinstance(server, IndexServer):
            return [r.path for r in server.requests]
        return server.request_paths()

    def __call__(self, project: str) -> dict[str, int]:
        out = {}
        for name in self.servers:
            new = self._paths(name)[self.marks[name] :]
            out[name] = sum(1 for p in new if p.rstrip("/").endswith(f"/simple/{project}"))
        return out


@pytest.fixture
def hits(pp: ServerProcess, st: ServerProcess, js: IndexServer) -> Hits:
    return Hits(pp, st, js)


def make_ws(
    root: Path, sources: list[tuple[str, str, str | None]], deps: str = ""
) -> nbext.Workspace:
    lines = ['[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n']
    lines.append("dependencies = []\n")
    for name, url, prio in sources:
        lines.append(f'\n[[tool.poetry.source]]\nname = "{name}"\n')
        if url:
            lines.append(f'url = "{url}"\n')
        if prio:
            lines.append(f'priority = "{prio}"\n')
    if deps:
        lines.append("\n" + deps)
    (root / "pyproject.toml").write_text("".join(lines), encoding="utf-8")
    ws = nbext.Workspace(root)
    _OPEN.append(ws)
    return ws


# -- spec section 11, scenarios 1-4, 6, 10 -------------------------------------------------------


def test_no_sources_uses_implicit_pypi(tmp_path: Path, fake_pypi: IndexServer) -> None:
    ws = make_ws(tmp_path, [])
    assert [(s.name, s.priority.value) for s in ws.sources] == [("PyPI", "primary")]
    table = repr(ws.show_sources())
    assert table.startswith("No sources configured for this project.\n")
    assert "PyPI is implicitly enabled as a primary source." in table
    res = ws.lookup("requests")
    assert (res.chosen.version, res.chosen.source) == ("2.32.0", "PyPI")
    assert next(r.path for r in fake_pypi.requests) == "/simple/requests/"


def test_one_primary_disables_pypi(
    tmp_path: Path, pp: ServerProcess, hits: Hits, fake_pypi: IndexServer
) -> None:
    ws = make_ws(tmp_path, [("foo", pp.url, None)])
    res = ws.lookup("requests")
    assert (res.chosen.version, res.chosen.source) == ("0.0.1", "foo")
    assert hits("requests")["pp"] == 1
    assert fake_pypi.requests == []


def test_supplemental_is_asked_only_when_pypi_has_nothing(
    tmp_path: Path, st: ServerProcess, hits: Hits, fake_pypi: IndexServer
) -> None:
    ws = make_ws(tmp_path, [("foo", st.url, "supplemental")])
    assert ws.sources.names == ["PyPI", "foo"]
    res = ws.lookup("requests")
    assert (res.chosen.version, res.chosen.source) == ("2.32.0", "PyPI")
    assert hits("requests")["st"] == 0
    row = res.per_source[1]
    assert (row.source, row.asked, row.skipped) == (
        "foo",
        False,
        "no: a primary source matched",
    )
    res = ws.lookup("stpkg")
    assert (res.chosen.version, res.chosen.source) == ("0.5.0", "foo")
    assert hits("stpkg")["st"] == 1
    assert "no primary source matched" in res.chosen.reason


def test_explicit_source_only_through_a_pin(
    tmp_path: Path, js: IndexServer, hits: Hits, fake_pypi: IndexServer
) -> None:
    ws = make_ws(tmp_path, [("foo", js.url, "explicit")])
    assert [s.name for s in ws.sources.searchable] == ["PyPI"]
    assert ws.sources.names == ["PyPI", "foo"]
    res = ws.lookup("jspkg")
    assert res.chosen is None
    assert hits("jspkg")["js"] == 0
    res = ws.lookup("jspkg", source="foo")
    assert (res.chosen.version, res.chosen.source) == ("1.0.0", "foo")
    assert hits("jspkg")["js"] == 1
    # a pin in the project does the same
    with (tmp_path / "pyproject.toml").open("a", encoding="utf-8") as fh:
        fh.write('\n[tool.poetry.dependencies]\njspkg = {source = "foo"}\n')
    before = len(fake_pypi.requests)
    res = ws.lookup("jspkg>=1")
    assert (res.chosen.version, res.chosen.source) == ("1.0.0", "foo")
    assert "pinned to source foo in pyproject.toml" in res.chosen.reason
    assert len(fake_pypi.requests) == before  # PyPI not asked for a pinned dependency


def test_all_primaries_asked_and_first_declared_wins_on_a_tie(
    tmp_path: Path, pp: ServerProcess, st: ServerProcess, hits: Hits
) -> None:
    ws = make_ws(tmp_path, [("a", pp.url, None), ("b", st.url, None)])
    res = ws.lookup("same==1.0.0")
    assert (res.chosen.version, res.chosen.source) == ("1.0.0", "a")
    assert "also on b; a is declared first" in res.chosen.reason
    assert hits("same") == {"pp": 1, "st": 1, "js": 0}
    ws2 = make_ws(tmp_path, [("b", st.url, None), ("a", pp.url, None)])
    assert ws2.lookup("same").chosen.source == "b"


def test_highest_version_wins_across_primaries(
    tmp_path: Path, pp: ServerProcess, st: ServerProcess, hits: Hits
) -> None:
    ws = make_ws(tmp_path, [("a", pp.url, None), ("b", st.url, None)])
    res = ws.lookup("higher")
    assert (res.chosen.version, res.chosen.source) == ("1.1.0", "b")
    assert hits("higher") == {"pp": 1, "st": 1, "js": 0}
    assert [r.versions for r in res.per_source] == [["1.0.0"], ["1.1.0"]]


def test_unknown_source_pin(tmp_path: Path, pp: ServerProcess) -> None:
    ws = make_ws(
        tmp_path, [("a", pp.url, None)], '[tool.poetry.dependencies]\nfoo = {source = "nope"}\n'
    )
    with pytest.raises(nbext.UnknownSourceError) as exc:
        ws.lookup("foo")
    # Poetry's words, then the fix.
    assert str(exc.value) == (
        'Repository "nope" does not exist. foo is pinned to it in pyproject.toml: declare it '
        "with %source add nope URL, or remove the pin."
    )
    assert exc.value.source == "nope"
    with pytest.raises(nbext.UnknownSourceError) as exc:
        ws.lookup("foo", source="elsewhere")
    assert str(exc.value) == 'Repository "elsewhere" does not exist. The declared sources are: a.'
    assert ws.check() == ['Error: Invalid source "nope" referenced in dependencies.']


# -- the spec's 2.1 example: primary repo1, supplemental repo2, constraint-dependent fallback ---

CASES_2_1 = [
    # constraint,   version,  source,  repo2 asked
    ("^1.0.0", "1.1.1", "repo1", False),
    ("==1.2.3", "1.2.3", "repo2", True),
    ("1.2.3", "1.2.3", "repo2", True),
    ("*", "2.0.0", "repo1", False),
    (">=2", "2.0.0", "repo1", False),
    ("<1.2", "1.1.1", "repo1", False),
    ("==1.1.1", "1.1.1", "repo1", False),
    ("~1.2", "1.2.3", "repo2", True),
    (">1.1.1,<2", "1.2.3", "repo2", True),
    ("^1.2", "1.2.3", "repo2", True),
    (">=1.1.1,<1.1.2", "1.1.1", "repo1", False),
    ("!=2.0.0", "1.1.1", "repo1", False),
    ("~=1.2", "1.2.3", "repo2", True),
    ("999.9.9", None, None, True),
    ("<1", None, None, True),
    (">2", None, None, True),
]


@pytest.mark.parametrize(("constraint", "version", "source", "asked_repo2"), CASES_2_1)
def test_supplemental_fallback_depends_on_the_constraint(
    tmp_path: Path,
    pp: ServerProcess,
    st: ServerProcess,
    hits: Hits,
    constraint: str,
    version: str | None,
    source: str | None,
    asked_repo2: bool,
) -> None:
    ws = make_ws(tmp_path, [("repo1", pp.url, "primary"), ("repo2", st.url, "supplemental")])
    res = ws.lookup(f"foo@{constraint}")
    got = (res.chosen.version, res.chosen.source) if res.chosen else (None, None)
    assert got == (version, source)
    assert hits("foo") == {"pp": 1, "st": 1 if asked_repo2 else 0, "js": 0}


# -- filtering within a source ----------------------------------------------------------------


def test_yanked_skipped_unless_pinned_exactly(tmp_path: Path, js: IndexServer) -> None:
    ws = make_ws(tmp_path, [("js", js.url, None)])
    assert ws.lookup("yanky").chosen.version == "1.0.0"
    assert ws.lookup("yanky>=1.1").chosen is None
    res = ws.lookup("yanky==1.1.0")
    assert res.chosen.version == "1.1.0"
    assert res.chosen.yanked and res.chosen.yanked_reason == "security issue"
    assert (
        "Warning: yanky 1.1.0 is yanked on js (reason: security issue); Poetry would lock it "
        "with the same warning." in res.notes
    )
    res = ws.lookup("yanky")
    assert (
        "yanky 1.1.0 on js is yanked (security issue) and was skipped; require ==1.1.0 to "
        "use it anyway." in res.notes
    )


def test_yanked_in_html_tree_and_prerelease_fallback(tmp_path: Path, st: ServerProcess) -> None:
    ws = make_ws(tmp_path, [("st", st.url, None)])
    assert ws.lookup("stpkg").chosen.version == "0.5.0"
    assert ws.lookup("stpkg==0.6.0").chosen.version == "0.6.0"
    res = ws.lookup("stpkg>0.5")
    assert res.chosen.version == "0.7.0b1"  # stable 0.6.0 is yanked: pre-release fallback
    assert res.chosen.prerelease


def test_prereleases_only_when_nothing_stable(tmp_path: Path, js: IndexServer) -> None:
    ws = make_ws(tmp_path, [("js", js.url, None)])
    assert ws.lookup("jspkg").chosen.version == "1.0.0"
    assert ws.lookup("onlypre").chosen.version == "1.0.0a2"
    assert ws.lookup("jspkg>=2.0.0rc1").chosen.version == "2.0.0rc1"


def test_metadata_from_pep658_and_from_wheel(
    tmp_path: Path, pp: ServerProcess, js: IndexServer
) -> None:
    ws = make_ws(tmp_path, [("pp", pp.url, None), ("js", js.url, None)])
    res = ws.lookup("ppkg")
    assert res.chosen.metadata_via == "range requests"  # pypiserver serves byte ranges
    assert res.chosen.metadata.requires_dist == ("same>=1",)
    js.clear_log()
    res = ws.lookup("foo")
    assert (res.chosen.version, res.chosen.source, res.chosen.metadata_via) == (
        "3.0.0",
        "js",
        "PEP 658",
    )
    assert res.chosen.metadata.summary == "foo from js"
    assert any(r.path.endswith(".whl.metadata") for r in js.requests)
    assert not any(r.path.endswith(".whl") for r in js.requests)


def test_release_that_needs_a_newer_python_is_skipped(tmp_path: Path, js: IndexServer) -> None:
    ws = make_ws(tmp_path, [("js", js.url, None)])
    res = ws.lookup("newpy")
    assert res.chosen.version == "1.0.0"
    assert "2.0.0 (requires Python >=3.99)" in res.chosen.reason


def test_lookup_many_is_concurrent_and_in_order(tmp_path: Path, js: IndexServer) -> None:
    ws = make_ws(tmp_path, [("js", js.url, None)])
    out = ws.lookup_many(["yanky", "jspkg", "nothing-here", "foo"])
    assert [r.chosen.version if r.chosen else None for r in out] == [
        "1.0.0",
        "1.0.0",
        None,
        "3.0.0",
    ]
    assert [r.requirement for r in out] == ["yanky", "jspkg", "nothing-here", "foo"]


# -- scenarios 5, 7, 8, 9 from a real pyproject.toml ----------------------------------------------


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        ([("pypi", "", "explicit")], "At least one source must not be configured as 'explicit'."),
        (
            [("PyPI", "https://mirror.example/simple/", None)],
            "The PyPI repository cannot be configured with a custom url.",
        ),
        (
            [("Foo", "https://a.example/simple/", None), ("foo", "https://b.example/", None)],
            "A repository with name foo was already added.",
        ),
    ],
)
def test_invalid_pools_fail_every_lookup_with_poetrys_text(
    tmp_path: Path, sources: list[tuple[str, str, str | None]], message: str
) -> None:
    ws = make_ws(tmp_path, sources)
    with pytest.raises(nbext.SourceError) as exc:
        ws.lookup("foo")
    assert str(exc.value) == message


def test_deprecated_default_priority_works_with_a_warning(
    tmp_path: Path, pp: ServerProcess, st: ServerProcess, hits: Hits
) -> None:  # scenario 9: Poetry 2 rejects it; nbext accepts it with Poetry 1.8's meaning
    ws = make_ws(tmp_path, [("b", st.url, None), ("a", pp.url, "default")])
    notices = ws.notices()
    assert notices == [
        "Found deprecated priority 'default' for source 'a' in pyproject.toml. You can achieve "
        "the same effect by changing the priority to 'primary' and putting the source first. "
        "(Poetry 2 rejects 'default': write priority = \"primary\".)"
    ]
    assert ws.notices() == []  # shown once
    assert ws.sources.names == ["a", "b"]  # default goes first
    res = ws.lookup("same")
    assert (res.chosen.version, res.chosen.source) == ("1.0.0", "a")
    assert hits("same") == {"pp": 1, "st": 1, "js": 0}
