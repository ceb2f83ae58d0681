"""The time an install may take: one budget for the whole call, shared by every step.

A caller gives either a number of seconds from now or any object with ``remaining()`` (such as
``nbext.net.deadline.Deadline``, which this layer does not import); subprocesses get what is
left as their ``timeout``, and the steps in between check it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol, TypeAlias

from nbext.errors import InstallError

__all__ = ["Clock", "DeadlineLike", "SupportsRemaining"]


class SupportsRemaining(Protocol):
    def remaining(self) -> float:
        """Seconds left (may be tiny or zero once passed)."""
        ...


#: Seconds from now, or an object that knows how many are left.
DeadlineLike: TypeAlias = "float | SupportsRemaining"


@dataclass(frozen=True)
class Clock:
    """When the call must be done (``time.monotonic()``) and how long it was given."""

    at: float
    budget: float

    @classmethod
    def start(cls, deadline: DeadlineLike) -> Clock:
        seconds = float(deadline) if isinstance(deadline, int | float) else deadline.remaining()
        return cls(at=time.monotonic() + seconds, budget=seconds)

    def remaining(self) -> float:
        """Seconds left, with a small floor (a subprocess timeout of 0 would not wait at all)."""
        return max(self.at - time.monotonic(), 0.01)

    def check(self, doing: str) -> None:
        """Raise :class:`InstallError` if the time is up before ``doing`` starts."""
        if time.monotonic() >= self.at:
            raise InstallError(
                f"gave up before {doing}: the install was given {self.budget:g} s and used it "
                "all. Fix: give it more time (a larger deadline) or fewer files at once."
            )
