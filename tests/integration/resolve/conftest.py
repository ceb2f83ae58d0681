"""Fixtures of the install tests: real, fresh interpreters in temporary folders.

* ``make_venv`` - ``python -m venv --without-pip`` (0.1 s), described by nbext.
* ``pip_venv`` - one venv with pip (ensurepip, no network), for the tests that pip must agree.
* ``system_python`` - a copy of the base interpreter laid out as a non-venv installation in a
  temporary folder (its binary copied, its stdlib entries symlinked, its own empty
  site-packages), so a PEP 668 marker can be put in *its* stdlib folder.
* ``flit_core_wheel`` - a wheel of ``flit_core>=3.2,<4``, the demo sdists' backend: found on
  disk, or else fetched once with ``pip download`` through the machine's package registry.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from nbext.demo.dists import Dist, build_sdist, build_wheel
from nbext.resolve.environment import TargetEnvironment
from tests.support.env import NBEXT_ROOT, install_env
from tests.support.toolvenvs import base_python

MakeVenv = Callable[..., TargetEnvironment]
FLIT_SPEC = "flit_core>=3.2,<4"
FLIT_DIRS = ("/opt/pypi/files", "/opt/pypi-more/files", "/opt/wheels")


def new_venv(folder: Path, *, with_pip: bool = False, nbext_importable: bool = False) -> Path:
    """A fresh venv at ``folder``; its python. ``nbext_importable`` adds a .pth that puts this
    checkout and the test interpreter's site-packages after the venv's own (a kernel-like
    interpreter whose own environment is the venv)."""
    cmd = [base_python(), "-m", "venv", str(folder)]
    if not with_pip:
        cmd.append("--without-pip")
    subprocess.run(cmd, check=True, capture_output=True, timeout=120, env=install_env())
    python = folder / "bin" / "python"
    if nbext_importable:
        site = TargetEnvironment.for_python(python).paths["purelib"]
        here = TargetEnvironment.current().paths["purelib"]
        Path(site, "nbext-under-test.pth").write_text(f"{NBEXT_ROOT}\n{here}\n", "utf-8")
    return python


@pytest.fixture
def make_venv(tmp_path: Path) -> MakeVenv:
    def make(name: str = "venv", **kw: bool) -> TargetEnvironment:
        return TargetEnvironment.for_python(new_venv(tmp_path / name, **kw))

    return make


@pytest.fixture(scope="module")
def pip_venv(tmp_path_factory: pytest.TempPathFactory) -> TargetEnvironment:
    folder = tmp_path_factory.mktemp("pipvenv") / "venv"
    return TargetEnvironment.for_python(new_venv(folder, with_pip=True))


def run_py(env: TargetEnvironment, code: str) -> str:
    """Run ``code`` with ``env``'s python (``-I``: nothing from this process's settings)."""
    proc = subprocess.run(
        [env.python, "-I", "-c", code], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def wheel_of(folder: Path, dist: Dist) -> Path:
    name, data = build_wheel(dist)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return folder / name


def sdist_of(folder: Path, dist: Dist) -> Path:
    name, data = build_sdist(dist)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return folder / name


@pytest.fixture(scope="session")
def system_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A non-venv interpreter whose prefix is a temporary folder (see the module doc)."""
    base = Path(base_python()).resolve()
    stdlib = Path(TargetEnvironment.for_python(base).stdlib)
    root = tmp_path_factory.mktemp("system-python")
    (root / "bin").mkdir()
    python = root / "bin" / base.name
    shutil.copy2(base, python)
    lib = root / stdlib.relative_to(stdlib.parent.parent)  # lib/python3.X
    lib.mkdir(parents=True)
    for entry in stdlib.iterdir():
        if entry.name not in ("site-packages", "dist-packages", "EXTERNALLY-MANAGED"):
            os.symlink(entry, lib / entry.name)
    (lib / "site-packages").mkdir()
    env = TargetEnvironment.for_python(python)
    if Path(env.prefix) != root or env.is_venv:
        pytest.skip(f"a copied interpreter does not take {root} as its prefix here")
    return python


def _flit_on_disk() -> Path | None:
    from packaging.specifiers import SpecifierSet
    from packaging.utils import parse_wheel_filename

    given = os.environ.get("NBEXT_TEST_FLIT_CORE_WHEEL")
    if given and Path(given).is_file():
        return Path(given)
    spec = SpecifierSet(FLIT_SPEC.removeprefix("flit_core"))
    for folder in FLIT_DIRS:
        for path in sorted(Path(folder).glob("flit_core-*.whl")) if Path(folder).is_dir() else []:
            if parse_wheel_filename(path.name)[1] in spec:
                return path
    return None


@pytest.fixture(scope="session")
def flit_core_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    found = _flit_on_disk()
    if found:
        return found
    folder = tmp_path_factory.mktemp("flit")
    cmd = [sys.executable, "-m", "pip", "download", FLIT_SPEC, "--no-deps"]
    cmd += ["--only-binary", ":all:", "-d", str(folder), "-q"]
    try:
        subprocess.run(cmd, check=True, capture_output=True, timeout=120, env=install_env())
    except (subprocess.SubprocessError, OSError) as exc:
        pytest.skip(f"no wheel of {FLIT_SPEC} on disk and pip download failed: {exc}")
    wheels = sorted(folder.glob("flit_core-*.whl"))
    if not wheels:
        pytest.skip(f"pip download {FLIT_SPEC} gave no wheel")
    return wheels[0]
