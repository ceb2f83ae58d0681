"""Core metadata inside a distribution archive: the one reader every caller uses.

A wheel's ``<name>.dist-info/METADATA`` or an sdist's top-level ``<base>/PKG-INFO``, from a zip
(``.whl``, ``.zip``) or a tar (``.tar.gz``, ``.tar.bz2``, ``.tar.xz``, ``.tar``), given as
bytes, a file path or a seekable binary file (the range reader of
:mod:`nbext.index.lazy_wheel`, which fetches only the parts of a remote wheel zipfile reads).

The member is found as Poetry finds it: exactly one directory deep (``a.dist-info/METADATA``,
``a-1.0/PKG-INFO``), the first such member in the archive's order. Whatever reading the
archive raises is an :class:`UnreadableArchive` with the same message; an archive without the
file is a :class:`NoMetadataFile`.
"""

from __future__ import annotations

import io
import lzma
import os
import struct
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO, Literal

__all__ = [
    "ArchiveError",
    "ArchiveSource",
    "NoMetadataFile",
    "TarMode",
    "UnreadableArchive",
    "archive_names",
    "core_metadata",
    "sdist_metadata",
    "streamed_sdist_metadata",
    "wheel_metadata",
]

#: An archive's bytes, its path, or an open seekable binary file.
ArchiveSource = bytes | str | os.PathLike[str] | BinaryIO
#: How a tar is opened: any compression (``"r:*"``), or only the one named.
TarMode = Literal["r:*", "r:", "r:gz", "r:bz2", "r:xz"]

_WHEEL_MEMBER = ".dist-info/METADATA"
_SDIST_MEMBER = "/PKG-INFO"
# What zipfile and tarfile raise on a damaged, truncated or hostile archive (and what a range
# reader's fetch raises when a part cannot be had).
_READ_ERRORS = (
    zipfile.BadZipFile,
    tarfile.TarError,
    zlib.error,
    lzma.LZMAError,
    EOFError,
    NotImplementedError,  # a zip compression method Python does not have
    RuntimeError,  # an encrypted zip member
    OSError,
    ValueError,
    struct.error,
)


class ArchiveError(ValueError):
    """A distribution archive whose core metadata cannot be had."""


class UnreadableArchive(ArchiveError):
    """Not a readable zip or tar (its message is the reader's)."""


class NoMetadataFile(ArchiveError):
    """A readable archive without its METADATA or PKG-INFO."""


def _fileobj(source: ArchiveSource) -> BinaryIO | str | os.PathLike[str]:
    return io.BytesIO(source) if isinstance(source, bytes) else source


def _from_zip(source: ArchiveSource, suffix: str) -> bytes | None:
    with zipfile.ZipFile(_fileobj(source)) as zf:
        for name in zf.namelist():
            if name.count("/") == 1 and name.endswith(suffix):
                return zf.read(name)
    return None


def _open_tar(source: ArchiveSource, mode: TarMode) -> tarfile.TarFile:
    if isinstance(source, bytes):
        return tarfile.open(fileobj=io.BytesIO(source), mode=mode)
    if isinstance(source, str | os.PathLike):
        return tarfile.open(source, mode)
    return tarfile.open(fileobj=source, mode=mode)


def _from_tar(source: ArchiveSource, suffix: str, mode: TarMode) -> bytes | None:
    with _open_tar(source, mode) as tf:
        for member in tf.getmembers():
            if member.name.count("/") == 1 and member.name.endswith(suffix):
                fh = tf.extractfile(member)
                if fh is not None:
                    return fh.read()
    return None


@contextmanager
def _reading() -> Iterator[None]:
    """What reading the archive raises, as an :class:`UnreadableArchive` with its message."""
    try:
        yield
    except _READ_ERRORS as exc:
        raise UnreadableArchive(str(exc)) from exc


def wheel_metadata(source: ArchiveSource, filename: str = "the wheel") -> bytes:
    """The ``*.dist-info/METADATA`` bytes of a wheel."""
    with _reading():
        data = _from_zip(source, _WHEEL_MEMBER)
    if data is None:
        raise NoMetadataFile(f"{filename} has no .dist-info/METADATA")
    return data


def sdist_metadata(source: ArchiveSource, filename: str, *, tar_mode: TarMode = "r:*") -> bytes:
    """The top-level ``PKG-INFO`` bytes of an sdist: a zip when ``filename`` ends in ``.zip``,
    else a tar opened with ``tar_mode`` (any compression by default; ``"r:gz"`` for a caller
    that takes gzip only)."""
    with _reading():
        if filename.endswith(".zip"):
            data = _from_zip(source, _SDIST_MEMBER)
        else:
            data = _from_tar(source, _SDIST_MEMBER, tar_mode)
    if data is None:
        raise NoMetadataFile(f"{filename} has no PKG-INFO")
    return data


class _Chunks(io.RawIOBase):
    """A readable file over an iterator of byte chunks (a response as it arrives)."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        super().__init__()
        self._chunks = chunks
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        while not self._left:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._left = chunk
        n = min(len(buffer), len(self._left))
        buffer[:n] = self._left[:n]
        self._left = self._left[n:]
        return n


def streamed_sdist_metadata(chunks: Iterator[bytes], filename: str) -> bytes:
    """The top-level ``PKG-INFO`` of a tar sdist read as it arrives, stopping there: it is
    usually among the first members (a 19 MB sdist gave it after 16 KB), so the rest of the
    archive is never downloaded. A zip sdist cannot be read this way (its index is at the end):
    a :class:`NoMetadataFile` says so."""
    if filename.endswith(".zip"):
        raise NoMetadataFile(f"{filename} is a zip: its members are listed at its end")
    with _reading():
        stream = io.BufferedReader(_Chunks(chunks), buffer_size=64 * 1024)
        with tarfile.open(fileobj=stream, mode="r|*") as tf:
            for member in tf:
                if member.name.count("/") == 1 and member.name.endswith(_SDIST_MEMBER):
                    fh = tf.extractfile(member)
                    if fh is not None:
                        return fh.read()
    raise NoMetadataFile(f"{filename} has no PKG-INFO")


def core_metadata(source: ArchiveSource, filename: str, *, tar_mode: TarMode = "r:*") -> bytes:
    """The METADATA (``filename`` ends in ``.whl``) or PKG-INFO (an sdist) bytes inside an
    archive."""
    if filename.endswith(".whl"):
        return wheel_metadata(source, filename)
    return sdist_metadata(source, filename, tar_mode=tar_mode)


def archive_names(source: ArchiveSource, filename: str, *, tar_mode: TarMode = "r:*") -> list[str]:
    """Every member name of a zip (``.whl``, ``.zip``) or tar archive, read to its end: an
    :class:`UnreadableArchive` if it cannot be."""
    with _reading():
        if filename.endswith((".whl", ".zip")):
            with zipfile.ZipFile(_fileobj(source)) as zf:
                return zf.namelist()
        with _open_tar(source, tar_mode) as tf:
            return tf.getnames()
