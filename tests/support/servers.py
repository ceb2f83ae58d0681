"""Run real (third-party or stdlib) package index servers as subprocesses for tests.

* :func:`run_pypiserver` - pypiserver 2.x (waitress when installed), optionally with
  htpasswd auth.
* :func:`run_static_tree` - a static PEP 503 tree on disk, served by the stdlib
  ``http.server`` (``tests/support/static_http.py``).
* :func:`run_raw_server` - fixed answers per path, for pages that are neither HTML
  nor JSON, 500s and the like.

Every server binds 127.0.0.1 only, logs each request to its own log file (see
:meth:`ServerProcess.request_paths`) and is stopped by its PID with bounded waits.
"""

from __future__ import annotations

import base64
import html
import json
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from urllib.parse import quote, urlsplit

from packaging.utils import canonicalize_name

from nbext.demo import Dist, write_dists
from nbext.demo.pages import anchor
from nbext.demo.store import File
from tests.support.env import subprocess_env
from tests.support.procs import spawn_logged, terminate

__all__ = [
    "H2_SERVER_SCRIPT",
    "STATIC_HTTP_SCRIPT",
    "RawResponse",
    "ServerProcess",
    "answers",
    "free_port",
    "run_pypiserver",
    "run_raw_server",
    "run_static_tree",
    "write_static_tree",
]

STATIC_HTTP_SCRIPT = Path(__file__).with_name("static_http.py")
#: A TLS page over HTTP/2 and HTTP/1.1 (hypercorn): ``python H2_SERVER_SCRIPT CERT KEY PORT``.
H2_SERVER_SCRIPT = Path(__file__).with_name("h2server.py")
START_TIMEOUT = 10.0  # seconds to wait for a server to answer

#: Request lines as the servers log them:
#: ``REQ GET /simple/ [200]`` (ours, and pypiserver with our --log-req-frmt) or
#: ``<LocalRequest: GET http://host/simple/>`` (pypiserver's default format).
_REQ_LINE = re.compile(r"^REQ (?P<method>\S+) (?P<path>\S+)")
_BOTTLE_LINE = re.compile(r"^<LocalRequest: (?P<method>\S+) (?P<url>\S+)>")
_NO_PROXY_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    """A currently free TCP port on 127.0.0.1 (racy by nature; callers retry)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServerProcess:
    """A server subprocess: where it listens, its process and its request log."""

    url: str
    base_url: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    console_path: Path | None = None
    _stopped: bool = field(default=False, init=False, repr=False)

    def requests(self) -> list[tuple[str, str]]:
        """``(method, path)`` of every request logged so far (no waiting)."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        out: list[tuple[str, str]] = []
        for line in text.splitlines():
            if m := _REQ_LINE.match(line):
                out.append((m["method"], m["path"]))
            elif m := _BOTTLE_LINE.match(line):
                out.append((m["method"], urlsplit(m["url"]).path))
        return out

    def request_paths(self, *, wait_for: str | None = None, timeout: float = 2.0) -> list[str]:
        """Paths requested so far, from the server's own log.

        Waits (at most ``timeout`` seconds) until ``wait_for`` shows up, or else
        until two reads 50 ms apart agree, so lines still being flushed are seen.
        """
        deadline = time.monotonic() + timeout
        previous: list[str] | None = None
        while True:
            paths = [path for _, path in self.requests()]
            if wait_for is not None:
                if wait_for in paths:
                    return paths
            elif paths == previous:
                return paths
            if time.monotonic() >= deadline:
                return paths
            previous = paths
            time.sleep(0.05)

    def console(self) -> str:
        """What the process wrote to stdout/stderr (for failure messages)."""
        if self.console_path is None or not self.console_path.exists():
            return ""
        return self.console_path.read_text(encoding="utf-8", errors="replace")

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        """SIGTERM this process (by its own PID), wait, SIGKILL if it lingers."""
        if self._stopped:
            return
        self._stopped = True
        terminate(self.proc)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _spawn(cmd: list[str], *, cwd: Path, console_path: Path) -> subprocess.Popen[bytes]:
    return spawn_logged(cmd, cwd=cwd, env=subprocess_env(cwd), log_path=console_path)


