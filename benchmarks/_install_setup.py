"""The setup of ``benchmarks/bench_install.py``: a 20-package closure on two local sources.

* :func:`closure` - 5 top-level packages (``bi-top-1`` .. ``bi-top-5``) whose dependencies fan
  out to 10 ``bi-mid-*`` and 5 ``bi-leaf-*`` packages: 20 distinct projects, each in three
  versions (``1.0.0``, ``1.1.0``, ``2.0.0``) as a py3-none-any wheel and an sdist. Some
  requirements cap a dependency below 2 (``bi-mid-2>=1,<2``), so the answer is not "the newest
  of everything" but it has no conflicts: every tool that takes the newest version allowed ends
  at :data:`EXPECTED`.
* :func:`serve` - the sources, each in a process of its own and behind the delay proxy of
  ``benchmarks/_proxy.py``: ``s1`` a PEP 691 JSON :class:`~nbext.demo.IndexServer` with PEP 658
  metadata (the tops and ``bi-mid-1`` .. ``bi-mid-5``), ``s2`` a static PEP 503 HTML tree served
  by ``http.server`` (``bi-mid-6`` .. ``bi-mid-10`` and the leaves: no metadata files, no range
  requests, ``Last-Modified`` only). The two hold different projects, so every tool has to ask
  both (uv's default ``first-index`` strategy, pip's merge of all indexes and Poetry's two
  primaries agree on every candidate).
* :func:`new_venv`, :func:`installed` - a fresh venv (``--without-pip``), and what a venv holds
  read from its ``*.dist-info`` folders (the same check for every tool).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.parser
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks._proxy import ProxyProcess
    from benchmarks.bench_peers import Source
    from nbext.demo import Dist

REPO_ROOT = Path(__file__).resolve().parent.parent
VERSIONS = ("1.0.0", "1.1.0", "2.0.0")
TOPS = tuple(f"bi-top-{i}" for i in range(1, 6))
SOURCE_NAMES = ("s1", "s2")
SOURCE_KINDS = (
    "PEP 691 JSON + PEP 658 metadata (IndexServer)",
    "PEP 503 static HTML tree (http.server; no metadata files, no ranges)",
)
#: Last-Modified of the static tree's files, as in bench_peers (heuristic freshness is stable).
STATIC_MTIME = dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp()


def _requires(name: str) -> tuple[str, ...]:
    kind, num = name.rsplit("-", 1)
    i = int(num)
    if kind == "bi-top":
        # Each top: two mids of its own (one capped below 2) and one shared with its neighbour.
        return (f"bi-mid-{2 * i - 1}>=1", f"bi-mid-{2 * i}>=1,<2", f"bi-mid-{(2 * i) % 10 + 1}")
    if kind == "bi-mid":
        leaf = (i - 1) % 5 + 1
        # bi-mid-2 and bi-mid-4 cap their leaf below 2: bi-leaf-2 and bi-leaf-4 end at 1.1.0.
        return (f"bi-leaf-{leaf}<2" if i in (2, 4) else f"bi-leaf-{leaf}>=1",)
    return ()


def names() -> list[str]:
    """The 20 projects of the closure."""
    return [
        *TOPS,
        *(f"bi-mid-{i}" for i in range(1, 11)),
        *(f"bi-leaf-{i}" for i in range(1, 6)),
    ]


def _expected() -> dict[str, str]:
    caps: set[str] = set()
    for name in names():
        for req in _requires(name):
            if "<2" in req:
                caps.add(req.split("<", 1)[0].split(">", 1)[0])
    return {n: ("1.1.0" if n in caps else "2.0.0") for n in names()}


#: What every tool must install: ``{name: version}``.
EXPECTED = _expected()


def source_of(name: str) -> str:
    """Which source holds a project (``s1`` or ``s2``)."""
    kind, num = name.rsplit("-", 1)
    return "s1" if kind == "bi-top" or (kind == "bi-mid" and int(num) <= 5) else "s2"


def closure(payload: int = 0) -> list[Dist]:
    """Every release of the 20 projects (``payload`` extra bytes in each wheel)."""
    from nbext.demo import Dist

    return [
        Dist(n, v, requires_dist=_requires(n), summary="bench-install", payload=payload)
        for n in names()
        for v in VERSIONS
    ]


def _dist_json(d: Dist) -> list[object]:
    return [d.name, d.version, list(d.requires_dist), d.payload]


def index_host(spec_path: Path) -> int:
    """Serve ``s1`` (``--index-host SPEC``) until stdin closes; as ``bench_peers.index_host``,
    with the releases' requirements and payloads."""
    from benchmarks.bench_peers import host_server
    from nbext.demo import Dist, IndexServer

    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    dists = [
        Dist(n, v, requires_dist=tuple(r), summary="bench-install", payload=int(p))
        for n, v, r, p in spec["dists"]
    ]
    return host_server(IndexServer(dists, name=spec["name"], api="json", metadata=True))


