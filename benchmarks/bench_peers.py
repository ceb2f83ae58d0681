"""Benchmark: nbext's ``Workspace.lookup_many`` against uv, pip and Poetry, in one run.

Run: ``.venv/bin/python benchmarks/bench_peers.py [--packages 60] [--rtt-ms 25] [--rounds 1]
[--only nbext,uv,pip,poetry] [--handshake]``

Setup: N leaf packages ``bench-pkg-000``.. (no dependencies), each on all three sources with
different versions (source ``s<k>`` has ``1.<k-1>.0`` .. ``1.<k-1>.2``, a py3-none-any wheel and
an sdist each), so every tool has to ask every source and the answer is ``1.2.2`` from ``s3``
for every package. The sources, on 127.0.0.1, each behind its own delay proxy adding the RTT
(``benchmarks/_proxy.py``: :class:`ProxyProcess`, all proxies on one asyncio loop in a child
process):

* ``s1``: PEP 503, a static HTML tree served by ``http.server`` (``tests/support/servers.py``);
* ``s2``: PEP 691 JSON without PEP 658 (``nbext.demo.IndexServer(api="json", metadata=False)``);
* ``s3``: PEP 691 + PEP 658 (``IndexServer(api="json", metadata=True)``).

The IndexServers send ``Cache-Control: max-age=0, must-revalidate`` and ETags; the static tree
sends ``Last-Modified`` only (what a plain file server does), fixed at 2024-01-01, so a client
that applies heuristic freshness (RFC 9111) may reuse its cached s1 pages without asking.
Each server and the proxies run in processes of their own (in one Python process, their
threads would queue for one GIL: latency the network would not add), with deeper accept queues
than socketserver's 5 (which drop SYNs when a client opens many connections at once: a 1 s
stall; the kernel's ListenOverflows counter is checked after every run).

Tools, each in its own process with a scrubbed environment (HOME, XDG_*, caches in a temp
dir; no PIP_*, UV_* or CA bundles; proxy variables pointing at a closed port for anything but
127.0.0.1; the real interpreter ahead of pyenv's slow shims on PATH), cold = fresh cache,
warm = the same cache again:

* nbext: ``Workspace.lookup_many`` in a worker process driven over stdin/stdout; imports and
  Workspace setup are outside the timed region. Modes: ``cold``; ``warm`` = a new process and
  Workspace with the same ``POETRY_CACHE_DIR``; ``warm (same ws)`` = a second
  ``lookup_many`` on the cold Workspace.
* uv: ``uv pip compile --index-strategy unsafe-best-match`` (all indexes, best version), with
  ``--python`` the peers venv's interpreter (what an activated venv gives it).
* pip: ``pip install --isolated --dry-run --ignore-installed --report``.
* poetry: ``poetry lock`` on a project with the three sources as primary.

Outputs (uv's requirements file, poetry.lock) are deleted before each run, so a warm run does
the same work as a cold one with a warm cache. Every answer is checked (version and source).
Requests are counted from the servers' own logs (and cross-checked with the proxies' count of
request headers); bytes and connections come from the proxies. The table is printed and
written to ``benchmarks/results/peers-<date>.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import queue
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from benchmarks._peers import Peers
    from benchmarks._proxy import ControlledProcess, ProxyProcess, ProxyStats
    from nbext.demo import IndexServer
    from tests.support.servers import ServerProcess

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
TOOLS = ("nbext", "uv", "pip", "poetry")
VERSIONS_PER_SOURCE = 3
SOURCE_NAMES = ("s1", "s2", "s3")
SOURCE_KINDS = (
    "PEP 503 static HTML tree (http.server)",
    "PEP 691 JSON, no PEP 658 (IndexServer)",
    "PEP 691 JSON + PEP 658 (IndexServer)",
)
EXPECTED_SOURCE = SOURCE_NAMES[-1]
EXPECTED_VERSION = f"1.{len(SOURCE_NAMES) - 1}.{VERSIONS_PER_SOURCE - 1}"

TIMEOUTS = {"nbext": 300.0, "uv": 120.0, "pip": 300.0, "poetry": 300.0}
IMPORT_TIMEOUT = 60.0
WORKER_EXIT_TIMEOUT = 30.0
#: Last-Modified of every file of the static tree (it sends no Cache-Control): fixed, so that
#: heuristic freshness (RFC 9111: 10% of the age) is the same on every run.
STATIC_MTIME = dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp()
BUSY_LOAD = 0.7  # 1-minute load average above which the machine counts as busy
_PAGE = re.compile(r"^/simple/[^/]+/?$")


class BenchError(RuntimeError):
    """A tool failed or gave a wrong answer."""


# -- the nbext worker (runs in its own process; imports nbext only) ------------------------------


def _send(stream: IO[str], kind: str, payload: object) -> None:
    stream.write(f"{kind} {json.dumps(payload)}\n")
    stream.flush()


def nbext_worker(spec_path: Path) -> int:
    """Run the phases in ``spec`` (``cold``, ``same``, ``warm``), each after a ``go`` on stdin.

    Protocol (one JSON line each): ``READY {"phase": ..., "import_s": ...}`` when set up, then
    the driver resets its counters and writes ``go``; ``RESULT {...}`` when the lookup is done.
    """
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    out = sys.stdout
    started = time.perf_counter()
    import nbext

    import_s = time.perf_counter() - started
    ws: nbext.Workspace | None = None

    def new_workspace(no_cache: bool = False) -> nbext.Workspace:
        w = nbext.Workspace(spec["project_dir"], no_cache=no_cache)
        for name, url in spec["sources"]:
            w.add_source(name, url, "primary")
        return w

    try:
        for phase in spec["phases"]:
            if phase in ("cold", "warm", "nocache") or ws is None:
                if ws is not None:
                    ws.close()
                ws = new_workspace(no_cache=phase == "nocache")
            _send(out, "READY", {"phase": phase, "import_s": import_s})
            if sys.stdin.readline().strip() != "go":
                return 2
            cpu0, wall0 = time.process_time(), time.perf_counter()
            results = ws.lookup_many(spec["names"])
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            answers = {
                r.name: [r.chosen.version, r.chosen.source] if r.chosen else [None, r.headline]
                for r in results
            }
            _send(out, "RESULT", {"phase": phase, "wall": wall, "cpu": cpu, "answers": answers})
    finally:
        if ws is not None:
            ws.close()
    return 0


# -- measurements --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceCount:
    """What one source saw during one run."""

    pages: int  # project pages (/simple/<name>/)
    other: int  # files, metadata files, index root, redirects
    not_modified: int  # 304 answers
    proxy: ProxyStats

    @property
    def requests(self) -> int:
        return self.pages + self.other


@dataclass(frozen=True)
class Run:
    tool: str
    mode: str
    wall: float
    cpu: float | None
    sources: tuple[SourceCount, ...]
    infra_cpu: float = 0.0  # servers and proxies (this process and the static server)
    listen_overflows: int = 0  # SYNs the kernel dropped because an accept queue was full

    @property
    def requests(self) -> int:
        return sum(s.requests for s in self.sources)

    @property
    def bytes_received(self) -> int:
        return sum(s.proxy.bytes_received for s in self.sources)

    @property
    def bytes_sent(self) -> int:
        return sum(s.proxy.bytes_sent for s in self.sources)

    @property
    def connections(self) -> int:
        return sum(s.proxy.connections for s in self.sources)

    @property
    def proxy_requests(self) -> int:
        return sum(s.proxy.requests for s in self.sources)


@dataclass
class Source:
    """One index (behind its proxy), with a way to read its request log."""

    name: str
    kind: str
    proxy_url: str  # http://127.0.0.1:PORT of its proxy
    log: Callable[[int], list[tuple[str, str, int]]]  # (method, path, status) from an offset
    pid: int  # the server's process
    _seen: int = 0

    @property
    def url(self) -> str:
        return f"{self.proxy_url}/simple/"

    def reset(self) -> None:
        self._seen += len(self.log(self._seen))

    def count(self, proxy: ProxyStats) -> SourceCount:
        entries = self.log(self._seen)
        pages = sum(1 for _, path, _ in entries if _PAGE.match(path.split("?", 1)[0]))
        not_modified = sum(1 for _, _, status in entries if status == 304)
        return SourceCount(pages, len(entries) - pages, not_modified, proxy)


@dataclass
class Bench:
    args: argparse.Namespace
    names: list[str]
    sources: list[Source]
    proxies: ProxyProcess
    peers: Peers | None
    poetry: Path | None
    work: Path
    runs: list[Run] = field(default_factory=list)

    def measure(
        self, tool: str, mode: str, action: Callable[[], tuple[float, float | None]]
    ) -> Run:
        """Reset the counters, run ``action`` (it returns wall and CPU seconds), count."""
        for s in self.sources:
            s.reset()
        self.proxies.reset()
        infra0, overflows0 = self.infra_cpu(), listen_overflows()
        wall, cpu = action()
        # Counted when read, so complete once the tool has its answers.
        infra = self.infra_cpu() - infra0
        proxy_stats = self.proxies.stats()
        run = Run(
            tool,
            mode,
            wall,
            cpu,
            tuple(s.count(p) for s, p in zip(self.sources, proxy_stats, strict=True)),
            infra_cpu=infra,
            listen_overflows=listen_overflows() - overflows0,
        )
        self.runs.append(run)
        print(
            f"  {tool:6s} {mode:15s} {wall:7.2f} s  {run.requests:4d} requests  "
            f"{run.bytes_received / 1024:8.1f} KiB in  {run.connections:3d} connections  "
            f"cpu {cpu if cpu is not None else float('nan'):.2f} s, servers {run.infra_cpu:.2f} s",
            flush=True,
        )
        return run

    def infra_cpu(self) -> float:
        """CPU seconds used so far by the servers' and the proxies' processes."""
        return _proc_cpu(self.proxies.pid) + sum(_proc_cpu(s.pid) for s in self.sources)

    def expected(self) -> dict[str, tuple[str, str]]:
        return {n: (EXPECTED_VERSION, EXPECTED_SOURCE) for n in self.names}

    def check(self, tool: str, mode: str, got: dict[str, tuple[str | None, str | None]]) -> None:
        want = self.expected()
        wrong = {n: got.get(n) for n in want if got.get(n) != want[n]}
        extra = sorted(set(got) - set(want))
        if wrong or extra:
            sample = dict(list(wrong.items())[:5])
            raise BenchError(
                f"{tool} {mode}: wrong answers for {len(wrong)} of {len(want)} packages "
                f"(want {EXPECTED_VERSION} from {EXPECTED_SOURCE}); e.g. {sample}; "
                f"unexpected packages: {extra[:5]}"
            )

    def source_of_url(self, url: str) -> str | None:
        for s in self.sources:
            if url.startswith(s.proxy_url + "/"):
                return s.name
        return None


def _proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def listen_overflows() -> int:
    """The kernel's count of connections dropped because an accept queue was full."""
    try:
        lines = Path("/proc/net/netstat").read_text().splitlines()
    except OSError:
        return 0
    for head, values in zip(lines[::2], lines[1::2], strict=False):
        if head.startswith("TcpExt:"):
            table = dict(zip(head.split()[1:], values.split()[1:], strict=False))
            return int(table.get("ListenOverflows", 0))
    return 0


