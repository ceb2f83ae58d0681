"""Core metadata as a lookup reads it: METADATA / PKG-INFO / PEP 658 files and the public
index's JSON API (pure)."""

from __future__ import annotations

import email.parser
from dataclasses import dataclass, field
from typing import Any

from packaging.metadata import parse_email
from packaging.utils import canonicalize_name
from poetry.core.constraints.version import Version

from nbext.index.files import File
from nbext.index.reader import PageFormatError

__all__ = ["ReleaseMetadata", "not_this_file", "parse_json_api_release", "parse_metadata"]


@dataclass(frozen=True)
class ReleaseMetadata:
    """The parts of core metadata a lookup shows."""

    name: str
    version: str
    summary: str = ""
    requires_python: str | None = None
    requires_dist: tuple[str, ...] = ()
    #: False when the file lists no Requires-Dist and does not say there are none (Metadata-
    #: Version before 2.2, or Requires-Dist dynamic): Poetry then looks inside the sdist
    #: (:mod:`nbext.index.sdist`). Poetry's ``PackageInfo._requirements_from_distribution``.
    requires_known: bool = field(default=True, compare=False)

    def __repr__(self) -> str:
        return (
            f"ReleaseMetadata(name={self.name!r}, version={self.version!r}, "
            f"requires_python={self.requires_python!r}, requires_dist={list(self.requires_dist)!r})"
        )


def parse_metadata(data: bytes) -> ReleaseMetadata:
    """Core metadata (METADATA / PKG-INFO / PEP 658 file) to :class:`ReleaseMetadata`."""
    raw, _unparsed = parse_email(data)
    if "name" not in raw or "version" not in raw:
        # Fall back to the plain email parser for very old or odd files.
        msg = email.parser.BytesParser().parsebytes(data)
        raw_any: dict[str, Any] = {
            "name": msg.get("Name", ""),
            "version": msg.get("Version", ""),
            "summary": msg.get("Summary", ""),
            "requires_python": msg.get("Requires-Python"),
            "requires_dist": msg.get_all("Requires-Dist") or [],
            "metadata_version": msg.get("Metadata-Version"),
            "dynamic": msg.get_all("Dynamic") or [],
        }
    else:
        raw_any = dict(raw)
    requires = tuple(raw_any.get("requires_dist") or ())
    return ReleaseMetadata(
        name=str(raw_any.get("name", "")),
        version=str(raw_any.get("version", "")),
        summary=str(raw_any.get("summary") or ""),
        requires_python=raw_any.get("requires_python") or None,
        requires_dist=requires,
        requires_known=bool(requires) or says_no_requirements(raw_any),
    )


#: From this Metadata-Version on, no Requires-Dist means none (unless it is dynamic).
_DYNAMIC_METADATA_VERSION = Version.parse("2.2")


def says_no_requirements(raw: dict[str, Any]) -> bool:
    """Whether metadata without Requires-Dist says there are none: Metadata-Version 2.2 or
    later and Requires-Dist not dynamic (Poetry's ``DYNAMIC_METADATA_VERSION`` rule)."""
    text = raw.get("metadata_version")
    if not text:
        return False
    try:
        version = Version.parse(str(text))
    except Exception:
        return False
    return version >= _DYNAMIC_METADATA_VERSION and "Requires-Dist" not in (
        raw.get("dynamic") or ()
    )


def parse_json_api_release(body: bytes) -> tuple[ReleaseMetadata, bool]:
    """The public index's legacy JSON API, ``/pypi/<name>/<version>/json``.

    Returns the metadata and whether ``info.requires_dist`` was given: ``null`` means the
    uploader sent none, and Poetry then reads the release's files instead (spec 8.3 step 5).
    """
    import json

    try:
        info = json.loads(body)["info"]
        requires = info.get("requires_dist")
        meta = ReleaseMetadata(
            name=str(info.get("name") or ""),
            version=str(info.get("version") or ""),
            summary=str(info.get("summary") or ""),
            requires_python=info.get("requires_python") or None,
            requires_dist=tuple(str(r) for r in requires or ()),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PageFormatError(f"malformed JSON API answer ({exc})") from exc
    return meta, requires is not None


def not_this_file(meta: ReleaseMetadata, file: File) -> str | None:
    """Why ``meta`` does not describe ``file`` (another project or version), else None."""
    if not meta.name:
        return "has no Name (not core metadata)"
    if canonicalize_name(meta.name) != file.name:
        return f"names the project {meta.name!r}, not {file.name}"
    try:
        version = Version.parse(meta.version)
    except ValueError:
        return f"has the version {meta.version[:40]!r}, not {file.version}"
    if version != file.version:
        return f"is for version {meta.version}, not {file.version}"
    return None
