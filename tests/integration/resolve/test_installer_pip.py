"""pip and nbext share one environment: pip lists and uninstalls what nbext installed, nbext
upgrades and uninstalls what pip installed (bytecode included), and nothing is left over."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from nbext.demo.dists import Dist
from nbext.resolve.environment import TargetEnvironment
from nbext.resolve.installer import install_files
from tests.integration.resolve.conftest import run_py, wheel_of
from tests.support.wheels import make_wheel


def pip(env: TargetEnvironment, *args: str) -> str:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    cmd = [env.python, "-m", "pip", "--isolated", "--disable-pip-version-check", *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=environ)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def files_under(root: str) -> set[str]:
    out = set()
    for folder, _dirs, names in os.walk(root):
        out |= {os.path.relpath(os.path.join(folder, n), root) for n in names}
    return out


def test_pip_lists_and_uninstalls_what_nbext_installed(
    pip_venv: TargetEnvironment, tmp_path: Path
) -> None:
    env = pip_venv
    before = files_under(env.prefix)
    tool = make_wheel(
        tmp_path,
        "acme-cli",
        "0.3.0",
        {"acme_cli/__init__.py": "def main():\n    print('hi')\n"},
        console_scripts={"acme-cli": "acme_cli:main"},
    )
    install_files(env, [tool, wheel_of(tmp_path, Dist("acme-utils", "1.2.0"))])
    listed = {p["name"]: p["version"] for p in json.loads(pip(env, "list", "--format", "json"))}
    assert listed["acme-cli"] == "0.3.0" and listed["acme-utils"] == "1.2.0"
    assert "Name: acme-utils" in pip(env, "show", "acme-utils")
    run_py(env, "import acme_cli, acme_utils")  # bytecode pip must find too
    pip(env, "uninstall", "-y", "acme-cli", "acme-utils")
    assert files_under(env.prefix) == before


def test_nbext_upgrades_and_removes_what_pip_installed(
    pip_venv: TargetEnvironment, tmp_path: Path
) -> None:
    env = pip_venv
    before = files_under(env.prefix)
    pip(env, "install", "--no-index", "--no-deps", str(wheel_of(tmp_path, Dist("acme-x", "1.0"))))
    assert any(p.endswith(".pyc") for p in files_under(env.prefix) - before)  # pip compiled
    report = install_files(env, [wheel_of(tmp_path, Dist("acme-x", "2.0"))])
    assert report.replaced == {"acme-x": ("1.0", "2.0")}
    assert run_py(env, "import acme_x; print(acme_x.__version__)").strip() == "2.0"
    install_files(env, [], uninstall=["acme-x"])
    assert files_under(env.prefix) == before
    assert "acme-x" not in pip(env, "list")