def _run_tool(
    cmd: Sequence[str], *, cwd: Path, env: dict[str, str], timeout: float, what: str
) -> tuple[float, float, subprocess.CompletedProcess[str]]:
    """Run a command; wall seconds, CPU seconds (its own and its children's) and the result."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    try:
        proc = subprocess.run(
            list(cmd),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"{what} timed out after {timeout:g} s: {' '.join(cmd)}") from exc
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr).strip()[-3000:]
        raise BenchError(f"{what} failed (exit {proc.returncode}):\n$ {' '.join(cmd)}\n{tail}")
    return wall, cpu, proc


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


# -- the tools -----------------------------------------------------------------------------------


class _Worker:
    """The nbext worker process, driven line by line with bounded waits."""

    def __init__(
        self,
        spec: dict[str, Any],
        home: Path,
        cache: Path,
        extra: dict[str, str] | None = None,
    ) -> None:
        from benchmarks._peers import tool_env

        spec_path = home / f"spec-{len(os.listdir(home))}.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        self.stderr_path = spec_path.with_suffix(".stderr")
        env = tool_env(
            home, {"POETRY_CACHE_DIR": str(cache), "PYTHONUNBUFFERED": "1", **(extra or {})}
        )
        with self.stderr_path.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--nbext-worker", str(spec_path)],
                cwd=home,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.import_s: float | None = None

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def expect(self, kind: str, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(remaining, 0.01))
            except queue.Empty:
                raise BenchError(f"nbext worker: no {kind} within {timeout:g} s") from None
            if line is None:
                raise BenchError(f"nbext worker exited early:\n{self.stderr()}")
            head, _, payload = line.partition(" ")
            if head == kind:
                data: dict[str, Any] = json.loads(payload)
                return data
            if remaining <= 0:
                raise BenchError(f"nbext worker: no {kind} within {timeout:g} s")

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def stderr(self) -> str:
        return self.stderr_path.read_text(encoding="utf-8", errors="replace")[-3000:]

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            if self.proc.stdin is not None:
                self.proc.stdin.close()
        try:
            code = self.proc.wait(timeout=WORKER_EXIT_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=WORKER_EXIT_TIMEOUT)
            raise BenchError("nbext worker did not exit; killed") from None
        if code != 0:
            raise BenchError(f"nbext worker exited with {code}:\n{self.stderr()}")


def run_nbext(bench: Bench, round_dir: Path) -> list[float]:
    home = _fresh(round_dir / "nbext-home")
    cache = home / "poetry-cache-bench"
    project = _fresh(home / "project")
    spec: dict[str, Any] = {
        "project_dir": str(project),
        "sources": [[s.name, s.url] for s in bench.sources],
        "names": bench.names,
    }
    labels = {
        "cold": "cold",
        "same": "warm (same ws)",
        "warm": "warm",
        "nocache": "cold (--no-cache)",
    }
    import_times: list[float] = []
    radar = {
        "closed": {},  # tool_env points the public index at a closed port, as the tests do
        "stand-in": {"NBEXT_PYPI_URL": bench.sources[0].url},
        "off": {"POETRY_RADAR_ENABLED": "false"},
    }[bench.args.radar]
    for phases in (["cold", "same"], ["warm"], ["nocache"]):
        worker = _Worker({**spec, "phases": phases}, home, cache, radar)
        try:
            for phase in phases:
                ready = worker.expect("READY", TIMEOUTS["nbext"])
                import_times.append(float(ready["import_s"]))
                result: dict[str, Any] = {}

                def action(
                    w: _Worker = worker, result: dict[str, Any] = result
                ) -> tuple[float, float | None]:
                    w.go()
                    result.update(w.expect("RESULT", TIMEOUTS["nbext"]))
                    return float(result["wall"]), float(result["cpu"])

                bench.measure("nbext", labels[phase], action)
                answers = {n: (v[0], v[1]) for n, v in result["answers"].items()}
                bench.check("nbext", labels[phase], answers)
            worker.finish()
        finally:
            if worker.proc.poll() is None:
                worker.proc.kill()
                worker.proc.wait(timeout=WORKER_EXIT_TIMEOUT)
    return import_times


def run_uv(bench: Bench, round_dir: Path) -> None:
    from benchmarks._peers import tool_env

    assert bench.peers is not None
    home = _fresh(round_dir / "uv-home")
    cache = home / "uv-cache"
    (home / "requirements.in").write_text("\n".join(bench.names) + "\n", encoding="utf-8")
    env = tool_env(home, {"UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"})
    s1, *extra = bench.sources
    cmd = [
        str(bench.peers.uv),
        "pip",
        "compile",
        "requirements.in",
        "--no-config",
        "--index-url",
        s1.url,
        *[arg for s in extra for arg in ("--extra-index-url", s.url)],
        "--index-strategy",
        "unsafe-best-match",
        "--python-version",
        "3.11",
        # The interpreter an activated venv would give uv; found on PATH it costs uv a call of
        # pyenv's shim (~0.2 s) on every run.
        "--python",
        str(bench.peers.python),
        "--cache-dir",
        str(cache),
        "--no-header",
        "--emit-index-annotation",
        "-q",
        "-o",
        "out.txt",
    ]
    out = home / "out.txt"
    for mode in ("cold", "warm"):
        out.unlink(missing_ok=True)

        def action(mode: str = mode) -> tuple[float, float | None]:
            wall, cpu, _ = _run_tool(
                cmd, cwd=home, env=env, timeout=TIMEOUTS["uv"], what=f"uv pip compile ({mode})"
            )
            return wall, cpu

        bench.measure("uv", mode, action)
        bench.check("uv", mode, _parse_uv(out.read_text(encoding="utf-8"), bench))


def _parse_uv(text: str, bench: Bench) -> dict[str, tuple[str | None, str | None]]:
    """``{name: (version, source)}`` from uv's output with ``--emit-index-annotation``."""
    got: dict[str, tuple[str | None, str | None]] = {}
    current: str | None = None
    for line in text.splitlines():
        if m := re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", line):
            current = m[1].lower()
            got[current] = (m[2], None)
        elif current and (m := re.match(r"^\s*#\s*from\s+(\S+)", line)):
            got[current] = (got[current][0], bench.source_of_url(m[1]))
    return got