def answers(
    url: str,
    proc: subprocess.Popen[bytes],
    timeout: float,
    *,
    any_status: bool = True,
    poll: float = 0.05,
    request_timeout: float = 1.0,
) -> bool:
    """Wait until ``url`` answers (with any HTTP status, or only a 2xx/3xx when
    ``any_status`` is false), at most ``timeout`` seconds; False if ``proc`` ended first or
    the time ran out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with _NO_PROXY_OPENER.open(url, timeout=request_timeout) as resp:
                resp.read()
            return True
        except urllib.error.HTTPError as err:
            err.close()
            if any_status:
                return True
            time.sleep(poll)
        except (urllib.error.URLError, OSError):
            time.sleep(poll)
    return False


def _wait_http(url: str, proc: subprocess.Popen[bytes], console_path: Path) -> bool:
    """Wait until ``url`` answers at all (any status); False if the process died."""
    if answers(url, proc, START_TIMEOUT):
        return True
    if proc.poll() is not None:
        return False
    terminate(proc)
    console = console_path.read_text(errors="replace") if console_path.exists() else ""
    raise TimeoutError(f"{url} did not answer within {START_TIMEOUT}s; output:\n{console}")


# -- pypiserver ------------------------------------------------------------------

_HTPASSWD_SCRIPT = """
import sys
from passlib.apache import HtpasswdFile
ht = HtpasswdFile(sys.argv[1], new=True)
ht.set_password(sys.argv[2], sys.argv[3])
ht.save()
"""


def _write_htpasswd(path: Path, user: str, password: str, workdir: Path) -> None:
    # In a subprocess: importing passlib warns (the deprecated ``crypt`` module),
    # which ``filterwarnings = error`` would turn into a test failure.
    subprocess.run(
        [sys.executable, "-c", _HTPASSWD_SCRIPT, str(path), user, password],
        cwd=workdir,
        env=subprocess_env(workdir),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        check=True,
        timeout=30,
    )


def _pypiserver_cmd() -> list[str]:
    script = Path(sys.executable).parent / "pypi-server"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "pypiserver"]


def run_pypiserver(
    pkg_dir: Path,
    *,
    auth: tuple[str, str] | None = None,
    workdir: Path,
) -> ServerProcess:
    """Serve ``pkg_dir`` with pypiserver on 127.0.0.1 (``--disable-fallback``).

    With ``auth=(user, password)`` every action (download, list, update) needs
    HTTP Basic auth, checked against an htpasswd file written with passlib.
    Requests are logged to ``workdir/pypiserver-PORT.log`` as ``REQ METHOD PATH``.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    if auth is not None:
        htpasswd = workdir / "htpasswd"
        _write_htpasswd(htpasswd, auth[0], auth[1], workdir)
        auth_args = ["-a", "download,list,update", "-P", str(htpasswd)]
    else:
        auth_args = ["-a", ".", "-P", "."]

    last_console = ""
    for _attempt in range(3):  # free_port() can race with another process
        port = free_port()
        log_path = workdir / f"pypiserver-{port}.log"
        console_path = workdir / f"pypiserver-{port}.console"
        cmd = [
            *_pypiserver_cmd(),
            "run",
            "-p",
            str(port),
            "-i",
            "127.0.0.1",
            "--disable-fallback",
            "--hash-algo",
            "sha256",
            "--server",
            "auto",  # waitress when installed ("waitress" itself is not a valid choice)
            "-v",  # INFO level: needed for the request/response log lines
            "--log-stream",
            "none",
            "--log-file",
            str(log_path),
            "--log-frmt",
            "%(message)s",
            "--log-req-frmt",
            "REQ %(REQUEST_METHOD)s %(PATH_INFO)s",
            "--log-res-frmt",
            "RES %(status)s",
            *auth_args,
            str(pkg_dir),
        ]
        proc = _spawn(cmd, cwd=workdir, console_path=console_path)
        base_url = f"http://127.0.0.1:{port}"
        if _wait_http(f"{base_url}/health", proc, console_path):
            return ServerProcess(f"{base_url}/simple/", base_url, proc, log_path, console_path)
        terminate(proc)
        last_console = console_path.read_text(errors="replace")
    raise RuntimeError(f"pypiserver did not start; last output:\n{last_console}")


