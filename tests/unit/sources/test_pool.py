"""Poetry's pool rules, pure (spec sections 1 and 11)."""

from __future__ import annotations

import pytest

from nbext.errors import SourceError, UnknownSourceError
from nbext.sources.pool import Priority, SourceSpec, build_pool


def spec(name: str, url: str | None = "https://x.example/simple/", priority: str | None = None):
    return SourceSpec(name, url, Priority(priority) if priority else None)


def test_no_sources_gives_implicit_pypi_primary() -> None:  # scenario 1
    pool = build_pool([])
    assert [(s.name, s.priority.value, s.implicit) for s in pool] == [("PyPI", "primary", True)]


def test_one_primary_disables_pypi() -> None:  # scenario 2
    pool = build_pool([spec("foo")])
    assert pool.names == ["foo"]
    assert "Deactivating the PyPI repository" in pool.log


def test_supplemental_only_keeps_pypi_first() -> None:  # scenario 3
    pool = build_pool([spec("foo", priority="supplemental")])
    assert pool.names == ["PyPI", "foo"]
    assert [s.name for s in pool.searchable] == ["PyPI", "foo"]


def test_explicit_only_keeps_pypi_searchable() -> None:  # scenario 4
    pool = build_pool([spec("foo", priority="explicit")])
    assert [s.name for s in pool.searchable] == ["PyPI"]
    assert pool.names == ["PyPI", "foo"]


def test_pypi_explicit_only_is_an_error() -> None:  # scenario 5
    with pytest.raises(
        SourceError,
        match=r"^At least one source must not be configured as "
        r"'explicit'\.$",
    ):
        build_pool([spec("pypi", url=None, priority="explicit")])


def test_supplementals_plus_explicit_pypi_is_allowed() -> None:
    pool = build_pool([spec("a", priority="supplemental"), spec("PyPI", None, "explicit")])
    assert [s.name for s in pool.searchable] == ["a"]


def test_pypi_with_url_is_refused() -> None:  # scenario 7
    with pytest.raises(SourceError) as exc:
        build_pool([spec("PyPI", url="https://mirror.example/simple/")])
    assert str(exc.value) == "The PyPI repository cannot be configured with a custom url."


def test_duplicate_names_case_insensitive() -> None:  # scenario 8
    with pytest.raises(SourceError) as exc:
        build_pool([spec("Foo"), spec("foo")])
    assert str(exc.value) == "A repository with name foo was already added."


def test_missing_url_and_name() -> None:
    with pytest.raises(SourceError, match=r"^Missing \[url\] in source 'foo'\.$"):
        build_pool([spec("foo", url=None)])
    with pytest.raises(SourceError, match=r"^Missing \[name\] in source\.$"):
        build_pool([spec("", url="https://x/")])


def test_poetry_fixture_search_order() -> None:
    # tests/repositories/test_repository_pool.py: foo (supplemental), bar, PyPI, baz
    pool = build_pool(
        [spec("foo", priority="supplemental"), spec("bar"), spec("PyPI", url=None), spec("baz")]
    )
    assert [s.name for s in pool.searchable] == ["bar", "PyPI", "baz", "foo"]


def test_stable_sort_and_explicit_last() -> None:
    pool = build_pool(
        [
            spec("e1", priority="explicit"),
            spec("s1", priority="supplemental"),
            spec("p1"),
            spec("s2", priority="supplemental"),
            spec("p2", priority="primary"),
        ]
    )
    assert pool.names == ["p1", "p2", "s1", "s2", "e1"]
    assert [s.name for s in pool.explicit] == ["e1"]


def test_lookup_by_name_is_case_insensitive_and_unknown_is_poetrys_error() -> None:
    pool = build_pool([spec("Corp")])
    assert pool.get("corp").name == "Corp"
    with pytest.raises(UnknownSourceError) as exc:
        pool.get("Nope")
    assert str(exc.value) == 'Repository "nope" does not exist.'


def test_url_trailing_slash_removed_and_kinds() -> None:
    pool = build_pool(
        [spec("a", "https://a.example/simple/"), spec("b", "https://b.example/links.html")]
    )
    assert pool.get("a").url == "https://a.example/simple"
    assert pool.get("a").page_url("foo-bar") == "https://a.example/simple/foo-bar/"
    assert pool.get("b").kind == "single-page"
    assert pool.get("b").page_url("x") == "https://b.example/links.html"
    assert build_pool([]).get("pypi").kind == "pypi"


def test_pypi_name_any_case_is_builtin_and_can_be_reprioritised() -> None:
    pool = build_pool([spec("corp"), spec("pypi", url=None, priority="supplemental")])
    assert pool.names == ["corp", "PyPI"]
    assert pool.get("PYPI").priority is Priority.SUPPLEMENTAL
    assert not pool.has_implicit_pypi


# -- deprecated 1.x priorities -------------------------------------------------------------------


def test_default_priority_goes_first_and_disables_pypi() -> None:
    pool = build_pool([spec("a"), spec("d", priority="default")])
    assert pool.names == ["d", "a"]
    assert not pool.has_implicit_pypi
    assert build_pool(
        [spec("d", priority="default"), spec("s", priority="supplemental")]
    ).names == ["d", "s"]


def test_only_one_default() -> None:
    with pytest.raises(SourceError, match="Only one repository can be the default."):
        build_pool([spec("a", priority="default"), spec("b", priority="default")])


def test_secondary_is_searched_after_primaries_before_supplementals() -> None:
    pool = build_pool(
        [spec("s", priority="supplemental"), spec("sec", priority="secondary"), spec("p")]
    )
    assert [s.name for s in pool.searchable] == ["p", "sec", "s"]
    # secondary alone: PyPI is added as primary (Poetry 1.8 rule) and comes first
    assert build_pool([spec("sec", priority="secondary")]).names == ["PyPI", "sec"]