def run_pip(bench: Bench, round_dir: Path) -> None:
    from benchmarks._peers import tool_env

    assert bench.peers is not None
    home = _fresh(round_dir / "pip-home")
    cache = home / "pip-cache"
    (home / "requirements.txt").write_text("\n".join(bench.names) + "\n", encoding="utf-8")
    env = tool_env(home)
    s1, *extra = bench.sources
    cmd = [
        *bench.peers.pip,
        "install",
        "--isolated",
        "--disable-pip-version-check",
        "--no-input",
        "--progress-bar",
        "off",
        "-q",
        "--dry-run",
        "--ignore-installed",
        "--report",
        "report.json",
        "--index-url",
        s1.url,
        *[arg for s in extra for arg in ("--extra-index-url", s.url)],
        "--cache-dir",
        str(cache),
        "-r",
        "requirements.txt",
    ]
    report = home / "report.json"
    for mode in ("cold", "warm"):
        report.unlink(missing_ok=True)

        def action(mode: str = mode) -> tuple[float, float | None]:
            wall, cpu, _ = _run_tool(
                cmd, cwd=home, env=env, timeout=TIMEOUTS["pip"], what=f"pip install ({mode})"
            )
            return wall, cpu

        bench.measure("pip", mode, action)
        data = json.loads(report.read_text(encoding="utf-8"))
        got: dict[str, tuple[str | None, str | None]] = {}
        for item in data.get("install", []):
            meta = item.get("metadata", {})
            url = item.get("download_info", {}).get("url", "")
            got[str(meta.get("name", "")).lower()] = (meta.get("version"), bench.source_of_url(url))
        bench.check("pip", mode, got)