# -- stdlib http.server ----------------------------------------------------------


def _spawn_static_script(args: list[str], workdir: Path, name: str) -> ServerProcess:
    workdir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / f"{name}.log"
    console_path = workdir / f"{name}.console"
    cmd = [sys.executable, str(STATIC_HTTP_SCRIPT), *args, "0", str(log_path)]
    proc = _spawn(cmd, cwd=workdir, console_path=console_path)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        m = re.search(r"^LISTENING (http://127\.0\.0\.1:\d+)$", console_path.read_text(), re.M)
        if m:
            base_url = m[1]
            return ServerProcess(f"{base_url}/simple/", base_url, proc, log_path, console_path)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    terminate(proc)
    raise RuntimeError(f"{STATIC_HTTP_SCRIPT.name} did not start:\n{console_path.read_text()}")


def write_static_tree(dists: Iterable[Dist], root: Path) -> None:
    """Write a static PEP 503 tree: ``simple/`` pages and files under ``packages/``."""
    dists = list(dists)
    by_project: dict[str, list[tuple[Dist, Path]]] = {}
    for d in dists:
        for path in write_dists([d], root / "packages"):
            by_project.setdefault(canonicalize_name(d.name), []).append((d, path))

    def page(title: str, links: list[str]) -> str:
        body = "\n".join(f"    {link}<br/>" for link in links)
        return (
            f"<!DOCTYPE html>\n<html>\n  <head>\n    <title>{html.escape(title)}</title>\n"
            f"  </head>\n  <body>\n    <h1>{html.escape(title)}</h1>\n{body}\n  </body>\n</html>\n"
        )

    simple = root / "simple"
    simple.mkdir(parents=True, exist_ok=True)
    root_links = [f'<a href="{quote(key)}/">{html.escape(key)}</a>' for key in sorted(by_project)]
    (simple / "index.html").write_text(page("Simple index", root_links), encoding="utf-8")
    for key, files in by_project.items():
        links = []
        for d, path in files:
            f = File.of(path.name, path.read_bytes(), d.requires_python, d.yanked, None)
            links.append(anchor(f, "../../packages/", metadata=False))
        (simple / key).mkdir(exist_ok=True)
        (simple / key / "index.html").write_text(page(f"Links for {key}", links), "utf-8")


def run_static_tree(dists: Iterable[Dist], root: Path) -> ServerProcess:
    """Write a static PEP 503 tree into ``root`` and serve it with ``http.server``.

    The tree is ``root/simple/index.html``, ``root/simple/<name>/index.html`` and
    ``root/packages/<files>``; the request log and console output go to
    ``root/_server/`` (served too, but nothing links to it).
    """
    write_static_tree(dists, root)
    return _spawn_static_script([str(root)], root / "_server", "static-http")


@dataclass(frozen=True)
class RawResponse:
    """A fixed answer for :func:`run_raw_server`."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain"
    headers: Mapping[str, str] = field(default_factory=dict)


def run_raw_server(routes: Mapping[str, RawResponse], workdir: Path) -> ServerProcess:
    """Serve fixed responses by exact path (anything else: 404) from a subprocess."""
    workdir.mkdir(parents=True, exist_ok=True)
    spec = {
        path: {
            "status": r.status,
            "content_type": r.content_type,
            "body_b64": base64.b64encode(r.body).decode("ascii"),
            "headers": dict(r.headers),
        }
        for path, r in routes.items()
    }
    routes_path = workdir / "raw-routes.json"
    routes_path.write_text(json.dumps(spec), encoding="utf-8")
    return _spawn_static_script(["--raw", str(routes_path)], workdir, "raw-http")
