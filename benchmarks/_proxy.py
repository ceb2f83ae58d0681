"""A userspace TCP proxy on 127.0.0.1 that adds network latency, and counts the traffic.

The kernel here has no ``netem``, so latency is added in userspace: every chunk read from one
side is delivered to the other side ``rtt/2`` after it arrived (order kept, delays do not add up
over the chunks of one response). With ``handshake=True`` the first bytes of a connection are
also held back until one RTT after the connection was accepted, which is what a TCP handshake
costs a client on a real network (the kernel completes the loopback handshake at once).

:class:`DelayProxy` (threads, in the caller's process) and :class:`ProxyProcess` (asyncio, in
a child process, several proxies on one loop) count, thread-safely, the connections, the bytes
in each direction and the HTTP/1.x requests (request-header blocks in the client-to-server
stream: the clients benchmarked here send GET and HEAD requests without bodies). ``stats()``
gives a snapshot, ``reset()`` starts a new count.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import queue
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from typing import IO

__all__ = ["ControlledProcess", "DelayProxy", "ProxyProcess", "ProxyStats"]

_CHUNK = 65536
_END_OF_HEADERS = b"\r\n\r\n"
_CLOSE_TIMEOUT = 5.0  # seconds close() waits for the connection threads


@dataclass(frozen=True)
class ProxyStats:
    """Traffic through one proxy since the last :meth:`DelayProxy.reset`."""

    connections: int = 0
    requests: int = 0  # request-header blocks seen from clients
    bytes_sent: int = 0  # client -> server
    bytes_received: int = 0  # server -> client

    def __add__(self, other: ProxyStats) -> ProxyStats:
        return ProxyStats(
            self.connections + other.connections,
            self.requests + other.requests,
            self.bytes_sent + other.bytes_sent,
            self.bytes_received + other.bytes_received,
        )


class _Connection:
    """One client connection and its upstream: two directions, each a reader and a writer."""

    def __init__(
        self, proxy: DelayProxy, client: socket.socket, upstream: socket.socket, accepted: float
    ) -> None:
        self.proxy = proxy
        self.client = client
        self.upstream = upstream
        self.accepted = accepted
        self._lock = threading.Lock()
        self._open_directions = 2
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        for src, dst, upward in (
            (self.client, self.upstream, True),
            (self.upstream, self.client, False),
        ):
            chunks: queue.SimpleQueue[tuple[float, bytes] | None] = queue.SimpleQueue()
            self.threads.append(
                threading.Thread(
                    target=self._read, args=(src, chunks, upward), daemon=True, name="proxy-read"
                )
            )
            self.threads.append(
                threading.Thread(
                    target=self._write, args=(dst, chunks), daemon=True, name="proxy-write"
                )
            )
        for thread in self.threads:
            thread.start()

    def _read(
        self,
        src: socket.socket,
        chunks: queue.SimpleQueue[tuple[float, bytes] | None],
        upward: bool,
    ) -> None:
        delay = self.proxy.delay
        not_before = self.accepted + 2 * delay if (upward and self.proxy.handshake) else 0.0
        tail = b""  # the last bytes of the previous chunk: a header end split across chunks
        try:
            while data := src.recv(_CHUNK):
                now = time.monotonic()
                chunks.put((max(now, not_before) + delay, data))
                if upward:
                    seen = tail + data
                    self.proxy._count(sent=len(data), requests=seen.count(_END_OF_HEADERS))
                    tail = seen[-3:]
                else:
                    self.proxy._count(received=len(data))
        except OSError:
            pass
        finally:
            chunks.put(None)

    def _write(
        self, dst: socket.socket, chunks: queue.SimpleQueue[tuple[float, bytes] | None]
    ) -> None:
        broken = False
        while (item := chunks.get()) is not None:
            if broken:
                continue  # drain until the reader stops
            deliver_at, data = item
            if (wait := deliver_at - time.monotonic()) > 0:
                time.sleep(wait)
            try:
                dst.sendall(data)
            except OSError:
                broken = True
                self.abort()
        if not broken:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)  # pass the half-close on
        with self._lock:
            self._open_directions -= 1
            done = self._open_directions == 0
        if done:
            self._close_sockets()
            self.proxy._forget(self)

    def abort(self) -> None:
        """Wake both readers (they see EOF or an error and end their direction)."""
        for s in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)

    def _close_sockets(self) -> None:
        for s in (self.client, self.upstream):
            with contextlib.suppress(OSError):
                s.close()


class DelayProxy:
    """TCP proxy on 127.0.0.1 to ``target_port`` adding ``rtt`` seconds of round-trip time."""

    def __init__(
        self,
        target_port: int,
        rtt: float,
        *,
        handshake: bool = False,
        target_host: str = "127.0.0.1",
    ) -> None:
        self.target = (target_host, target_port)
        self.target_port = target_port
        self.delay = rtt / 2
        self.handshake = handshake
        self._lock = threading.Lock()
        self._stats = ProxyStats()
        self._connections: set[_Connection] = set()
        self._closed = False
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.sock.settimeout(0.2)  # the accept loop checks for close() this often
        self.port: int = self.sock.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept, daemon=True, name="proxy-accept")
        self._acceptor.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- counting ------------------------------------------------------------------------------

    def _count(
        self, *, connections: int = 0, requests: int = 0, sent: int = 0, received: int = 0
    ) -> None:
        with self._lock:
            s = self._stats
            self._stats = ProxyStats(
                s.connections + connections,
                s.requests + requests,
                s.bytes_sent + sent,
                s.bytes_received + received,
            )

    def stats(self) -> ProxyStats:
        """The counts since the last :meth:`reset` (a consistent snapshot)."""
        with self._lock:
            return self._stats

    def reset(self) -> ProxyStats:
        """Start counting from zero; returns the counts until now."""
        with self._lock:
            old, self._stats = self._stats, ProxyStats()
            return old

    @property
    def open_connections(self) -> int:
        with self._lock:
            return len(self._connections)

    # -- serving -------------------------------------------------------------------------------

    def _accept(self) -> None:
        while True:
            with self._lock:
                if self._closed:
                    return
            try:
                client, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.settimeout(None)
            # Connect upstream in the connection's own thread: a slow connect must not hold up
            # the clients behind it in the accept queue.
            threading.Thread(
                target=self._open, args=(client, time.monotonic()), daemon=True, name="proxy-open"
            ).start()

    def _open(self, client: socket.socket, accepted: float) -> None:
        try:
            upstream = socket.create_connection(self.target, timeout=10)
            upstream.settimeout(None)
        except OSError:
            with contextlib.suppress(OSError):
                client.close()
            return
        for s in (client, upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = _Connection(self, client, upstream, accepted)
        with self._lock:
            if self._closed:
                conn._close_sockets()
                return
            self._connections.add(conn)
        self._count(connections=1)
        conn.start()

    def _forget(self, conn: _Connection) -> None:
        with self._lock:
            self._connections.discard(conn)

    def close(self) -> None:
        """Stop accepting, cut every open connection, wait (bounded) for the threads."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            conns = list(self._connections)
        with contextlib.suppress(OSError):
            self.sock.close()
        self._acceptor.join(timeout=_CLOSE_TIMEOUT)
        for conn in conns:
            conn.abort()
        deadline = time.monotonic() + _CLOSE_TIMEOUT
        for conn in conns:
            for thread in conn.threads:
                thread.join(timeout=max(deadline - time.monotonic(), 0.0))

    def __enter__(self) -> DelayProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# -- the same proxy in a process of its own -----------------------------------------------------