def run_poetry(bench: Bench, round_dir: Path) -> None:
    from benchmarks._peers import NETWORK_GUARD, fast_path, poetry_env
    from tests.support.poetry import parse_lock

    assert bench.poetry is not None
    home = _fresh(round_dir / "poetry-home")
    project = _fresh(home / "project")
    deps = ",\n".join(f'    "{n}"' for n in bench.names)
    sources = "\n".join(
        f'[[tool.poetry.source]]\nname = "{s.name}"\nurl = "{s.url}"\npriority = "primary"\n'
        for s in bench.sources
    )
    (project / "pyproject.toml").write_text(
        "[project]\n"
        'name = "bench-peers"\n'
        'version = "0.1.0"\n'
        'requires-python = ">=3.11"\n'
        f"dependencies = [\n{deps},\n]\n\n"
        "[tool.poetry]\n"
        "package-mode = false\n\n"
        f"{sources}",
        encoding="utf-8",
    )
    env = poetry_env(home)
    env.update(NETWORK_GUARD)
    env["PATH"] = fast_path(env.get("PATH", os.defpath))
    cmd = [str(bench.poetry), "lock", "-n", "--no-ansi"]
    lock = project / "poetry.lock"
    for mode in ("cold", "warm"):
        lock.unlink(missing_ok=True)

        def action(mode: str = mode) -> tuple[float, float | None]:
            wall, cpu, _ = _run_tool(
                cmd, cwd=project, env=env, timeout=TIMEOUTS["poetry"], what=f"poetry lock ({mode})"
            )
            return wall, cpu

        bench.measure("poetry", mode, action)
        got: dict[str, tuple[str | None, str | None]] = {
            name.lower(): (version, source) for name, (version, source) in parse_lock(lock).items()
        }
        bench.check("poetry", mode, got)


