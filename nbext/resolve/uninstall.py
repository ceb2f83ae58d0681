"""Taking distributions out of an environment, by their ``RECORD`` (PEP 376 / PEP 627).

What pip does, without starting pip: every file the ``RECORD`` lists (paths relative to the
folder that holds the ``.dist-info``, or absolute; scripts are ``../../../bin/x``), the bytecode
Python wrote beside each ``.py`` (``__pycache__/<stem>.*.pyc``, never in the ``RECORD``), the
whole ``.dist-info`` folder, then the folders left empty. Files are first *moved* into a stash
(a temporary folder under the environment's prefix), so a failed install can put them back
(:meth:`Stash.restore`); :meth:`Stash.commit` deletes them for good.

Only distributions in the environment's own site-packages are touched (a venv that sees its
base's packages leaves those alone, as pip does), and only paths inside the environment's
folders: a ``RECORD`` line that points elsewhere is skipped and reported.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from email.parser import HeaderParser
from pathlib import Path

from packaging.utils import canonicalize_name

from nbext.errors import InstallError
from nbext.resolve.environment import TargetEnvironment
from nbext.resolve.wheels import env_roots, prune_empty

__all__ = ["InstalledDist", "Stash", "find_installed", "removal_paths"]

_DIST_INFO = re.compile(r"^(?P<name>.+?)-(?P<version>[^-]+)\.(?P<kind>dist-info|egg-info)$")


@dataclass(frozen=True)
class InstalledDist:
    """A distribution found in a site-packages folder."""

    name: str  # canonical
    version: str
    metadata_dir: Path  # the .dist-info (or .egg-info) folder

    @property
    def site(self) -> Path:
        return self.metadata_dir.parent


def find_installed(env: TargetEnvironment, name: str) -> list[InstalledDist]:
    """Every copy of ``name`` in ``env``'s own site-packages (usually none or one)."""
    wanted = canonicalize_name(name)
    found: list[InstalledDist] = []
    for site in env.site_packages:
        try:
            entries = os.listdir(site)
        except FileNotFoundError:
            continue
        for entry in sorted(entries):
            match = _DIST_INFO.match(entry)
            if match and canonicalize_name(match["name"]) == wanted:
                path = Path(site) / entry
                found.append(InstalledDist(wanted, _version_of(path, match["version"]), path))
    return found


def _version_of(metadata_dir: Path, fallback: str) -> str:
    for name in ("METADATA", "PKG-INFO"):
        try:
            text = (metadata_dir / name).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        version = HeaderParser().parsestr(text).get("Version")
        if version:
            return str(version).strip()
    return fallback


def removal_paths(dist: InstalledDist, cache_tags: tuple[str, ...] = ()) -> list[Path]:
    """The files to remove for ``dist``: its ``RECORD``'s, their bytecode, its metadata.

    ``cache_tags`` limits the bytecode to those interpreters (``cpython-311``); empty means
    every ``__pycache__/<stem>.*.pyc`` beside a listed ``.py``.
    """
    record = dist.metadata_dir / "RECORD"
    if not record.is_file():
        raise InstallError(
            f"cannot uninstall {dist.name} {dist.version}: {dist.metadata_dir} has no RECORD "
            "(it was installed by setup.py or distutils, which do not say which files are "
            f"theirs). Fix: remove its files by hand, or recreate the environment.",
            path=str(dist.metadata_dir),
        )
    with record.open(encoding="utf-8", newline="") as f:
        rows = [row for row in csv.reader(f) if row and row[0]]
    out: dict[Path, None] = {}
    for row in rows:
        path = Path(os.path.normpath(os.path.join(dist.site, row[0])))
        out[path] = None
        if path.suffix == ".py":
            for pyc in _bytecode(path, cache_tags):
                out[pyc] = None
    for path in _walk_files(dist.metadata_dir):
        out[path] = None
    return list(out)


def _bytecode(source: Path, cache_tags: tuple[str, ...]) -> list[Path]:
    cache = source.parent / "__pycache__"
    if not cache.is_dir():
        return []
    prefix = source.stem + "."
    pycs = []
    for entry in os.listdir(cache):
        if not (entry.startswith(prefix) and entry.endswith(".pyc")):
            continue
        tag = entry[len(prefix) :].split(".")[0]
        if not cache_tags or tag in cache_tags:
            pycs.append(cache / entry)
    return pycs


def _walk_files(folder: Path) -> list[Path]:
    files = []
    for root, _dirs, names in os.walk(folder):
        files += [Path(root) / n for n in names]
    return files


@dataclass
class Stash:
    """Files moved out of the environment, until :meth:`commit` or :meth:`restore`."""

    env: TargetEnvironment
    folder: Path | None = None
    moved: list[tuple[Path, Path]] = field(default_factory=list)  # (original, in the stash)
    #: RECORD lines that pointed outside the environment: left where they are.
    skipped: list[Path] = field(default_factory=list)

    def _inside(self, path: Path, roots: set[str]) -> bool:
        text = os.path.normcase(os.path.abspath(path))
        return any(text == r or text.startswith(r.rstrip(os.sep) + os.sep) for r in roots)

    def take(self, dist: InstalledDist) -> None:
        """Move every file of ``dist`` into the stash (the environment no longer has it)."""
        paths = removal_paths(dist, (self.env.cache_tag,) if self.env.cache_tag else ())
        roots = env_roots(self.env)
        if self.folder is None:
            self.folder = _stash_folder(self.env.prefix)
        for path in paths:
            if not self._inside(path, roots):
                self.skipped.append(path)
                continue
            if not os.path.lexists(path):
                continue  # listed but already gone (pip leaves these too)
            stashed = self.folder / str(len(self.moved))
            try:
                shutil.move(path, stashed)
            except OSError as exc:
                raise InstallError(
                    f"cannot remove {path} ({exc.strerror or exc}) while uninstalling "
                    f"{dist.name} {dist.version}. Fix: check that this environment is "
                    "writable by you (a venv you own), then run this again.",
                    path=str(path),
                ) from exc
            self.moved.append((path, stashed))

    def restore(self) -> None:
        """Put every stashed file back where it was, then drop the stash."""
        for original, stashed in reversed(self.moved):
            original.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(stashed, original)
        self.moved.clear()
        self._drop()

    def commit(self) -> None:
        """Delete the stashed files for good, and the folders they leave empty."""
        parents = {original.parent for original, _ in self.moved}
        self._drop()
        self.moved.clear()
        prune_empty(parents, self.env)

    def _drop(self) -> None:
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def _stash_folder(prefix: str) -> Path:
    """A new folder beside the environment's files (a move there is a rename), else in the
    system's temporary folder (a move there copies)."""
    try:
        return Path(tempfile.mkdtemp(prefix=".nbext-uninstall-", dir=prefix))
    except OSError:
        return Path(tempfile.mkdtemp(prefix="nbext-uninstall-"))
