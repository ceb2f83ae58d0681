"""Archives made in memory for the tests: a zip or a tar of the members given."""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Mapping

__all__ = ["tar_bytes", "zip_bytes"]


def _data(content: bytes | str) -> bytes:
    return content.encode() if isinstance(content, str) else content


def zip_bytes(members: Mapping[str, bytes | str]) -> bytes:
    """A zip of ``members`` (name -> content), in order."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, content in members.items():
            zf.writestr(name, _data(content))
    return buf.getvalue()


def tar_bytes(members: Mapping[str, bytes | str], mode: str = "w:gz") -> bytes:
    """A tar (gzip by default; ``mode`` as :func:`tarfile.open` takes it) of ``members``."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:  # type: ignore[call-overload]
        for name, content in members.items():
            data = _data(content)
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()