def nbext_import_time(timeout: float = IMPORT_TIMEOUT, repeat: int = 3) -> float:
    """Median seconds of ``import nbext`` in a fresh interpreter."""
    from benchmarks._peers import tool_env

    script = "import time; t = time.perf_counter(); import nbext; print(time.perf_counter() - t)"
    times = []
    with tempfile.TemporaryDirectory(prefix="nbext-import-") as home:
        env = tool_env(Path(home))
        for _ in range(repeat):
            _, _, proc = _run_tool(
                [sys.executable, "-c", script],
                cwd=Path(home),
                env=env,
                timeout=timeout,
                what="import nbext",
            )
            times.append(float(proc.stdout.strip()))
    return statistics.median(times)


# -- servers -------------------------------------------------------------------------------------


BACKLOG = 1024  # listen backlog of every server (socketserver's default, 5, drops SYNs)
START_TIMEOUT = 10.0  # seconds for the static server to say it listens

#: tests/support/static_http.py with a deeper accept queue (its ThreadingHTTPServer keeps
#: socketserver's ``request_queue_size = 5``: more concurrent connects than that overflow it,
#: the kernel drops the SYNs and the client retries after a second).
_STATIC_SERVER = """
import sys
sys.path.insert(0, sys.argv.pop(1))
from tests.support import static_http
static_http.Server.request_queue_size = int(sys.argv.pop(1))
sys.exit(static_http.main(sys.argv[1:]))
"""


def _run_static_server(root: Path) -> ServerProcess:
    """Serve ``root`` (a tree from ``write_static_tree``) like ``tests.support.servers`` does."""
    from tests.support.env import subprocess_env
    from tests.support.servers import ServerProcess

    logs = root / "_server"
    logs.mkdir(parents=True, exist_ok=True)
    log_path, console_path = logs / "static-http.log", logs / "static-http.console"
    cmd = [sys.executable, "-c", _STATIC_SERVER, str(REPO_ROOT), str(BACKLOG)]
    cmd += [str(root), "0", str(log_path)]
    with console_path.open("wb") as console:
        proc = subprocess.Popen(
            cmd,
            cwd=logs,
            env=subprocess_env(logs),
            stdin=subprocess.DEVNULL,
            stdout=console,
            stderr=subprocess.STDOUT,
        )
    server = ServerProcess("", "", proc, log_path, console_path)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline and proc.poll() is None:
        m = re.search(r"^LISTENING (http://127\.0\.0\.1:\d+)$", server.console(), re.M)
        if m:
            server.base_url, server.url = m[1], f"{m[1]}/simple/"
            return server
        time.sleep(0.05)
    output = server.console()
    server.stop()
    raise BenchError(f"the static server did not start:\n{output}")


def _deepen_backlog(server: IndexServer) -> None:
    """Give a running IndexServer a deeper accept queue (Linux takes a second listen())."""
    httpd = server._httpd
    assert httpd is not None
    httpd.socket.listen(BACKLOG)


