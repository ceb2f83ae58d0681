"""Fault injection: which requests the demo index answers wrongly, and how.

:meth:`IndexServer.set_fault` documents the actions; this module keeps the table of
faults (thread-safe) and picks the one a request meets.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal, get_args

__all__ = ["FAULT_ACTIONS", "Fault", "FaultAction", "FaultTable", "new_fault"]

#: What a fault does with a matching request (see :meth:`IndexServer.set_fault`).
FaultAction = Literal["respond", "reset", "stall", "truncate"]
FAULT_ACTIONS: frozenset[str] = frozenset(get_args(FaultAction))


@dataclass
class Fault:
    prefix: str
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str]
    remaining: int | None
    action: FaultAction = "respond"
    delay: float = 30.0


def new_fault(
    path_prefix: str,
    *,
    status: int,
    body: bytes,
    content_type: str,
    headers: dict[str, str] | None,
    times: int | None,
    action: FaultAction,
    delay: float,
) -> Fault:
    """A :class:`Fault` from :meth:`IndexServer.set_fault`'s arguments (checked)."""
    if action not in FAULT_ACTIONS:
        raise ValueError(f"action must be one of {sorted(FAULT_ACTIONS)}, not {action!r}")
    if delay < 0:
        raise ValueError(f"delay must be >= 0, not {delay!r}")
    return Fault(
        path_prefix,
        status,
        body,
        content_type,
        dict(headers or {}),
        times,
        action,
        float(delay),
    )


class FaultTable:
    """The faults set, most recently set last; each used up after its ``remaining`` uses."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def set(self, fault: Fault) -> None:
        """Add ``fault``, replacing one for the same prefix (none is kept for 0 uses)."""
        with self._lock:
            self._faults = [f for f in self._faults if f.prefix != fault.prefix]
            if fault.remaining is None or fault.remaining > 0:
                self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take(self, path: str) -> Fault | None:
        """The fault serving ``path`` (the most recently set match), counting one use."""
        with self._lock:
            for fault in reversed(self._faults):
                if path.startswith(fault.prefix):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault
        return None
