"""A call with a time limit: ``run(fn, timeout)`` returns what ``fn()`` returns, raises what it
raises, or raises :class:`TimedOut` when it has not returned in time (the call is abandoned).

Used for keyring calls, which can block for good (a locked Secret Service waiting for a prompt,
a backend asking for a master password on a terminal nobody sees).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["TimedOut", "run"]

_T = TypeVar("_T")


class TimedOut(Exception):
    """The call did not return within its time limit (control flow, never shown as such)."""


class _Outcome:
    __slots__ = ("error", "value")

    def __init__(self) -> None:
        self.value: Any = None
        self.error: BaseException | None = None


def run(fn: Callable[[], _T], timeout: float, *, name: str = "nbext-keyring") -> _T:
    """``fn()`` in a daemon thread; :class:`TimedOut` if it has not returned in ``timeout``
    seconds."""
    # A daemon thread of its own, not concurrent.futures: an executor's workers are joined when
    # the interpreter exits, so a backend that never answers would also hang the kernel's exit.
    outcome = _Outcome()
    done = threading.Event()

    def target() -> None:
        try:
            outcome.value = fn()
        except BaseException as exc:  # handed to the caller's thread
            outcome.error = exc
        finally:
            done.set()

    threading.Thread(target=target, name=name, daemon=True).start()
    if not done.wait(timeout):
        raise TimedOut
    if outcome.error is not None:
        raise outcome.error
    return outcome.value  # type: ignore[no-any-return]
