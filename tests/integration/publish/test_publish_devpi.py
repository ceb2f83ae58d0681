"""``%publish`` and ``%lookup`` against a real devpi-server (``tests/support/devpi.py``) on
127.0.0.1, side by side with the real Poetry 2.5.1 where Poetry uploads.

Each test gets a user of its own with three indexes: ``USER/dev`` and ``USER/priv``
(non-volatile) and ``USER/vol`` (volatile). devpi's layout: the upload URL of ``USER/dev`` is
``http://HOST/USER/dev/``, its simple pages are under ``http://HOST/USER/dev/+simple/``.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import shutil
import ssl
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbext
import pytest
import trustme
from nbext.demo import IndexServer
from nbext.errors import PublishError
from nbext.publish.publish import build

from tests.support.devpi import DevpiServer, DevpiUnavailable, run_devpi
from tests.support.env import poetry_env
from tests.support.procs import run_captured
from tests.support.projects import write_project
from tests.support.workspaces import OPEN as _OPEN

PASSWORD = "d3vpi-upl0ad-s3cret"
_users = itertools.count()


@pytest.fixture(scope="module")
def devpi(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevpiServer]:
    try:
        server = run_devpi(tmp_path_factory.mktemp("devpi"))
    except DevpiUnavailable as exc:  # pragma: no cover - needs the package registry
        pytest.fail(f"devpi-server could not be installed or started: {exc}")
    yield server
    server.stop()


@dataclass(frozen=True)
class Indexes:
    server: DevpiServer
    user: str

    @property
    def auth(self) -> tuple[str, str]:
        return (self.user, PASSWORD)

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
        return _files_on(self.simple_url(name) + "demo-pkg/")

    def posts(self) -> list[str]:
        """The paths of every upload (POST) to this user's indexes, in order."""
        return [
            p for m, p in self.server.requests() if m == "POST" and p.startswith(f"/{self.user}/")
        ]


_LINK = re.compile(r'href="[^"#]*#sha256=([0-9a-f]+)"[^>]*>([^<]+)<')


def _files_on(url: str) -> dict[str, str]:
    """``{filename: sha256}`` of the links on a simple page (HTML); empty on a 404."""
    try:
        with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(url) as r:
            text = r.read().decode()
    except urllib.error.HTTPError as err:
        err.close()
        return {}
    return {m[2]: m[1] for m in _LINK.finditer(text)}


@pytest.fixture
def indexes(devpi: DevpiServer) -> Indexes:
    user = f"alice{next(_users)}"
    devpi.create_user(user, PASSWORD)
    found = Indexes(devpi, user)
    for name in ("dev", "priv"):
        devpi.create_index(found.index(name), found.auth)
    devpi.create_index(found.index("vol"), found.auth, volatile=True)
    return found


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same name and version with other content: other files of the same names."""
    root = write_project(tmp_path_factory.mktemp("rebuilt") / "demo")
    (root / "src" / "demo_pkg" / "__init__.py").write_text("X = 2\n", encoding="utf-8")
    build(root, root / "dist", isolation=False)
    return root


def _dist(root: Path) -> list[Path]:
    return sorted((root / "dist").iterdir())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def project(tmp_path: Path, built: Path) -> Path:
    root = tmp_path / "demo"
    shutil.copytree(built, root)
    return root


def _ws(root: Path) -> nbext.Workspace:
    ws = nbext.Workspace(root, retry_sleep=lambda _s: None)
    _OPEN.append(ws)
    return ws


def _repository(ws: nbext.Workspace, idx: Indexes, name: str, *, creds: bool = True) -> None:
    ws.config_set(f"repositories.{name}", idx.upload_url(name))
    if creds:
        ws.config_set(f"http-basic.{name}", idx.user, PASSWORD)


def _poetry_publish(
    poetry: Path, root: Path, config_dir: Path, home: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """``poetry publish ARGS`` in ``root`` with nbext's config dir (the same auth.toml)."""
    env = poetry_env(home)
    env["POETRY_CONFIG_DIR"] = str(config_dir)
    cmd = [str(poetry), "publish", "--no-ansi", "--no-interaction", *args]
    return run_captured(cmd, env=env, cwd=root, timeout=120)


