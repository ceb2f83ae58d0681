"""The files ``poetry publish`` uploads, what it sends about them, and the checks nbext adds.

* :func:`select_files` - Poetry's selection (spec 9.3): in the dist directory, wheels matching
  ``<dist_name>-*-*.whl`` and sdists matching ``<dist_name>-*.tar.gz``, only the highest
  version present, sdists first, then wheels, sorted by path. Files of other projects are
  reported (Poetry ignores them silently).
* :func:`read_dist` - one file: kind, Python tag, digests (md5, sha256, blake2b-256) and its
  core metadata (the wheel's ``*.dist-info/METADATA``, the sdist's top-level ``PKG-INFO``),
  parsed with ``packaging.metadata.parse_email`` as Poetry does.
* :func:`form_fields` - the upload form of one file, field for field as Poetry's uploader
  builds it (spec 9.8).
* :func:`check_dist` - what twine's ``check`` and a careful reviewer would look at before an
  upload: the metadata is valid (``packaging.metadata.Metadata.from_raw``), it names the
  project and version being published, and the long description renders as its declared
  content type (``readme_renderer``, as the index will render it).
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from packaging.metadata import Metadata, RawMetadata, parse_email
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from nbext.errors import DistReadError
from nbext.index.archive import NoMetadataFile, UnreadableArchive, core_metadata

__all__ = [
    "DistFile",
    "Selection",
    "check_dist",
    "distribution_name",
    "form_fields",
    "read_dist",
    "render_problem",
    "select_files",
]

#: The description content types an index renders (anything else is refused on upload).
CONTENT_TYPES = ("text/plain", "text/x-rst", "text/markdown")
_CHUNK = 1 << 16


def distribution_name(name: str) -> str:
    """Poetry's ``distribution_name``: the normalized name with ``-`` turned into ``_``."""
    return canonicalize_name(name).replace("-", "_")


@dataclass(frozen=True)
class Selection:
    """What :func:`select_files` found in a dist directory."""

    files: list[Path]
    version: str
    #: Distribution files in the directory that belong to another project (not uploaded).
    foreign: list[Path] = field(default_factory=list)
    #: Files of this project at lower versions (Poetry uploads only the highest).
    older: list[Path] = field(default_factory=list)


def _is_dist(path: Path) -> bool:
    return path.name.endswith((".whl", ".tar.gz"))


def select_files(dist_dir: Path, project_name: str) -> Selection:
    """Poetry's file selection in ``dist_dir`` for ``project_name`` (see the module doc)."""
    dist_name = distribution_name(project_name)
    if not dist_dir.is_dir():
        return Selection([], "")
    wheels = dist_dir.glob(f"{dist_name}-*-*.whl")
    tars = dist_dir.glob(f"{dist_name}-*.tar.gz")
    by_version: dict[str, list[Path]] = defaultdict(list)
    for artifact in [*wheels, *tars]:
        version = (
            artifact.stem.removesuffix(".tar")
            .removeprefix(f"{dist_name}-")
            .split("-", maxsplit=1)[0]
        )
        by_version[version].append(artifact)
    mine = {p for paths in by_version.values() for p in paths}
    foreign = sorted(p for p in dist_dir.iterdir() if _is_dist(p) and p not in mine)
    if not by_version:
        return Selection([], "", foreign=foreign)

    def key(v: str) -> tuple[int, Version | str]:
        try:
            return (1, Version(v))
        except InvalidVersion:
            return (0, v)  # Poetry would fail to parse it; it sorts below every real version

    latest = max(by_version, key=key)
    files = sorted(by_version[latest], key=lambda a: (a.suffix == ".whl", a))
    older = sorted(p for v, paths in by_version.items() if v != latest for p in paths)
    return Selection(files, latest, foreign=foreign, older=older)


@dataclass(frozen=True)
class DistFile:
    """One distribution file, read and hashed."""

    path: Path
    filetype: Literal["sdist", "bdist_wheel"]
    pyversion: str  # the wheel's Python tag, "source" for an sdist
    size: int
    md5: str
    sha256: str
    blake2_256: str
    raw: RawMetadata
    #: Metadata fields ``parse_email`` could not read (name -> raw values).
    unparsed: dict[str, list[str]]
    metadata_error: str | None = None

    @property
    def name(self) -> str:
        return self.path.name


def _digests(path: Path) -> tuple[int, str, str, str]:
    md5 = hashlib.md5(usedforsecurity=False)
    sha256 = hashlib.sha256()
    blake = hashlib.blake2b(digest_size=32)
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            size += len(chunk)
            md5.update(chunk)
            sha256.update(chunk)
            blake.update(chunk)
    return size, md5.hexdigest(), sha256.hexdigest(), blake.hexdigest()


def _metadata_bytes(path: Path) -> bytes:
    """The core metadata file inside ``path`` (Poetry's ``_get_metadata`` rule)."""
    if path.name.endswith(".whl"):
        kind, what = "wheel", "METADATA"
    elif path.name.endswith(".tar.gz"):
        kind, what = "sdist", "PKG-INFO"
    else:
        raise DistReadError(f"Unknown distribution format: {path.name}")
    try:
        return core_metadata(path, path.name, tar_mode="r:gz")
    except UnreadableArchive as exc:
        raise DistReadError(f"{path.name} is not a readable {kind} ({exc})") from exc
    except NoMetadataFile:
        raise DistReadError(f"{what} not found in {kind} {path.name}") from None


