"""``Workspace.lock()`` writes the poetry.lock that ``poetry lock`` (2.5.1) writes, byte for byte,
and ``poetry check --lock`` accepts it: the source rules, Requires-Python, yanked releases and
pre-releases, each on a dependency tree (transitive dependencies via Requires-Dist).

Each test serves its sources on 127.0.0.1, writes one project twice and locks one copy with
nbext while the real Poetry locks the other (:mod:`tests.integration.resolve.lockparity`).
Markers, extras, groups and multiple-constraint dependencies: ``test_lock_parity_project.py``;
page formats and hashes: ``test_lock_parity_formats.py``; re-locking:
``test_lock_parity_relock.py``; failures of the sources: ``test_lock_parity_failures.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from nbext.demo import Dist, IndexServer
from tests.integration.resolve.lockparity import Pair, Parity, pyproject, serve, static_tree


def test_source_priorities(index_factory: type[IndexServer], tmp_path: Path, poetry: Path) -> None:
    """Every primary is searched; a supplemental source only when no primary has a version
    the constraint allows; the same version on two primaries: the first declared wins; a
    higher version on a later primary wins."""
    first = index_factory(
        [
            Dist("alpha", "1.0", ("beta>=1", "gamma", "epsilon>=2", "Odd_Name"), summary="A."),
            Dist("beta", "1.0", ("zeta",)),
            Dist("gamma", "1.0"),
            Dist("epsilon", "1.0"),
            Dist("zeta", "1.0"),
            Dist("odd-name", "0.9"),
        ],
        name="first",
        api="json",
    )
    second = index_factory(
        [
            Dist("beta", "1.0"),  # the same version as on first, without zeta
            Dist("gamma", "1.1", ("delta",)),  # higher than first's
            Dist("odd.name", "1.0.post1", ("Other.Name>=1",)),
        ],
        name="second",
        api="html",
    )
    supp = index_factory(
        [
            Dist("delta", "3.0"),  # on no primary
            Dist("epsilon", "2.0"),  # the primaries have epsilon, but not >=2
            Dist("zeta", "9.0"),  # a primary has zeta: never looked at
            Dist("gamma", "5.0"),
            Dist("other-name", "1.2"),
        ],
        name="supp",
        api="json",
    )
    sources = [
        ("first", first.url, "primary"),
        ("second", second.url, "primary"),
        ("supp", supp.url, "supplemental"),
    ]
    parity = Pair(tmp_path, pyproject(sources, "", dependencies=["alpha"])).lock()
    parity.same_lock()
    assert parity.chosen == {
        "alpha": ("1.0", "first"),
        "beta": ("1.0", "first"),
        "delta": ("3.0", "supp"),
        "epsilon": ("2.0", "supp"),
        "gamma": ("1.1", "second"),
        "odd-name": ("1.0.post1", "second"),
        "other-name": ("1.2", "supp"),
        "zeta": ("1.0", "first"),
    }


def test_source_pins(index_factory: type[IndexServer], tmp_path: Path, poetry: Path) -> None:
    """A ``source = "x"`` pin is that dependency's only source; its own dependencies are
    searched in priority order; an explicit source serves only the dependencies pinned to it
    (a pin in pyproject.toml applies where the tree asks for that package too)."""
    main = index_factory(
        [
            Dist("tool", "2.0"),
            Dist("helper", "1.0"),
            Dist("widget", "1.0"),
            Dist("gizmo", "1.0"),
            Dist("lonely", "1.0", ("hidden>=1",)),
        ],
        name="main",
    )
    supp = index_factory(
        [Dist("tool", "1.0", ("helper",)), Dist("helper", "2.0")], name="supp", api="html"
    )
    extra = index_factory(
        [
            Dist("gadget", "1.0", ("widget", "gizmo")),
            Dist("widget", "3.0"),
            Dist("gizmo", "2.0"),
            Dist("hidden", "1.0"),
        ],
        name="extra",
    )
    sources = [
        ("main", main.url, "primary"),
        ("supp", supp.url, "supplemental"),
        ("extra", extra.url, "explicit"),
    ]
    pins = """