# -- 18: the existence check reads only the target's own index ----------------------------------


def test_publish_to_dev_is_not_checked_against_another_index_on_the_host(
    config_dir: Path, project: Path, indexes: Indexes
) -> None:
    indexes.seed("priv", *_dist(project))
    ws = _ws(project)
    ws.add_source("priv", indexes.simple_url("priv"), "explicit")
    _repository(ws, indexes, "dev")

    result = ws.publish("dev")

    assert result.uploaded == ["demo_pkg-0.1.0.tar.gz", "demo_pkg-0.1.0-py3-none-any.whl"]
    assert set(indexes.files("dev")) == set(result.uploaded)
    assert result.notes[0].startswith("Could not check whether demo-pkg is on dev")
    assert "no source is that index" in result.notes[0]
    assert f"--check-url {indexes.simple_url('dev')}" in result.notes[0]
    assert "not there yet" not in repr(result)
    assert all("/priv/" not in p for _m, p in indexes.server.requests() if "demo-pkg" in p)


def test_skip_existing_to_dev_uploads_what_only_priv_has(
    config_dir: Path, project: Path, indexes: Indexes
) -> None:
    indexes.seed("priv", *_dist(project))
    ws = _ws(project)
    ws.add_source("priv", indexes.simple_url("priv"), "explicit")
    _repository(ws, indexes, "dev")

    result = ws.publish("dev", skip_existing=True)

    assert [f.state for f in result.files] == ["uploaded", "uploaded"]
    assert set(indexes.files("dev")) == set(result.uploaded)
    assert indexes.posts() == [f"/{indexes.user}/priv/"] * 2 + [f"/{indexes.user}/dev/"] * 2


def test_poetry_uploads_to_dev_too(
    config_dir: Path, project: Path, indexes: Indexes, poetry: Path, tmp_path: Path
) -> None:
    """The same setup with the real Poetry: it uploads (nothing to compare but the outcome)."""
    indexes.seed("priv", *_dist(project))
    ws = _ws(project)
    ws.add_source("priv", indexes.simple_url("priv"), "explicit")
    _repository(ws, indexes, "dev")
    run = _poetry_publish(poetry, project, config_dir, tmp_path / "home", "-r", "dev")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Publishing demo-pkg (0.1.0) to dev" in run.stdout
    assert set(indexes.files("dev")) == {p.name for p in _dist(project)}


def test_a_source_of_another_name_for_the_index_is_the_one_checked(
    config_dir: Path, project: Path, indexes: Indexes
) -> None:
    ws = _ws(project)
    ws.add_source("priv", indexes.simple_url("priv"), "explicit")
    ws.add_source("devsimple", indexes.simple_url("dev"), "explicit")
    _repository(ws, indexes, "dev")
    assert ws.lookup("demo-pkg", source="devsimple").chosen is None  # a cached 404

    first = ws.publish("dev")
    assert first.notes[0] == (
        f"Checked {indexes.simple_url('dev')}demo-pkg/: demo-pkg is not there yet."
    )
    assert "Cached pages of demo-pkg dropped on devsimple" in repr(first)
    found = ws.lookup("demo-pkg==0.1.0", source="devsimple")
    assert found.chosen is not None and found.chosen.source == "devsimple"

    again = ws.publish("dev", skip_existing=True)
    assert [f.state for f in again.files] == ["skipped", "skipped"]
    assert again.notes[0].startswith(f"Checked {indexes.simple_url('dev')}demo-pkg/: 2 file(s)")


def test_without_a_source_devpi_pages_are_found_from_the_upload_url(
    config_dir: Path, project: Path, indexes: Indexes
) -> None:
    indexes.seed("dev", *_dist(project))
    ws = _ws(project)
    _repository(ws, indexes, "dev")
    with pytest.raises(PublishError) as info:
        ws.publish("dev")
    assert "demo_pkg-0.1.0.tar.gz is already on dev (the same file). Fix: --skip-existing" in (
        str(info.value)
    )
    result = ws.publish("dev", skip_existing=True)
    assert [f.state for f in result.files] == ["skipped", "skipped"]
    assert result.notes[0] == (
        f"Checked {indexes.simple_url('dev')}demo-pkg/: 2 file(s) of demo-pkg there."
    )
    assert indexes.posts() == [f"/{indexes.user}/dev/"] * 2  # the seed only
    checks = [e for e in ws.events if e.method == "GET" and "demo-pkg" in e.url]
    assert checks and all(e.request_headers.get("authorization") for e in checks)
    assert all(PASSWORD not in e.line() + repr(e) for e in ws.events)


