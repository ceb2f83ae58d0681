"""binder/: the files mybinder uses, and its ``start`` script serving the demo index.

Binder's install step (``binder/postBuild``) also runs for real, offline: in a fresh venv
that sees this venv's packages (pip with no index), then a tutorial runs from that venv.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.support.env import isolated_environ
from tests.support.offline import (
    copy_checkout,
    fresh_env,
    fresh_venv,
    offline_pip_env,
    run_group,
    shared_site,
)
from tests.support.paths import REPO_ROOT
from tests.support.servers import free_port

BINDER = REPO_ROOT / "binder"


def test_binder_files() -> None:
    requirements = (BINDER / "requirements.txt").read_text(encoding="utf-8")
    assert "jupyterlab" in requirements
    assert 'pip install --no-cache-dir ".[lab]"' in (BINDER / "postBuild").read_text(
        encoding="utf-8"
    )
    for script in ("postBuild", "start"):
        assert os.access(BINDER / script, os.X_OK), f"binder/{script} is not executable"


def test_start_serves_the_demo_index_then_runs_the_command(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "demo.log"
    env = isolated_environ(dict(os.environ), tmp_path / "home")
    env.update({"NBEXT_DEMO_PORT": str(port), "NBEXT_DEMO_LOG": str(log)})
    # The command binder would start (the notebook server) is replaced by one that checks the
    # demo index from the same environment and then exits; `start` must exec it.
    check = (
        "import sys, time, urllib.request\n"
        "for _ in range(100):\n"
        "    try:\n"
        f"        urllib.request.urlopen('http://127.0.0.1:{port}/simple/acme-utils/', timeout=2)\n"
        "        print('demo index answered'); sys.exit(0)\n"
        "    except OSError:\n"
        "        time.sleep(0.1)\n"
        "sys.exit(1)\n"
    )
    proc = subprocess.Popen(
        [str(BINDER / "start"), sys.executable, "-c", check],
        # `python` in start is this venv's, as binder's is the image's.
        env={**env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # the demo index is a child of start: stopped with its group
    )
    try:
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, out
        assert "demo index answered" in out
        deadline = time.monotonic() + 10
        while "%source add corp" not in log.read_text(encoding="utf-8"):
            assert time.monotonic() < deadline, log.read_text(encoding="utf-8")
            time.sleep(0.1)
        assert f"%source add corp http://127.0.0.1:{port}/simple/" in log.read_text()
    finally:
        with contextlib.suppress(ProcessLookupError):  # the demo index this start script began
            os.killpg(proc.pid, signal.SIGTERM)
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


# --- binder's install step, offline, in a fresh venv; then a tutorial from that environment ---

TUTORIAL = "notebooks/01-sources.ipynb"
SANITIZE = "tests/notebooks/nbval-sanitize.cfg"
INSTALL_TIMEOUT = 300  # for binder/postBuild
NBVAL_TIMEOUT = 600  # for the tutorial, kernel start included
CELL_TIMEOUT = 120


def _probe_notebook(path: Path, venv: Path, site: Path) -> None:
    """A notebook whose only cell fails unless the kernel is the fresh venv's python."""
    import nbformat

    check = (
        "import sys\n"
        "from pathlib import Path\n"
        "import nbext\n"
        f"assert Path(sys.prefix).resolve() == Path({str(venv)!r}).resolve(), sys.prefix\n"
        f"assert Path(nbext.__file__).resolve().is_relative_to(Path({str(site)!r}).resolve()), "
        "nbext.__file__"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(check)])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbformat.write(nb, path)


def test_postbuild_installs_offline_in_a_fresh_venv_and_a_tutorial_runs(tmp_path: Path) -> None:
    checkout = copy_checkout(tmp_path / "checkout")
    venv = tmp_path / "venv"
    env = fresh_env(tmp_path / "home", venv)

    # After the venv's own site-packages, so what postBuild installs there comes first.
    python, site = fresh_venv(venv, env, [shared_site(tmp_path / "shared-site")])

    # binder/postBuild as repo2docker runs it: from the checkout, `python` on PATH, pip offline
    # (the build backend comes from the shared packages).
    install_env = offline_pip_env(env)
    rc, out = run_group(
        [str(checkout / "binder" / "postBuild")],
        cwd=checkout,
        env=install_env,
        timeout=INSTALL_TIMEOUT,
    )
    assert rc == 0, f"binder/postBuild failed (exit {rc})\n{out}"
    assert (site / "nbext" / "__init__.py").is_file(), out
    assert any((site / "nbext" / "demo").iterdir()), "nbext.demo is not installed"
    # Tutorial 09's kernel: a throwaway venv, registered where JupyterLab looks (sys.prefix).
    spec = json.loads((venv / "share/jupyter/kernels/nbext-tutorial/kernel.json").read_text())
    assert Path(spec["argv"][0]).is_relative_to(
        (venv / "share/jupyter/nbext-tutorial-venv").resolve()
    )
    [dist_info] = site.glob("nbext-*.dist-info")
    direct_url = dist_info / "direct_url.json"
    if direct_url.exists():
        info = json.loads(direct_url.read_text(encoding="utf-8"))
        assert not info.get("dir_info", {}).get("editable"), "postBuild made an editable install"

    work = tmp_path / "run"
    work.mkdir()
    tutorial = work / Path(TUTORIAL).name
    shutil.copy2(checkout / TUTORIAL, tutorial)
    shutil.copy2(checkout / SANITIZE, work / Path(SANITIZE).name)
    (work / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    _probe_notebook(work / "00-kernel-is-the-fresh-venv.ipynb", venv, site)
    rc, out = run_group(
        [
            str(python),
            "-m",
            "pytest",
            "--nbval",
            "--nbval-current-env",  # the kernel is this python: the fresh venv's
            "--nbval-sanitize-with",
            Path(SANITIZE).name,
            "--nbval-cell-timeout",
            str(CELL_TIMEOUT),
            "-p",
            "no:cacheprovider",
            "-q",
            "00-kernel-is-the-fresh-venv.ipynb",
            tutorial.name,
        ],
        cwd=work,
        env=fresh_env(tmp_path / "kernel-home", venv),
        timeout=NBVAL_TIMEOUT,
    )
    assert rc == 0 and " passed" in out, (
        f"{TUTORIAL} failed from the binder install (exit {rc})\n{out}"
    )