@contextlib.contextmanager
def serve(
    script: Path, rtt: float, handshake: bool, work: Path, payload: int
) -> Iterator[tuple[list[Source], ProxyProcess]]:
    """``s1`` and ``s2``, each in a process of its own behind a delay proxy adding ``rtt``;
    ``script --index-host SPEC`` runs :func:`index_host`. Everything is stopped (by its PID)
    on exit."""
    from benchmarks._peers import tool_env
    from benchmarks._proxy import ControlledProcess, ProxyProcess
    from benchmarks.bench_peers import Source, _host_log, _run_static_server, _static_log
    from tests.support.servers import write_static_tree

    dists = closure(payload)
    stoppers: list[Callable[[], None]] = []
    try:
        spec_path = work / "s1.json"
        spec = {"name": "s1", "dists": [_dist_json(d) for d in dists if source_of(d.name) == "s1"]}
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        cmd = [sys.executable, str(script), "--index-host", str(spec_path)]
        host = ControlledProcess(cmd, env=tool_env(work / "s1-home"), timeout=60)
        stoppers.append(host.stop)
        assert isinstance(host.ready, int)
        tree = work / "s2-tree"
        write_static_tree([d for d in dists if source_of(d.name) == "s2"], tree)
        for path in tree.rglob("*"):
            os.utime(path, (STATIC_MTIME, STATIC_MTIME))
        static = _run_static_server(tree)
        stoppers.append(static.stop)
        static_port = int(static.base_url.rsplit(":", 1)[1])
        proxies = ProxyProcess([host.ready, static_port], rtt, handshake=handshake)
        stoppers.append(proxies.close)
        logs = [(_host_log(host), host.pid), (_static_log(static.log_path), static.proc.pid)]
        sources = [
            Source(SOURCE_NAMES[i], SOURCE_KINDS[i], url, log, pid)
            for i, (url, (log, pid)) in enumerate(zip(proxies.urls(), logs, strict=True))
        ]
        yield sources, proxies
    finally:
        for stop in reversed(stoppers):
            stop()


def write_project(where: Path, sources: list[Source]) -> Path:
    """A Poetry project (package-mode off) requiring the tops, both sources primary."""
    where.mkdir(parents=True)
    deps = ",\n".join(f'    "{n}"' for n in TOPS)
    blocks = "\n".join(
        f'[[tool.poetry.source]]\nname = "{s.name}"\nurl = "{s.url}"\npriority = "primary"\n'
        for s in sources
    )
    (where / "pyproject.toml").write_text(
        "[project]\n"
        'name = "bench-install"\n'
        'version = "0.1.0"\n'
        'requires-python = ">=3.11"\n'
        f"dependencies = [\n{deps},\n]\n\n"
        "[tool.poetry]\n"
        "package-mode = false\n\n"
        f"{blocks}",
        encoding="utf-8",
    )
    return where


def new_venv(folder: Path, *, pip_from: Path | None = None) -> Path:
    """A fresh venv (``python -m venv --without-pip``); its python. ``pip_from``: a
    site-packages to copy pip (and its dist-info) from, so ``<venv>/bin/python -m pip`` runs
    that pip as ``%pip`` would run the kernel's (ensurepip's bundled pip is older)."""
    from tests.support.env import install_env
    from tests.support.toolvenvs import base_python

    cmd = [base_python(), "-m", "venv", "--without-pip", str(folder)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=120, env=install_env())
    if pip_from is not None:
        site = site_packages(folder)
        for entry in pip_from.iterdir():
            if entry.name == "pip" or (
                entry.name.startswith("pip-") and entry.suffix == ".dist-info"
            ):
                shutil.copytree(entry, site / entry.name)
    return folder / "bin" / "python"


def site_packages(venv: Path) -> Path:
    found = sorted(venv.glob("lib/python3*/site-packages"))
    if len(found) != 1:
        raise RuntimeError(f"no single site-packages in {venv}: {found}")
    return found[0]


def installed(venv: Path) -> dict[str, str]:
    """``{name: version}`` of every distribution in the venv (pip left out)."""
    from packaging.utils import canonicalize_name

    parser = email.parser.BytesHeaderParser()
    out: dict[str, str] = {}
    for meta in site_packages(venv).glob("*.dist-info/METADATA"):
        headers = parser.parsebytes(meta.read_bytes())
        name = canonicalize_name(str(headers["Name"]))
        if name != "pip":
            out[name] = str(headers["Version"])
    return out
