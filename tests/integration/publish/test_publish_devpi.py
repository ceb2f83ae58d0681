"""``%publish`` and ``%lookup`` against a real devpi-server (``tests/support/devpi.py``) on
127.0.0.1, side by side with the real Poetry 2.5.1 where Poetry uploads.

Each test gets a user of its own with three indexes: ``USER/dev`` and ``USER/priv``
(non-volatile) and ``USER/vol`` (volatile). devpi's layout: the upload URL of ``USER/dev`` is
``http://HOST/USER/dev/``, its simple pages are under ``http://HOST/USER/dev/+simple/``.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import pytest

from nbext.errors import PublishError
from nbext.publish.publish import build
from tests.support.devpi import USER_PASSWORD as PASSWORD
from tests.support.devpi import Indexes
from tests.support.devpi import configure_repository as _repository
from tests.support.env import poetry_env
from tests.support.procs import run_captured
from tests.support.projects import write_project
from tests.support.workspaces import open_workspace as _ws


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
