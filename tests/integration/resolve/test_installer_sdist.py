"""sdists are built into wheels (pypa build, a fresh isolated venv, build requirements from the
caller's callback only, no index), then installed like any wheel; build failures, unmet build
requirements and the deadline give one clear BuildError."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from nbext.demo.dists import Dist
from nbext.errors import BuildError
from nbext.resolve.installer import install_files
from tests.integration.resolve.conftest import MakeVenv, run_py, sdist_of, wheel_of

# A PEP 517 backend in the sdist itself (backend-path): it needs acme-buildhelper to run and
# asks for acme-buildextra through get_requires_for_build_wheel, both provided by the callback.
BACKEND = """
import base64, hashlib, os, sys, time, zipfile
import acme_buildhelper

def get_requires_for_build_wheel(config_settings=None):
    return ["acme-buildextra==0.5; python_version >= '3'", "never-needed; python_version < '3'"]

def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    import acme_buildextra
    mode = open("MODE").read().strip()
    if mode == "fail":
        print("the compiler said: error: cannot find -lacme", file=sys.stderr)
        sys.exit(1)
    if mode == "slow":
        time.sleep(60)
    name, version = "acme_intree", "0.9"
    files = {
        "acme_intree/__init__.py": "BUILT_WITH = %r\\n" % acme_buildhelper.hello(),
        f"{name}-{version}.dist-info/METADATA": "Metadata-Version: 2.1\\nName: acme-intree\\n"
        "Version: 0.9\\n",
        f"{name}-{version}.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: t\\n"
        "Root-Is-Purelib: true\\nTag: py3-none-any\\n",
    }
    record = ""
    for path, text in files.items():
        data = text.encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
        record += f"{path},sha256={digest.decode()},{len(data)}\\n"
    files[f"{name}-{version}.dist-info/RECORD"] = record + f"{name}-{version}.dist-info/RECORD,,\\n"
    filename = f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(wheel_directory, filename), "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return filename
"""
PYPROJECT = """
[build-system]
requires = ["acme-buildhelper>=1"]
build-backend = "backend"
backend-path = ["."]
"""


def intree_sdist(folder: Path, mode: str = "ok") -> Path:
    members = {
        "PKG-INFO": "Metadata-Version: 2.1\nName: acme-intree\nVersion: 0.9\n",
        "pyproject.toml": PYPROJECT,
        "backend.py": BACKEND,
        "MODE": mode,
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "acme_intree-0.9.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        for name, text in members.items():
            data = text.encode()
            info = tarfile.TarInfo(f"acme_intree-0.9/{name}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


class Provider:
    """The caller's side: local wheels for the requirements asked, and a log of the asks."""

    def __init__(self, wheels: dict[str, Path]) -> None:
        self.wheels = wheels
        self.asked: list[list[str]] = []

    def __call__(self, requirements: list[str]) -> list[Path]:
        self.asked.append(requirements)
        out = []
        for req in requirements:
            name = req.split(";")[0].split("=")[0].split(">")[0].split("<")[0].strip()
            out.append(self.wheels[name.replace("_", "-")])
        return out


@pytest.fixture
def helpers(tmp_path: Path) -> Provider:
    return Provider(
        {
            "acme-buildhelper": wheel_of(tmp_path / "tools", Dist("acme-buildhelper", "1.2")),
            "acme-buildextra": wheel_of(tmp_path / "tools", Dist("acme-buildextra", "0.5")),
        }
    )


def test_a_demo_sdist_builds_with_flit_core_from_the_callback(
    make_venv: MakeVenv, tmp_path: Path, flit_core_wheel: Path
) -> None:
    env = make_venv()
    provider = Provider({"flit-core": flit_core_wheel})
    sdist = sdist_of(tmp_path / "dl", Dist("acme-built", "1.4.0", summary="built here"))
    report = install_files(env, [sdist], build_requirements=provider)
    assert report.installed == {"acme-built": "1.4.0"}
    assert report.changes[0].file == "acme_built-1.4.0.tar.gz"
    assert provider.asked == [["flit_core<4,>=3.2"]]
    out = run_py(env, "import acme_built; print(acme_built.hello())")
    assert out.strip() == "hello from acme-built 1.4.0"
    assert env.installed() == {"acme-built": "1.4.0"}  # flit_core stayed in the build env


def test_an_in_tree_backend_gets_both_rounds_of_requirements(
    make_venv: MakeVenv, tmp_path: Path, helpers: Provider
) -> None:
    env = make_venv()
    report = install_files(env, [intree_sdist(tmp_path / "dl")], build_requirements=helpers)
    assert report.installed == {"acme-intree": "0.9"}
    assert helpers.asked == [
        ["acme-buildhelper>=1"],
        ['acme-buildextra==0.5; python_version >= "3"'],
    ]
    out = run_py(env, "import acme_intree; print(acme_intree.BUILT_WITH)")
    assert out.strip() == "hello from acme-buildhelper 1.2"


def test_a_failing_backend_names_the_sdist_and_keeps_its_output(
    make_venv: MakeVenv, tmp_path: Path, helpers: Provider
) -> None:
    env = make_venv()
    with pytest.raises(BuildError) as caught:
        install_files(env, [intree_sdist(tmp_path / "dl", "fail")], build_requirements=helpers)
    text = str(caught.value)
    assert text.startswith("could not build acme_intree-0.9.tar.gz: its build backend failed")
    assert "cannot find -lacme" in text and "cannot find -lacme" in caught.value.output
    assert env.installed() == {}


def test_build_requirements_that_do_not_satisfy_are_refused(
    make_venv: MakeVenv, tmp_path: Path
) -> None:
    env = make_venv()
    old = Provider({"acme-buildhelper": wheel_of(tmp_path / "t", Dist("acme-buildhelper", "0.1"))})
    with pytest.raises(BuildError, match=r"not met: acme-buildhelper>=1 \(given: acme-buildhe"):
        install_files(env, [intree_sdist(tmp_path / "dl")], build_requirements=old)


def test_a_build_past_the_deadline_is_stopped(
    make_venv: MakeVenv, tmp_path: Path, helpers: Provider
) -> None:
    env = make_venv()
    sdist = intree_sdist(tmp_path / "dl", "slow")
    with pytest.raises(BuildError, match="did not finish within the 3 s given"):
        install_files(env, [sdist], build_requirements=helpers, deadline=3)


def test_build_requirements_must_be_wheels(make_venv: MakeVenv, tmp_path: Path) -> None:
    env = make_venv()
    sdist_helper = sdist_of(tmp_path / "t", Dist("acme-buildhelper", "1.2"))
    provider = Provider({"acme-buildhelper": sdist_helper})
    with pytest.raises(BuildError, match=r"acme_buildhelper-1\.2\.tar\.gz, given to build"):
        install_files(env, [intree_sdist(tmp_path / "dl")], build_requirements=provider)
