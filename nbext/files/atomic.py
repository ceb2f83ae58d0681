"""Atomic file writes: a temporary file in the same directory, then ``os.replace``."""

from __future__ import annotations

import contextlib
import itertools
import os
import tempfile
import threading
from pathlib import Path

__all__ = ["ensure_dir", "write_bytes_atomic", "write_cache_file", "write_text_atomic"]


def write_text_atomic(path: Path, text: str, *, mode: int) -> None:
    """Write ``text`` to ``path`` so readers see the old or the new file, never a part."""
    write_bytes_atomic(path, text.encode("utf-8"), mode=mode)


def write_bytes_atomic(path: Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` so readers see the old or the new file, never a part
    (two writers racing leave one complete file). ``mode`` is set exactly (config files).

    The temporary file is created 0600 whatever the umask (``mkstemp``) and gets ``mode``
    before it takes the place of ``path``: a secret written with ``mode=0o600`` is never
    readable by others, not even for an instant. A symbolic link at ``path`` (a dotfiles
    repository linking ``config.toml``) is kept: the file it points to is replaced.
    """
    path = Path(os.path.realpath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())  # the new content is on disk before the rename
        os.chmod(tmp, mode)  # still 0600 until here: widened (if at all) only now
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


_counter = itertools.count()
_known_dirs: set[str] = set()
_dirs_lock = threading.Lock()


def ensure_dir(directory: str) -> None:
    """``os.makedirs(directory, exist_ok=True)``, remembered: caches write many files into
    few directories, and on some file systems every mkdir call costs a fraction of a ms."""
    if directory in _known_dirs:
        return
    # Create downwards from the nearest directory known to exist: one mkdir per missing level
    # (os.makedirs tries the deepest first and works back up, twice the calls).
    missing: list[str] = []
    current = directory
    while current not in _known_dirs and not os.path.isdir(current):
        missing.append(current)
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(path)
    with _dirs_lock:
        if len(_known_dirs) > 100_000:
            _known_dirs.clear()
        _known_dirs.add(directory)
        _known_dirs.add(current)


def write_cache_file(path: str, data: bytes) -> None:
    """Atomic write for cache files, with as few system calls as possible (the mode is the
    default 0o644 under the umask; the directory is created if needed)."""
    directory = os.path.dirname(path)
    ensure_dir(directory)
    tmp = f"{path}.{os.getpid()}-{threading.get_ident()}-{next(_counter)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileNotFoundError:  # the directory was removed since (a cache clear): again
        with _dirs_lock:
            _known_dirs.discard(directory)
        ensure_dir(directory)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
