"""Which file's metadata describes a release, as Poetry 2.5.1 chooses it, and the merge of
separate py2 and py3 wheels' metadata (pure)."""

from __future__ import annotations

from dataclasses import replace

from nbext.index.filenames import wheel_tags
from nbext.index.files import File, Release
from nbext.index.metadata import ReleaseMetadata

__all__ = ["choose_metadata_file", "choose_metadata_files", "merge_py2_py3"]


def choose_metadata_files(release: Release) -> tuple[File, ...]:
    """The file(s) whose metadata describes a release, as Poetry 2.5.1 chooses them
    (``HTTPRepository._get_info_from_links``, spec 8.3): yanked files are left out unless the
    whole release is yanked; then a ``py2.py3-none-any`` wheel; else a ``py2-none-any`` and
    a ``py3``-ish ``none-any`` wheel together, ``(py2, py3)``, whose metadata are merged
    (:func:`merge_py2_py3`); else the ``none-any`` wheel for Python 3, else the one for
    Python 2; else the first platform wheel; else the first sdist. Among universal wheels of
    one kind the last listed counts, as in Poetry; wheels whose name is not a full wheel name
    (``robpkg-9.0.whl``) are not read. Empty when there is nothing to read (Poetry fails).
    """
    files = [f for f in release.files if not f.yanked] or list(release.files)
    universal: File | None = None
    py2: File | None = None
    py3: File | None = None
    platform: list[File] = []
    for f in files:
        if f.kind != "wheel":
            continue
        tags = wheel_tags(f.filename)
        if tags is None:
            continue
        pyver, abi, plat = tags
        if (abi, plat) == ("none", "any"):
            if pyver == "py2.py3":
                universal = f
            elif pyver == "py2":
                py2 = f
            else:
                py3 = f
        else:
            platform.append(f)
    if universal is not None:
        return (universal,)
    if py2 is not None and py3 is not None:
        return (py2, py3)
    for chosen in (py3, py2, platform[0] if platform else None):
        if chosen is not None:
            return (chosen,)
    sdists = [f for f in files if f.kind == "sdist"]
    return (sdists[0],) if sdists else ()


def choose_metadata_file(release: Release) -> File | None:
    """The first of :func:`choose_metadata_files` (the ``py2`` wheel of a pair)."""
    chosen = choose_metadata_files(release)
    return chosen[0] if chosen else None


def merge_py2_py3(py2: ReleaseMetadata, py3: ReleaseMetadata) -> ReleaseMetadata:
    """Poetry's merge of separate ``py2`` and ``py3`` wheels' metadata (spec 8.3 step 2.2,
    ``HTTPRepository._get_info_from_links``, with poetry-core's own constraint and marker
    code): Requires-Python becomes the union of both (``^2.7`` and ``^3`` where a wheel
    gives none) when either gives one; requirements found in only one wheel get the marker
    ``python_version == "2.7"`` or ``python_version >= "3"``. The summary is the py2 wheel's.
    """
    from poetry.core.constraints.version import parse_marker_version_constraint
    from poetry.core.packages.dependency import Dependency
    from poetry.core.version.markers import parse_marker

    requires_python = py2.requires_python
    if py2.requires_python or py3.requires_python:
        requires_python = str(
            parse_marker_version_constraint(py2.requires_python or "^2.7").union(
                parse_marker_version_constraint(py3.requires_python or "^3")
            )
        )
    requires_dist = py2.requires_dist
    if py3.requires_dist:
        if not py2.requires_dist:
            requires_dist = py3.requires_dist
        else:
            two = {Dependency.create_from_pep_508(r).to_pep_508() for r in py2.requires_dist}
            three = {Dependency.create_from_pep_508(r).to_pep_508() for r in py3.requires_dist}
            merged = list(two & three)
            for only, marker in (
                (two - three, "python_version == '2.7'"),
                (three - two, "python_version >= '3'"),
            ):
                for requirement in only:
                    dep = Dependency.create_from_pep_508(requirement)
                    dep.marker = dep.marker.intersect(parse_marker(marker))
                    merged.append(dep.to_pep_508())
            requires_dist = tuple(sorted(set(merged)))
    return replace(py2, requires_python=requires_python, requires_dist=tuple(requires_dist))
