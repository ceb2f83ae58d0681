"""``python -m nbext.demo [--port BASE]``: serve the demo sources until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from .catalogue import CATALOGUE, start


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m nbext.demo",
        description="Serve the nbext demo package sources on 127.0.0.1 until Ctrl+C.",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        metavar="BASE",
        help="serve the sources on BASE, BASE+1, BASE+2 (default: ephemeral ports)",
    )
    args = parser.parse_args(argv)
    last = len(CATALOGUE) - 1  # the sources use BASE .. BASE+last
    if args.port is not None and not 0 < args.port <= 65535 - last:
        parser.error(f"--port must be between 1 and {65535 - last}")

    ports = None
    if args.port is not None:
        ports = {spec.name: args.port + i for i, spec in enumerate(CATALOGUE)}

    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            demo = start(ports=ports)
        except OSError as exc:
            where = f" on ports {args.port}-{args.port + last}" if args.port is not None else ""
            print(f"error: could not start the demo servers{where}: {exc}", file=sys.stderr)
            return 1
        with demo:
            print("nbext demo package sources:", flush=True)
            width = max(len(name) for name in demo.servers)
            for spec in CATALOGUE:
                url = demo.servers[spec.name].url
                print(f"  {spec.name:<{width}}  {url}  ({spec.description})", flush=True)
            print("\nIn a notebook:\n  %load_ext nbext", flush=True)
            for line in demo.source_lines().splitlines():
                print(f"  {line}", flush=True)
            print("\nServing; press Ctrl+C to stop.", flush=True)
            while not stop.wait(0.5):
                pass
        print("stopped.", flush=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


if __name__ == "__main__":
    sys.exit(main())
