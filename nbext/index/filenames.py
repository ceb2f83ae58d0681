"""Distribution file names as Poetry 2.5.1 reads them (pure).

Which files count and how a file name gives a project and a version: Poetry 2.5.1's own rules,
copied (poetry.utils.patterns, LinkSource.SUPPORTED_FORMATS, VERSION_REGEX and
_link_package_name_and_version; poetry.core's splitext). packaging's parse_wheel_filename and
parse_sdist_filename are not used: they refuse names Poetry lists (robpkg-9.0.whl,
robpkg-1.0.tar.bz2, a name with a dot) and would make a lookup disagree with `poetry lock`.
tests/integration/index/test_filenames_like_poetry.py runs Poetry's own code over a table of odd
names and compares.
"""

from __future__ import annotations

import functools
import re

from packaging.utils import canonicalize_name

__all__ = ["METADATA_FORMATS", "parse_filename", "splitext", "wheel_tags"]

SUPPORTED_FORMATS = (".tar.gz", ".whl", ".zip", ".tar.bz2", ".tar.xz", ".tar.Z", ".tar")
WHEEL_RE = re.compile(
    r"^(?P<namever>(?P<name>.+?)-(?P<ver>\d[^-]*))"
    r"(-(?P<build>\d[^-]*))?"
    r"-(?P<pyver>[^-]+)"
    r"-(?P<abi>[^-]+)"
    r"-(?P<plat>[^-]+)"
    r"\.whl$"
)
_SDIST_RE = re.compile(
    r"^(?P<namever>(?P<name>.+?)-(?P<ver>\d[^-]*?))"
    r"(\.sdist)?\.(?P<format>(zip|tar(\.(gz|bz2|xz|Z))?))$"
)
_VERSION_RE = re.compile(r"(?i)([a-z0-9_\-.]+?)-(?=\d)([a-z0-9_.!+-]+)")
#: Files whose PEP 658 metadata Poetry asks for (Link.is_wheel or Link.is_sdist).
METADATA_FORMATS = frozenset({".whl", ".tar.gz", ".zip", ".tar.bz2"})


def splitext(filename: str) -> tuple[str, str]:
    """poetry.core's ``splitext(filename, is_filename=True)``: ``.tar`` stays with the
    extension (``.tar.gz``, ``.tar.Z``)."""
    base, sep, ext = filename.rpartition(".")
    ext = sep + ext
    if not base:
        return ext, ""
    if base.lower().endswith(".tar"):
        ext = base[-4:] + ext
        base = base[:-4]
    return base, ext


def wheel_tags(filename: str) -> tuple[str, str, str] | None:
    """``(python tag, abi tag, platform tag)`` of a full wheel name, else None
    (``robpkg-9.0.whl``, which Poetry lists but whose metadata it does not read)."""
    m = WHEEL_RE.match(filename)
    return (m["pyver"], m["abi"], m["plat"]) if m else None


def parse_filename(filename: str) -> tuple[str, str, str] | None:
    """``(canonical name, version string, kind)`` of a distribution file name as Poetry 2.5.1
    reads it (kind ``"wheel"`` or ``"sdist"``), else None: not a format Poetry keeps, or no
    name and version in it. The version string is not checked here (Poetry then parses it and
    skips the file when it is not PEP 440)."""
    stem, ext = splitext(filename)
    if ext not in SUPPORTED_FORMATS or "/" in filename or "\\" in filename:
        return None
    m = WHEEL_RE.match(filename) or _SDIST_RE.match(filename)
    if m:
        name, version = m["name"], m["ver"]
    else:
        generic = _VERSION_RE.match(stem)
        if generic is None:
            return None
        name, version = generic.group(1), generic.group(2)
    if not (name and version):
        return None
    return _canonical(name), version, "wheel" if ext == ".whl" else "sdist"


@functools.lru_cache(maxsize=1024)
def _canonical(name: str) -> str:
    """``canonicalize_name``, once per spelling: a page spells its project's name the same way
    in thousands of file names (13% of reading bench_real's pages before)."""
    return canonicalize_name(name)
