"""Benchmark: nbext and uv on the real public index, cold and warm, in one run.

Run: ``.venv/bin/python benchmarks/bench_real.py [--rounds 3] [--only nbext,uv] [--no-write]``

It needs the public index (the default of ``NBEXT_PYPI_URL``: pypi-simple's constant; uv's own
default is the same index), so it runs on demand, never in the test suite. A fixed list of real
projects, chosen for their shape (below), is looked up for a project that requires Python
``>=3.11,<3.12``:

* nbext: ``Workspace.lookup_many(PROJECTS)`` in a worker process (imports and Workspace setup
  outside the timed region). ``cold``: an empty ``POETRY_CACHE_DIR``; ``warm``: a new process
  with the same cache directory.
* uv: ``uv pip compile --no-deps --python-version 3.11`` on the same list, ``cold`` with an
  empty ``--cache-dir``, ``warm`` with the same one again (a new process, as always).

The rounds interleave the tools (nbext cold, uv cold, nbext warm, uv warm), so the network's
moods hit both. Reported per tool and mode: the median wall time, the tool's CPU time, its
peak RSS (``os.wait4`` of the process), the requests it sent (nbext: its event log; uv: its
``-v`` log) and the bytes it received (nbext), and every answer of nbext next to uv's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

#: The projects, by the shape that makes them worth timing (names as people type them).
PROJECTS: dict[str, tuple[str, ...]] = {
    "long histories": ("botocore", "boto3", "Django", "setuptools", "pip", "awscli"),
    "pre-releases at the top": ("httpx", "apache-airflow"),
    "yanked releases": ("requests", "pytest", "cryptography", "protobuf"),
    "Requires-Python cut-offs": (
        "numpy",
        "scipy",
        "pandas",
        "matplotlib",
        "scikit-learn",
        "Pillow",
    ),
    "sdists only": ("docopt", "future", "sgmllib3k", "jieba"),
    "names to normalise": (
        "PyYAML",
        "ruamel.yaml",
        "zope.interface",
        "typing_extensions",
        "Jinja2",
        "MarkupSafe",
        "Flask",
    ),
    "ordinary": (
        "attrs",
        "click",
        "packaging",
        "idna",
        "certifi",
        "charset-normalizer",
        "six",
        "tomli",
        "wheel",
        "rich",
        "pydantic",
        "urllib3",
        "tqdm",
    ),
}
REQUIRES_PYTHON = ">=3.11,<3.12"
TIMEOUT = 600.0


def all_projects() -> list[str]:
    return [name for group in PROJECTS.values() for name in group]


# -- the nbext worker (a process of its own) ---------------------------------------------------


def nbext_worker(spec_path: Path) -> int:
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    import nbext

    with nbext.Workspace(spec["project"]) as ws:
        before = os.times()
        started = time.perf_counter()
        results = ws.lookup_many(spec["projects"])
        wall = time.perf_counter() - started
        after = os.times()
        events = ws.events
    answers = {
        r.requirement: (r.chosen.version, r.chosen.source) if r.chosen else (None, r.message)
        for r in results
    }
    out = {
        "wall": wall,
        "cpu": (after.user - before.user) + (after.system - before.system),
        "requests": sum(1 for e in events if e.is_request),
        "received": sum(e.size for e in events if e.is_request),
        "answers": answers,
    }
    print(json.dumps(out), flush=True)
    return 0


# -- running the tools ---------------------------------------------------------------------------


@dataclass
class Run:
    tool: str
    mode: str
    wall: float
    cpu: float
    rss_mb: float
    requests: int
    received: int | None = None
    answers: dict[str, Any] = field(default_factory=dict)


def _env(home: Path) -> dict[str, str]:
    """The environment without this machine's package-index settings (PIP_*, UV_*, CA
    bundles), HOME and XDG dirs in a temp dir."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "UV_", "POETRY_", "NBEXT_", "XDG_"))
        and k not in {"REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "VIRTUAL_ENV"}
    }
    env.update({"HOME": str(home), "UV_NO_CONFIG": "1", "PIP_CONFIG_FILE": os.devnull})
    for name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME"):
        env[name] = str(home / name.lower())
    return env


