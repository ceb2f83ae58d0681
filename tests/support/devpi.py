"""A real devpi-server (pinned) on 127.0.0.1, for publishing and lookup tests.

* :func:`devpi_bin` - ``devpi-server`` in its own virtual environment (``<repo>/.venv-devpi``),
  installed from the package registry on first use and reused (the same lock-and-marker
  scheme as Poetry's, :func:`tests.support.toolvenvs.tool_venv`).
* :func:`run_devpi` - ``devpi-init`` (no ``root/pypi`` mirror) in a fresh ``--serverdir``,
  then ``devpi-server --offline-mode`` on a free port of 127.0.0.1: a :class:`DevpiServer`
  that creates users and indexes through devpi's HTTP API (``PUT /USER``, ``PUT
  /USER/INDEX`` with HTTP Basic auth) and is stopped by its PID.
* :class:`Indexes` - the three indexes of one test's user (``dev``, ``priv``, volatile
  ``vol``): their URLs, files put there directly, the uploads they received;
  :func:`configure_repository` points a workspace's ``%publish -r NAME`` at one.

devpi's layout: an index ``alice/dev`` has its upload URL at ``http://HOST/alice/dev/`` and its
simple pages at ``http://HOST/alice/dev/+simple/`` (PEP 503 HTML, and PEP 691 JSON when asked
for). A non-volatile index answers ``409 <file> already exists in non-volatile index`` to a
different file of a name it has, and ``200 Upload of identical file to non volatile index.``
to the same file again; a volatile index replaces the file.
"""

from __future__ import annotations

import base64
import itertools
import json
import re
import secrets
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import nbext
from tests.support.env import subprocess_env
from tests.support.procs import run_checked, spawn_logged, terminate
from tests.support.servers import ServerProcess, answers, free_port
from tests.support.toolvenvs import DEVPI_VERSION, DevpiUnavailable, devpi_bin

__all__ = [
    "DEVPI_VERSION",
    "USERS",
    "USER_PASSWORD",
    "DevpiServer",
    "DevpiUnavailable",
    "Indexes",
    "configure_repository",
    "devpi_bin",
    "files_on",
    "run_devpi",
]

START_TIMEOUT = 60.0  # seconds: devpi-server takes about 5 s to answer on 2 busy cores
API_TIMEOUT = 30.0  # seconds for one request to its HTTP API
#: devpi-server's request log lines: ``... INFO  [req12] POST /alice/dev/``.
_REQ_LINE = re.compile(r"\[req\d+\] (?P<method>[A-Z]+) (?P<path>\S+)")
_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class DevpiServer(ServerProcess):
    """A running devpi-server; ``requests()`` reads its own log (``[reqN] METHOD PATH``)."""

    def requests(self) -> list[tuple[str, str]]:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        return [(m["method"], m["path"]) for m in _REQ_LINE.finditer(text)]

    def index_url(self, index: str) -> str:
        """The index's upload URL, ``http://HOST/USER/INDEX/`` (``index`` is ``USER/INDEX``)."""
        return f"{self.base_url}/{index}/"

    def simple_url(self, index: str) -> str:
        """The index's simple URL, ``http://HOST/USER/INDEX/+simple/``."""
        return f"{self.base_url}/{index}/+simple/"

    def api(
        self, method: str, path: str, body: object, auth: tuple[str, str] | None = None
    ) -> dict[str, object]:
        """One JSON request to devpi's HTTP API; its ``result``."""
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode(),
            method=method,
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        if auth is not None:
            token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
            request.add_header("Authorization", f"Basic {token}")
        try:
            with _NO_PROXY.open(request, timeout=API_TIMEOUT) as response:
                answer = json.loads(response.read())
        except urllib.error.HTTPError as err:
            text = err.read().decode(errors="replace")
            err.close()
            raise DevpiUnavailable(f"devpi {method} {path}: HTTP {err.code} {text}") from err
        result = answer.get("result", {})
        return result if isinstance(result, dict) else {}

    def create_user(self, user: str, password: str) -> None:
        self.api("PUT", f"/{user}", {"password": password, "email": f"{user}@example.test"})

    def create_index(self, index: str, auth: tuple[str, str], *, volatile: bool = False) -> None:
        """``USER/INDEX`` without bases (nothing is mirrored), volatile or not."""
        self.api("PUT", f"/{index}", {"bases": [], "volatile": volatile}, auth=auth)

    def upload(self, index: str, path: Path, auth: tuple[str, str]) -> tuple[int, str]:
        """POST one file to the index as a legacy upload (the fields devpi needs, read from
        the file name); ``(status, reason)``."""
        name, version = path.name.split("-")[:2]
        wheel = path.name.endswith(".whl")
        fields = {
            ":action": "file_upload",
            "protocol_version": "1",
            "metadata_version": "2.1",
            "name": name.replace("_", "-"),
            "version": version.removesuffix(".tar.gz"),
            "filetype": "bdist_wheel" if wheel else "sdist",
            "pyversion": "py3" if wheel else "source",
        }
        boundary = secrets.token_hex(16)
        body = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        )
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="content"; '
                f'filename="{path.name}"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + path.read_bytes()
            + f"\r\n--{boundary}--\r\n".encode()
        )
        token = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request = urllib.request.Request(
            self.index_url(index),
            data=body,
            method="POST",
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Authorization": f"Basic {token}",
            },
        )
        try:
            with _NO_PROXY.open(request, timeout=API_TIMEOUT) as response:
                return response.status, response.reason
        except urllib.error.HTTPError as err:
            err.close()
            return err.code, err.reason


