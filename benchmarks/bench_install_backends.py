"""Benchmark: putting local wheels into a fresh venv (the backend of ``%install``).

Run: ``.venv/bin/python benchmarks/bench_install_backends.py [--wheels 20] [--rounds 3]
[--uv PATH] [--out FILE]``

Each backend gets its own fresh venv (made before the clock starts) and, with no index, does
three steps on ``--wheels`` small wheels built by ``nbext.demo.dists``: install 1.0.0 of each,
upgrade all to 2.0.0, uninstall all. The time is the wall time of the step (median of the
rounds), subprocess start-up included, as a kernel would pay it; the backends take turns
going first, and dirty pages are written back (``os.sync()``) before each clock starts.

* ``nbext``: ``nbext.resolve.installer.install_files`` (pypa ``installer`` in-process,
  uninstall by ``RECORD``, all-or-nothing), no bytecode, the venv described before the clock
  (a kernel describes itself in-process in ~5 ms); ``nbext+pyc`` compiles like pip;
  ``nbext+probe`` describes the venv in a subprocess (``TargetEnvironment.for_python``) in
  every step, as for an interpreter other than the kernel's.
* ``installer``: pypa ``installer`` alone, in-process, one ``install()`` per wheel (no
  uninstall: install step only).
* ``pip``: the venv's own pip, ``python -m pip install --no-deps --no-index --isolated`` (pip
  compiles bytecode by default); ``pip-nopyc`` adds ``--no-compile``; ``pip uninstall -y``.
* ``uv``: ``uv pip install --no-deps --no-index --no-config --python <venv python>`` with a new
  ``UV_CACHE_DIR`` per round (``uv-cold``) and then the same cache again (``uv-warm``); ``uv
  pip uninstall``. ``--uv`` gives the binary (``pip install uv`` in a temp venv); without it the
  uv rows are skipped unless ``uv`` is on PATH.

Everything lives in one temporary folder that is removed at the end. No network.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nbext.demo.dists import Dist, build_wheel  # noqa: E402
from nbext.resolve.environment import TargetEnvironment  # noqa: E402
from nbext.resolve.installer import install_files  # noqa: E402

Step = Callable[[Path, list[Path], list[str]], None]  # (venv python, files, names)


def clean_env() -> dict[str, str]:
    """This machine's PIP_* settings (find-links, extra indexes, constraints) stay out."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "UV_"))}


def run(cmd: list[str], **env: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True, env={**clean_env(), **env}, timeout=300)


def make_venv(folder: Path, with_pip: bool) -> Path:
    cmd = [sys.executable, "-m", "venv", str(folder)]
    if not with_pip:
        cmd.insert(3, "--without-pip")
    run(cmd)
    return folder / "bin" / "python"


def wheels(folder: Path, count: int, version: str) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        name, data = build_wheel(Dist(f"bench-pkg-{i}", version, summary="benchmark"))
        (folder / name).write_bytes(data)
        out.append(folder / name)
    return out


_ENVS: dict[Path, TargetEnvironment] = {}


def describe(python: Path, probe: bool) -> TargetEnvironment:
    """The venv as nbext sees it: asked in a subprocess each time (``probe``), or once before
    the clock starts, as a kernel has its own (``TargetEnvironment.current()``, ~5 ms)."""
    if probe or python not in _ENVS:
        _ENVS[python] = TargetEnvironment.for_python(python)
    return _ENVS[python]


def nbext_step(compile_bytecode: bool, probe: bool = False) -> tuple[Step, Step, Step]:
    def install(python: Path, files: list[Path], names: list[str]) -> None:
        install_files(describe(python, probe), files, compile_bytecode=compile_bytecode)

    def uninstall(python: Path, files: list[Path], names: list[str]) -> None:
        install_files(describe(python, probe), [], uninstall=names)

    return install, install, uninstall


def installer_step() -> tuple[Step, None, None]:
    import installer
    from installer.destinations import SchemeDictionaryDestination
    from installer.sources import WheelFile
    from installer.utils import get_launcher_kind

    def install(python: Path, files: list[Path], names: list[str]) -> None:
        env = describe(python, False)
        for path in files:
            with WheelFile.open(path) as source:
                dest = SchemeDictionaryDestination(
                    env.scheme(source.distribution), str(python), get_launcher_kind()
                )
                installer.install(source, dest, {"INSTALLER": b"bench\n"})

    return install, None, None


