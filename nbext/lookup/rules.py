"""Poetry's rules for choosing among what the sources answered (pure functions over data,
no I/O; spec section 2).

* Within a source: the constraint filters versions; yanked releases are dropped unless the
  constraint is an exact version; pre-releases are dropped unless nothing stable matched
  (:func:`filter_releases`).
* The candidates are sorted (not yanked, stable, version) descending with a stable sort: the
  highest version wins, and for the same version the first source in pool order
  (:func:`sorted_candidates`); the source recorded is the first searched one that lists the
  version (:func:`owner_source`).
* The chosen release must support the project's Python range (Requires-Python from its
  metadata), as Poetry's solver requires (:func:`python_for`, :func:`python_ok`); otherwise
  the next candidate is tried.
"""

from __future__ import annotations

from collections.abc import Sequence

from poetry.core.constraints.version import Version, VersionConstraint, parse_constraint
from poetry.core.packages.dependency import Dependency

from nbext.index.files import File, Release
from nbext.lookup.answers import PageResult
from nbext.sources.pool import Source

__all__ = [
    "filter_releases",
    "owner_source",
    "page_requires_python",
    "python_for",
    "python_ok",
    "sorted_candidates",
]


def filter_releases(releases: Sequence[Release], dependency: Dependency) -> list[Release]:
    """Poetry's ``Repository.find_packages`` filtering for one source.

    "Pre-release" is Poetry's ``Package.is_prerelease()``, which is ``Version.is_unstable()``:
    alpha, beta and rc releases and ``.devN`` releases alike (``1.0.dev6`` is not chosen
    while a stable release matches, and is not listed in the versions row then).
    """
    constraint = dependency.constraint
    allow_pre = dependency.allows_prereleases()
    kept: list[Release] = []
    pre: list[Release] = []
    for release in releases:
        if not constraint.allows(release.version):
            continue
        if release.yanked and not isinstance(constraint, Version):
            continue
        if release.version.is_unstable() and not allow_pre:
            pre.append(release)
            continue
        kept.append(release)
    if allow_pre is False:
        return kept
    return kept or pre


def sorted_candidates(
    order: Sequence[Source], matches: dict[str, list[Release]], dep: Dependency
) -> list[tuple[Source, Release]]:
    """Merged in pool order, then Poetry's stable descending sort."""
    candidates = [(s, r) for s in order for r in matches.get(s.key, [])]
    allow_pre = dep.allows_prereleases()
    candidates.sort(
        key=lambda c: (
            not c[1].yanked,
            not c[1].version.is_unstable() and not allow_pre,
            c[1].version,
        ),
        reverse=True,
    )
    return candidates


def owner_source(
    source: Source,
    release: Release,
    order: Sequence[Source],
    answers: dict[str, PageResult],
    pinned: bool,
) -> Source:
    """The source Poetry records: the first searched source that lists this version."""
    if pinned:
        return source
    for s in order:
        page = answers.get(s.key)
        if page and any(r.version == release.version for r in page.releases):
            return s
    return source


def python_for(python: VersionConstraint, dep: Dependency) -> VersionConstraint:
    """The Python range a requirement must support: the project's, narrowed by the
    requirement's markers (``pkg; python_version >= "3.12"`` needs only 3.12+, as Poetry's
    provider checks a candidate's Requires-Python against the transitive marker's range).
    Empty when the markers exclude the project's Python."""
    marker_python = dep.python_constraint
    if marker_python.is_any():
        return python
    return python.intersect(marker_python)


def python_ok(requires_python: str, python: VersionConstraint) -> bool:
    """Whether a release's Requires-Python covers all of ``python`` (the solver's check)."""
    try:
        allowed = parse_constraint(requires_python)
    except Exception:
        return True  # Poetry ignores what it cannot parse here; so do we
    return bool(allowed.allows_all(python))


def page_requires_python(files: Sequence[File], release: Release) -> str | None:
    """The index page's ``data-requires-python`` / ``requires-python`` for a release whose
    metadata could not be read: the metadata file's, else the first file's that has one."""
    for f in files:
        if f.requires_python:
            return f.requires_python
    return release.requires_python
