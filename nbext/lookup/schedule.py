"""A small scheduler over generators: each requirement of a lookup is a generator that yields
the futures it waits for, so ``lookup_many`` runs every request of every requirement on one
bounded thread pool without nested waits (identical requests are shared by the fetchers)."""

from __future__ import annotations

import queue
from collections.abc import Generator, Sequence
from concurrent.futures import Future

__all__ = ["AnyOf", "Step", "run_all"]

#: A requirement's generator: it yields the futures it waits for.
Step = Generator[list[Future[object]], None, None]


class AnyOf(list[Future[object]]):
    """Yielded by a requirement's generator: resume it when any one of these is done
    (a plain list means: when all are done)."""


def run_all(generators: Sequence[Step]) -> None:
    """Run every generator to the end on this thread.

    A generator yields the futures it waits for; each future's completion callback puts
    the generator's index on a queue, and this thread resumes exactly the generators
    whose futures are ready (no polling of every future on every wake-up).
    """
    waiting: dict[int, tuple[Step, list[Future[object]]]] = {}
    woken: queue.SimpleQueue[int] = queue.SimpleQueue()

    def ready(futures: list[Future[object]]) -> bool:
        test = any if isinstance(futures, AnyOf) else all
        return test(f.done() for f in futures)

    def advance(index: int, gen: Step) -> None:
        while True:
            try:
                futures = next(gen)
            except StopIteration:
                waiting.pop(index, None)
                return
            if not ready(futures):
                break
        waiting[index] = (gen, futures)

        def wake(_future: Future[object], index: int = index) -> None:
            woken.put(index)

        for f in futures:
            f.add_done_callback(wake)

    for index, gen in enumerate(generators):
        advance(index, gen)
    try:
        while waiting:
            index = woken.get()
            entry = waiting.get(index)
            if entry is not None and ready(entry[1]):
                advance(index, entry[0])
    except BaseException:
        for _, futs in waiting.values():
            for f in futs:
                f.cancel()
        raise
