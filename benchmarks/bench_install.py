"""Benchmark: nbext's ``install`` into a fresh venv against ``uv pip install`` and ``pip install``.

Run: ``.venv/bin/python benchmarks/bench_install.py [--rounds 3] [--rtt-ms 25]
[--only nbext,nbext-lock,uv,pip] [--payload-kib 0] [--handshake]``

Setup (``benchmarks/_install_setup.py``): 5 top-level packages ``bi-top-1`` .. ``bi-top-5``
whose dependencies fan out to 20 distinct projects (3 versions each, wheel + sdist, some
requirements capped below 2.0), on two primary sources, each in its own process behind a delay
proxy adding the RTT (``benchmarks/_proxy.py``): ``s1`` PEP 691 JSON + PEP 658 metadata
(``nbext.demo.IndexServer``), ``s2`` a static PEP 503 HTML tree (``http.server``). The sources
hold different projects, so every tool asks both; every tool must install exactly the same 20
versions (read from each venv's ``*.dist-info`` after every run).

Each run installs ``bi-top-1 .. bi-top-5`` into a FRESH venv (``python -m venv --without-pip``,
made before the clock starts; dirty pages written back with ``os.sync()`` before it starts),
each tool in its own process with a scrubbed environment (``benchmarks/_peers.py``). Cold = an
empty cache; warm = the same cache again, in a new process and a new venv.

* ``nbext``: ``nbext.resolve.install.install(ws, project, [tops], target=venv)`` in a worker
  process driven over stdin/stdout; ``import nbext``, ``nbext.resolve.install`` (Poetry) and
  ``Workspace(project)`` are outside the timed region; describing the fresh venv
  (``TargetEnvironment.for_python``, a subprocess) is inside it. Cache: ``POETRY_CACHE_DIR``.
  ``warm, same process``: the warm worker's second install, same Workspace, into another fresh
  venv - what a kernel's next ``%install`` costs (Poetry's lazy start-up paid already).
* ``nbext-lock``: the same project's poetry.lock (made once, before any round, by ``ws.lock()``
  with a throwaway cache), then ``install(ws, project, target=venv)``.
* ``uv``: ``uv pip install --python <venv python> --index-url s1 --extra-index-url s2
  --cache-dir <dir>`` (uv's defaults otherwise: first-index strategy, hard links from its cache,
  no bytecode).
* ``pip``: ``<venv python> -m pip install --index-url s1 --extra-index-url s2`` as ``%pip``
  runs the kernel's pip (the peers venv's pip copied into the fresh venv before the clock):
  ``cold`` with ``--no-cache-dir``, ``cold, empty cache`` with a new ``--cache-dir`` and ``warm``
  with that cache again. pip compiles bytecode (its default); nbext and uv do not.

The tools take turns going first (the order rotates each round). Medians over the rounds;
requests are counted from the servers' logs. The table is printed and written to
``benchmarks/results/install-<date>.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

# This checkout's nbext, ahead of an editable install of another checkout in a shared venv
# (the worker process imports nbext with this file as its script).
REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

if TYPE_CHECKING:
    from benchmarks._peers import Peers
    from benchmarks.bench_peers import Bench

RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
TOOLS = ("nbext", "nbext-lock", "uv", "pip")
TIMEOUTS = {"nbext": 300.0, "nbext-lock": 300.0, "uv": 120.0, "pip": 300.0}
BUSY_LOAD = 0.7  # 1-minute load average above which the machine counts as busy


# -- the nbext worker (runs in its own process) --------------------------------------------------


def nbext_worker(spec_path: Path) -> int:
    """Run the phases of ``spec``, each after a ``go`` on stdin (``bench_peers``' protocol).

    A phase is ``{"mode": "req" | "lock" | "make-lock", "venv": DIR}``. One Workspace on
    ``spec["project"]``, made before the first ``READY``, serves every phase (as a kernel's
    does). ``RESULT`` carries wall and CPU seconds (this process and its children: the probe of
    the venv), the probe's own seconds and how many requests nbext counted.
    """
    from benchmarks.bench_peers import _send

    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    out = sys.stdout
    started = time.perf_counter()
    import nbext
    from nbext.resolve.environment import TargetEnvironment
    from nbext.resolve.install import install

    import_s = time.perf_counter() - started
    project = Path(spec["project"])
    with nbext.Workspace(project) as ws:
        for phase in spec["phases"]:
            _send(out, "READY", {"import_s": import_s, "nbext": nbext.__file__})
            if sys.stdin.readline().strip() != "go":
                return 2
            if phase["mode"] == "make-lock":
                locked = ws.lock()
                _send(out, "RESULT", {"locked": {p.name: p.version for p in locked.packages}})
                continue
            children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu0, wall0 = time.process_time(), time.perf_counter()
            target = TargetEnvironment.for_python(Path(phase["venv"]) / "bin" / "python")
            probe = time.perf_counter() - wall0
            requirements = list(spec["requirements"]) if phase["mode"] == "req" else None
            result = install(ws, project, requirements, target=target)
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            children = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu += children.ru_utime - children0.ru_utime + children.ru_stime - children0.ru_stime
            _send(
                out,
                "RESULT",
                {"wall": wall, "cpu": cpu, "probe_s": probe, "requests": result.requests},
            )
    return 0


# -- the runs ------------------------------------------------------------------------------------


@dataclass
class Extra:
    """What the nbext worker reports besides wall and CPU time, per (tool, mode)."""

    probe_s: list[float] = field(default_factory=list)
    import_s: list[float] = field(default_factory=list)
    nbext_file: str = ""


@dataclass
class Setup:
    bench: Bench
    peers: Peers | None
    req_project: Path
    lock_project: Path
    extra: dict[tuple[str, str], Extra] = field(default_factory=dict)


def _worker(spec: dict[str, Any], home: Path, cache: Path) -> Any:
    """``bench_peers._Worker`` running this file's :func:`nbext_worker`."""
    import queue
    import threading

    from benchmarks._peers import tool_env
    from benchmarks.bench_peers import _Worker

    class InstallWorker(_Worker):
        def __init__(self) -> None:
            spec_path = home / f"spec-{len(os.listdir(home))}.json"
            spec_path.write_text(json.dumps(spec), encoding="utf-8")
            self.stderr_path = spec_path.with_suffix(".stderr")
            env = tool_env(home, {"POETRY_CACHE_DIR": str(cache), "PYTHONUNBUFFERED": "1"})
            if spec.get("radar") == "off":
                env["POETRY_RADAR_ENABLED"] = "false"
            cmd = [sys.executable, str(Path(__file__).resolve()), "--nbext-worker", str(spec_path)]
            with self.stderr_path.open("wb") as err:
                self.proc = subprocess.Popen(
                    cmd,
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
            self.import_s = None

    return InstallWorker()


def check(tool: str, mode: str, got: dict[str, str]) -> None:
    from benchmarks._install_setup import EXPECTED
    from benchmarks.bench_peers import BenchError

    if got != EXPECTED:
        wrong = {n: (got.get(n), v) for n, v in EXPECTED.items() if got.get(n) != v}
        extra = sorted(set(got) - set(EXPECTED))
        raise BenchError(
            f"{tool} {mode}: the venv does not hold the expected 20 versions: "
            f"(got, want) {wrong}; unexpected: {extra}"
        )


def make_lock(setup: Setup, home: Path) -> None:
    """poetry.lock for the lock project, with a throwaway cache (not the runs' caches)."""
    from benchmarks._install_setup import EXPECTED
    from benchmarks.bench_peers import BenchError

    spec = {"project": str(setup.lock_project), "phases": [{"mode": "make-lock"}]}
    worker = _worker(spec, home, home / "lock-cache")
    try:
        worker.expect("READY", TIMEOUTS["nbext"])
        worker.go()
        locked = worker.expect("RESULT", TIMEOUTS["nbext"])["locked"]
        worker.finish()
    finally:
        if worker.proc.poll() is None:
            worker.proc.kill()
            worker.proc.wait(timeout=30)
    if locked != EXPECTED:
        raise BenchError(f"ws.lock() locked {locked}, not {EXPECTED}")


def run_nbext(setup: Setup, round_dir: Path, tool: str) -> None:
    """cold (new cache), warm (a new process, the same cache) and, in that warm process, a
    second install into another fresh venv (what a kernel's next ``%install`` costs)."""
    from benchmarks._install_setup import TOPS, installed, new_venv
    from benchmarks.bench_peers import _fresh

    home = _fresh(round_dir / f"{tool}-home")
    cache = home / "poetry-cache"
    lock = tool == "nbext-lock"
    project = setup.lock_project if lock else setup.req_project
    for modes in (["cold"], ["warm", "warm, same process"]):
        venvs = [home / ("venv-" + mode.replace(", ", "-").replace(" ", "-")) for mode in modes]
        phases = [{"mode": "lock" if lock else "req", "venv": str(v)} for v in venvs]
        spec = {
            "project": str(project),
            "phases": phases,
            "requirements": list(TOPS),
            "radar": setup.bench.args.radar,
        }
        for venv in venvs:
            new_venv(venv)
        worker = _worker(spec, home, cache)
        try:
            for mode, venv in zip(modes, venvs, strict=True):
                ready = worker.expect("READY", TIMEOUTS[tool])
                extra = setup.extra.setdefault((tool, mode), Extra())
                extra.import_s.append(float(ready["import_s"]))
                extra.nbext_file = str(ready["nbext"])
                result: dict[str, Any] = {}

                def action(w: Any = worker, result: dict[str, Any] = result) -> tuple[float, float]:
                    w.go()
                    result.update(w.expect("RESULT", TIMEOUTS[tool]))
                    return float(result["wall"]), float(result["cpu"])

                os.sync()
                setup.bench.measure(tool, mode, action)
                extra.probe_s.append(float(result["probe_s"]))
                check(tool, mode, installed(venv))
            worker.finish()
        finally:
            if worker.proc.poll() is None:
                worker.proc.kill()
                worker.proc.wait(timeout=30)


def run_uv(setup: Setup, round_dir: Path) -> None:
    from benchmarks._install_setup import TOPS, installed, new_venv
    from benchmarks._peers import tool_env
    from benchmarks.bench_peers import _fresh, _run_tool

    assert setup.peers is not None
    home = _fresh(round_dir / "uv-home")
    cache = home / "uv-cache"
    env = tool_env(home, {"UV_PYTHON_DOWNLOADS": "never", "UV_NO_PROGRESS": "1"})
    s1, s2 = setup.bench.sources
    for mode in ("cold", "warm"):
        venv = home / f"venv-{mode}"
        python = new_venv(venv)
        cmd = [
            str(setup.peers.uv),
            "pip",
            "install",
            "--no-config",
            "--python",
            str(python),
            "--index-url",
            s1.url,
            "--extra-index-url",
            s2.url,
            "--cache-dir",
            str(cache),
            "-q",
            *TOPS,
        ]

        def action(cmd: list[str] = cmd, mode: str = mode) -> tuple[float, float]:
            wall, cpu, _ = _run_tool(
                cmd, cwd=home, env=env, timeout=TIMEOUTS["uv"], what=f"uv pip install ({mode})"
            )
            return wall, cpu

        os.sync()
        setup.bench.measure("uv", mode, action)
        check("uv", mode, installed(venv))


def run_pip(setup: Setup, round_dir: Path) -> None:
    from benchmarks._install_setup import TOPS, installed, new_venv, site_packages
    from benchmarks._peers import tool_env
    from benchmarks.bench_peers import _fresh, _run_tool

    assert setup.peers is not None
    home = _fresh(round_dir / "pip-home")
    cache = home / "pip-cache"
    env = tool_env(home)
    s1, s2 = setup.bench.sources
    pip_site = site_packages(setup.peers.python.parent.parent)
    modes = {
        "cold": ["--no-cache-dir"],
        "cold, empty cache": ["--cache-dir", str(cache)],
        "warm": ["--cache-dir", str(cache)],
    }
    for number, (mode, cache_args) in enumerate(modes.items()):
        venv = home / f"venv-{number}"
        python = new_venv(venv, pip_from=pip_site)
        cmd = [
            str(python),
            "-m",
            "pip",
            "install",
            "--isolated",
            "--disable-pip-version-check",
            "--no-input",
            "--progress-bar",
            "off",
            "-q",
            "--index-url",
            s1.url,
            "--extra-index-url",
            s2.url,
            *cache_args,
            *TOPS,
        ]

        def action(cmd: list[str] = cmd, mode: str = mode) -> tuple[float, float]:
            wall, cpu, _ = _run_tool(
                cmd, cwd=home, env=env, timeout=TIMEOUTS["pip"], what=f"pip install ({mode})"
            )
            return wall, cpu

        os.sync()
        setup.bench.measure("pip", mode, action)
        check("pip", mode, installed(venv))


# -- report --------------------------------------------------------------------------------------


def render(
    setup: Setup, elapsed: float, versions: dict[str, str], load: tuple[float, float]
) -> str:
    from benchmarks._install_setup import EXPECTED, TOPS
    from benchmarks.bench_peers import _git_head, _median_runs, _span

    bench = setup.bench
    args = bench.args
    grouped = _median_runs(bench.runs)

    def median_wall(tool: str, mode: str) -> float | None:
        runs = grouped.get((tool, mode))
        return statistics.median(r.wall for r in runs) if runs else None

    lines = [
        "| tool | mode | wall s (median) | wall s (range) | CPU s | vs uv | pip / this | "
        "requests | s1 / s2 (pages+other) | conns | KiB in |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for (tool, mode), runs in grouped.items():
        walls = [r.wall for r in runs]
        wall = statistics.median(walls)
        cpus = [r.cpu for r in runs if r.cpu is not None]
        cpu = f"{statistics.median(cpus):.2f}" if cpus else "-"
        kind = "cold" if mode.startswith("cold") else "warm"
        uv, pip = median_wall("uv", kind), median_wall("pip", kind)
        per_source = " / ".join(
            _span([r.sources[i].pages for r in runs])
            + "+"
            + _span([r.sources[i].other for r in runs])
            for i in range(len(bench.sources))
        )
        lines.append(
            f"| {tool} | {mode} | {wall:.2f} | {min(walls):.2f}-{max(walls):.2f} | {cpu} | "
            f"{f'{wall / uv:.2f}x' if uv else 'n/a'} | {f'{pip / wall:.1f}x' if pip else 'n/a'} | "
            f"{_span([r.requests for r in runs])} | {per_source} | "
            f"{_span([r.connections for r in runs])} | "
            f"{statistics.median(r.bytes_received for r in runs) / 1024:.1f} |"
        )
    notes: list[str] = []
    imports = [s for e in setup.extra.values() for s in e.import_s]
    for (tool, mode), extra in setup.extra.items():
        if extra.probe_s:
            notes.append(
                f"{tool} {mode}: of which describing the fresh venv (a subprocess) "
                f"{statistics.median(extra.probe_s):.3f} s."
            )
    for r in bench.runs:
        if r.listen_overflows:
            notes.append(f"{r.tool} {r.mode}: {r.listen_overflows} SYNs dropped (full queue).")
        if r.proxy_requests != r.requests:
            notes.append(
                f"{r.tool} {r.mode}: servers logged {r.requests} requests, the proxies saw "
                f"{r.proxy_requests}."
            )
    nbext_file = next((e.nbext_file for e in setup.extra.values() if e.nbext_file), "")
    header = [
        f"# Installing {len(TOPS)} packages ({len(EXPECTED)} with dependencies) into a fresh "
        "venv: nbext vs uv, pip",
        "",
        f"- date: {dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; nbext checkout "
        f"{_git_head()}" + _imported(nbext_file),
        f"- machine: {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}; load average (1 min) {load[0]:.2f} before, "
        f"{load[1]:.2f} after"
        + (" - the machine was busy: numbers are unreliable" if load[0] > BUSY_LOAD else ""),
        f"- RTT {args.rtt_ms:g} ms per source (userspace delay proxy"
        + (", TCP handshake emulated" if args.handshake else ", handshake not delayed")
        + f"); rounds: {args.rounds} (median wall time); wheel payload {args.payload_kib} KiB"
        + f"; nbext's radar {args.radar}",
        "- tools: " + ", ".join(f"{k} {v}" for k, v in versions.items()),
        "- sources: "
        + "; ".join(f"{s.name} = {s.kind}" for s in bench.sources)
        + ". Every run's venv was checked to hold exactly the same 20 versions.",
        "- every run: a fresh venv (`venv --without-pip`, made before the clock). cold = empty "
        "cache; warm = the same cache again in a new process; warm, same process = nbext's "
        "second install in that process (same Workspace, another fresh venv: a kernel's next "
        "%install). pip cold = `--no-cache-dir`; pip cold, empty cache = a new `--cache-dir` "
        "(which its warm run reuses).",
        "- nbext's wall and CPU time cover `install()` (describing the venv included); imports "
        "and `Workspace()` are outside"
        + (
            f" (`import nbext` + `nbext.resolve.install` in a fresh process: "
            f"{statistics.median(imports):.2f} s, what a kernel pays on its first %install)"
            if imports
            else ""
        )
        + "; the other tools' cover the whole command (process start included). CPU s = user "
        "+ system of the tool's process and its children.",
        "- vs uv: wall / uv's median of the same kind (cold/warm); pip / this: pip's median "
        "of the same kind (cold = `--no-cache-dir`) / wall.",
        "- requests: from the servers' logs (pages = /simple/<name>/, other = files, metadata, "
        "404s for projects a source does not hold); conns and KiB in: from the proxies.",
        "",
    ]
    footer = ["", f"Whole run: {elapsed:.1f} s."]
    if notes:
        footer += ["", "Notes:", *(f"- {note}" for note in dict.fromkeys(notes))]
    return "\n".join([*header, *lines, *footer]) + "\n"


def _imported(nbext_file: str) -> str:
    """Which nbext the worker ran: this checkout's (as it should), or the path it found."""
    if not nbext_file:
        return ""
    if Path(nbext_file).resolve().is_relative_to(REPO_ROOT):
        return " (the worker imported this checkout's nbext)"
    return f" (the worker imported `{nbext_file}`, NOT this checkout's nbext)"


# -- main ----------------------------------------------------------------------------------------


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    from benchmarks.bench_peers import parse_tools, tool_arguments

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    tool_arguments(ap, TOOLS, rounds=3)
    ap.add_argument("--payload-kib", type=int, default=0, help="extra KiB in every wheel")
    ap.add_argument(
        "--radar",
        choices=("on", "off"),
        default="on",
        help="nbext's dependency-confusion radar (on: the default, the public index at a\n"
        "closed port as in the tests; off: radar.enabled false)",
    )
    args = parse_tools(ap, argv, TOOLS)
    if args.payload_kib < 0:
        ap.error("--payload-kib must be at least 0")
    return args


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if args.nbext_worker is not None:
        return nbext_worker(args.nbext_worker)
    if args.index_host is not None:
        from benchmarks._install_setup import index_host

        return index_host(args.index_host)
    from benchmarks._install_setup import EXPECTED, serve, write_project
    from benchmarks._peers import peers_venv
    from benchmarks.bench_peers import Bench, BenchError, _fresh

    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    if load_before > BUSY_LOAD:
        print(f"warning: load average {load_before:.2f}: the machine is busy", file=sys.stderr)
    import nbext

    versions = {"nbext": nbext.__version__}
    peers = None
    if "uv" in args.only or "pip" in args.only:
        print("peers venv ...", flush=True)
        peers = peers_venv()
        versions.update({k: v for k, v in peers.versions.items() if k in args.only})
    work = Path(tempfile.mkdtemp(prefix="nbext-bench-install-"))
    try:
        with serve(
            Path(__file__).resolve(),
            args.rtt_ms / 1000,
            args.handshake,
            work,
            args.payload_kib * 1024,
        ) as (sources, proxies):
            bench = Bench(args, list(EXPECTED), sources, proxies, peers, None, work)
            setup = Setup(
                bench,
                peers,
                write_project(work / "project-req", sources),
                write_project(work / "project-lock", sources),
            )
            if "nbext-lock" in args.only:
                print("locking ...", flush=True)
                make_lock(setup, _fresh(work / "lock-home"))
            runners = {
                "nbext": lambda d: run_nbext(setup, d, "nbext"),
                "nbext-lock": lambda d: run_nbext(setup, d, "nbext-lock"),
                "uv": lambda d: run_uv(setup, d),
                "pip": lambda d: run_pip(setup, d),
            }
            for round_no in range(args.rounds):
                # Each tool goes first in turn.
                order = (
                    args.only[round_no % len(args.only) :] + args.only[: round_no % len(args.only)]
                )
                print(f"round {round_no + 1}/{args.rounds}: {', '.join(order)}", flush=True)
                round_dir = _fresh(work / f"round-{round_no}")
                for tool in order:
                    runners[tool](round_dir)
                shutil.rmtree(round_dir)
        load = (load_before, os.getloadavg()[0])
        text = render(setup, time.perf_counter() - started, versions, load)
    except BenchError as exc:
        print(f"\nBENCHMARK FAILED: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(text)
    if not args.no_write:
        out = args.output or RESULTS_DIR / f"install-{dt.date.today():%Y-%m-%d}.md"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
