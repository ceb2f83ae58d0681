"""The demo sources as a user starts them: the catalogue, ``nbext.demo.start``, ``python -m
nbext.demo``, and pip resolving from them with PEP 658.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import nbext.demo
from nbext.demo import start
from tests.support.env import subprocess_env
from tests.support.pages import PIP_ACCEPT, anchors
from tests.support.servers import free_port

SRC_DIR = Path(nbext.demo.__file__).resolve().parents[2]


# -- the demo catalogue --------------------------------------------------------------


def test_demo_catalogue(client: httpx.Client) -> None:
    with start() as demo:
        assert list(demo.servers) == ["corp", "mirror", "extras"]
        assert demo.source_lines().splitlines() == [
            f"%source add {name} {url}" for name, url in demo.urls.items()
        ]
        corp, mirror, extras = (demo.urls[n] for n in ("corp", "mirror", "extras"))
        for url in demo.urls.values():
            assert re.fullmatch(r"http://127\.0\.0\.1:\d+/simple/", url)

        def page(url: str, project: str) -> httpx.Response:
            r = client.get(url + f"{project}/", headers={"Accept": PIP_ACCEPT})
            assert r.status_code == 200, (url, project)
            return r

        utils = page(corp, "acme-utils").json()
        assert utils["versions"] == ["1.0.0", "2.0.0", "2.1.0", "3.0.0rc1"]
        assert all("core-metadata" in f for f in utils["files"] if f["filename"].endswith("whl"))
        whl = next(f for f in utils["files"] if f["filename"].startswith("acme_utils-2.1.0-"))
        meta = client.get(httpx.URL(corp + "acme-utils/").join(whl["url"] + ".metadata"))
        assert "Requires-Dist: acme-core>=1" in meta.text
        assert page(corp, "acme-core").json()["versions"] == ["1.0.0", "1.2.0"]
        ml = {f["filename"]: f["yanked"] for f in page(corp, "acme-ml").json()["files"]}
        assert ml["acme_ml-0.4.0-py3-none-any.whl"] == "broken build"
        assert ml["acme_ml-0.3.0-py3-none-any.whl"] is False
        assert page(corp, "shadowed").json()["versions"] == ["1.0.0"]

        # The mirror: HTML only, no metadata, a higher "shadowed", the same acme-utils.
        shadowed = page(mirror, "shadowed")
        assert shadowed.headers["content-type"] == "text/html; charset=utf-8"
        assert "shadowed-9.9.9-py3-none-any.whl" in anchors(shadowed.text)
        assert "data-core-metadata" not in shadowed.text
        tiny = anchors(page(mirror, "tinyhttp").text)
        assert {a["data-requires-python"] for a in tiny.values()} == {">=3.8"}
        assert set(anchors(page(mirror, "acme-utils").text)) == {
            "acme_utils-1.0.0-py3-none-any.whl",
            "acme_utils-1.0.0.tar.gz",
        }
        assert set(anchors(page(mirror, "colorama-lite").text)) >= {"colorama_lite-0.4.6.tar.gz"}
        assert client.get(mirror + "gpu-kernels/").status_code == 404

        assert page(extras, "gpu-kernels").json()["versions"] == ["2.0.0"]
        assert page(extras, "colorama-lite").json()["versions"] == ["0.5.0"]
        assert client.get(corp + "gpu-kernels/").status_code == 404
    assert not any(s.running for s in demo.servers.values())


def test_demo_start_with_ports() -> None:
    with pytest.raises(ValueError, match="bogus"):
        start(ports={"bogus": 1})
    port = free_port()
    with start(ports={"mirror": port}) as demo:
        assert demo.urls["mirror"] == f"http://127.0.0.1:{port}/simple/"
        # The port is taken: a second demo on it fails and leaves nothing running.
        with pytest.raises(OSError):
            start(ports={"mirror": port})


def test_pip_resolves_from_demo_with_pep658(tmp_path: Path) -> None:
    """pip accepts our pages, metadata files and wheels (a dry-run resolve)."""
    with start() as demo:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--isolated",
                "--no-cache-dir",
                "--disable-pip-version-check",
                "--dry-run",
                "--ignore-installed",
                "--quiet",
                "--report",
                str(tmp_path / "report.json"),
                "--index-url",
                demo.urls["corp"],
                "acme-utils<3",
            ],
            env=subprocess_env(tmp_path),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        corp = demo.servers["corp"]
        paths = [r.path for r in corp.requests]
    report = json.loads((tmp_path / "report.json").read_text())
    resolved = {i["metadata"]["name"]: i["metadata"]["version"] for i in report["install"]}
    assert resolved == {"acme-utils": "2.1.0", "acme-core": "1.2.0"}
    assert "/files/acme_core-1.2.0-py3-none-any.whl.metadata" in paths
    assert not any(p.endswith(".whl") for p in paths)  # PEP 658: no wheel downloaded


def _read_until(proc: subprocess.Popen[bytes], marker: bytes, timeout: float) -> bytes:
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    out = b""
    deadline = time.monotonic() + timeout
    while marker not in out:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError(f"timed out waiting for {marker!r}; got {out!r}")
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 65536)
            if not chunk:
                raise AssertionError(f"process exited early; got {out!r}")
            out += chunk
    return out


def _three_free_ports() -> int:
    for _ in range(20):
        base = free_port()
        if base > 65000:
            continue
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", base + 1))
                b.bind(("127.0.0.1", base + 2))
        except OSError:
            continue
        return base
    raise RuntimeError("no three consecutive free ports")


@pytest.mark.parametrize(
    "sig", [pytest.param(signal.SIGTERM, id="SIGTERM"), pytest.param(signal.SIGINT, id="SIGINT")]
)
def test_python_m_nbext_demo(tmp_path: Path, client: httpx.Client, sig: signal.Signals) -> None:
    base = _three_free_ports()
    env = subprocess_env(tmp_path)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC_DIR), env.get("PYTHONPATH")]))
    with subprocess.Popen(
        [sys.executable, "-m", "nbext.demo", "--port", str(base)],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    ) as proc:
        try:
            out = _read_until(proc, b"press Ctrl+C", timeout=10).decode()
            urls = dict(re.findall(r"^  (\w+)\s+(http://\S+)", out, re.M))
            assert urls == {
                "corp": f"http://127.0.0.1:{base}/simple/",
                "mirror": f"http://127.0.0.1:{base + 1}/simple/",
                "extras": f"http://127.0.0.1:{base + 2}/simple/",
            }
            assert f"%source add corp http://127.0.0.1:{base}/simple/" in out
            assert client.get(urls["corp"] + "acme-utils/").status_code == 200
            proc.send_signal(sig)  # by its own PID
            rest, _ = proc.communicate(timeout=10)
            assert proc.returncode == 0
            assert b"stopped." in rest
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    with pytest.raises(httpx.ConnectError):
        client.get(urls["corp"])
