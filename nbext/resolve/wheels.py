"""Unpacking one wheel into an environment: pypa ``installer``, in-process.

Why ``installer`` and not pip or uv (benchmarks/bench_install_backends.py, docs/benchmarks.md):
it is the reference implementation of the wheel spec (schemes, ``.data`` folders, shebangs,
console scripts, a ``RECORD`` that lists every file it wrote, ``INSTALLER``), it runs in the
kernel's process with no interpreter to start and no index to keep away from, and it was the
fastest of the three on small wheels. It does not uninstall: :mod:`nbext.resolve.uninstall`
does, by ``RECORD``, first.

``INSTALLER`` says ``nbext`` (PEP 376: the tool that installed it; Poetry writes ``poetry``, uv
``uv``); pip reads the ``RECORD``, not that name, so ``pip uninstall`` and ``pip list`` treat
these distributions as their own (tests/integration/resolve/test_installer_pip.py).
"""

from __future__ import annotations

import importlib.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import installer
from installer.destinations import SchemeDictionaryDestination
from installer.records import RecordEntry
from installer.sources import WheelFile
from installer.utils import Scheme, get_launcher_kind
from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, NormalizedName, parse_wheel_filename

from nbext.errors import InstallError
from nbext.resolve.environment import TargetEnvironment

__all__ = [
    "INSTALLER_NAME",
    "WheelName",
    "env_roots",
    "install_wheel",
    "prune_empty",
    "take_back",
    "wheel_name",
]

#: What the ``INSTALLER`` file of every distribution nbext installs says.
INSTALLER_NAME = "nbext"


@dataclass(frozen=True)
class WheelName:
    """What a wheel's file name says."""

    name: NormalizedName
    version: str
    tags: frozenset[Tag]


def wheel_name(path: Path) -> WheelName:
    """The project, version and tags of a wheel, by its file name (PEP 427)."""
    try:
        name, version, _build, tags = parse_wheel_filename(path.name)
    except InvalidWheelFilename as exc:
        raise InstallError(
            f"{path.name} is not a valid wheel file name ({exc}). Fix: install the file under "
            "the name its index gave it.",
            path=str(path),
        ) from None
    return WheelName(name, str(version), tags)


@dataclass
class _TrackingDestination(SchemeDictionaryDestination):
    """``installer``'s destination, remembering each file it wrote (to take them back)."""

    written: list[Path] = field(default_factory=list)

    def write_to_fs(
        self, scheme: Scheme, path: str, stream: BinaryIO, is_executable: bool
    ) -> RecordEntry:
        target = self._path_with_destdir(scheme, path)
        existed = target.exists()
        entry = super().write_to_fs(scheme, path, stream, is_executable)
        if not existed:
            self.written.append(target)
        return entry


def install_wheel(
    env: TargetEnvironment,
    path: Path,
    *,
    compile_bytecode: bool = False,
    installer_name: str = INSTALLER_NAME,
) -> list[Path]:
    """Unpack ``path`` into ``env``; returns the files written. On failure, takes back what it
    wrote and raises :class:`InstallError` naming the file.

    ``compile_bytecode`` writes ``.pyc`` files as pip does, when ``env`` runs the same bytecode
    as this interpreter (same ``cache_tag``); otherwise Python writes them on first import.
    """
    same_bytecode = env.cache_tag == sys.implementation.cache_tag
    levels = (0,) if compile_bytecode and same_bytecode else ()
    dest: _TrackingDestination | None = None
    try:
        with WheelFile.open(path) as source:
            dest = _TrackingDestination(
                scheme_dict=env.scheme(source.distribution),
                interpreter=env.python,
                script_kind=get_launcher_kind(),
                bytecode_optimization_levels=levels,
                overwrite_existing=True,
            )
            installer.install(source, dest, {"INSTALLER": f"{installer_name}\n".encode()})
    except Exception as exc:
        if dest is not None:
            take_back(dest.written, env)
        raise InstallError(
            f"could not install {path.name} into {env.prefix}: {_reason(exc)}. Fix: " + _fix(exc),
            path=str(path),
        ) from exc
    return dest.written


def _reason(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())


def _fix(exc: Exception) -> str:
    if isinstance(exc, PermissionError):
        return "install into an environment you can write to (a venv you own)."
    if isinstance(exc, OSError):
        return "check the disk (space, permissions), then run this again."
    return "the file is not a usable wheel; delete it from the cache (%cache clear) and retry."


def take_back(written: list[Path], env: TargetEnvironment) -> None:
    """Remove files an install wrote (and their bytecode, and folders left empty)."""
    folders: set[Path] = set()
    for target in written:
        if target.suffix == ".py" and env.cache_tag == sys.implementation.cache_tag:
            for level in ("", 1, 2):
                pyc = Path(importlib.util.cache_from_source(str(target), optimization=level))
                pyc.unlink(missing_ok=True)
                folders.add(pyc.parent)
        target.unlink(missing_ok=True)
        folders.add(target.parent)
    prune_empty(folders, env)


def env_roots(env: TargetEnvironment) -> set[str]:
    """The environment's own folders (normalised): never removed, and the bounds of what an
    uninstall may touch."""
    roots = [env.prefix, env.paths["include"], *env.scheme("").values()]
    return {os.path.normcase(os.path.abspath(r)) for r in roots}


def prune_empty(folders: set[Path], env: TargetEnvironment) -> None:
    """Remove each folder, then its parents, while they are empty; stop at ``env_roots``."""
    keep = env_roots(env)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        while os.path.normcase(os.path.abspath(folder)) not in keep and folder != folder.parent:
            try:
                folder.rmdir()
            except OSError:
                break  # not empty, or already gone
            folder = folder.parent