# -- 19: -r NAME where NAME is only a source ------------------------------------------------------


def test_a_source_only_name_uses_its_url_as_written_and_its_credentials(
    config_dir: Path, project: Path, indexes: Indexes
) -> None:
    """Poetry merges the project's sources into ``repositories``: ``-r priv`` posts to the
    source's URL as written (its trailing slash kept) with ``http-basic.priv``."""
    ws = _ws(project)
    ws.add_source("priv", indexes.upload_url("priv"), "explicit")  # devpi's index URL
    ws.config_set("http-basic.priv", indexes.user, PASSWORD)

    result = ws.publish("priv")

    assert result.uploaded == ["demo_pkg-0.1.0.tar.gz", "demo_pkg-0.1.0-py3-none-any.whl"]
    assert result.url == indexes.upload_url("priv")
    assert indexes.posts() == [f"/{indexes.user}/priv/"] * 2
    assert set(indexes.files("priv")) == set(result.uploaded)


def test_a_source_only_simple_url_says_no_upload_url_is_configured(
    config_dir: Path,
    project: Path,
    indexes: Indexes,
    poetry: Path,
    tmp_path: Path,
) -> None:
    ws = _ws(project)
    ws.add_source("priv", indexes.simple_url("priv"), "explicit")
    ws.config_set("http-basic.priv", indexes.user, PASSWORD)

    run = _poetry_publish(poetry, project, config_dir, tmp_path / "home", "-r", "priv")
    assert run.returncode == 1
    poetry_error = next(
        line.strip()
        for line in run.stdout.splitlines() + run.stderr.splitlines()
        if line.strip().startswith("HTTP Error")
    )
    assert poetry_error.startswith("HTTP Error 404: Not Found | b'")
    with pytest.raises(PublishError) as info:
        ws.publish("priv")
    text = str(info.value)
    # Poetry's own line, then nbext's advice. (Poetry's console takes ``</tag>`` for the end
    # of a style and drops it from what it prints: so does this comparison.)
    assert re.sub(r"</[a-z0-9]+>", "", text.splitlines()[0]) == poetry_error
    assert "No upload URL is configured for priv" in text
    assert f"%config repositories.priv {indexes.upload_url('priv')}" in text
    assert "trailing slash" not in text
    # Both posted to the URL as written, with the trailing slash.
    assert indexes.posts() == [f"/{indexes.user}/priv/+simple/"] * 2
    assert PASSWORD not in text


def test_a_source_only_simple_url_without_its_slash(
    config_dir: Path, project: Path, indexes: Indexes
) -> None:
    """devpi redirects ``+simple`` to ``+simple/``: Poetry's "Redirects are not supported",
    and the advice is the missing upload URL, not a missing slash."""
    ws = _ws(project)
    ws.add_source("priv", indexes.simple_url("priv").rstrip("/"), "explicit")
    with pytest.raises(PublishError) as info:
        ws.publish("priv")
    text = str(info.value)
    assert text.startswith("Redirects are not supported.")
    assert "trailing slash" not in text
    assert "No upload URL is configured for priv" in text
    assert f"%config repositories.priv {indexes.upload_url('priv')}" in text


# -- 20: replacing a file: volatile indexes let it, others answer 409 ----------------------------


def test_a_volatile_index_replaces_a_file_of_the_same_name(
    config_dir: Path, project: Path, rebuilt: Path, indexes: Indexes
) -> None:
    indexes.seed("vol", *_dist(rebuilt))
    ws = _ws(project)
    _repository(ws, indexes, "vol")
    dry = ws.publish("vol", dry_run=True)
    assert [f.detail for f in dry.files] == [
        "dry run: not sent (another file of that name is there: the server decides)"
    ] * 2

    result = ws.publish("vol")

    assert result.uploaded == ["demo_pkg-0.1.0.tar.gz", "demo_pkg-0.1.0-py3-none-any.whl"]
    assert all(f.detail.startswith("replaced a different file of that name") for f in result.files)
    assert indexes.files("vol") == {p.name: _sha256(p) for p in _dist(project)}  # ours now