def run_devpi(workdir: Path) -> DevpiServer:
    """``devpi-init`` in ``workdir/server`` and a ``devpi-server`` on a free port of
    127.0.0.1, offline (nothing is fetched from elsewhere). Raises :class:`DevpiUnavailable`
    with its output when it cannot be installed or started."""
    exe = devpi_bin()
    workdir.mkdir(parents=True, exist_ok=True)
    env = subprocess_env(workdir)
    serverdir = workdir / "server"
    secret = workdir / "secret"
    secret.write_bytes(base64.b64encode(secrets.token_bytes(32)))
    secret.chmod(0o600)
    run_checked(
        [
            str(exe.with_name("devpi-init")),
            "--serverdir",
            str(serverdir),
            "--no-root-pypi",
            "--root-passwd",
            secrets.token_urlsafe(16),
        ],
        env,
        120.0,
        "devpi-init",
        error=DevpiUnavailable,
        cwd=workdir,
    )
    last = ""
    for _attempt in range(3):  # free_port() can race with another process
        port = free_port()
        log_path = workdir / f"devpi-{port}.log"
        cmd = [
            str(exe),
            "--serverdir",
            str(serverdir),
            "--offline-mode",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--secretfile",
            str(secret),
            "--threads",
            "8",
        ]
        proc = spawn_logged(cmd, cwd=workdir, env=env, log_path=log_path)
        base_url = f"http://127.0.0.1:{port}"
        if answers(
            f"{base_url}/+api", proc, START_TIMEOUT, any_status=False, poll=0.1, request_timeout=2.0
        ):
            return DevpiServer(base_url + "/", base_url, proc, log_path, log_path)
        terminate(proc)
        last = log_path.read_text(encoding="utf-8", errors="replace")
    raise DevpiUnavailable(f"devpi-server did not start; its output:\n{last[-3000:]}")


#: The password of every test's devpi user; :data:`USERS` numbers the users.
USER_PASSWORD = "d3vpi-upl0ad-s3cret"
USERS = itertools.count()


@dataclass(frozen=True)
class Indexes:
    """A devpi user's indexes: ``USER/dev``, ``USER/priv`` and the volatile ``USER/vol``."""

    server: DevpiServer
    user: str

    @property
    def auth(self) -> tuple[str, str]:
        return (self.user, USER_PASSWORD)

    def index(self, name: str) -> str:
        return f"{self.user}/{name}"

    def upload_url(self, name: str) -> str:
        return self.server.index_url(self.index(name))

    def simple_url(self, name: str) -> str:
        return self.server.simple_url(self.index(name))

    def seed(self, name: str, *paths: Path) -> None:
        """Put files on an index (a plain upload, not nbext's)."""
        for path in paths:
            status, reason = self.server.upload(self.index(name), path, self.auth)
            assert status == 200, (path.name, status, reason)

    def files(self, name: str) -> dict[str, str]:
        """``{filename: sha256}`` on the index's simple page."""
        return files_on(self.simple_url(name) + "demo-pkg/")

    def posts(self) -> list[str]:
        """The paths of every upload (POST) to this user's indexes, in order."""
        return [
            p for m, p in self.server.requests() if m == "POST" and p.startswith(f"/{self.user}/")
        ]


LINK = re.compile(r'href="[^"#]*#sha256=([0-9a-f]+)"[^>]*>([^<]+)<')


def files_on(url: str) -> dict[str, str]:
    """``{filename: sha256}`` of the links on a simple page (HTML); empty on a 404."""
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url) as r:
            text = r.read().decode()
    except urllib.error.HTTPError as err:
        err.close()
        return {}
    return {m[2]: m[1] for m in LINK.finditer(text)}


def configure_repository(
    ws: nbext.Workspace, idx: Indexes, name: str, *, creds: bool = True
) -> None:
    """``repositories.NAME`` is the index's upload URL, with the user's ``http-basic``."""
    ws.config_set(f"repositories.{name}", idx.upload_url(name))
    if creds:
        ws.config_set(f"http-basic.{name}", idx.user, USER_PASSWORD)
