"""Workspaces that tests open through a helper, closed when the test ends.

A helper that returns an open ``nbext.Workspace`` (rather than a ``with`` block) appends it to
:data:`OPEN`; the autouse fixture of ``tests/conftest.py`` calls :func:`close_opened` after
every test, so no thread pool or connection outlives its test.
"""

from __future__ import annotations

from pathlib import Path

import nbext

__all__ = ["OPEN", "close_opened", "open_workspace"]

OPEN: list[nbext.Workspace] = []


def close_opened() -> None:
    """Close every workspace in :data:`OPEN`, the last opened first."""
    while OPEN:
        OPEN.pop().close()


def open_workspace(root: Path) -> nbext.Workspace:
    """A workspace on ``root`` whose retries do not sleep, closed after the test."""
    ws = nbext.Workspace(root, retry_sleep=lambda _s: None)
    OPEN.append(ws)
    return ws
