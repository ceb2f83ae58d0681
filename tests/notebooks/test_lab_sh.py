"""scripts/lab.sh: its setup, what it says on start, JupyterLab started with the news pop-up off.

lab.sh runs from a copy of the checkout with ``NBEXT_VENV`` a fresh venv fed offline by this
venv's packages (as binder's install step is, ``tests/support/offline.py``): ``ensure_venv``
installs nbext's ``lab`` extra there with pip and no index. ``--check`` sets everything up and
stops before JupyterLab; then lab.sh runs for real until the server answers, and is stopped by
its own process group (lab.sh execs ``jupyter lab``, so the group is the server's).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.offline import (
    copy_checkout,
    fresh_env,
    fresh_venv,
    offline_pip_env,
    run_group,
    shared_site,
)
from tests.support.servers import free_port

NEWS_PLUGIN = "@jupyterlab/apputils-extension:announcements"
SETUP_TIMEOUT = 180  # seconds for lab.sh --check (pip install -e ".[lab]", the kernel venv)
START_TIMEOUT = 120  # for lab.sh to set up again and the server to answer
STOP_TIMEOUT = 15
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class LabEnv:
    """A checkout copy, the venv lab.sh is told to use, and lab.sh's environment."""

    checkout: Path
    venv: Path
    env: dict[str, str]

    @property
    def page_config(self) -> Path:
        return self.venv / "etc/jupyter/labconfig/page_config.json"


@pytest.fixture(scope="module")
def lab_env(tmp_path_factory: pytest.TempPathFactory) -> LabEnv:
    """One checkout copy and venv for the module (each lab.sh run sets them up again)."""
    tmp_path = tmp_path_factory.mktemp("lab-sh")
    checkout = copy_checkout(tmp_path / "checkout")
    venv = tmp_path / "lab-venv"
    env = fresh_env(tmp_path / "home", venv)
    fresh_venv(venv, env, [shared_site(tmp_path / "shared-site")])
    # JupyterLab's built front end and the widgets' extension are data files of the packages
    # (share/jupyter), outside site-packages: the fresh venv gets them as links.
    data = Path(sys.prefix) / "share" / "jupyter"
    (venv / "share" / "jupyter").mkdir(parents=True)
    for name in ("lab", "labextensions"):
        if (data / name).is_dir():
            (venv / "share" / "jupyter" / name).symlink_to(data / name, target_is_directory=True)
    return LabEnv(checkout, venv, {**offline_pip_env(env), "NBEXT_VENV": str(venv)})


def _summary(out: str) -> dict[str, str]:
    """lab.sh's summary lines (``  key  value``) by key."""
    _, _, rest = out.partition("nbext lab: what scripts/lab.sh set up\n")
    assert rest, out
    lines = {}
    for line in rest.splitlines()[:5]:
        key, _, value = line.strip().partition("  ")
        lines[key] = value.strip()
    return lines


def _check_summary(out: str, checkout: Path, venv: Path) -> None:
    info = _summary(out)
    assert set(info) == {"venv", "nbext", "JupyterLab", "kernel", "notebooks"}, out
    assert info["venv"].startswith(f"{venv.resolve()} (Python 3."), info
    version = re.search(r'__version__ = "([^"]+)"', (checkout / "nbext/_version.py").read_text())
    assert version is not None
    assert info["nbext"] == f"{version[1]}, editable, from {checkout.resolve()}", info
    from importlib.metadata import version as installed

    assert info["JupyterLab"].startswith(f"{installed('jupyterlab')}, news pop-up off"), info
    page_config = venv.resolve() / "etc/jupyter/labconfig/page_config.json"
    assert f"{NEWS_PLUGIN} disabled in {page_config}" in info["JupyterLab"], info
    kernel_python = venv.resolve() / "share/jupyter/nbext-tutorial-venv/bin/python"
    assert info["kernel"].startswith("nbext-tutorial "), info
    assert f"python {kernel_python} (tutorial 09)" in info["kernel"], info
    assert info["notebooks"] == str((checkout / "notebooks").resolve()), info


def test_check_sets_up_says_what_and_where_and_starts_nothing(
    lab_env: LabEnv, tmp_path: Path
) -> None:
    checkout, venv, env = lab_env.checkout, lab_env.venv, lab_env.env
    page_config = lab_env.page_config
    page_config.parent.mkdir(parents=True, exist_ok=True)
    page_config.write_text(json.dumps({"disabledExtensions": {"x:y": True}, "k": 1}))
    start = time.monotonic()
    rc, out = run_group(
        ["bash", str(checkout / "scripts" / "lab.sh"), "--check", "--no-browser"],
        cwd=tmp_path,
        env=env,
        timeout=SETUP_TIMEOUT,
    )
    assert rc == 0, out
    assert time.monotonic() - start < SETUP_TIMEOUT
    _check_summary(out, checkout, venv)
    # The news plugin is off in the venv's own config, other settings kept.
    config = json.loads(page_config.read_text(encoding="utf-8"))
    assert config == {"disabledExtensions": {"x:y": True, NEWS_PLUGIN: True}, "k": 1}
    spec = json.loads((venv / "share/jupyter/kernels/nbext-tutorial/kernel.json").read_text())
    assert Path(spec["argv"][0]).is_file()
    # The command it would have run, with the user's options last; nothing was started.
    command = out.split("check: JupyterLab not started; the command would be:\n", 1)[1]
    assert f"{venv}/bin/python -m jupyterlab --ip 127.0.0.1" in command, out
    assert "--LabApp.news_url=None" in command and command.rstrip().endswith("--no-browser")


def _config_data(html: str) -> dict[str, object]:
    match = re.search(
        r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, html[:2000]
    data: dict[str, object] = json.loads(match[1])
    return data


def _get(url: str) -> str:
    with _NO_PROXY.open(url, timeout=10) as resp:
        body: bytes = resp.read()
    return body.decode("utf-8")


def test_lab_starts_with_the_news_plugin_disabled_and_is_stopped_by_pid(
    lab_env: LabEnv, tmp_path: Path
) -> None:
    checkout, venv, env = lab_env.checkout, lab_env.venv, lab_env.env
    if lab_env.page_config.exists():  # whichever test ran first: lab.sh must write it again
        lab_env.page_config.write_text("{}", encoding="utf-8")
    port, token = free_port(), secrets.token_hex(16)
    log = tmp_path / "lab.log"
    args = ["--no-browser", f"--port={port}", "--port-retries=0"]
    args += [f"--IdentityProvider.token={token}", "--ServerApp.terminals_enabled=False"]
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            ["bash", str(checkout / "scripts" / "lab.sh"), *args],
            cwd=tmp_path,
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: stopped with it, by this PID
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert proc.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            with contextlib.suppress(urllib.error.URLError, OSError):
                _get(f"http://127.0.0.1:{port}/api/status?token={token}")
                break
            time.sleep(0.2)
        out = log.read_text(errors="replace")
        # The summary comes first, before the server's own lines.
        assert out.index("nbext lab: what scripts/lab.sh set up") < out.index("Jupyter"), out
        _check_summary(out, checkout, venv)
        page = _config_data(_get(f"http://127.0.0.1:{port}/lab?token={token}"))
        disabled = page.get("disabledExtensions")
        assert isinstance(disabled, list) and NEWS_PLUGIN in disabled, page
        assert page.get("newsUrl") in (None, "")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=STOP_TIMEOUT)
    # Nothing of the group is left.
    deadline = time.monotonic() + STOP_TIMEOUT
    while True:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        if time.monotonic() > deadline:
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError("processes of lab.sh's group were left running")
        time.sleep(0.1)
