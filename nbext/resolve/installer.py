"""``%install``'s last step: put downloaded, verified files into an environment.

:func:`install_files` takes local files only (wheels, and sdists that it builds into wheels
first, see :mod:`nbext.resolve.build`) and never asks an index for anything: choosing,
downloading and hash-checking the files is the caller's work, through nbext's network layer.
For each file's project it first takes the installed copy out by its ``RECORD``
(:mod:`nbext.resolve.uninstall`; an upgrade or downgrade leaves no file of the old version
behind), along with the projects named in ``uninstall`` (``--sync``), then unpacks the wheels
with pypa ``installer`` (:mod:`nbext.resolve.wheels`). Either it all happens or none of it: a
failure (or an interrupt) takes out what was written and puts back what was removed.

The backend was chosen by measuring (benchmarks/bench_install_backends.py; docs/benchmarks.md
has the numbers): pypa ``installer`` in-process against ``pip install --no-deps --no-index``
and ``uv pip install --no-deps --no-index`` into the same fresh venv.
"""

from __future__ import annotations

import importlib
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import InvalidSdistFilename, canonicalize_name, parse_sdist_filename

from nbext.errors import InstallError
from nbext.resolve.build import BuildRequirements, build_wheel
from nbext.resolve.clock import Clock, DeadlineLike
from nbext.resolve.environment import TargetEnvironment
from nbext.resolve.uninstall import Stash, find_installed
from nbext.resolve.wheels import install_wheel, take_back, wheel_name

__all__ = ["Change", "InstallReport", "install_files"]


@dataclass(frozen=True)
class Change:
    """One project whose installed version changed: ``old`` None for a new one, ``new`` None
    for one that was removed."""

    name: str
    old: str | None
    new: str | None
    file: str | None = None  # the file installed (a wheel, or the sdist it was built from)

    def __str__(self) -> str:
        if self.old is None:
            return f"+ {self.name} {self.new}"
        if self.new is None:
            return f"- {self.name} {self.old}"
        return f"~ {self.name} {self.old} -> {self.new}"


@dataclass(frozen=True)
class InstallReport:
    """What :func:`install_files` did."""

    python: str
    changes: tuple[Change, ...]
    seconds: float
    #: ``RECORD`` entries outside the environment that an uninstall left alone.
    outside: tuple[str, ...] = ()

    @property
    def installed(self) -> dict[str, str]:
        """``{name: version}`` put in (new, reinstalled, upgraded or downgraded)."""
        return {c.name: c.new for c in self.changes if c.new is not None}

    @property
    def removed(self) -> dict[str, str]:
        """``{name: version}`` taken out and not replaced (``uninstall``)."""
        return {c.name: c.old for c in self.changes if c.new is None and c.old is not None}

    @property
    def replaced(self) -> dict[str, tuple[str, str]]:
        """``{name: (old, new)}`` for the projects that had another copy before."""
        return {c.name: (c.old, c.new) for c in self.changes if c.old and c.new}

    def __str__(self) -> str:
        if not self.changes:
            return f"Nothing to install or remove in {self.python}."
        head = (
            f"{len(self.installed)} installed, {len(self.removed)} removed in "
            f"{self.seconds:.2f} s ({self.python}):"
        )
        lines = [head, *(f"  {c}" for c in self.changes)]
        lines += [f"  left alone (outside the environment): {p}" for p in self.outside]
        return "\n".join(lines)


def install_files(
    env: TargetEnvironment,
    files: Sequence[Path],
    *,
    uninstall: Iterable[str] = (),
    deadline: DeadlineLike = 600.0,
    build_requirements: BuildRequirements | None = None,
    break_system_packages: bool = False,
    compile_bytecode: bool = False,
) -> InstallReport:
    """Install ``files`` into ``env`` and remove the projects named in ``uninstall``.

    ``files`` are local wheels and sdists, at most one per project, already verified. sdists
    are built first (``build_requirements`` provides their build tools, see
    :data:`~nbext.resolve.build.BuildRequirements`); a project named in ``uninstall`` that is
    not installed is ignored, one that is also in ``files`` is replaced. ``deadline`` (seconds,
    or an object with ``remaining()``) covers everything, builds included. PEP 668: an
    externally managed interpreter is refused unless ``break_system_packages``.
    """
    clock = Clock.start(deadline)
    started = time.monotonic()
    env.check_can_install(break_system_packages=break_system_packages)
    paths = [Path(f) for f in files]
    wheels = [p for p in paths if p.name.endswith(".whl")]
    sdists = [p for p in paths if not p.name.endswith(".whl")]
    _check(env, wheels, sdists, build_requirements)
    with tempfile.TemporaryDirectory(prefix="nbext-built-") as built:
        plan: list[tuple[Path, Path]] = [(w, w) for w in wheels]  # (given, wheel to unpack)
        for sdist in sdists:
            assert build_requirements is not None  # _check said so
            wheel = build_wheel(
                env, sdist, Path(built), build_requirements=build_requirements, clock=clock
            )
            plan.append((sdist, _check_built(sdist, wheel)))
        changes, outside = _apply(env, plan, uninstall, clock, compile_bytecode)
    if env.running:
        importlib.invalidate_caches()  # so the kernel's next import finds the new files
    return InstallReport(env.python, tuple(changes), time.monotonic() - started, outside)


