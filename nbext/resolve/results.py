"""What a lock or an install did: the packages, where each comes from, and Poetry's own words
(pure data and text, light to import; the HTML and the live view are in ``nbext.ui``)."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nbext.lookup.radar import RadarVerdict
from nbext.report import Report, text_table

__all__ = [
    "AddResult",
    "AuditResult",
    "AuditRow",
    "InstallResult",
    "InstallStep",
    "LockResult",
    "LockedPackage",
    "locked_packages",
    "radar_cells",
    "radar_notes",
    "read_locked",
]


def radar_notes(verdicts: Iterable[RadarVerdict]) -> list[str]:
    """Below a lock's or an install's table: why each unsafe package is unsafe and its fix,
    and the sources the radar could not ask."""
    seen = list(verdicts)
    lines = [f"{v.name}: {v.reason} {v.advice()}" for v in seen if v.verdict == "unsafe"]
    unknown = sorted({u for v in seen for u in v.unknown})
    if unknown:
        lines.append(f"radar: {', '.join(unknown)} could not be asked: not known there.")
    return lines


#: The radar's columns in a lock's or an install's table.
RADAR_HEADERS = ("also on", "radar")


def radar_cells(verdict: RadarVerdict | None) -> list[str]:
    """A row's "also on" and "radar" cells ("-" for a package from the public index)."""
    if verdict is None:
        return ["-", "-"]
    return [verdict.also_on() or "-", verdict.verdict]


@dataclass(frozen=True)
class LockedPackage:
    """One ``[[package]]`` of poetry.lock."""

    name: str
    version: str
    #: The source's name (``[package.source] reference``), "PyPI" for a package without one.
    source: str
    files: int = 0
    groups: tuple[str, ...] = ()
    markers: str = ""


def read_locked(path: Path) -> list[LockedPackage]:
    """The packages of a poetry.lock, in the file's order (Poetry sorts them by name)."""
    return locked_packages(tomllib.loads(path.read_text(encoding="utf-8")))


def locked_packages(data: dict[str, Any]) -> list[LockedPackage]:
    """The packages of a lock file's data, in its order."""
    out = []
    for pkg in data.get("package", []):
        source = pkg.get("source") or {}
        markers = pkg.get("markers", "")
        out.append(
            LockedPackage(
                name=str(pkg.get("name", "")),
                version=str(pkg.get("version", "")),
                source=str(source.get("reference") or source.get("url") or "PyPI"),
                files=len(pkg.get("files", [])),
                groups=tuple(str(g) for g in pkg.get("groups", [])),
                markers=markers if isinstance(markers, str) else "; ".join(markers.values()),
            )
        )
    return out


@dataclass
class LockResult:
    """A finished ``%lock``: the lock file, its packages, what changed and what Poetry said."""

    path: Path
    packages: list[LockedPackage]
    #: ``{name: (old version or "", new version or "")}`` for what the lock changed.
    changes: dict[str, tuple[str, str]] = field(default_factory=dict)
    written: bool = True
    #: Poetry's own output lines ("Resolving dependencies...", "Writing lock file", warnings).
    output: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    requests: int = 0
    #: The dependency-confusion radar: name -> verdict for each package not from the public
    #: index (:mod:`nbext.lookup.survey`).
    radar: dict[str, RadarVerdict] = field(default_factory=dict)
    elapsed: float = 0.0
    #: A dry run: nothing was written; ``packages`` is what the lock file would hold.
    dry_run: bool = False

    def package(self, name: str) -> LockedPackage | None:
        key = name.lower().replace("_", "-").replace(".", "-")
        return next((p for p in self.packages if p.name == key), None)

    def text(self) -> str:
        lines = [line for line in self.output if line.strip()]
        if self.dry_run:
            lines.append(f"Dry run: {self.path.name} was not written. It would hold:")
        elif not self.written:
            lines.append(f"{self.path.name} is up to date (nothing to write).")
        if self.packages:
            heads = ["package", "version", "source", *(RADAR_HEADERS if self.radar else ())]
            rows = []
            for p in self.packages:
                change = self.changes.get(p.name)
                mark = f"(was {change[0]})" if change and change[0] else ("(new)" if change else "")
                radar = radar_cells(self.radar.get(p.name)) if self.radar else []
                rows.append([p.name, p.version, p.source, *radar, mark])
            lines.append("")
            lines += text_table([*heads, ""], rows)
        removed = sorted(n for n, (old, new) in self.changes.items() if old and not new)
        for name in removed:
            lines.append(f"removed: {name} {self.changes[name][0]}")
        lines += self.radar_lines()
        lines.extend(self.notes)
        return "\n".join(lines)

    def radar_lines(self) -> list[str]:
        """Under the table: each unsafe package's reason and fix, the sources not asked."""
        return radar_notes(self.radar.values())

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, p: object, cycle: bool) -> None:
        p.text(self.text())  # type: ignore[attr-defined]


