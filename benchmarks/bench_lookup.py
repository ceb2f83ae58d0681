"""Benchmark: lookup_many of N packages over 3 primary sources behind a delay proxy.

Run: ``.venv/bin/python benchmarks/bench_lookup.py [--packages 50] [--rtt-ms 25]``

Three nbext demo index servers (PEP 691 JSON + PEP 658) on 127.0.0.1, each behind a userspace
proxy that adds the RTT (half each way, per chunk). It measures:

* ``sequential``: one ``Workspace.lookup`` after another (what a loop of ``%lookup`` does);
* ``lookup_many``: all requirements at once on the thread pool;
* the peak number of requests in flight in the client (proof of concurrency).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nbext
from benchmarks._proxy import DelayProxy
from nbext.demo import Dist, IndexServer
from nbext.net.client import Http


class InFlight:
    """Counts concurrent calls of a wrapped function."""

    def __init__(self) -> None:
        self.now = 0
        self.peak = 0
        self.lock = threading.Lock()

    def wrap(self, fn: Callable[..., object]) -> Callable[..., object]:
        def inner(*args: object, **kwargs: object) -> object:
            with self.lock:
                self.now += 1
                self.peak = max(self.peak, self.now)
            try:
                return fn(*args, **kwargs)
            finally:
                with self.lock:
                    self.now -= 1

        return inner


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--packages", type=int, default=50)
    ap.add_argument("--rtt-ms", type=float, default=25.0)
    ap.add_argument("--workers", type=int, default=16)
    args = ap.parse_args()
    names = [f"pkg{i:03d}" for i in range(args.packages)]
    servers = []
    proxies = []
    inflight = InFlight()
    # Requests in flight, counted in the client (the servers answer in a millisecond or two;
    # the time a request is in flight is spent in the proxy, i.e. on the "network").
    Http.get = inflight.wrap(Http.get)  # type: ignore[method-assign,assignment]
    for s in range(3):
        dists = [Dist(n, f"1.{s}.{v}") for n in names for v in range(3)]
        server = IndexServer(dists, name=f"src{s}", api="json").start()
        servers.append(server)
        proxies.append(DelayProxy(server.bound_port, args.rtt_ms / 1000))
    tmp = tempfile.mkdtemp()
    try:
        results = {}
        for mode in ("sequential", "lookup_many"):
            ws = nbext.Workspace(tmp, max_workers=args.workers)
            for s, proxy in enumerate(proxies):
                ws.add_source(f"src{s}", f"http://127.0.0.1:{proxy.port}/simple/", "primary")
            inflight.peak = 0
            started = time.perf_counter()
            if mode == "sequential":
                out = [ws.lookup(n) for n in names]
            else:
                out = list(ws.lookup_many(names))
            elapsed = time.perf_counter() - started
            assert all(r.chosen and r.chosen.source == "src2" for r in out), "wrong answers"
            requests = sum(
                len(r.per_source[0].events)
                + len(r.per_source[1].events)
                + len(r.per_source[2].events)
                for r in out
            )
            results[mode] = (elapsed, inflight.peak, requests)
            ws.close()
        for mode, (elapsed, peak, requests) in results.items():
            print(
                f"{mode:12s} {args.packages} pkgs x 3 sources, RTT {args.rtt_ms:g} ms: "
                f"{elapsed:.2f} s, {requests} requests, peak in flight {peak}"
            )
        seq, many = results["sequential"][0], results["lookup_many"][0]
        print(f"speed-up {seq / many:.1f}x")
    finally:
        for proxy in proxies:
            proxy.close()
        for server in servers:
            server.stop()


if __name__ == "__main__":
    main()