#
# In the benchmark's process the proxies' threads would compete for one GIL with each other
# and with the in-process index servers; every hand-over can cost a switch interval (5 ms),
# which is latency the network would not add. ``ProxyProcess`` runs all the proxies of a
# benchmark on one asyncio loop in a child process instead, and reports its counters over a
# line protocol on stdin/stdout.


class ControlledProcess:
    """A child that answers one JSON line per command line, with bounded waits.

    The child prints ``READY <json>`` once it is set up, then answers each command written to
    its stdin with one line ``OK <json>``; EOF on stdin tells it to exit. :meth:`stop` ends it
    by its own PID (SIGTERM, then SIGKILL), with bounded waits.
    """

    def __init__(self, cmd: list[str], *, env: dict[str, str] | None, timeout: float) -> None:
        self.timeout = timeout
        # Closed in stop(), which every user calls (the process outlives this method).
        self._stderr: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self.proc = subprocess.Popen(
            cmd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            bufsize=1,
        )
        self._lines: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        threading.Thread(target=self._read, daemon=True, name="control-read").start()
        self.ready: object = self._expect("READY")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _expect(self, kind: str) -> object:
        import json

        try:
            line = self._lines.get(timeout=self.timeout)
        except queue.Empty:
            self.stop()
            raise RuntimeError(f"{self.proc.args!r}: no {kind} within {self.timeout:g} s") from None
        if line is None or not line.startswith(kind + " "):
            self.stop()
            raise RuntimeError(
                f"{self.proc.args!r}: expected {kind}, got {line!r}:\n{self.stderr()}"
            )
        return json.loads(line[len(kind) + 1 :])

    def call(self, command: str) -> object:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._expect("OK")

    def stderr(self) -> str:
        """The end of what the child wrote to stderr."""
        if self._stderr.closed:
            return ""
        self._stderr.seek(0)
        return self._stderr.read().decode(errors="replace")[-3000:]

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        """EOF on stdin; SIGTERM and then SIGKILL (by PID) if the child lingers."""
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                if self.proc.stdin is not None:
                    self.proc.stdin.close()
            try:
                self.proc.wait(timeout=_CLOSE_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=_CLOSE_TIMEOUT)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=_CLOSE_TIMEOUT)
        with contextlib.suppress(OSError):
            if self.proc.stdout is not None:
                self.proc.stdout.close()
        self._stderr.close()