def test_poetry_replaces_on_a_volatile_index_too(
    config_dir: Path, project: Path, rebuilt: Path, indexes: Indexes, poetry: Path, tmp_path: Path
) -> None:
    indexes.seed("vol", *_dist(rebuilt))
    ws = _ws(project)
    _repository(ws, indexes, "vol")
    run = _poetry_publish(poetry, project, config_dir, tmp_path / "home", "-r", "vol")
    assert run.returncode == 0, run.stdout + run.stderr
    assert indexes.files("vol") == {p.name: _sha256(p) for p in _dist(project)}


@pytest.mark.parametrize("skip_existing", [False, True])
def test_a_non_volatile_index_refuses_a_replacement_with_its_409(
    config_dir: Path, project: Path, rebuilt: Path, indexes: Indexes, skip_existing: bool
) -> None:
    wheel = next(p for p in _dist(rebuilt) if p.suffix == ".whl")
    indexes.seed("dev", wheel)  # a different wheel of the same name; no sdist yet
    ws = _ws(project)
    _repository(ws, indexes, "dev")

    with pytest.raises(PublishError) as info:
        ws.publish("dev", skip_existing=skip_existing)

    text = str(info.value)
    assert text.startswith(
        "HTTP Error 409: demo_pkg-0.1.0-py3-none-any.whl already exists in non-volatile index |"
    )
    assert "a different file of that name is already on dev (sha256 " in text
    assert "dev does not let a file be replaced. Fix: bump the version" in text
    # The replacement went first: refused, nothing else was sent.
    assert text.endswith(
        "Uploaded: nothing. Not uploaded: demo_pkg-0.1.0.tar.gz, demo_pkg-0.1.0-py3-none-any.whl."
    )
    assert indexes.posts() == [f"/{indexes.user}/dev/"] * 2  # the seed, then the refused one
    assert set(indexes.files("dev")) == {wheel.name}
    assert PASSWORD not in text + repr(info.value.result)


def test_poetry_gets_the_same_409(
    config_dir: Path, project: Path, rebuilt: Path, indexes: Indexes, poetry: Path, tmp_path: Path
) -> None:
    indexes.seed("dev", *_dist(rebuilt))
    ws = _ws(project)
    _repository(ws, indexes, "dev")
    run = _poetry_publish(poetry, project, config_dir, tmp_path / "home", "-r", "dev")
    assert run.returncode == 1
    assert "HTTP Error 409: demo_pkg-0.1.0.tar.gz already exists in non-volatile index" in (
        run.stdout + run.stderr
    )
    with pytest.raises(PublishError) as info:
        ws.publish("dev")
    assert str(info.value).startswith(
        "HTTP Error 409: demo_pkg-0.1.0.tar.gz already exists in non-volatile index |"
    )


# -- 2: the upload password goes to the upload URL's origin only ---------------------------------


def test_check_on_another_origin_gets_no_credentials(
    config_dir: Path, project: Path, indexes: Indexes, index_factory: type[IndexServer]
) -> None:
    recorder = index_factory(name="elsewhere")
    ws = _ws(project)
    _repository(ws, indexes, "dev")
    result = ws.publish("dev", check_url=recorder.url)
    assert result.uploaded  # the upload itself was authenticated
    seen = recorder.project_requests("demo-pkg")
    assert seen and not any(r.has_auth for r in seen)


def test_a_same_named_source_on_another_origin_gets_no_upload_password(
    config_dir: Path, project: Path, indexes: Indexes, index_factory: type[IndexServer]
) -> None:
    """``repositories.dev`` is devpi, a source ``dev`` is elsewhere: the check there goes
    without ``http-basic.dev``, which is for the upload URL's origin."""
    recorder = index_factory(name="elsewhere")
    ws = _ws(project)
    ws.add_source("dev", recorder.url, "explicit")
    _repository(ws, indexes, "dev")
    # A lookup on the source sends it http-basic.dev, as Poetry's would: that is the user's
    # configuration for the source. The publish's check is another matter.
    ws.lookup("demo-pkg", source="dev")
    recorder.clear_log()
    result = ws.publish("dev")
    assert result.uploaded == ["demo_pkg-0.1.0.tar.gz", "demo_pkg-0.1.0-py3-none-any.whl"]
    seen = recorder.project_requests("demo-pkg")
    assert seen and not any(r.has_auth for r in seen)