def pip_step(compile_bytecode: bool) -> tuple[Step, Step, Step]:
    def install(python: Path, files: list[Path], names: list[str]) -> None:
        extra = [] if compile_bytecode else ["--no-compile"]
        base = [str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--isolated"]
        run([*base, "-q", *extra, *map(str, files)])

    def uninstall(python: Path, files: list[Path], names: list[str]) -> None:
        run([str(python), "-m", "pip", "uninstall", "--isolated", "-y", "-q", *names])

    return install, install, uninstall


def uv_step(uv: str, cache: Path) -> tuple[Step, Step, Step]:
    def install(python: Path, files: list[Path], names: list[str]) -> None:
        cmd = [uv, "pip", "install", "--no-deps", "--no-index", "--no-config", "-q"]
        run([*cmd, "--python", str(python), *map(str, files)], UV_CACHE_DIR=str(cache))

    def uninstall(python: Path, files: list[Path], names: list[str]) -> None:
        cmd = [uv, "pip", "uninstall", "--no-config", "-q", "--python", str(python), *names]
        run(cmd, UV_CACHE_DIR=str(cache))

    return install, install, uninstall


def timed(step: Step | None, python: Path, files: list[Path], names: list[str]) -> float | None:
    if step is None:
        return None
    # Before the clock: write back what earlier steps left dirty (pip's venvs, uv's cache),
    # or the next backend's small writes wait behind it (seen: nbext 0.10 s instead of 0.03).
    os.sync()
    started = time.perf_counter()
    step(python, files, names)
    return time.perf_counter() - started


def check(python: Path, names: list[str], version: str | None) -> None:
    """The step did what it says: every module imports at ``version`` (or is gone)."""
    mods = [n.replace("-", "_") for n in names]
    code = (
        "import importlib.util as u, importlib.metadata as m, sys\n"
        f"v = {version!r}\n"
        f"for mod, name in zip({mods!r}, {names!r}):\n"
        "    found = u.find_spec(mod) is not None\n"
        "    assert found == (v is not None), mod\n"
        "    if v: assert m.version(name) == v, (name, m.version(name))\n"
    )
    run([str(python), "-c", code])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--uv", default=shutil.which("uv"), help="the uv binary")
    parser.add_argument("--out", type=Path, help="also write the table here (Markdown)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="nbext-bench-install-") as tmp:
        root = Path(tmp)
        v1, v2 = (
            wheels(root / "v1", args.wheels, "1.0.0"),
            wheels(root / "v2", args.wheels, "2.0.0"),
        )
        names = [f"bench-pkg-{i}" for i in range(args.wheels)]
        backends: dict[str, tuple[tuple[Step | None, Step | None, Step | None], bool]] = {
            "nbext": (nbext_step(False), False),
            "nbext+pyc": (nbext_step(True), False),
            "nbext+probe": (nbext_step(False, probe=True), False),
            "installer": (installer_step(), False),
            "pip": (pip_step(True), True),
            "pip-nopyc": (pip_step(False), True),
        }
        if args.uv:
            warm = root / "uv-warm-cache"
            backends["uv-warm"] = (uv_step(args.uv, warm), False)
        times: dict[str, list[list[float | None]]] = {k: [] for k in backends}
        if args.uv:
            times["uv-cold"] = []
            # fill the warm cache once
            python = make_venv(root / "uv-fill", with_pip=False)
            uv_step(args.uv, warm)[0](python, v1, names)
            uv_step(args.uv, warm)[0](python, v2, names)
        for r in range(args.rounds):
            order = list(times)
            order = (
                order[r % len(order) :] + order[: r % len(order)]
            )  # each backend goes first once
            for label in order:
                if label == "uv-cold":
                    steps = uv_step(args.uv, root / f"uv-cache-cold-{r}")
                    with_pip = False
                else:
                    steps, with_pip = backends[label]
                python = make_venv(root / f"{label}-{r}", with_pip)
                describe(python, False)  # before the clock (the nbext rows)
                row = [timed(steps[0], python, v1, names)]
                check(python, names, "1.0.0")
                row.append(timed(steps[1], python, v2, names))
                if steps[1]:
                    check(python, names, "2.0.0")
                row.append(timed(steps[2], python, [], names))
                if steps[2]:
                    check(python, names, None)
                times[label].append(row)
                shutil.rmtree(root / f"{label}-{r}")
        lines = [
            f"{args.wheels} wheels, median of {args.rounds} rounds, Python "
            f"{sys.version.split()[0]}, fresh venv per backend and round (seconds)",
            "",
            "| backend | install | upgrade | uninstall |",
            "|---|---:|---:|---:|",
        ]
        for label, rows in times.items():
            cells = []
            for col in range(3):
                vals = [row[col] for row in rows if row[col] is not None]
                cells.append(f"{statistics.median(vals):.3f}" if vals else "-")
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        text = "\n".join(lines)
        print(text)
        if args.out:
            args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
