"""Publishing to the demo index's legacy upload API (``IndexServer(upload=True)``): faults
mid-upload, the server's reasons, caches after a publish, and the same form as twine."""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

import nbext
from nbext.demo import IndexServer
from nbext.errors import PublishError
from tests.support.env import subprocess_env

USER, PASSWORD = "alice", "d3mo-upl0ad-secret"


@pytest.fixture
def corp(index_factory: type[IndexServer]) -> IndexServer:
    # Pages fresh for 10 minutes: only dropping the cache makes a new upload visible.
    return index_factory(name="corp", upload=True, upload_auth=(USER, PASSWORD), max_age=600)


@pytest.fixture
def ws(
    tmp_path: Path, config_dir: Path, built: Path, corp: IndexServer
) -> Iterator[nbext.Workspace]:
    root = tmp_path / "demo"
    shutil.copytree(built, root)
    workspace = nbext.Workspace(root, retry_sleep=lambda _s: None)
    workspace.add_source("corp", corp.url, "primary")
    workspace.config_set("repositories.corp", corp.upload_url)
    workspace.config_set("http-basic.corp", USER, PASSWORD)
    yield workspace
    workspace.close()


def _stored(server: IndexServer) -> list[str]:
    return [u.filename or "" for u in server.uploads if u.status == 200]


def test_publish_drops_fresh_cached_pages_and_links_the_project(
    ws: nbext.Workspace, corp: IndexServer
) -> None:
    assert ws.lookup("demo-pkg").chosen is None  # 404, cached
    result = ws.publish("corp")
    assert _stored(corp) == ["demo_pkg-0.1.0.tar.gz", "demo_pkg-0.1.0-py3-none-any.whl"]
    assert result.project_url == corp.project_url("demo-pkg")
    assert "Cached pages of demo-pkg dropped on corp" in repr(result)
    found = ws.lookup("demo-pkg==0.1.0")
    assert found.chosen is not None and found.chosen.source == "corp"
    assert found.chosen.metadata is not None  # the PEP 658 file the server extracted
    assert found.chosen.metadata.summary == "A demo package"
    wheel = next(u for u in corp.uploads if (u.filename or "").endswith(".whl"))
    fields = dict(wheel.fields)
    assert (fields["name"], fields["version"], fields["filetype"]) == (
        "demo-pkg",
        "0.1.0",
        "bdist_wheel",
    )
    assert PASSWORD not in repr(corp.uploads) + repr(corp.requests)


def test_server_400_reason_is_shown(ws: nbext.Workspace, corp: IndexServer) -> None:
    reason = b"Invalid value for classifiers. Error: Classifier 'Nope' is not a valid classifier."
    corp.set_fault("/legacy/", status=400, body=reason)
    with pytest.raises(PublishError) as info:
        ws.publish("corp")
    text = str(info.value)
    assert text.startswith('HTTP Error 400: Bad Request | b"Invalid value for classifiers.')
    assert "Uploaded: nothing. Not uploaded: demo_pkg-0.1.0.tar.gz, demo_pkg-0.1.0-py3" in text
    assert _stored(corp) == []


def test_upload_cut_mid_body_is_retried(ws: nbext.Workspace, corp: IndexServer) -> None:
    corp.set_fault("/legacy/", action="reset", times=1)
    result = ws.publish("corp")
    assert result.uploaded == ["demo_pkg-0.1.0.tar.gz", "demo_pkg-0.1.0-py3-none-any.whl"]
    assert [u.status for u in corp.uploads] == [0, 200, 200]  # the cut one stored nothing
    posts = [e for e in ws.events if e.method == "POST"]
    assert [e.attempt for e in posts] == [1, 2, 1]
    assert posts[0].status is None and posts[0].error


def test_second_file_failing_says_what_was_uploaded(ws: nbext.Workspace, corp: IndexServer) -> None:
    class BreakAfterFirst:
        def build_done(self, output: str) -> None: ...

        def file_started(self, name: str, total: int) -> None: ...

        def file_progress(self, name: str, sent: int, total: int) -> None: ...

        def file_done(self, name: str, state: str, detail: str) -> None:
            if state == "uploaded":
                corp.set_fault("/legacy/", action="reset")  # every later upload is cut

    with pytest.raises(PublishError) as info:
        ws.publish("corp", observer=BreakAfterFirst())
    text = str(info.value)
    assert text.startswith("Error connecting to repository corp (http://127.0.0.1:")
    assert text.endswith(
        "Uploaded: demo_pkg-0.1.0.tar.gz. Not uploaded: demo_pkg-0.1.0-py3-none-any.whl."
    )
    result = info.value.result
    assert result is not None and [f.state for f in result.files] == ["uploaded", "failed"]
    assert _stored(corp) == ["demo_pkg-0.1.0.tar.gz"]
    assert len([u for u in corp.uploads if u.status == 0]) == 6  # every attempt was cut