def test_a_redirect_from_the_upload_origin_drops_the_credentials(
    config_dir: Path, project: Path, index_factory: type[IndexServer]
) -> None:
    user = "bob"
    corp = index_factory(name="corp", upload=True, upload_auth=(user, PASSWORD))
    recorder = index_factory(name="elsewhere")
    corp.set_fault(
        "/simple/demo-pkg/", status=302, headers={"Location": recorder.url + "demo-pkg/"}
    )
    ws = _ws(project)
    ws.add_source("corp", corp.url, "explicit")
    ws.config_set("repositories.corp", corp.upload_url)
    ws.config_set("http-basic.corp", user, PASSWORD)
    result = ws.publish("corp")
    assert result.uploaded == ["demo_pkg-0.1.0.tar.gz", "demo_pkg-0.1.0-py3-none-any.whl"]
    checked = corp.project_requests("demo-pkg")
    assert checked and all(r.has_auth for r in checked)  # on the upload origin: sent
    seen = recorder.project_requests("demo-pkg")
    assert seen and not any(r.has_auth for r in seen)  # after the redirect: not
    hops = [e.status for e in ws.events if e.method == "GET" and "demo-pkg" in e.url]
    assert hops[:2] == [302, 404]  # both hops are in %netlog
    assert all(PASSWORD not in e.line() + repr(e) for e in ws.events)


def test_the_typed_password_never_leaves_the_upload_origin(
    config_dir: Path, project: Path, indexes: Indexes, index_factory: type[IndexServer]
) -> None:
    recorder = index_factory(name="elsewhere")
    ws = _ws(project)
    ws.add_source("dev", recorder.url, "explicit")
    ws.config_set("repositories.dev", indexes.upload_url("dev"))
    result = ws.publish("dev", username=indexes.user, password=PASSWORD)
    assert len(result.uploaded) == 2
    assert not any(r.has_auth for r in recorder.requests)
    assert all(PASSWORD not in e.line() + repr(e) for e in ws.events)


# -- 19 (TLS): a source-only name gets its certificates.NAME, as in Poetry ---------------------


def test_a_source_only_name_uses_its_certificates(
    config_dir: Path,
    project: Path,
    index_factory: type[IndexServer],
    ca: trustme.CA,
    pems: dict[str, Path],
) -> None:
    """An HTTPS index whose CA only ``certificates.secure.cert`` names; ``secure`` is a source
    whose URL is the upload URL."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    secure = index_factory(name="secure", upload=True, ssl_context=ctx)
    ws = _ws(project)
    ws.add_source("secure", secure.upload_url, "explicit")
    ws.config_set("certificates.secure.cert", str(pems["ca"]))
    result = ws.publish("secure")
    assert result.uploaded == ["demo_pkg-0.1.0.tar.gz", "demo_pkg-0.1.0-py3-none-any.whl"]
    assert [u.status for u in secure.uploads] == [200, 200]


# -- 22: lookups through devpi's simple pages ---------------------------------------------------


def test_lookup_through_devpi_simple_pages(
    config_dir: Path, project: Path, indexes: Indexes
) -> None:
    indexes.seed("dev", *_dist(project))
    ws = _ws(project)
    ws.add_source("devpi", indexes.simple_url("dev"), "primary")
    found = ws.lookup("demo-pkg>=0.1")
    assert found.chosen is not None
    assert (str(found.chosen.version), found.chosen.source) == ("0.1.0", "devpi")
    meta = found.chosen.metadata
    assert meta is not None and meta.summary == "A demo package"
    assert meta.requires_python == ">=3.9"
    page = next(e for e in ws.events if e.url.endswith("/+simple/demo-pkg/"))
    assert page.status == 200
    assert page.response_headers["content-type"] == "application/vnd.pypi.simple.v1+json"
    assert ws.lookup("nothing-here").chosen is None
