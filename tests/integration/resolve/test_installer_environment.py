"""Real interpreters that are not venvs: reported as such; PEP 668's marker in their stdlib
refuses an install (with the marker's text and the way out) unless it is overridden."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nbext.demo.dists import Dist
from nbext.errors import ExternallyManagedError, InstallError
from nbext.resolve.environment import MARKER_FILE, TargetEnvironment
from nbext.resolve.installer import install_files
from tests.integration.resolve.conftest import run_py, wheel_of
from tests.support.toolvenvs import base_python

MARKER = """\
[externally-managed]
Error = To install Python packages system-wide, try apt install
 python3-xyz, where xyz is the package you are trying to install.
"""


@pytest.fixture
def marked(system_python: Path) -> Iterator[TargetEnvironment]:
    env = TargetEnvironment.for_python(system_python)
    marker = Path(env.stdlib) / MARKER_FILE
    marker.write_text(MARKER, encoding="utf-8")
    yield env
    marker.unlink()
    shutil.rmtree(env.site_packages[0])
    Path(env.site_packages[0]).mkdir()


def test_the_base_interpreter_is_not_a_venv() -> None:
    env = TargetEnvironment.for_python(base_python())
    assert not env.is_venv and not env.running
    assert env.prefix == env.base_prefix == sys.base_prefix
    assert TargetEnvironment.current().is_venv == (sys.prefix != sys.base_prefix)
    assert "not a venv" in repr(env)


def test_an_externally_managed_interpreter_is_refused(
    marked: TargetEnvironment, tmp_path: Path
) -> None:
    assert not marked.is_venv
    assert marked.externally_managed is not None
    assert marked.externally_managed.startswith("To install Python packages system-wide")
    wheel = wheel_of(tmp_path, Dist("acme-utils", "1.0.0"))
    with pytest.raises(ExternallyManagedError) as caught:
        install_files(marked, [wheel])
    text = str(caught.value)
    assert f"{marked.python} is externally managed (PEP 668" in text
    assert "try apt install python3-xyz, where xyz" in text  # the marker's own words
    assert "virtual environment" in text and "break_system_packages=True" in text
    assert caught.value.marker is not None and caught.value.path == str(
        Path(marked.stdlib) / MARKER_FILE
    )
    assert isinstance(caught.value, InstallError)
    assert marked.installed().get("acme-utils") is None


def test_break_system_packages_installs_anyway(marked: TargetEnvironment, tmp_path: Path) -> None:
    wheel = wheel_of(tmp_path, Dist("acme-utils", "1.0.0"))
    report = install_files(marked, [wheel], break_system_packages=True)
    assert report.installed == {"acme-utils": "1.0.0"}
    assert run_py(marked, "import acme_utils; print(acme_utils.__file__)").startswith(marked.prefix)


def test_a_venv_ignores_its_base_interpreters_marker(
    marked: TargetEnvironment, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([marked.python, "-m", "venv", "--without-pip", str(venv)], check=True)
    env = TargetEnvironment.for_python(venv / "bin" / "python")
    assert env.is_venv and env.stdlib == marked.stdlib  # the marker is right there
    assert env.externally_managed is None
    install_files(env, [wheel_of(tmp_path, Dist("acme-utils", "1.0.0"))])


def test_a_missing_interpreter_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InstallError, match="there is no Python interpreter at"):
        TargetEnvironment.for_python(tmp_path / "nope" / "python")
    not_python = tmp_path / "false"
    not_python.write_text("#!/bin/sh\nexit 3\n")
    not_python.chmod(0o755)
    with pytest.raises(InstallError, match=r"could not describe itself \(exit 3"):
        TargetEnvironment.for_python(not_python)
