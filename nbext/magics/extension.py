"""``%load_ext nbext`` and ``%unload_ext nbext``: every family of magics registered, and
whatever they replace remembered and put back."""

from __future__ import annotations

from typing import Any

from nbext.magics.base import NbextMagicsBase, saved
from nbext.magics.cache import CacheMagics
from nbext.magics.config import ConfigMagics
from nbext.magics.install import InstallMagics
from nbext.magics.lookup import LookupMagics
from nbext.magics.netlog import NetlogMagics
from nbext.magics.publish import PublishMagics
from nbext.magics.scrub import CellTracker
from nbext.magics.source import SourceMagics
from nbext.magics.status import StatusMagics

__all__ = ["FAMILIES", "MAGIC_NAMES", "load", "unload"]

FAMILIES: tuple[type[NbextMagicsBase], ...] = (
    SourceMagics,
    LookupMagics,
    ConfigMagics,
    NetlogMagics,
    CacheMagics,
    PublishMagics,
    StatusMagics,
    InstallMagics,
)

MAGIC_NAMES = (
    "source",
    "add",
    "lookup",
    "config",
    "nbconfig",
    "netlog",
    "cache",
    "publish",
    "nbext",
    "lock",
    "install",
)


def load(ip: Any) -> None:
    """Register the magics, remembering whatever they replace.

    IPython's ``%config`` is resolved first with ``find_line_magic`` (since IPython 9.17 the
    table may hold a lazy placeholder that would resolve to nbext's own magic and recurse).
    """
    table = ip.magics_manager.magics["line"]
    for name in MAGIC_NAMES:
        if name in table and name not in saved:
            current = ip.find_line_magic(name) if name == "config" else table[name]
            if current is not None and not getattr(
                getattr(current, "__self__", None), "_nbext", False
            ):
                saved[name] = current
    cells = CellTracker()
    for family in FAMILIES:
        ip.register_magics(family(ip, cells=cells))
    cells.register(ip)


def unload(ip: Any) -> None:
    """Remove the magics and put back what they replaced."""
    table = ip.magics_manager.magics["line"]
    for name in MAGIC_NAMES:
        table.pop(name, None)
        if name in saved:
            table[name] = saved.pop(name)
    trackers: list[CellTracker] = []
    for family in FAMILIES:
        magics = ip.magics_manager.registry.pop(family.__name__, None)
        if isinstance(magics, family) and magics.cells not in trackers:
            trackers.append(magics.cells)
    for cells in trackers:
        cells.unregister(ip)