def index_host(spec_path: Path) -> int:
    """Serve one IndexServer (``--index-host SPEC``) until stdin closes.

    Prints ``READY <port>``; answers ``log N`` with ``OK [[method, path, status], ...]``, the
    requests from the N-th on.
    """
    from nbext.demo import Dist, IndexServer

    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    dists = [Dist(n, v) for n, v in spec["dists"]]
    server = IndexServer(dists, name=spec["name"], api="json", metadata=spec["metadata"])
    return host_server(server)


def host_server(server: IndexServer) -> int:
    """Serve ``server`` until stdin closes: ``READY <port>``, then ``log OFFSET`` answered
    with the requests served since (``OK [[method, path, status], ...]``)."""
    with server:
        _deepen_backlog(server)
        _send(sys.stdout, "READY", server.bound_port)
        for line in sys.stdin:
            command, _, arg = line.strip().partition(" ")
            if command != "log":
                return 2
            records = server.requests[int(arg or 0) :]
            _send(sys.stdout, "OK", [[r.method, r.path, r.status] for r in records])
    return 0


def _host_log(host: ControlledProcess) -> Callable[[int], list[tuple[str, str, int]]]:
    def read(offset: int) -> list[tuple[str, str, int]]:
        data = host.call(f"log {offset}")
        assert isinstance(data, list)
        return [(str(m), str(p), int(c)) for m, p, c in data]

    return read


@contextlib.contextmanager
def serve(
    names: list[str], rtt: float, handshake: bool, work: Path
) -> Iterator[tuple[list[Source], ProxyProcess]]:
    """The three sources and their proxies, each server in a process of its own.

    Everything is stopped (by its PID) on exit.
    """
    from benchmarks._peers import tool_env
    from benchmarks._proxy import ControlledProcess, ProxyProcess
    from nbext.demo import Dist
    from tests.support.servers import write_static_tree

    def versions(k: int) -> list[tuple[str, str]]:
        return [(n, f"1.{k}.{v}") for n in names for v in range(VERSIONS_PER_SOURCE)]

    stoppers: list[Callable[[], None]] = []
    try:
        write_static_tree([Dist(n, v) for n, v in versions(0)], work / "s1-tree")
        for path in (work / "s1-tree").rglob("*"):
            os.utime(path, (STATIC_MTIME, STATIC_MTIME))
        static = _run_static_server(work / "s1-tree")
        stoppers.append(static.stop)
        ports = [int(static.base_url.rsplit(":", 1)[1])]
        servers: list[tuple[Callable[[int], list[tuple[str, str, int]]], int]] = [
            (_static_log(static.log_path), static.proc.pid)
        ]
        for k, metadata in ((1, False), (2, True)):
            spec_path = work / f"{SOURCE_NAMES[k]}.json"
            spec = {"name": SOURCE_NAMES[k], "metadata": metadata, "dists": versions(k)}
            spec_path.write_text(json.dumps(spec), encoding="utf-8")
            cmd = [sys.executable, str(Path(__file__).resolve()), "--index-host", str(spec_path)]
            host = ControlledProcess(
                cmd, env=tool_env(work / f"{SOURCE_NAMES[k]}-home"), timeout=60
            )
            stoppers.append(host.stop)
            assert isinstance(host.ready, int)
            ports.append(host.ready)
            servers.append((_host_log(host), host.pid))
        proxies = ProxyProcess(ports, rtt, handshake=handshake)
        stoppers.append(proxies.close)
        sources = [
            Source(SOURCE_NAMES[i], SOURCE_KINDS[i], url, log, pid)
            for i, (url, (log, pid)) in enumerate(zip(proxies.urls(), servers, strict=True))
        ]
        yield sources, proxies
    finally:
        for stop in reversed(stoppers):
            stop()


def _static_log(path: Path) -> Callable[[int], list[tuple[str, str, int]]]:
    line_re = re.compile(r"^REQ (\S+) (\S+) (\d+)")

    def read(offset: int) -> list[tuple[str, str, int]]:
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        entries = [(m[1], m[2], int(m[3])) for m in map(line_re.match, text.splitlines()) if m]
        return entries[offset:]

    return read


# -- report --------------------------------------------------------------------------------------


def _median_runs(runs: list[Run]) -> dict[tuple[str, str], list[Run]]:
    grouped: dict[tuple[str, str], list[Run]] = {}
    for r in runs:
        grouped.setdefault((r.tool, r.mode), []).append(r)
    return grouped


def _span(values: list[int], fmt: Callable[[int], str] = str) -> str:
    lo, hi = min(values), max(values)
    return fmt(lo) if lo == hi else f"{fmt(lo)}-{fmt(hi)}"


def _kib(n: int) -> str:
    return f"{n / 1024:.1f}"