def _measured(cmd: list[str], env: dict[str, str], cwd: Path) -> tuple[float, Any, str, str]:
    """Run ``cmd``; ``(wall, rusage of the process, stdout, stderr)``."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed ({proc.returncode}):\n{stderr[-3000:]}")
    return wall, usage, stdout, stderr


def run_nbext(work: Path, mode: str, projects: list[str]) -> Run:
    project = work / "project"
    project.mkdir(exist_ok=True)
    (project / "pyproject.toml").write_text(
        f'[project]\nname = "bench"\nversion = "0"\nrequires-python = "{REQUIRES_PYTHON}"\n',
        encoding="utf-8",
    )
    spec = work / "nbext-spec.json"
    spec.write_text(json.dumps({"project": str(project), "projects": projects}))
    env = _env(work / "home")
    env["POETRY_CACHE_DIR"] = str(work / "nbext-cache")
    env["POETRY_CONFIG_DIR"] = str(work / "nbext-config")
    cmd = [sys.executable, __file__, "--nbext-worker", str(spec)]
    _wall, usage, stdout, _err = _measured(cmd, env, work)
    got = json.loads(stdout.strip().splitlines()[-1])
    return Run(
        "nbext",
        mode,
        got["wall"],
        got["cpu"],
        usage.ru_maxrss / 1024,
        got["requests"],
        got["received"],
        got["answers"],
    )


def run_uv(uv: Path, work: Path, mode: str, projects: list[str]) -> Run:
    reqs = work / "requirements.in"
    reqs.write_text("\n".join(projects) + "\n", encoding="utf-8")
    env = _env(work / "home")
    out = work / "uv-out.txt"
    cmd = [
        str(uv),
        "-v",
        "pip",
        "compile",
        "--no-deps",
        "--python-version",
        "3.11",
        "--cache-dir",
        str(work / "uv-cache"),
        "--no-header",
        "-o",
        str(out),
        str(reqs),
    ]
    wall, usage, _out, err = _measured(cmd, env, work)
    sent = sum(
        1
        for line in err.splitlines()
        if "Sending fresh GET request" in line or "Sending revalidation request" in line
    )
    answers: dict[str, Any] = {}
    for line in out.read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name, _, version = line.strip().partition("==")
            answers[name] = (version, "PyPI")
    cpu = usage.ru_utime + usage.ru_stime
    return Run("uv", mode, wall, cpu, usage.ru_maxrss / 1024, sent, None, answers)


# -- the report ----------------------------------------------------------------------------------


def render(runs: list[Run], projects: list[str], rounds: int) -> str:
    groups: dict[tuple[str, str], list[Run]] = {}
    for run in runs:
        groups.setdefault((run.tool, run.mode), []).append(run)
    med = {key: statistics.median(r.wall for r in rs) for key, rs in groups.items()}
    lines = [
        f"# nbext vs uv on the real public index: {len(projects)} projects",
        "",
        f"- date: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; rounds: {rounds} (median wall)",
        f"- project requires-python {REQUIRES_PYTHON}; uv: `pip compile --no-deps "
        "--python-version 3.11`",
        "",
        "| tool | mode | wall s | vs uv | CPU s | peak RSS MB | requests | KiB in |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (tool, mode), rs in sorted(groups.items()):
        uv = med.get(("uv", mode))
        ratio = f"{med[(tool, mode)] / uv:.2f}x" if uv else "-"
        cpu = statistics.median(r.cpu for r in rs)
        rss = max(r.rss_mb for r in rs)
        requests = statistics.median(r.requests for r in rs)
        received = [r.received for r in rs if r.received is not None]
        kib = f"{statistics.median(received) / 1024:.0f}" if received else "-"
        lines.append(
            f"| {tool} | {mode} | {med[(tool, mode)]:.2f} | {ratio} | {cpu:.2f} | {rss:.0f} | "
            f"{requests:.0f} | {kib} |"
        )
    nbext = next((r for r in runs if r.tool == "nbext"), None)
    uv_run = next((r for r in runs if r.tool == "uv"), None)
    if nbext and uv_run:
        lines += ["", "| project | shape | nbext | uv |", "|---|---|---|---|"]
        from packaging.utils import canonicalize_name

        uv_by = {canonicalize_name(k): v for k, v in uv_run.answers.items()}
        for shape, names in PROJECTS.items():
            for name in names:
                mine = nbext.answers.get(name, (None, None))
                theirs = uv_by.get(canonicalize_name(name), (None, None))
                mark = "" if mine[0] == theirs[0] else " **differs**"
                lines.append(f"| {name} | {shape} | {mine[0]} | {theirs[0]}{mark} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", default="nbext,uv")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--nbext-worker", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.nbext_worker:
        return nbext_worker(args.nbext_worker)
    only = set(args.only.split(","))
    projects = all_projects()
    uv = None
    if "uv" in only:
        from benchmarks._peers import peers_venv

        uv = peers_venv().uv
    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="nbext-bench-real-") as tmp:
        for round_no in range(args.rounds):
            base = Path(tmp) / f"round-{round_no}"
            (base / "nbext").mkdir(parents=True)
            (base / "uv").mkdir(parents=True)
            for mode in ("cold", "warm"):
                if "nbext" in only:
                    runs.append(run_nbext(base / "nbext", mode, projects))
                    print(runs[-1].tool, mode, f"{runs[-1].wall:.2f}s", flush=True)
                if uv is not None:
                    runs.append(run_uv(uv, base / "uv", mode, projects))
                    print(runs[-1].tool, mode, f"{runs[-1].wall:.2f}s", flush=True)
    report = render(runs, projects, args.rounds)
    print(report)
    if not args.no_write:
        results = REPO_ROOT / "benchmarks" / "results"
        results.mkdir(exist_ok=True)
        (results / f"real-{dt.date.today():%Y-%m-%d}.md").write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
