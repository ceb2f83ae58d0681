"""The kernel's default Workspace: the one the magics use, following the working directory.

Like Poetry for each command, it attaches the ``pyproject.toml`` found in the working
directory or its parents; when ``%cd`` leads to another project, a new Workspace for that
project replaces it (with a notice).
"""

from __future__ import annotations

import threading
from pathlib import Path

from nbext.facade import Workspace
from nbext.project.pyproject import find_pyproject

__all__ = ["workspace"]


_default: Workspace | None = None
_default_lock = threading.Lock()


def workspace() -> Workspace:
    """The kernel's default Workspace (the one the magics use).

    It follows the working directory like Poetry does for each command: it attaches the
    ``pyproject.toml`` found in the working directory or its parents, and when ``%cd`` leads
    to another project, a new Workspace for that project replaces it (with a notice).
    """
    global _default
    with _default_lock:
        cwd = Path.cwd()
        found = find_pyproject(cwd)
        current = _default
        if current is not None:
            attached = current.project.path if current.project else None
            if attached == (found.resolve() if found else None):
                return current
            if found is None and attached is None:
                return current
        _default = Workspace(cwd, discover=True)
        if current is not None:
            where = str(found) if found else "no project (sources live in this kernel only)"
            _default.declared.pending.append(f"nbext now uses {where}.")
            current.close()
        return _default


def _reset_default() -> None:
    global _default
    with _default_lock:
        if _default is not None:
            _default.close()
        _default = None
