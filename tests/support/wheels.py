"""Wheels with any files, for install tests: what ``nbext.demo.dists`` does not make (console
scripts, ``.data`` folders, subpackages, files that move between versions)."""

from __future__ import annotations

import base64
import hashlib
import zipfile
from pathlib import Path

__all__ = ["make_wheel"]


def _hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def make_wheel(
    folder: Path,
    name: str,
    version: str,
    files: dict[str, str | bytes],
    *,
    console_scripts: dict[str, str] | None = None,
    requires_dist: tuple[str, ...] = (),
) -> Path:
    """``folder/<name>-<version>-py3-none-any.whl`` holding ``files`` (paths in the wheel, e.g.
    ``pkg/__init__.py`` or ``<stem>.data/scripts/tool``), a valid METADATA, WHEEL and RECORD."""
    stem = f"{name.replace('-', '_')}-{version}"
    info = f"{stem}.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    meta += "".join(f"Requires-Dist: {r}\n" for r in requires_dist)
    members: dict[str, bytes] = {
        path: data.encode() if isinstance(data, str) else data for path, data in files.items()
    }
    members[f"{info}/METADATA"] = meta.encode()
    members[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    if console_scripts:
        lines = "".join(f"{k} = {v}\n" for k, v in console_scripts.items())
        members[f"{info}/entry_points.txt"] = f"[console_scripts]\n{lines}".encode()
    record = "".join(f"{p},{_hash(d)},{len(d)}\n" for p, d in members.items())
    members[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{stem}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for member, data in members.items():
            zinfo = zipfile.ZipInfo(member, date_time=(1980, 1, 1, 0, 0, 0))
            executable = "/scripts/" in member
            zinfo.external_attr = (0o100755 if executable else 0o100644) << 16
            zf.writestr(zinfo, data)
    return path