@dataclass
class InstallStep:
    """One package of an install: what happens to it, from where, and how it went."""

    name: str
    version: str
    action: str  # "install" | "update" | "uninstall" | "skip"
    previous: str = ""
    source: str = ""
    filename: str = ""
    state: str = "waiting"  # waiting, downloading, verified, installing, done, failed
    size: int = 0
    cached: bool = False
    why: str = ""  # why this source (pin, priority), for the view
    error: str = ""
    #: The dependency-confusion radar's verdict (None: from the public index, or not asked).
    radar: RadarVerdict | None = None

    def line(self) -> str:
        """Poetry's operation line, with the source and the file nbext took."""
        if self.action == "uninstall":
            return f"  - Removing {self.name} ({self.version})"
        verb = "Updating" if self.action == "update" else "Installing"
        versions = f"{self.previous} -> {self.version}" if self.previous else self.version
        where = f" from {self.source}" if self.source else ""
        file = f": {self.filename}" if self.filename else ""
        cached = " (cached)" if self.cached else ""
        return f"  - {verb} {self.name} ({versions}){where}{file}{cached}"


@dataclass
class InstallResult:
    """A finished ``%install``: each package's step, Poetry's words, and what to do next."""

    environment: str
    steps: list[InstallStep]
    output: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dry_run: bool = False
    requests: int = 0
    elapsed: float = 0.0

    @property
    def installed(self) -> dict[str, str]:
        """``{name: version}`` of what was installed or updated."""
        return {s.name: s.version for s in self.steps if s.action in ("install", "update")}

    @property
    def removed(self) -> list[str]:
        return [s.name for s in self.steps if s.action == "uninstall"]

    def text(self) -> str:
        """Poetry's words (its summary and one line per package, with the source and the file
        nbext took), then what to do next."""
        lines = list(self.output)
        while lines and not lines[0].strip():
            lines.pop(0)
        notes = [*self.radar_lines(), *self.notes]
        if notes:
            lines += ["", *notes]
        return "\n".join(lines)

    def radar_lines(self) -> list[str]:
        """The radar on what was installed: each package that a copy elsewhere could
        replace, why, and the fix; the sources it could not ask."""
        return radar_notes(s.radar for s in self.steps if s.radar is not None)

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, p: object, cycle: bool) -> None:
        p.text(self.text())  # type: ignore[attr-defined]


@dataclass(repr=False)
class AddResult(Report):
    """What ``%add`` did: Poetry's messages about pyproject.toml (the :class:`Report` part),
    then the lock or the install."""

    lock: LockResult | None = None
    install: InstallResult | None = None

    def text(self) -> str:
        parts = [Report.__repr__(self)]
        if self.lock is not None:
            parts.append(self.lock.text())
        if self.install is not None:
            parts.append(self.install.text())
        return "\n\n".join(p for p in parts if p.strip())

    def __repr__(self) -> str:
        return self.text()


#: The audit's note when the public index did not answer.
PUBLIC_UNKNOWN = (
    "The public index could not be asked: whether these names exist there is not known "
    "(%config radar.public false stops asking it)."
)


@dataclass
class AuditRow:
    """One dependency: where it comes from and what the radar says."""

    name: str
    version: str  # the locked version ("" when not locked)
    source: str
    pinned: str | None
    direct: bool
    radar: RadarVerdict

    @property
    def elsewhere(self) -> dict[str, str]:
        return self.radar.elsewhere

    @property
    def verdict(self) -> str:
        return self.radar.verdict

    def cells(self) -> list[str]:
        """The audit table's cells for this dependency."""
        also = self.radar.also_on()
        return [
            self.name,
            self.version or "-",
            self.source,
            self.pinned or "-",
            also or "-",
            self.verdict,
        ]


@dataclass
class AuditResult:
    """The audit: one row per dependency, sorted by name."""

    rows: list[AuditRow] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def unsafe(self) -> list[AuditRow]:
        return [r for r in self.rows if r.verdict == "unsafe"]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def note_lines(self) -> list[str]:
        """The notes, after the public index's when it could not be asked."""
        public = any(r.radar.public_unknown for r in self.rows)
        return [*([PUBLIC_UNKNOWN] if public else []), *self.notes]

    #: The table's columns (the HTML view adds "why").
    HEADERS = ("package", "version", "source", "pinned", "also on", "verdict")

    def text(self) -> str:
        lines = text_table(self.HEADERS, [r.cells() for r in self.rows])
        for r in self.rows:
            if r.verdict != "safe" or r.elsewhere:
                advice = f" {r.radar.advice()}" if r.radar.fix else ""
                lines.append(f"{r.name}: {r.radar.reason}{advice}")
        lines += self.note_lines()
        if not self.rows:
            lines.append("No dependencies to audit.")
        elif self.unsafe:
            lines.append(f"{len(self.unsafe)} unsafe: " + ", ".join(r.name for r in self.unsafe))
        else:
            lines.append("No dependency could be taken from another source.")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, p: object, cycle: bool) -> None:
        p.text(self.text())  # type: ignore[attr-defined]
