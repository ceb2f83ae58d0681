"""The cases of the parity test with Poetry (``tests/integration/lookup/test_poetry_parity.py``):
sources, dependencies, a project, and a deterministic generator of random cases.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from poetry.core.constraints.version import Version, parse_constraint

from nbext.demo import Dist

SEED = 20250611
N_CASES = 20
VERSIONS = ("1.0.0", "1.1.0", "2.0.0", "2.0.0rc1", "3.0.0b1")
CONSTRAINTS = ("*", ">=1.1", "<2", "==2.0.0", "^1.0", ">=3.0.0b1", "==1.1.0")
SOURCE_NAMES = ("corp", "Mirror", "extras", "gpu", "internal", "backup")
PRIORITIES = ("primary", "supplemental", "explicit")
#: (version, source, yanked) as locked / chosen; None when nothing could be chosen.
Answer = tuple[str, str, bool] | None
PROJECT = "parity-case"
#: The root dependency Poetry blames, on the line that says "version solving failed": either
#: "Because parity-case depends on p2 (==2.0.0) which doesn't match any versions, ..." or,
#: after rejections (Requires-Python), "So, because parity-case depends on p3 (*), ...".
_BLAMED = re.compile(rf"[Bb]ecause {PROJECT} depends on (?P<name>[A-Za-z0-9][A-Za-z0-9._-]*) \(")
_SOLVING_FAILED = "version solving failed"
_YANKED = re.compile(r"The locked version (?P<version>\S+) for (?P<name>\S+) is a yanked version")


@dataclass(frozen=True)
class SourceDef:
    """One declared source and how it is served (``json``/``html``: IndexServer; ``static``:
    a static PEP 503 tree behind http.server)."""

    name: str
    priority: str
    api: Literal["json", "html", "static"] = "json"
    metadata: bool = True


@dataclass(frozen=True)
class DepDef:
    name: str
    constraint: str
    pin: str | None = None

    @property
    def requirement(self) -> str:
        """What nbext is asked: Poetry's ``pkg@constraint`` form."""
        return f"{self.name}@{self.constraint}"


@dataclass(frozen=True)
class Case:
    id: str
    sources: tuple[SourceDef, ...]
    deps: tuple[DepDef, ...]
    #: source name -> the releases it serves
    releases: Mapping[str, tuple[Dist, ...]] = field(default_factory=dict)
    #: hand-written cases: what we expect Poetry (and so nbext) to choose, per dependency
    expected: Mapping[str, Answer] | None = None

    def describe(self, names: Sequence[str] | None = None) -> str:
        """The sources and, per package, what each source serves (yanked marked ``!``)."""
        lines = ["sources (declaration order):"]
        for s in self.sources:
            served = "static PEP 503 tree" if s.api == "static" else s.api
            meta = "+PEP 658" if s.metadata and s.api != "static" else ""
            lines.append(f"  {s.name:<9} {s.priority:<13} {served}{meta}")
        for dep in self.deps:
            if names is not None and dep.name not in names:
                continue
            pin = f", pinned to {dep.pin}" if dep.pin else ""
            lines.append(f"  {dep.name}  constraint {dep.constraint!r}{pin}")
            for s in self.sources:
                lines.append(f"      {s.name:<9} {self._versions(s.name, dep.name)}")
        return "\n".join(lines)

    def _versions(self, source: str, package: str) -> str:
        parts = []
        for d in self.releases.get(source, ()):
            if d.name != package:
                continue
            text = d.version
            if d.yanked is not False:
                reason = d.yanked if isinstance(d.yanked, str) else ""
                text += f"!({reason})" if reason else "!"
            if d.requires_python:
                text += f"@{d.requires_python}"
            parts.append(text)
        return " ".join(parts) or "-"


def _releases(
    table: Mapping[str, Mapping[str, str]],
) -> dict[str, tuple[Dist, ...]]:
    """``{package: {source: "1.0.0 2.0.0! 3.0.0@>=3.12"}}`` to per-source dists.

    ``!`` marks a yanked release, ``@SPEC`` its Requires-Python.
    """
    out: dict[str, list[Dist]] = {}
    for package, per_source in table.items():
        for source, spec in per_source.items():
            for token in spec.split():
                token, _, requires_python = token.partition("@")
                version = token.rstrip("!")
                yanked: bool | str = "yanked in the fixture" if token.endswith("!") else False
                out.setdefault(source, []).append(
                    Dist(package, version, yanked=yanked, requires_python=requires_python or None)
                )
    return {k: tuple(v) for k, v in out.items()}


def _allows(constraint: str, version: str) -> bool:
    return bool(parse_constraint(constraint).allows(Version.parse(version)))


def generate_case(index: int, seed: int = SEED) -> Case:
    """A random but reproducible case: same ``(seed, index)``, same case."""
    rng = random.Random(f"{seed}:{index}")
    n_sources = rng.randint(2, 4)
    names = rng.sample(SOURCE_NAMES, n_sources)
    priorities = [rng.choices(PRIORITIES, weights=(5, 3, 2))[0] for _ in names]
    if "primary" not in priorities:
        priorities[rng.randrange(n_sources)] = "primary"
    sources = tuple(
        SourceDef(
            name,
            priority,
            api=rng.choices(("json", "html", "static"), weights=(5, 4, 1))[0],
            metadata=rng.random() < 0.7,
        )
        for name, priority in zip(names, priorities, strict=True)
    )
    releases: dict[str, list[Dist]] = {name: [] for name in names}
    deps: list[DepDef] = []
    for j in range(rng.randint(3, 5)):
        package = f"p{j}"
        present: dict[str, list[str]] = {}
        for name in names:
            if rng.random() < 0.2:
                continue  # this source does not have the package at all
            versions = [v for v in VERSIONS if rng.random() < 0.5]
            for v in versions:
                yanked: bool | str = False
                if rng.random() < 0.2:
                    yanked = rng.choice((True, f"broken {package} {v}"))
                releases[name].append(Dist(package, v, yanked=yanked))
            if versions:
                present[name] = versions
        constraint = rng.choice(CONSTRAINTS)
        if rng.random() < 0.15:
            # an exact pin on a version that exists somewhere (often a yanked one)
            listed = sorted({v for vs in present.values() for v in vs})
            if listed:
                constraint = "==" + rng.choice(listed)
        pin: str | None = None
        if rng.random() < 0.3:
            # mostly a source that has the package, sometimes any declared source
            pin = rng.choice(list(present) if present and rng.random() < 0.9 else names)
        # Each dependency without a candidate costs a `poetry lock` more (see poetry_answers),
        # so most of the dull ones (no version on the sources asked satisfies the constraint at
        # all) get a constraint that some listed version satisfies. The subtle ones (only
        # yanked, only on an explicit source, ...) are kept.
        asked = [pin] if pin else [s.name for s in sources if s.priority != "explicit"]
        listed = sorted({v for name in asked for v in present.get(name, [])})
        if not any(_allows(constraint, v) for v in listed) and listed and rng.random() < 0.75:
            constraint = rng.choice(("*", "==" + rng.choice(listed)))
        deps.append(DepDef(package, constraint, pin))
    return Case(
        id=f"random-{index:02d}",
        sources=sources,
        deps=tuple(deps),
        releases={k: tuple(v) for k, v in releases.items()},
    )