def _apply(
    env: TargetEnvironment,
    plan: list[tuple[Path, Path]],
    uninstall: Iterable[str],
    clock: Clock,
    compile_bytecode: bool,
) -> tuple[list[Change], tuple[str, ...]]:
    """Remove the old copies, unpack the wheels; all of it, or none of it."""
    names = [wheel_name(wheel).name for _, wheel in plan]
    removing = [n for n in dict.fromkeys(canonicalize_name(u) for u in uninstall) if n not in names]
    stash = Stash(env)
    written: list[Path] = []
    old: dict[str, str] = {}
    try:
        for name in [*names, *removing]:
            for dist in find_installed(env, name):
                clock.check(f"removing {dist.name} {dist.version}")
                stash.take(dist)
                old.setdefault(name, dist.version)
        for given, wheel in plan:
            clock.check(f"installing {given.name}")
            written += install_wheel(env, wheel, compile_bytecode=compile_bytecode)
    except BaseException:
        take_back(written, env)
        stash.restore()
        raise
    stash.commit()
    changes = [
        Change(name, old.get(name), wheel_name(wheel).version, given.name)
        for name, (given, wheel) in zip(names, plan, strict=True)
    ]
    changes += [Change(name, old[name], None) for name in removing if name in old]
    return changes, tuple(str(p) for p in stash.skipped)


def _check(
    env: TargetEnvironment,
    wheels: list[Path],
    sdists: list[Path],
    build_requirements: BuildRequirements | None,
) -> None:
    """Refuse, before touching anything, what cannot be installed."""
    seen: dict[str, Path] = {}
    for path in [*wheels, *sdists]:
        if not path.is_file():
            raise InstallError(
                f"{path} does not exist (or is not a file). Fix: download it again.",
                path=str(path),
            )
        name = wheel_name(path).name if path in wheels else _sdist_name(path)
        if name in seen:
            raise InstallError(
                f"{seen[name].name} and {path.name} are both {name}: give one file per project.",
                path=str(path),
            )
        seen[name] = path
    for path in wheels:
        if not env.supports(path):
            raise InstallError(
                f"{path.name} is not for this Python ({env.python}: "
                f"{env.implementation} {'.'.join(map(str, env.python_version))}, "
                f"{env.markers.get('platform_machine', '?')}). Fix: choose a file whose tags "
                "match it (or the sdist, to build one).",
                path=str(path),
            )
    if sdists and build_requirements is None:
        raise InstallError(
            f"{sdists[0].name} is an sdist: it must be built, and no build_requirements "
            "callback was given to provide its build tools. Fix: pass build_requirements, or "
            "choose a wheel.",
            path=str(sdists[0]),
        )


def _sdist_name(path: Path) -> str:
    try:
        return str(parse_sdist_filename(path.name)[0])
    except InvalidSdistFilename:
        raise InstallError(
            f"{path.name} is neither a wheel (.whl) nor an sdist (name-version.tar.gz or "
            ".zip). Fix: give files under the names their index gave them.",
            path=str(path),
        ) from None


def _check_built(sdist: Path, wheel: Path) -> Path:
    """The wheel built from ``sdist`` must be of the same project."""
    if wheel_name(wheel).name != _sdist_name(sdist):
        raise InstallError(
            f"building {sdist.name} gave {wheel.name}, a wheel of another project. Fix: the "
            "sdist is broken; choose another version.",
            path=str(sdist),
        )
    return wheel
