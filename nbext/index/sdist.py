"""What Poetry reads inside an sdist whose PKG-INFO does not list its requirements.

Poetry's ``PackageInfo._from_sdist_file``: when the PKG-INFO has no Requires-Dist and does not
say there are none (Metadata-Version before 2.2, or Requires-Dist dynamic), the sdist is
unpacked and read as a directory (``PackageInfo.from_directory``): a Poetry project's
``pyproject.toml`` (its dependencies, description and Python range), else the first
``*.egg-info`` / ``*.dist-info`` directory inside (its PKG-INFO or METADATA, and an egg-info's
``requires.txt``), else the top-level PKG-INFO and ``requires.txt``. What that finds replaces
the PKG-INFO's fields where it has a value (``PackageInfo.update``).

One step of Poetry's is not taken: when none of these lists the requirements, Poetry builds
the sdist's metadata (PEP 517, running the project's own build code). nbext does not run an
index's code to look a package up; :attr:`SdistInfo.requires_dist` is then None and the caller
says so.

Only the files these steps read are unpacked (``pyproject.toml``, ``PKG-INFO``,
``requires.txt`` and what is inside ``*-info`` directories), each at most
:data:`MEMBER_CAP` bytes, into a temporary directory removed afterwards: an archive cannot
write outside it or fill the disk.
"""

from __future__ import annotations

import glob
import io
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from poetry.core.factory import Factory
from poetry.core.pyproject.toml import PyProjectTOML
from poetry.core.utils.helpers import parse_requires

from nbext.index.archive import UnreadableArchive
from nbext.index.filenames import splitext
from nbext.index.metadata import ReleaseMetadata, parse_metadata

__all__ = ["MEMBER_CAP", "SdistInfo", "inspect_sdist", "merged"]

#: The largest member unpacked (a pyproject.toml, a PKG-INFO, a requires.txt).
MEMBER_CAP = 4 * 1024 * 1024
_TOP_FILES = {"pyproject.toml", "PKG-INFO", "requires.txt"}


@dataclass(frozen=True)
class SdistInfo:
    """What the unpacked sdist says (each field empty or None when it says nothing)."""

    name: str = ""
    version: str = ""
    summary: str = ""
    requires_python: str | None = None
    #: None: nothing in the sdist lists them without building it.
    requires_dist: tuple[str, ...] | None = None
    #: Where it was read: ``pyproject.toml``, ``<x>.egg-info``, ``PKG-INFO``.
    read_from: str = ""


def inspect_sdist(data: bytes, filename: str) -> SdistInfo:
    """The sdist read as Poetry reads an unpacked one, without building it (see the module
    docstring). Raises :class:`~nbext.index.archive.UnreadableArchive`."""
    with tempfile.TemporaryDirectory(prefix="nbext-sdist-") as tmp:
        top = Path(tmp)
        _unpack(data, filename, top)
        return _from_directory(_project_dir(top, filename))


def merged(meta: ReleaseMetadata, info: SdistInfo) -> ReleaseMetadata:
    """Poetry's ``PackageInfo.update``: the sdist's fields where they have a value."""
    return ReleaseMetadata(
        name=info.name or meta.name,
        version=info.version or meta.version,
        summary=info.summary or meta.summary,
        requires_python=info.requires_python or meta.requires_python,
        requires_dist=info.requires_dist or meta.requires_dist,
        requires_known=info.requires_dist is not None,
    )


def _wanted(name: str) -> bool:
    parts = PurePosixPath(name).parts
    if not parts or any(p in ("", ".", "..") for p in parts) or name.startswith("/"):
        return False
    if any(p.endswith("-info") and "." in p for p in parts[:-1]):
        return True  # inside a *.egg-info / *.dist-info directory, at any depth
    return len(parts) <= 2 and parts[-1] in _TOP_FILES


def _unpack(data: bytes, filename: str, dest: Path) -> None:
    try:
        if filename.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                for info in zf.infolist():
                    if info.is_dir() or not _wanted(info.filename):
                        continue
                    if info.file_size > MEMBER_CAP:
                        continue
                    _write(dest, info.filename, zf.read(info)[: MEMBER_CAP + 1])
            return
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tf:
            for member in tf:
                if not member.isfile() or not _wanted(member.name) or member.size > MEMBER_CAP:
                    continue
                handle = tf.extractfile(member)
                if handle is not None:
                    _write(dest, member.name, handle.read(MEMBER_CAP + 1))
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise UnreadableArchive(f"{filename} cannot be unpacked: {exc}") from None


def _write(dest: Path, name: str, content: bytes) -> None:
    target = dest.joinpath(*PurePosixPath(name).parts)
    if dest.resolve() not in target.resolve().parents:
        return  # never outside the temporary directory
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)


def _project_dir(top: Path, filename: str) -> Path:
    """Poetry's guess at the unpacked project: the single top directory, else the directory
    named as the file without its suffix, else the top."""
    elements = list(top.glob("*"))
    if len(elements) == 1 and elements[0].is_dir():
        return elements[0]
    _base, suffix = splitext(filename)
    named = top / filename.removesuffix(suffix)
    return named if named.is_dir() else top


def _from_directory(path: Path) -> SdistInfo:
    """``PackageInfo.from_directory`` without the PEP 517 build."""
    pyproject = PyProjectTOML(path / "pyproject.toml")
    try:
        poetry_project = pyproject.is_poetry_project()
    except Exception:  # an unreadable pyproject.toml: Poetry's check fails the same way
        poetry_project = False
    if poetry_project:
        try:
            package = Factory().create_poetry(path).package
        except Exception:  # Poetry suppresses RuntimeError only; nbext reads on
            package = None
        if package is not None:
            requires = {d.to_pep_508() for d in package.requires}
            for deps in package.extras.values():
                requires.update(d.to_pep_508() for d in deps)
            return SdistInfo(
                name=package.name,
                version=str(package.version),
                summary=package.description or "",
                requires_python=package.python_versions,
                requires_dist=tuple(sorted(requires)),
                read_from="pyproject.toml",
            )
    return _from_metadata_directory(path)


def _from_metadata_directory(path: Path) -> SdistInfo:
    """``PackageInfo.from_metadata_directory``: the first ``*.egg-info`` (its PKG-INFO and
    requires.txt) or ``*.dist-info`` (its METADATA) found, else the top PKG-INFO."""
    for found in glob.iglob(path.joinpath("**/*.*-info").as_posix(), recursive=True):
        directory = Path(found)
        if directory.suffix == ".egg-info":
            info = _read_metadata(directory, "PKG-INFO")
        elif directory.suffix == ".dist-info":
            info = _read_metadata(directory, "METADATA")
        else:
            continue
        if info is not None:
            return info
    return _read_metadata(path, "PKG-INFO") or SdistInfo()


def _read_metadata(directory: Path, member: str) -> SdistInfo | None:
    """One metadata file and, as Poetry reads it, ``requires.txt`` beside it."""
    file = directory / member
    if not file.is_file():
        return None
    try:
        meta = parse_metadata(file.read_bytes())
    except Exception:
        return None
    requires: tuple[str, ...] | None = meta.requires_dist if meta.requires_known else None
    listed = directory / "requires.txt"
    if requires is None and listed.is_file():
        requires = tuple(parse_requires(listed.read_text(encoding="utf-8", errors="replace")))
    return SdistInfo(
        name=meta.name,
        version=meta.version,
        summary=meta.summary,
        requires_python=meta.requires_python,
        requires_dist=requires,
        read_from=(
            f"{directory.name}/{member}"
            if directory.suffix in (".egg-info", ".dist-info")
            else member
        ),
    )
