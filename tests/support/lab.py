"""A real JupyterLab server for the browser tests (``tests/browser/``).

:func:`start_lab` runs ``jupyter lab`` from this venv as a subprocess on 127.0.0.1, as root
allows (``--allow-root``), with a random token, ``root_dir`` a temporary directory and the
isolated environment of ``tests/support/env.py`` (its own HOME, XDG, Jupyter, IPython and Poetry
directories). The readiness wait is bounded. :meth:`Lab.stop` shuts the kernels down through
the REST API, then stops the server by its own PID (SIGTERM, then SIGKILL), and finally any
kernel process the server left behind, also by PID.

:func:`copy_notebook` copies a notebook (a tutorial) into a directory of its own under the
lab's root, with its saved outputs cleared, so that what the page shows is fresh.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat

from tests.support.env import kernel_environ
from tests.support.procs import spawn_logged, terminate
from tests.support.servers import free_port

__all__ = ["Lab", "chromium_path", "copy_notebook", "start_lab"]

START_TIMEOUT = 60.0  # seconds for the server to answer /api/status (2-3 s when idle)
STOP_TIMEOUT = 10.0  # seconds to wait after SIGTERM (then after SIGKILL)
API_TIMEOUT = 10.0

#: JupyterLab's "Would you like to get notified about official Jupyter news?" toast covers
#: the notebook; ``--LabApp.news_url=None`` does not remove it, disabling the plugin does
#: (what ``jupyter labextension disable`` writes, here into the lab's own config dir).
PAGE_CONFIG = {
    "disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True},
}

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def chromium_path() -> str | None:
    """Debian's Chromium (``apt-get install chromium``), or ``None``."""
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


def _children(pid: int) -> list[int]:
    """PIDs of the descendants of ``pid`` (Linux ``/proc``; empty elsewhere)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        parent = todo.pop()
        for children in Path(f"/proc/{parent}/task").glob("*/children"):
            try:
                text = children.read_text()
            except OSError:
                continue
            for child in map(int, text.split()):
                if child not in found:
                    found.append(child)
                    todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"  # a zombie has ended


@dataclass
class Lab:
    """A running ``jupyter lab``: where it listens, its process, its directories."""

    base_url: str
    token: str
    root: Path
    home: Path
    env: dict[str, str]
    proc: subprocess.Popen[bytes]
    log_path: Path
    _kernel_pids: set[int] = field(default_factory=set, repr=False)

    def url(self, path: str) -> str:
        """The Lab page showing ``path`` (relative to the root), in a fresh workspace: without
        ``reset`` Lab would reopen the previous test's notebook from the saved layout."""
        return f"{self.base_url}/lab/tree/{quote(path)}?reset&token={self.token}"

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """Call the server's REST API (token auth); the decoded JSON answer or ``None``."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            f"{self.base_url}{path}",
            data=data,
            method=method,
            headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"},
        )
        with _NO_PROXY.open(req, timeout=API_TIMEOUT) as resp:
            raw = resp.read()
        return json.loads(raw) if raw else None

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def shutdown_kernels(self) -> None:
        """Shut every session and kernel down (as the Lab UI does), waiting until they end."""
        self._kernel_pids.update(_children(self.proc.pid))
        if self.proc.poll() is not None:
            return
        for session in self.api("GET", "/api/sessions") or []:
            self.api("DELETE", f"/api/sessions/{session['id']}")
        for kernel in self.api("GET", "/api/kernels") or []:
            self.api("DELETE", f"/api/kernels/{kernel['id']}")
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline:
            if not any(_alive(pid) for pid in _children(self.proc.pid)):
                return
            time.sleep(0.1)

    def stop(self) -> None:
        """Kernels first, then the server (SIGTERM, SIGKILL), then stray kernels, by PID."""
        # The server may be gone or unresponsive: the signals below still apply.
        with contextlib.suppress(OSError, urllib.error.URLError):
            self.shutdown_kernels()
        self._kernel_pids.update(_children(self.proc.pid))
        _terminate(self.proc)
        for pid in sorted(self._kernel_pids):
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def _terminate(proc: subprocess.Popen[bytes]) -> None:
    terminate(proc, STOP_TIMEOUT)


def _lab_cmd(port: int, token: str, root: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "jupyterlab",
        "--allow-root",  # CI and these machines run as root: lab refuses to start without it
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",  # a taken port is an error (we retry with another free port)
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--ServerApp.terminals_enabled=False",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]


def _wait_ready(lab: Lab) -> bool:
    """Until ``/api/status`` answers 200 (bounded); False if the process ended."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if lab.proc.poll() is not None:
            return False
        try:
            lab.api("GET", "/api/status")
            return True
        except urllib.error.HTTPError as err:
            err.close()
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    _terminate(lab.proc)
    raise TimeoutError(f"jupyter lab did not answer within {START_TIMEOUT}s:\n{lab.log()}")


def start_lab(workdir: Path, extra_env: Mapping[str, str] | None = None) -> Lab:
    """Start ``jupyter lab`` with its root and home under ``workdir``.

    ``extra_env`` is added to the isolated environment (the kernels inherit it).
    """
    root = workdir / "root"
    home = workdir / "home"
    root.mkdir(parents=True, exist_ok=True)
    env = kernel_environ(dict(os.environ), home)  # the kernels import the nbext under test
    env.pop("PYTHONWARNINGS", None)  # pytest's warning filters are not the lab's
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra_env or {})
    labconfig = Path(env["JUPYTER_CONFIG_DIR"]) / "labconfig"
    labconfig.mkdir(parents=True, exist_ok=True)
    (labconfig / "page_config.json").write_text(json.dumps(PAGE_CONFIG), encoding="utf-8")
    token = secrets.token_hex(16)
    last_log = ""
    for attempt in range(3):  # free_port() can race with another process
        port = free_port()
        log_path = workdir / f"lab-{attempt}.log"
        proc = spawn_logged(_lab_cmd(port, token, root), cwd=root, env=env, log_path=log_path)
        lab = Lab(f"http://127.0.0.1:{port}", token, root, home, env, proc, log_path)
        if _wait_ready(lab):
            return lab
        _terminate(proc)
        last_log = lab.log()
    raise RuntimeError(f"jupyter lab did not start; last output:\n{last_log}")


def copy_notebook(lab: Lab, name: str, source: Path) -> str:
    """Copy ``source`` to ``name/`` under the lab's root, its code cells' outputs and
    execution counts cleared; returns its path relative to the root (the kernel runs in
    ``name/``)."""
    directory = lab.root / name
    directory.mkdir()
    nb = nbformat.read(source, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nbformat.write(nb, directory / source.name)
    return f"{name}/{source.name}"