def render(
    bench: Bench,
    import_s: float | None,
    elapsed: float,
    versions: dict[str, str],
    load: tuple[float, float],
) -> str:
    grouped = _median_runs(bench.runs)
    uv = {
        mode: statistics.median(r.wall for r in grouped[("uv", mode)])
        for mode in ("cold", "warm")
        if ("uv", mode) in grouped
    }
    n = len(bench.names)
    lines = [
        "| tool | mode | wall s | CPU s | vs uv | requests | per source s1 / s2 / s3 "
        "(pages+other, 304s) | conns | KiB in | KiB out | server CPU s |",
        "|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    notes: list[str] = []
    for (tool, mode), runs in grouped.items():
        wall = statistics.median(r.wall for r in runs)
        cpus = [r.cpu for r in runs if r.cpu is not None]
        cpu = f"{statistics.median(cpus):.2f}" if cpus else "-"
        base = uv.get("cold" if mode.startswith("cold") else "warm")
        ratio = f"{wall / base:.2f}x" if base else "n/a"
        per_source = " / ".join(
            _span([r.sources[i].pages for r in runs])
            + "+"
            + _span([r.sources[i].other for r in runs])
            + (
                f" ({_span([r.sources[i].not_modified for r in runs])})"
                if any(r.sources[i].not_modified for r in runs)
                else ""
            )
            for i in range(len(bench.sources))
        )
        lines.append(
            f"| {tool} | {mode} | {wall:.2f} | {cpu} | {ratio} | "
            f"{_span([r.requests for r in runs])} | {per_source} | "
            f"{_span([r.connections for r in runs])} | "
            f"{_span([r.bytes_received for r in runs], _kib)} | "
            f"{_span([r.bytes_sent for r in runs], _kib)} | "
            f"{statistics.median(r.infra_cpu for r in runs):.2f} |"
        )
        for r in runs:
            for s, count in zip(bench.sources, r.sources, strict=True):
                if count.pages < n and mode == "cold":
                    notes.append(
                        f"{tool} {mode}: asked {s.name} for {count.pages} project pages "
                        f"for {n} packages."
                    )
                if count.pages > n:
                    notes.append(
                        f"{tool} {mode}: {count.pages} project-page requests to {s.name} "
                        f"for {n} packages."
                    )
                if count.requests == 0:
                    notes.append(f"{tool} {mode}: no request at all to {s.name}.")
            if r.listen_overflows:
                notes.append(
                    f"{tool} {mode}: the kernel dropped {r.listen_overflows} connection "
                    "attempts (full accept queue; the client retries after about 1 s)."
                )
            if r.proxy_requests != r.requests:
                notes.append(
                    f"{tool} {mode}: the servers logged {r.requests} requests, the proxies saw "
                    f"{r.proxy_requests} request headers."
                )
    commit = _git_head()
    header = [
        f"# nbext vs uv, pip, Poetry: {n} packages x {len(bench.sources)} primary sources",
        "",
        f"- date: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; nbext checkout {commit}",
        f"- machine: {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; load average (1 min) {load[0]:.2f} before, "
        f"{load[1]:.2f} after"
        + (" - the machine was busy: numbers are unreliable" if load[0] > BUSY_LOAD else ""),
        f"- RTT {bench.args.rtt_ms:g} ms per source (userspace delay proxy"
        + (", TCP handshake emulated" if bench.args.handshake else ", handshake not delayed")
        + f"); rounds: {bench.args.rounds} (median wall time)",
        f"- nbext's radar: {bench.args.radar} (--radar: closed = the public index at a closed "
        "port; stand-in = the first source as the public index, one RTT away; off = "
        "radar.enabled false)",
        "- tools: " + ", ".join(f"{k} {v}" for k, v in versions.items()),
        "- sources: "
        + "; ".join(f"{s.name} = {s.kind}" for s in bench.sources)
        + f". Expected answer: {EXPECTED_VERSION} from {EXPECTED_SOURCE} for every package "
        "(checked for every tool and run).",
        "- modes: cold = empty cache; warm = the same cache again in a new process (nbext: new "
        "process and Workspace, same POETRY_CACHE_DIR); warm (same ws) = nbext's second "
        "lookup_many on the same Workspace. vs uv compares with uv's run of the same kind "
        "(cold/warm).",
        "- nbext's wall and CPU time cover lookup_many only"
        + (f" (`import nbext` alone: {import_s:.2f} s, not included)" if import_s else "")
        + "; the other tools' cover the whole command (process start included). CPU s = user "
        "+ system of the tool's process (and its children).",
        "- s1 sends Last-Modified (2024-01-01) and no Cache-Control: a client applying RFC 9111 "
        "heuristic freshness may use its cached s1 pages without a request; s2 and s3 send "
        "`Cache-Control: max-age=0, must-revalidate` and ETags.",
        "- requests: from the servers' logs (pages = /simple/<name>/, other = files, metadata "
        "files, redirects); conns, KiB in/out: from the proxies (in = server to client). "
        f"server CPU s: the servers and proxies (on the same {os.cpu_count()} cores as the tool).",
        "",
    ]
    footer = ["", f"Whole run: {elapsed:.1f} s."]
    if notes:
        footer += ["", "Notes:", *(f"- {note}" for note in dict.fromkeys(notes))]
    return "\n".join([*header, *lines, *footer]) + "\n"


def _git_head() -> str:
    try:
        proc = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        dirty = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    head = proc.stdout.strip() or "unknown"
    return head + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


# -- main ----------------------------------------------------------------------------------------


def tool_arguments(ap: argparse.ArgumentParser, tools: Sequence[str], *, rounds: int) -> None:
    """The arguments every peer benchmark takes (``--rounds``, ``--rtt-ms``, ``--only``,
    ``--handshake``, ``--output``, ``--no-write`` and the hidden child-process modes)."""
    ap.add_argument("--rounds", type=int, default=rounds)
    ap.add_argument("--rtt-ms", type=float, default=25.0)
    ap.add_argument(
        "--only", default=",".join(tools), help="comma-separated subset of " + ",".join(tools)
    )
    ap.add_argument(
        "--handshake",
        action="store_true",
        help="also delay the first bytes of each connection by one RTT (TCP handshake cost)",
    )
    ap.add_argument("--output", type=Path, default=None, help="result file (default: results/)")
    ap.add_argument("--no-write", action="store_true", help="print the table only")
    ap.add_argument("--nbext-worker", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--index-host", type=Path, default=None, help=argparse.SUPPRESS)


def parse_tools(
    ap: argparse.ArgumentParser, argv: list[str] | None, tools: Sequence[str]
) -> argparse.Namespace:
    """Parse ``argv``; ``args.only`` becomes the tools asked for, in ``tools``' order."""
    args = ap.parse_args(argv)
    only = [t.strip() for t in args.only.split(",") if t.strip()]
    unknown = sorted(set(only) - set(tools))
    if unknown:
        ap.error(f"unknown tools in --only: {unknown} (choose from {', '.join(tools)})")
    if args.rounds < 1:
        ap.error("--rounds must be at least 1")
    args.only = [t for t in tools if t in only]
    return args


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    tool_arguments(ap, TOOLS, rounds=1)
    ap.add_argument("--packages", type=int, default=60)
    ap.add_argument(
        "--radar",
        choices=("closed", "stand-in", "off"),
        default="closed",
        help="nbext's dependency-confusion radar: the public index at a closed port (the\n"
        "default, as in the tests: the radar's look costs a refused connection per name),\n"
        "'stand-in': the first source's proxied URL as the public index (every name is\n"
        "there, one RTT away), or 'off' (%%config radar.enabled false)",
    )
    args = parse_tools(ap, argv, TOOLS)
    if args.packages < 1:
        ap.error("--packages must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.nbext_worker is not None:
        return nbext_worker(args.nbext_worker)
    if args.index_host is not None:
        return index_host(args.index_host)
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    from benchmarks._peers import POETRY_VERSION, peers_venv, poetry_bin

    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    if load_before > BUSY_LOAD:
        print(f"warning: load average {load_before:.2f}: the machine is busy", file=sys.stderr)
    versions: dict[str, str] = {}
    peers = None
    if "uv" in args.only or "pip" in args.only:
        print("peers venv ...", flush=True)
        peers = peers_venv()
        versions.update({k: v for k, v in peers.versions.items() if k in args.only})
    poetry = None
    if "poetry" in args.only:
        poetry = poetry_bin()
        versions["poetry"] = POETRY_VERSION
    import nbext

    versions = {"nbext": nbext.__version__, **versions} if "nbext" in args.only else versions
    names = [f"bench-pkg-{i:03d}" for i in range(args.packages)]
    work = Path(tempfile.mkdtemp(prefix="nbext-bench-peers-"))
    import_s = None
    try:
        print(f"building {len(names)} x 3 x {VERSIONS_PER_SOURCE} releases ...", flush=True)
        with serve(names, args.rtt_ms / 1000, args.handshake, work) as (sources, proxies):
            bench = Bench(args, names, sources, proxies, peers, poetry, work)
            for round_no in range(args.rounds):
                print(f"round {round_no + 1}/{args.rounds}", flush=True)
                round_dir = _fresh(work / f"round-{round_no}")
                if "nbext" in args.only:
                    run_nbext(bench, round_dir)
                if "uv" in args.only:
                    run_uv(bench, round_dir)
                if "pip" in args.only:
                    run_pip(bench, round_dir)
                if "poetry" in args.only:
                    run_poetry(bench, round_dir)
            if "nbext" in args.only:
                import_s = nbext_import_time()
        load = (load_before, os.getloadavg()[0])
        text = render(bench, import_s, time.perf_counter() - started, versions, load)
    except BenchError as exc:
        print(f"\nBENCHMARK FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(text)
    if not args.no_write:
        out = args.output or RESULTS_DIR / f"peers-{dt.date.today():%Y-%m-%d}.md"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
