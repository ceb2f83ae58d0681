"""Throwaway directories for the tutorials, removed however the kernel ends.

A tutorial keeps its project, Poetry's config, cache and data directories (``POETRY_*_DIR``
point into it) and any password a step writes to ``auth.toml`` in one temporary directory,
and removes it in its last cell. :func:`throwaway_dir` makes sure it goes even when the
tutorial never gets there:

* at a normal exit of the process (``atexit``): a kernel shut down or restarted from the
  front end, a notebook run that stops midway and shuts its kernel down;
* when the process is killed (nbval stops its kernel with ``SIGKILL``, a kernel can crash): a
  small watcher process, in a session of its own so that the signals sent to the kernel's
  process group do not reach it, waits for the end of a pipe only the kernel holds, and
  removes the directory when the pipe closes, i.e. when the kernel is gone.

The standard library only (``nbext.demo`` stays independent of the rest of nbext).
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["throwaway_dir"]

#: The watcher: reads its standard input (the pipe) to the end, then removes the directory.
_WATCHER = """\
import shutil, sys
sys.stdin.buffer.read()
shutil.rmtree(sys.argv[1], ignore_errors=True)
"""

#: The write ends of the watchers' pipes and the watchers, kept for the life of the process:
#: the pipe closes, and the watcher removes its directory, only when the process ends.
_kept: list[object] = []


def throwaway_dir(prefix: str = "nbext-tutorial-") -> Path:
    """A new temporary directory (``tempfile.mkdtemp``) that is removed when this process
    ends, however it ends: see the module docstring. Removing it earlier is fine."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    _watch(path)
    return path


def _watch(path: Path) -> None:
    """Start the watcher of ``path``; without one (no way to start a process), ``atexit``
    alone removes it."""
    read, write = os.pipe()  # not inherited by other children (PEP 446)
    try:
        watcher = subprocess.Popen(
            # -I -S: the standard library only, nothing from the kernel's directory or site
            [sys.executable, "-I", "-S", "-c", _WATCHER, str(path)],
            stdin=read,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        os.close(write)
        return
    finally:
        os.close(read)
    _kept.extend((write, watcher))
