"""Sample distributions (wheels and sdists) built in pure Python.

Everything here is deterministic: building the same :class:`Dist` twice gives
byte-identical files, so hashes advertised by the demo indexes are stable.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import random
import re
import tarfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from packaging.tags import parse_tag
from packaging.utils import canonicalize_name
from packaging.version import Version

__all__ = [
    "Dist",
    "build_sdist",
    "build_wheel",
    "core_metadata",
    "dist_files",
    "file_stem",
    "module_name",
    "write_dists",
]

#: Fixed timestamp for every zip member (the earliest a zip file can express).
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
_GENERATOR = "nbext.demo"


@dataclass(frozen=True)
class Dist:
    """One release of a fictional project: its metadata and which files it has."""

    name: str
    version: str
    requires_dist: tuple[str, ...] = ()
    requires_python: str | None = None
    summary: str = ""
    yanked: bool | str = False
    wheel: bool = True
    sdist: bool = True
    wheel_tag: str = "py3-none-any"
    #: Bytes of incompressible data shipped in the wheel (``<module>/_payload.bin``, stored
    #: uncompressed): a big wheel, for range-request tests and benchmarks.
    payload: int = 0

    def __post_init__(self) -> None:
        # Accept any iterable of requirements but keep the dataclass hashable.
        object.__setattr__(self, "requires_dist", tuple(self.requires_dist))

    @property
    def normalized_name(self) -> str:
        """The PEP 503 normalized project name (``Acme_Utils`` -> ``acme-utils``)."""
        return canonicalize_name(self.name)

    @property
    def normalized_version(self) -> str:
        """The version in its canonical PEP 440 spelling."""
        return str(Version(self.version))


def file_stem(d: Dist) -> str:
    """``{name}-{version}`` as used in wheel and sdist file names (``acme_utils-1.0.0``)."""
    name = re.sub(r"[-_.]+", "_", d.name).lower()
    return f"{name}-{d.normalized_version}"


def module_name(d: Dist) -> str:
    """The importable top-level module each sample distribution ships."""
    return re.sub(r"[-_.]+", "_", d.name).lower()


def core_metadata(d: Dist) -> bytes:
    """The core metadata (``METADATA`` / ``PKG-INFO``), Metadata-Version 2.1."""
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {d.name}",
        f"Version: {d.normalized_version}",
    ]
    if d.summary:
        lines.append("Summary: " + " ".join(d.summary.split()))
    if d.requires_python:
        lines.append(f"Requires-Python: {d.requires_python}")
    lines.extend(f"Requires-Dist: {req}" for req in d.requires_dist)
    lines.append("Description-Content-Type: text/plain")
    body = f"{d.name} {d.normalized_version}: a fictional package served by nbext.demo.\n"
    return ("\n".join(lines) + "\n\n" + body).encode("utf-8")


def _module_source(d: Dist) -> bytes:
    summary = d.summary or f"The fictional {d.name} package."
    return (
        f"{summary!r}\n\n"
        f"__version__ = {d.normalized_version!r}\n"
        f"DIST_NAME = {d.name!r}\n\n\n"
        "def hello() -> str:\n"
        f"    return {f'hello from {d.name} {d.normalized_version}'!r}\n"
    ).encode()


def _payload(d: Dist) -> bytes:
    """``d.payload`` deterministic, incompressible bytes."""
    seed = hashlib.sha256(f"{d.name}-{d.version}".encode()).digest()
    return random.Random(seed).randbytes(d.payload)


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _wheel_file(d: Dist) -> bytes:
    lines = [
        "Wheel-Version: 1.0",
        f"Generator: {_GENERATOR}",
        "Root-Is-Purelib: true",
    ]
    lines.extend(f"Tag: {tag}" for tag in sorted(str(t) for t in parse_tag(d.wheel_tag)))
    return ("\n".join(lines) + "\n").encode("ascii")


@lru_cache(maxsize=512)
def build_wheel(d: Dist) -> tuple[str, bytes]:
    """Build a small, valid wheel for ``d``; returns ``(filename, bytes)``."""
    stem = file_stem(d)
    filename = f"{stem}-{d.wheel_tag}.whl"
    dist_info = f"{stem}.dist-info"
    members: list[tuple[str, bytes]] = [(f"{module_name(d)}/__init__.py", _module_source(d))]
    if d.payload:
        members.append((f"{module_name(d)}/_payload.bin", _payload(d)))
    members += [
        (f"{dist_info}/METADATA", core_metadata(d)),
        (f"{dist_info}/WHEEL", _wheel_file(d)),
    ]
    record_lines = [f"{path},{_record_hash(data)},{len(data)}" for path, data in members]
    record_path = f"{dist_info}/RECORD"
    record_lines.append(f"{record_path},,")
    members.append((record_path, ("\n".join(record_lines) + "\n").encode("utf-8")))

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for path, data in members:
            info = zipfile.ZipInfo(path, date_time=_ZIP_DATE_TIME)
            stored = path.endswith("_payload.bin")
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            info.create_system = 3  # unix, so the permission bits are honoured
            zf.writestr(info, data)
    return filename, buf.getvalue()


def _pyproject(d: Dist) -> bytes:
    def toml_str(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = [
        "[build-system]",
        'requires = ["flit_core>=3.2,<4"]',
        'build-backend = "flit_core.buildapi"',
        "",
        "[project]",
        f"name = {toml_str(d.name)}",
        f"version = {toml_str(d.normalized_version)}",
        f"description = {toml_str(d.summary or d.name)}",
    ]
    if d.requires_python:
        lines.append(f"requires-python = {toml_str(d.requires_python)}")
    deps = ", ".join(toml_str(req) for req in d.requires_dist)
    lines.append(f"dependencies = [{deps}]")
    lines.extend(["", "[tool.flit.module]", f"name = {toml_str(module_name(d))}"])
    return ("\n".join(lines) + "\n").encode("utf-8")


@lru_cache(maxsize=512)
def build_sdist(d: Dist) -> tuple[str, bytes]:
    """Build a small sdist for ``d``; returns ``(filename, bytes)`` of a ``.tar.gz``."""
    base = file_stem(d)
    filename = f"{base}.tar.gz"
    members: list[tuple[str, bytes]] = [
        (f"{base}/PKG-INFO", core_metadata(d)),
        (f"{base}/pyproject.toml", _pyproject(d)),
        (f"{base}/{module_name(d)}/__init__.py", _module_source(d)),
    ]
    tar_buf = io.BytesIO()
    with tarfile.open(fileobj=tar_buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        dirs = sorted({p.rsplit("/", 1)[0] for p, _ in members})
        for directory in dirs:
            info = tarfile.TarInfo(directory)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            info.mtime = 0
            tf.addfile(info)
        for path, data in members:
            info = tarfile.TarInfo(path)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            tf.addfile(info, io.BytesIO(data))
    gz_buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=gz_buf, mtime=0) as gz:
        gz.write(tar_buf.getvalue())
    return filename, gz_buf.getvalue()


def dist_files(d: Dist) -> list[tuple[str, bytes]]:
    """Every file of ``d`` (wheel first, then sdist) as ``(filename, bytes)``."""
    files: list[tuple[str, bytes]] = []
    if d.wheel:
        files.append(build_wheel(d))
    if d.sdist:
        files.append(build_sdist(d))
    return files


def write_dists(dists: Iterable[Dist], directory: str | Path) -> list[Path]:
    """Write every file of every dist into ``directory`` (created if needed)."""
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for d in dists:
        for filename, data in dist_files(d):
            path = out / filename
            path.write_bytes(data)
            written.append(path)
    return written