class ProxyProcess:
    """Delay proxies to ``target_ports`` on one asyncio loop in a child process."""

    def __init__(
        self,
        target_ports: list[int],
        rtt: float,
        *,
        handshake: bool = False,
        env: dict[str, str] | None = None,
        timeout: float = 10.0,
    ) -> None:
        cmd = [sys.executable, __file__, str(rtt)]
        cmd += ["--handshake"] if handshake else []
        cmd += [str(p) for p in target_ports]
        self.child = ControlledProcess(cmd, env=env, timeout=timeout)
        ports = self.child.ready
        assert isinstance(ports, list)
        self.ports: list[int] = [int(p) for p in ports]

    def urls(self) -> list[str]:
        return [f"http://127.0.0.1:{p}" for p in self.ports]

    def stats(self) -> list[ProxyStats]:
        return self._parse(self.child.call("stats"))

    def reset(self) -> list[ProxyStats]:
        return self._parse(self.child.call("reset"))

    @staticmethod
    def _parse(data: object) -> list[ProxyStats]:
        assert isinstance(data, list)
        return [ProxyStats(**item) for item in data]

    @property
    def pid(self) -> int:
        return self.child.pid

    def close(self) -> None:
        self.child.stop()

    def __enter__(self) -> ProxyProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stats = ProxyStats()

    def add(
        self, *, connections: int = 0, requests: int = 0, sent: int = 0, received: int = 0
    ) -> None:
        with self.lock:
            s = self.stats
            self.stats = ProxyStats(
                s.connections + connections,
                s.requests + requests,
                s.bytes_sent + sent,
                s.bytes_received + received,
            )


async def _serve_async(
    target_port: int, rtt: float, handshake: bool, counter: _Counter
) -> asyncio.Server:
    delay = rtt / 2

    async def direction(
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        upward: bool,
        accepted: float,
    ) -> None:
        loop = asyncio.get_running_loop()
        not_before = accepted + rtt if (upward and handshake) else 0.0
        pending: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()

        async def deliver() -> None:
            ok = True
            while (item := await pending.get()) is not None:
                if not ok:
                    continue
                deliver_at, data = item
                if (wait := deliver_at - loop.time()) > 0:
                    await asyncio.sleep(wait)
                try:
                    writer.write(data)
                    await writer.drain()
                except (OSError, RuntimeError):
                    ok = False
            if ok and writer.can_write_eof():
                with contextlib.suppress(OSError, RuntimeError):
                    writer.write_eof()

        task = asyncio.create_task(deliver())
        tail = b""
        try:
            while data := await reader.read(_CHUNK):
                pending.put_nowait((max(loop.time(), not_before) + delay, data))
                if upward:
                    seen = tail + data
                    counter.add(sent=len(data), requests=seen.count(_END_OF_HEADERS))
                    tail = seen[-3:]
                else:
                    counter.add(received=len(data))
        except (OSError, asyncio.IncompleteReadError):
            pass
        finally:
            pending.put_nowait(None)
            await task

    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        accepted = asyncio.get_running_loop().time()
        try:
            up_r, up_w = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            client_w.close()
            return
        for w in (client_w, up_w):
            sock = w.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        counter.add(connections=1)
        try:
            await asyncio.gather(
                direction(client_r, up_w, True, accepted),
                direction(up_r, client_w, False, accepted),
            )
        finally:
            for w in (client_w, up_w):
                w.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024, limit=_CHUNK)


def _proxy_main(argv: list[str]) -> int:
    """Child side of :class:`ProxyProcess`: ``_proxy.py RTT [--handshake] PORT...``."""
    rtt = float(argv[0])
    handshake = "--handshake" in argv[1:]
    targets = [int(a) for a in argv[1:] if a != "--handshake"]
    counters = [_Counter() for _ in targets]

    async def run() -> None:
        loop = asyncio.get_running_loop()
        servers = [
            await _serve_async(port, rtt, handshake, counter)
            for port, counter in zip(targets, counters, strict=True)
        ]
        ports = [s.sockets[0].getsockname()[1] for s in servers]
        done = loop.create_future()

        def commands() -> None:
            print("READY " + json.dumps(ports), flush=True)
            for line in sys.stdin:
                command = line.strip()
                snapshot = []
                for counter in counters:
                    with counter.lock:
                        snapshot.append(asdict(counter.stats))
                        if command == "reset":
                            counter.stats = ProxyStats()
                print("OK " + json.dumps(snapshot), flush=True)
            loop.call_soon_threadsafe(done.set_result, None)

        threading.Thread(target=commands, daemon=True).start()
        await done
        for s in servers:
            s.close()

    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(_proxy_main(sys.argv[1:]))
