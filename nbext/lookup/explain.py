"""What a lookup says about its choice, in words: why this release from this source, what
was skipped, what shadows what, why nothing matched (pure functions over data)."""

from __future__ import annotations

from collections.abc import Sequence

from poetry.core.constraints.version import Version, VersionConstraint
from poetry.core.packages.dependency import Dependency

from nbext.index.files import File, Release
from nbext.lookup.answers import MetadataResult, PageResult
from nbext.lookup.requirements import Pin
from nbext.lookup.results import Chosen, SourceRow
from nbext.lookup.rules import page_requires_python
from nbext.sources.pool import Priority, Source

__all__ = ["metadata_note", "nothing_text", "reason_text", "shadowed_note", "yanked_skipped"]


def yanked_skipped(
    dep: Dependency,
    order: Sequence[Source],
    answers: dict[str, PageResult],
    chosen: Chosen | None,
) -> list[str]:
    """Notes for yanked releases the constraint would allow but Poetry skipped."""
    if isinstance(dep.constraint, Version):
        return []
    best = Version.parse(chosen.version) if chosen else None
    notes = []
    for source in order:
        page = answers.get(source.key)
        for release in page.releases if page else ():
            if (
                release.yanked
                and dep.constraint.allows(release.version)
                and (best is None or release.version > best)
            ):
                why = f" ({release.yanked_reason})" if release.yanked_reason else ""
                notes.append(
                    f"{dep.pretty_name} {release.version} on {source.name} is yanked{why} and "
                    f"was skipped; require =={release.version} to use it anyway."
                )
    return notes


def shadowed_note(
    owner: Source,
    release: Release,
    order: Sequence[Source],
    matches: dict[str, list[Release]],
    pinned: bool,
) -> str | None:
    """A note when a source declared earlier offers only lower versions: the later one wins
    (the dependency-confusion pattern Poetry's docs warn about)."""
    if pinned or owner.priority is Priority.SUPPLEMENTAL:
        return None
    earlier = list(order)[: list(order).index(owner)] if owner in order else []
    lower = [
        s
        for s in earlier
        if matches.get(s.key) and all(r.version < release.version for r in matches[s.key])
    ]
    if not lower:
        return None
    names = ", ".join(s.name for s in lower)
    first = lower[0].name
    return (
        f"{owner.name} shadows {names}: the highest version wins across primary sources "
        f"(Poetry's rule). If {first} is the one you mean, pin it: "
        f"%add {release.files[0].name} --source {first}"
    )


def reason_text(
    pin: Pin | None,
    dependency: Dependency,
    python: VersionConstraint,
    owner: Source,
    owner_release: Release,
    release: Release,
    candidates: Sequence[tuple[Source, Release]],
    order: Sequence[Source],
    skipped_python: Sequence[str],
) -> str:
    """Why this release from this source (the chosen row's reason)."""
    v = str(release.version)
    if pin is not None:
        if pin.origin == "project":
            where = "" if pin.group == "main" else f" (group {pin.group})"
            text = f"{v} from {owner.name}: pinned to source {owner.name} in pyproject.toml{where}"
        else:
            text = f"{v} from {owner.name}: the only source asked (--source {owner.name})"
    elif owner.priority is Priority.SUPPLEMENTAL:
        text = (
            f"{v} from {owner.name}: no primary source matched; {owner.name} is the first "
            f"supplemental source with a match"
        )
    else:
        text = f"{v} from {owner.name}: highest version among primary sources"
        also = sorted(
            {s.name for s, r in candidates if r.version == release.version and s != owner},
            key=lambda n: [o.name for o in order].index(n),
        )
        if also:
            text += f" (also on {', '.join(also)}; {owner.name} is declared first)"
    if owner_release.yanked and release.yanked:
        text += "; yanked, allowed because the requirement pins this exact version"
    elif owner_release.yanked:
        text += (
            f"; yanked on {owner.name}, which Poetry still records because it is the first "
            f"source listing {v}"
        )
    if release.version.is_unstable():
        text += (
            "; a pre-release, allowed for this requirement"
            if dependency.allows_prereleases()
            else "; a pre-release, because no stable release matches"
        )
    if skipped_python:
        text += f"; skipped for Python {python}: {', '.join(skipped_python)}"
    return text


def nothing_text(
    pin: Pin | None,
    dep: Dependency,
    python: VersionConstraint,
    explicit: Sequence[str],
    order: Sequence[Source],
    rows: dict[str, SourceRow],
    skipped_python: Sequence[str],
) -> str:
    """Why nothing was chosen: what was asked, what was skipped or did not answer, and the
    explicit sources (names, in pool order) a pin would reach."""
    asked = ", ".join(s.name for s in order) or "no source"
    failed = [rows[s.key].source for s in order if rows[s.key].error]
    matching = "" if str(dep.constraint) == "*" else f" matching {dep.constraint}"
    text = f"no version of {dep.pretty_name}{matching} on {asked}"
    if skipped_python:
        text += f" for Python {python} (skipped: {', '.join(skipped_python)})"
    if failed:
        text += f"; {', '.join(failed)} did not answer (see the rows)"
    if pin is None and explicit:
        text += (
            f"; explicit sources ({', '.join(explicit)}) are only asked for pinned "
            f"dependencies: %add {dep.pretty_name} --source {explicit[0]}"
        )
    return text


def metadata_note(meta: MetadataResult, files: Sequence[File], release: Release) -> str | None:
    """What the chosen release's metadata line says besides the metadata: what was passed
    over on the way (and why), or that no metadata could be read, and what was used instead."""
    parts = list(meta.passed_over)
    if meta.metadata is None:
        rp = page_requires_python(files, release)
        used = (
            f"the index page's requires-python ({rp}) was applied"
            if rp
            else "the index page gives no requires-python either"
        )
        why = "; ".join(parts) if parts else (meta.error or "no file could be read")
        return f"not read ({why}); {used}"
    if not parts:
        return None
    return "passed over: " + "; ".join(parts)
