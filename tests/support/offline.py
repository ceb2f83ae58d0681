"""Installing nbext as a user would, without the network: fresh venvs fed by this venv's packages.

pip in a fresh venv gets no index, no find-links and no config file (:func:`offline_pip_env`);
the dependencies it needs are already importable, because the venv's site-packages holds a
``.pth`` file adding a directory of links into this venv's site-packages (:func:`fresh_venv`).

* :func:`checkout_files`, :func:`copy_checkout` - what a clone of this checkout holds (tracked
  files plus new, not ignored ones), copied elsewhere: builds and editable installs never
  write into the working tree.
* :func:`shared_site` - links to every package of this venv but nbext itself (binder's install
  step needs the ``lab`` extra and its build backend).
* :func:`closure_site` - links to the distributions some requirements need, transitively, and
  nothing else: a venv fed by it has nbext's runtime dependencies and no test extra.
* :func:`runtime_requirements` - a wheel's or sdist's ``Requires-Dist`` without extras.
* :func:`fresh_venv`, :func:`fresh_env`, :func:`offline_pip_env` - the venv, its environment
  (isolated as the session is, its ``bin`` first on PATH), pip's settings.
* :func:`run_group` - a command in its own process group, killed with the group at the end.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
from collections.abc import Iterable
from email.parser import HeaderParser
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support.env import isolated_environ
from tests.support.paths import REPO_ROOT
from tests.support.procs import run_captured
from tests.support.toolvenvs import base_python

__all__ = [
    "VENV_TIMEOUT",
    "checkout_files",
    "closure_site",
    "copy_checkout",
    "fresh_env",
    "fresh_venv",
    "is_this_project",
    "offline_pip_env",
    "run_group",
    "runtime_requirements",
    "shared_site",
]

VENV_TIMEOUT = 120  # seconds for `python -m venv` (ensurepip included)
_PURELIB = Path(sysconfig.get_paths()["purelib"])


def checkout_files(root: Path = REPO_ROOT) -> list[str]:
    """What a clone of this checkout would hold: tracked files plus new, not ignored ones."""
    cmd = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    try:
        proc = run_captured(cmd, cwd=root, timeout=60)
    except (OSError, subprocess.SubprocessError):
        proc = None
    if proc is None or proc.returncode != 0:
        pytest.skip("needs a git checkout (git ls-files)")
    return [name for name in proc.stdout.split("\0") if name and (root / name).is_file()]


def copy_checkout(dest: Path, root: Path = REPO_ROOT) -> Path:
    for name in checkout_files(root):
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, target)
    return dest


def is_this_project(entry: Path) -> bool:
    """The test venv's own nbext: its dist-info and the editable install's path hook."""
    name = entry.name.lower().replace("-", "_")
    if name == "nbext" or name.startswith(("nbext_", "nbext.", "__editable__.nbext")):
        return True
    if entry.suffix == ".pth":
        text = entry.read_text(encoding="utf-8", errors="replace")
        return "nbext" in entry.name.lower() or str(REPO_ROOT / "src") in text
    return False


def _link(dest: Path, entry: Path) -> None:
    link = dest / entry.name
    if not link.exists() and not link.is_symlink():
        link.symlink_to(entry, target_is_directory=entry.is_dir())


def shared_site(dest: Path) -> Path:
    """The test venv's installed packages, offered to a fresh venv without the network.

    A directory of links to every entry of this venv's site-packages except nbext itself, so
    that pip in the fresh venv sees no nbext installed (and never touches this venv's), and
    the fresh venv can only import the nbext installed into it.
    """
    dest.mkdir()
    for entry in _PURELIB.iterdir():
        if not is_this_project(entry):
            _link(dest, entry)
    return dest


def _installed() -> dict[str, importlib.metadata.Distribution]:
    found: dict[str, importlib.metadata.Distribution] = {}
    for dist in importlib.metadata.distributions(path=[str(_PURELIB)]):
        found.setdefault(canonicalize_name(dist.metadata["Name"]), dist)
    return found


def _applies(marker: Marker | None, extra: str) -> bool:
    return marker is None or marker.evaluate({"extra": extra})


def _closure(requirements: Iterable[str]) -> list[importlib.metadata.Distribution]:
    """The installed distributions ``requirements`` need, their extras' included."""
    installed = _installed()
    todo = [Requirement(r) for r in requirements]
    seen: set[tuple[str, str]] = set()
    found: dict[str, importlib.metadata.Distribution] = {}
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        if name == "nbext":
            continue
        dist = installed.get(name)
        if dist is None:
            raise LookupError(f"{req} is needed but not installed in {_PURELIB}")
        found[name] = dist
        for extra in ("", *sorted(req.extras)):
            if (name, extra) in seen:
                continue
            seen.add((name, extra))
            for line in dist.requires or []:
                dep = Requirement(line)
                if _applies(dep.marker, extra):
                    todo.append(dep)
    return list(found.values())


def closure_site(dest: Path, requirements: Iterable[str]) -> Path:
    """Links to the top-level entries (packages, modules, dist-info) of the distributions
    ``requirements`` need, transitively, from this venv's site-packages, and to nothing else."""
    dest.mkdir()
    for dist in _closure(requirements):
        files = dist.files
        if files is None:
            raise LookupError(f"{dist.metadata['Name']} has no RECORD: cannot tell its files")
        tops = {f.parts[0] for f in files if f.parts and f.parts[0] not in ("..", "__pycache__")}
        for top in sorted(tops):
            entry = _PURELIB / top
            if entry.exists() and not is_this_project(entry):
                _link(dest, entry)
    return dest


def runtime_requirements(metadata: str) -> list[str]:
    """``Requires-Dist`` of core metadata (a wheel's METADATA, an sdist's PKG-INFO) that apply
    without any extra."""
    headers = HeaderParser().parsestr(metadata)
    reqs = [Requirement(line) for line in headers.get_all("Requires-Dist") or []]
    return [str(r) for r in reqs if _applies(r.marker, "")]


def fresh_env(home: Path, venv: Path) -> dict[str, str]:
    """The isolated environment, with the fresh venv's bin first on PATH (its python)."""
    env = isolated_environ(dict(os.environ), home)
    env.pop("VIRTUAL_ENV", None)
    this_bin = str(Path(sys.executable).parent)
    path = [p for p in env.get("PATH", os.defpath).split(os.pathsep) if p and p != this_bin]
    env["PATH"] = os.pathsep.join([str(venv / "bin"), *path])
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # nothing written into this venv's shared packages
    env["PYTHONNOUSERSITE"] = "1"
    return env


def offline_pip_env(env: dict[str, str]) -> dict[str, str]:
    """``env`` for pip with no index, no find-links and no config file. PIP_NO_BUILD_ISOLATION=0
    is pip's (inverted) spelling of --no-build-isolation: the build backend comes from what the
    venv can already import."""
    return {
        **env,
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INDEX": "1",
        "PIP_NO_BUILD_ISOLATION": "0",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        "PIP_NO_INPUT": "1",
    }


def run_group(cmd: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> tuple[int, str]:
    """Run ``cmd`` in its own process group (output merged); the group is killed at the end."""
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # a kernel or demo index it starts goes with the group
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        # A kernel (its own session) keeps the pipe open until it sees its parent gone.
        try:
            out, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            out = "(no output: the pipe stayed open)"
        pytest.fail(f"timed out after {timeout} s: {cmd}\n{out}")
    finally:
        with contextlib.suppress(ProcessLookupError):  # leftovers of a failed run
            os.killpg(proc.pid, signal.SIGKILL)
    return proc.returncode, out


def fresh_venv(venv: Path, env: dict[str, str], site_dirs: Iterable[Path]) -> tuple[Path, Path]:
    """``python -m venv`` (with pip, as a user makes one) from the base interpreter; a ``.pth``
    adds ``site_dirs`` after the venv's own site-packages, so what is installed into the venv
    comes first. Returns the venv's python and its site-packages."""
    rc, out = run_group(
        [base_python(), "-m", "venv", str(venv)], cwd=venv.parent, env=env, timeout=VENV_TIMEOUT
    )
    assert rc == 0, out
    python = venv / "bin" / "python"
    rc, out = run_group(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        cwd=venv.parent,
        env=env,
        timeout=60,
    )
    assert rc == 0, out
    site = Path(out.strip())
    assert site.resolve().is_relative_to(venv.resolve()), site
    lines = "".join(f"import site; site.addsitedir({str(d)!r})\n" for d in site_dirs)
    (site / "zz-nbext-test-shared.pth").write_text(lines, encoding="utf-8")
    return python, site