def test_exists_answer_counts_with_skip_existing_when_the_index_cannot_tell(
    ws: nbext.Workspace, corp: IndexServer
) -> None:
    ws.publish("corp")
    # Checking against a URL that does not answer: the server's "File already exists" (400)
    # is what decides, with Poetry's rules.
    result = ws.publish("corp", skip_existing=True, check_url="http://127.0.0.1:9/simple/")
    assert [f.state for f in result.files] == ["skipped", "skipped"]
    assert result.notes[0].startswith("Could not check http://127.0.0.1:9/simple/demo-pkg/")
    assert [u.status for u in corp.uploads] == [200, 200, 400, 400]
    assert corp.uploads[-1].reason.startswith("File already exists ('demo_pkg-0.1.0")


def test_the_same_fields_as_twine(
    tmp_path: Path,
    config_dir: Path,
    built: Path,
    index_factory: type[IndexServer],
) -> None:
    """nbext and twine 7 send the same form for the same files (captured by the server).

    The known differences: nbext sends ``md5_digest``, as Poetry does (twine 6 dropped it),
    and ``metadata_version`` etc. come from packaging's raw names in both."""
    from tests.support.toolvenvs import TwineUnavailable, twine_bin

    try:
        twine = twine_bin()
    except TwineUnavailable as exc:  # pragma: no cover - needs the package registry
        pytest.fail(f"twine could not be installed: {exc}")
    by_twine = index_factory(name="t", upload=True, upload_auth=(USER, PASSWORD))
    by_nbext = index_factory(name="n", upload=True, upload_auth=(USER, PASSWORD))
    files = sorted(str(p) for p in (built / "dist").iterdir())
    env = subprocess_env(tmp_path / "twine-home")
    env.update({"NO_COLOR": "1", "TWINE_USERNAME": USER, "TWINE_PASSWORD": PASSWORD})
    proc = subprocess.run(
        [
            str(twine),
            "upload",
            "--non-interactive",
            "--disable-progress-bar",
            "--repository-url",
            by_twine.upload_url,
            *files,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    root = tmp_path / "demo"
    shutil.copytree(built, root)
    ws = nbext.Workspace(root)
    ws.config_set("repositories.n", by_nbext.upload_url)
    ws.config_set("http-basic.n", USER, PASSWORD)
    try:
        ws.publish("n")
    finally:
        ws.close()
    theirs = {u.filename: u for u in by_twine.uploads}
    ours = {u.filename: u for u in by_nbext.uploads}
    assert set(theirs) == set(ours) == {Path(f).name for f in files}
    for name, upload in ours.items():
        twine_fields = Counter(theirs[name].fields)
        nbext_fields = Counter(f for f in upload.fields if f[0] != "md5_digest")
        assert nbext_fields == twine_fields, name
        assert upload.sha256 == theirs[name].sha256  # the same bytes
        assert dict(upload.fields)["md5_digest"]


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (409, b"Conflict", "HTTP Error 409: Conflict | b'Conflict'"),
        (413, b"too big", "The file is larger than corp accepts."),
        (403, b"Invalid or non-existent authentication information.", "refused the credentials"),
    ],
)
def test_server_answers_name_the_problem(
    ws: nbext.Workspace, corp: IndexServer, status: int, body: bytes, expected: str
) -> None:
    corp.set_fault("/legacy/", status=status, body=body)
    with pytest.raises(PublishError) as info:
        ws.publish("corp")
    assert expected in str(info.value)
    assert PASSWORD not in str(info.value)


def test_409_counts_as_existing_with_skip_existing(ws: nbext.Workspace, corp: IndexServer) -> None:
    corp.set_fault("/legacy/", status=409, body=b"Conflict")
    result = ws.publish("corp", skip_existing=True)
    assert [f.state for f in result.files] == ["skipped", "skipped"]
    assert result.files[0].detail == "already on the index (server's answer)"


def test_publish_view_and_text_progress(ws: nbext.Workspace, corp: IndexServer) -> None:
    import io

    from nbext.publish.publish import TextProgress
    from nbext.ui.publishview import PublishView

    view = PublishView("%publish -r corp")
    result = ws.publish("corp", observer=view)
    bars = [row.children[0] for row in view.rows.children]
    assert [(b.value, b.bar_style) for b in bars] == [(100, "success"), (100, "success")]
    assert "demo_pkg-0.1.0.tar.gz</code> 100%" in view.rows.children[0].children[1].value
    assert repr(view) == (
        "%publish -r corp: live view (closed when the publish ends; the result follows)"
    )
    assert view._repr_mimebundle_()["text/plain"] == repr(view)
    view.finish()
    assert len(result.uploaded) == 2

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    progress = TextProgress(stream)
    progress.file_started("a.whl", 10)
    progress.file_progress("a.whl", 5, 10)
    progress.file_progress("a.whl", 10, 10)
    progress.file_done("a.whl", "uploaded", "")
    assert stream.getvalue() == "\r - Uploading a.whl 50%\r - Uploading a.whl 100%\r\x1b[K"
    quiet = io.StringIO()  # not a terminal: the result says it all
    TextProgress(quiet).file_progress("a.whl", 5, 10)
    assert quiet.getvalue() == ""