[tool.poetry.dependencies]
tool = {source = "supp"}
gadget = {source = "extra"}
gizmo = {source = "extra"}
"""
    deps = ["tool", "gadget", "gizmo"]
    parity = Pair(tmp_path / "pinned", pyproject(sources, pins, dependencies=deps)).lock()
    parity.same_lock()
    assert parity.chosen == {
        "gadget": ("1.0", "extra"),
        "gizmo": ("2.0", "extra"),
        "helper": ("1.0", "main"),
        "tool": ("1.0", "supp"),
        "widget": ("1.0", "main"),
    }
    # hidden is on the explicit source only, and nothing pins it there.
    parity = Pair(tmp_path / "hidden", pyproject(sources, "", dependencies=["lonely"])).lock()
    message = parity.same_failure()
    assert "no versions of hidden match >=1" in message


# -- Requires-Python ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def python_locks(
    tmp_path_factory: pytest.TempPathFactory, poetry: Path
) -> Iterator[tuple[Parity, Parity]]:
    """A project for Python >=3.9 (JSON and HTML sources; data-requires-python on the HTML
    page, no metadata files there): one that locks older releases, one that cannot lock."""
    main = IndexServer(
        [
            Dist("modern", "2.0", ("compat",), requires_python=">=3.10"),
            Dist("modern", "1.5", ("compat", "htmlpy"), requires_python=">=3.8"),
            Dist("compat", "3.0", requires_python=">=3.10"),
            Dist("compat", "2.0", requires_python=">=3.7,<4"),
            Dist("compat", "1.0"),
            Dist("newonly", "1.0", requires_python=">=3.10"),
            Dist("newonly", "2.0", requires_python=">=3.12"),
        ],
        name="main",
    )
    html = IndexServer(
        [
            Dist("htmlpy", "2.0", requires_python=">=3.10"),
            Dist("htmlpy", "1.0", requires_python=">=3.9"),
        ],
        name="html",
        api="html",
        metadata=False,
    )
    root = tmp_path_factory.mktemp("python")
    with serve(main, html), pytest.MonkeyPatch.context() as mp:
        mp.setenv("POETRY_CACHE_DIR", str(root / "cache"))  # empty caches, as every test has
        sources = [("main", main.url, "primary"), ("html", html.url, "primary")]
        locks = Pair(
            root / "locks", pyproject(sources, "", python=">=3.9", dependencies=["modern"])
        )
        fails = Pair(
            root / "fails", pyproject(sources, "", python=">=3.9", dependencies=["newonly"])
        )
        yield locks.lock(), fails.lock()


def test_requires_python_of_every_release_allows_the_projects_range(
    python_locks: tuple[Parity, Parity],
) -> None:
    locks, _ = python_locks
    locks.same_lock()
    assert locks.chosen == {
        "compat": ("1.0", "main"),  # 2.0's <4 leaves out part of >=3.9
        "htmlpy": ("1.0", "html"),
        "modern": ("1.5", "main"),
    }


def test_requires_python_failure_is_poetrys_explanation(
    python_locks: tuple[Parity, Parity],
) -> None:
    _, fails = python_locks
    message = fails.same_failure()
    assert "supported Python range (>=3.9) is not compatible" in message
    assert "newonly requires Python >=3.10" in message


def test_requires_python_failure_hints_are_poetrys_text(
    python_locks: tuple[Parity, Parity],
) -> None:
    _, fails = python_locks
    assert fails.error is not None
    theirs = fails.poetry.output.split("Resolving dependencies...", 1)[1]
    ours = str(fails.error).split("Nothing was written to poetry.lock.")[0]
    assert [line.strip() for line in ours.strip().splitlines()] == [
        line.strip() for line in theirs.strip().splitlines()
    ]


# -- yanked releases ---------------------------------------------------------------------------

YANKED_WARNINGS = [
    "Warning: The locked version 1.0 for old is a yanked version. "
    "Reason for being yanked: broken build",
    "Warning: The locked version 1.1 for dep is a yanked version. Reason for being yanked: oops",
]


@pytest.fixture(scope="module")
def yanked_lock(tmp_path_factory: pytest.TempPathFactory, poetry: Path) -> Iterator[Parity]:
    """Yanked releases pinned exactly (directly and by a dependency), yanked releases a range
    passes over, and a release whose sdist alone is yanked (a static tree's data-yanked)."""
    main = IndexServer(
        [
            Dist("old", "1.0", ("dep==1.1",), yanked="broken build"),
            Dist("old", "0.9"),
            Dist("fresh", "2.0", yanked=True),
            Dist("fresh", "1.5", ("dep", "halfy")),
            Dist("dep", "1.0"),
            Dist("dep", "1.1", yanked="oops"),
            Dist("dep", "1.2", yanked=True),
        ],
        name="main",
    )
    root = tmp_path_factory.mktemp("yanked")

    def yank_sdist(page: str) -> str:
        return page.replace(">halfy-1.0.tar.gz<", ' data-yanked="bad sdist">halfy-1.0.tar.gz<')

    tree = static_tree([Dist("halfy", "1.0"), Dist("halfy", "0.5")], root / "tree", yank_sdist)
    try:
        with serve(main), pytest.MonkeyPatch.context() as mp:
            mp.setenv("POETRY_CACHE_DIR", str(root / "cache"))
            sources = [("main", main.url, "primary"), ("tree", tree.url, "primary")]
            text = pyproject(sources, "", dependencies=["old==1.0", "fresh"])
            yield Pair(root / "project", text).lock()
    finally:
        tree.stop()


def test_yanked_releases_only_for_exact_pins(yanked_lock: Parity) -> None:
    text = yanked_lock.same_lock()
    assert yanked_lock.chosen == {
        "dep": ("1.1", "main"),
        "fresh": ("1.5", "main"),
        "halfy": ("1.0", "tree"),
        "old": ("1.0", "main"),
    }
    assert "halfy-1.0-py3-none-any.whl" in text
    assert "halfy-1.0.tar.gz" not in text  # a yanked file of a release that is not yanked
    for line in YANKED_WARNINGS:
        assert line in yanked_lock.poetry.output.splitlines()


def test_yanked_warning_is_in_the_lock_result(yanked_lock: Parity) -> None:
    assert yanked_lock.result is not None
    for line in YANKED_WARNINGS:
        assert line in yanked_lock.result.output


# -- pre-releases ------------------------------------------------------------------------------


def test_pre_releases(index_factory: type[IndexServer], tmp_path: Path, poetry: Path) -> None:
    """Only pre-releases: the newest is taken; ``allow-prereleases``; a constraint naming a
    pre-release (in a dependency's Requires-Dist) allows them; otherwise final releases."""
    main = index_factory(
        [
            Dist("betaonly", "1.0b1"),
            Dist("betaonly", "1.0rc1", ("stable",)),
            Dist("mixed", "1.0"),
            Dist("mixed", "2.0a1", ("stable", "named>=2.0b1", "devdep")),
            Dist("named", "1.5"),
            Dist("named", "2.0b2"),
            Dist("named", "2.0b3", yanked=True),
            Dist("stable", "1.0"),
            Dist("stable", "1.0.post1"),
            Dist("stable", "1.1a1"),
            Dist("devdep", "0.9"),
            Dist("devdep", "1.0.dev3"),
        ],
        name="main",
    )
    allow = '[tool.poetry.dependencies]\nmixed = {version = "*", allow-prereleases = true}\n'
    text = pyproject([("main", main.url, "primary")], allow, dependencies=["betaonly", "mixed"])
    parity = Pair(tmp_path, text).lock()
    parity.same_lock()
    assert parity.chosen == {
        "betaonly": ("1.0rc1", "main"),
        "devdep": ("0.9", "main"),
        "mixed": ("2.0a1", "main"),
        "named": ("2.0b2", "main"),
        "stable": ("1.0.post1", "main"),
    }