def read_dist(path: Path) -> DistFile:
    """Read and hash one wheel or ``.tar.gz`` sdist (``DistReadError`` if it cannot be)."""
    if not path.is_file():
        raise DistReadError(f"Archive ({path}) does not exist")
    if path.name.endswith(".whl"):
        filetype: Literal["sdist", "bdist_wheel"] = "bdist_wheel"
        stem_parts = path.name[: -len(".whl")].split("-")
        pyversion = stem_parts[-3] if len(stem_parts) >= 5 else ""
    elif path.name.endswith(".tar.gz"):
        filetype, pyversion = "sdist", "source"
    else:
        raise DistReadError(f"Unknown distribution format: {path.name}")
    data = _metadata_bytes(path)
    try:
        raw, unparsed = parse_email(data.decode("utf-8"))
        error = None
    except UnicodeDecodeError as exc:
        raw, unparsed, error = RawMetadata(), {}, f"the metadata is not UTF-8 ({exc})"
    size, md5, sha256, blake = _digests(path)
    return DistFile(path, filetype, pyversion, size, md5, sha256, blake, raw, unparsed, error)


def form_fields(dist: DistFile, action: str = "file_upload") -> list[tuple[str, str]]:
    """The form of one upload, in Poetry's order: digests, file type, Python tag, every core
    metadata field under packaging's raw names (``platforms`` -> ``platform``,
    ``supported_platforms`` -> ``supported_platform``, ``license_files`` -> ``license_file``;
    ``keywords`` joined with ", "; ``project_urls`` as ``"Label, URL"``; lists repeated), then
    ``:action`` and ``protocol_version``. The file itself (``content``) comes last, from the
    encoder."""
    data: dict[str, Any] = {
        "md5_digest": dist.md5,
        "sha256_digest": dist.sha256,
        "blake2_256_digest": dist.blake2_256,
        "filetype": dist.filetype,
        "pyversion": dist.pyversion,
    }
    for key, value in dist.raw.items():
        if key in ("platforms", "supported_platforms", "license_files"):
            key = key[:-1]
        if key == "keywords" and isinstance(value, list):
            value = ", ".join(value)
        if key == "project_urls" and isinstance(value, dict):
            value = [f"{k}, {v}" for k, v in value.items()]
        data[key] = value
    data.update({":action": action, "protocol_version": "1"})
    out: list[tuple[str, str]] = []
    for key, value in data.items():
        if isinstance(value, list | tuple):
            out.extend((key, str(item)) for item in value)
        elif value is not None:
            out.append((key, str(value)))
    return out


# -- checks --------------------------------------------------------------------------------------


def _metadata_problems(dist: DistFile) -> list[str]:
    if dist.metadata_error:
        return [dist.metadata_error]
    problems = [f"unreadable metadata field {k!r}" for k in sorted(dist.unparsed)]
    try:
        Metadata.from_raw(dist.raw, validate=True)
    except ExceptionGroup as group:
        problems.extend(str(exc) for exc in group.exceptions)
    except (ValueError, TypeError) as exc:
        problems.append(str(exc))
    return problems


def render_problem(description: str | None, content_type: str | None) -> str | None:
    """Why ``description`` would not render on an index as ``content_type``, or None.

    As twine's ``check``: no content type means reStructuredText; reStructuredText must
    render without errors (docutils, through readme_renderer); Markdown and plain text always
    render. A content type the index does not know is refused there, so here too.
    """
    if description is None or not description.strip() or description.rstrip() == "UNKNOWN":
        return None  # nothing to render (twine warns; the index shows no description)
    media, _, params = (content_type or "text/x-rst").partition(";")
    media = media.strip().lower()
    if media not in CONTENT_TYPES:
        return (
            f"the description's content type {media!r} is not one an index renders "
            f"({', '.join(CONTENT_TYPES)})"
        )
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            return f"the description's charset {value.strip()!r} is not UTF-8"
    if media != "text/x-rst":
        return None
    with warnings.catch_warnings():
        # readme_renderer warns at import when its Markdown extra is missing: irrelevant here.
        warnings.simplefilter("ignore")
        import readme_renderer.rst

    stream = io.StringIO()
    if readme_renderer.rst.render(description, stream=stream) is not None:
        return None
    details = " ".join(line.strip() for line in stream.getvalue().splitlines() if line.strip())
    return (
        "the long description (README) has reStructuredText errors and would not render on "
        f"the index: {details[:400]}"
    )


def check_dist(dist: DistFile, *, name: str, version: str | None) -> list[str]:
    """What is wrong with ``dist`` as an upload of project ``name`` at ``version`` (every
    problem, each one sentence; empty when the file is fine)."""
    problems = _metadata_problems(dist)
    meta_name = dist.raw.get("name")
    meta_version = dist.raw.get("version")
    if meta_name and canonicalize_name(meta_name) != canonicalize_name(name):
        problems.append(f"its metadata names the project {meta_name!r}, not {name!r}")
    if version and meta_version:
        try:
            same = Version(meta_version) == Version(version)
        except InvalidVersion:
            same = meta_version == version
        if not same:
            problems.append(
                f"its metadata has version {meta_version}, but the project's version is {version}"
            )
    problem = render_problem(dist.raw.get("description"), dist.raw.get("description_content_type"))
    if problem:
        problems.append(problem)
    return problems
