"""binder/: the files mybinder uses, and its ``start`` script serving the demo index."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests._env import isolated_environ
from tests._servers import free_port

BINDER = Path(__file__).resolve().parent.parent / "binder"


def test_binder_files() -> None:
    requirements = (BINDER / "requirements.txt").read_text(encoding="utf-8")
    assert "jupyterlab" in requirements
    assert 'pip install --no-cache-dir ".[lab]"' in (BINDER / "postBuild").read_text(encoding="utf-8")
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
