"""The pure parts of publishing: file selection, upload fields, the multipart body, README
rendering, and where credentials and the target come from (Poetry's rules)."""

from __future__ import annotations

import email.parser
import email.policy
import json
import shutil
import subprocess
from pathlib import Path

import httpx
import nbext
import pytest
from nbext.constants import pypi_upload_url
from nbext.publish.distfiles import form_fields, read_dist, render_problem, select_files
from nbext.publish.publish import PublishError, build
from nbext.publish.upload import post

from tests.support.projects import write_project


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_project(tmp_path_factory.mktemp("dist") / "demo")
    build(root, root / "dist", isolation=False)
    return root / "dist"


def test_select_files_poetry_rules(tmp_path: Path) -> None:
    for name in (
        "demo_pkg-0.9.0.tar.gz",
        "demo_pkg-0.10.0-py3-none-any.whl",
        "demo_pkg-0.10.0.tar.gz",
        "demo_pkg-0.10.0-cp311-cp311-linux_x86_64.whl",
        "other-1.0.tar.gz",
        "notes.txt",
    ):
        (tmp_path / name).write_bytes(b"x")
    sel = select_files(tmp_path, "Demo.Pkg")
    assert sel.version == "0.10.0"  # PEP 440 order, not string order
    assert [p.name for p in sel.files] == [  # sdists first, then wheels by path
        "demo_pkg-0.10.0.tar.gz",
        "demo_pkg-0.10.0-cp311-cp311-linux_x86_64.whl",
        "demo_pkg-0.10.0-py3-none-any.whl",
    ]
    assert [p.name for p in sel.older] == ["demo_pkg-0.9.0.tar.gz"]
    assert [p.name for p in sel.foreign] == ["other-1.0.tar.gz"]
    assert select_files(tmp_path / "missing", "demo-pkg").files == []


def test_form_fields_are_poetrys(dist: Path, poetry: Path) -> None:
    """Field for field what Poetry 2.5.1's ``Uploader.post_data`` sends (run in its venv)."""
    python = poetry.parent / "python"
    script = (
        "import json, sys; from pathlib import Path;"
        "from poetry.publishing.uploader import Uploader;"
        "d = Uploader.post_data(Path(sys.argv[1]));"
        "d.update({':action': 'file_upload', 'protocol_version': '1'});"
        "out = [];"
        "[out.extend((k, str(x)) for x in v) if isinstance(v, (list, tuple))"
        " else out.append((k, str(v))) for k, v in d.items() if v is not None];"
        "print(json.dumps(out))"
    )
    for path in sorted(dist.iterdir()):
        proc = subprocess.run(
            [str(python), "-c", script, str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            stdin=subprocess.DEVNULL,
        )
        theirs = [tuple(x) for x in json.loads(proc.stdout)]
        ours = form_fields(read_dist(path))
        # packaging's parse_email walks a set of header names: the order of the metadata
        # fields changes with the hash seed (in Poetry too). Same fields, same values, each
        # repeated field's values in file order:
        assert sorted(ours, key=lambda kv: kv[0]) == sorted(theirs, key=lambda kv: kv[0])
        assert ours[:5] == theirs[:5]  # digests, filetype, pyversion first
        assert ours[-2:] == theirs[-2:] == [(":action", "file_upload"), ("protocol_version", "1")]
        fields = dict(ours)
        assert fields["keywords"] == "demo, nbext"
        urls = [v for k, v in ours if k == "project_urls"]
        assert "Homepage, https://example.invalid/demo" in urls


def _post(
    path: Path, answers: list[httpx.Response], **kw: object
) -> tuple[httpx.Response, list[httpx.Request], list[tuple[int, int]], list[float]]:
    """``post`` through a mock transport: the response, the requests as sent, the progress
    calls and the waits."""
    sent: list[httpx.Request] = []
    seen: list[tuple[int, int]] = []
    slept: list[float] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)  # the mock transport has read the body
        return answers[len(sent) - 1]

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        response, _events = post(
            client,
            "https://up.invalid/legacy/",
            form_fields(read_dist(path)),
            path,
            source="up",
            headers={"Authorization": "Basic eDp5"},
            max_retry_after=10.0,
            progress=lambda sent, total: seen.append((sent, total)),
            sleep=slept.append,
            **kw,  # type: ignore[arg-type]
        )
    return response, sent, seen, slept


def test_multipart_body_parses_back(dist: Path) -> None:
    """httpx's multipart body: Poetry's fields in order, then the file as ``content``, with its
    Content-Length; the progress counts the file's bytes as httpx reads them."""
    path = next(dist.glob("*.whl"))
    fields = form_fields(read_dist(path))
    response, [request], seen, _slept = _post(path, [httpx.Response(200)])
    assert response.status_code == 200
    raw = request.content
    assert int(request.headers["content-length"]) == len(raw)
    size = path.stat().st_size
    assert seen[-1] == (size, size) and [s for s, _t in seen] == sorted(s for s, _t in seen)
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {request.headers['content-type']}\r\n\r\n".encode() + raw
    )
    parts = list(message.iter_parts())
    names = [p.get_param("name", header="content-disposition") for p in parts]
    assert names == [k for k, _v in fields] + ["content"]
    assert [p.get_content() for p in parts[:-1]] == [v for _k, v in fields]
    assert parts[-1].get_filename() == path.name
    assert parts[-1].get_content_type() == "application/octet-stream"
    assert parts[-1].get_payload(decode=True) == path.read_bytes()


def test_upload_retry_sends_the_whole_file_again(dist: Path) -> None:
    """The network layer's retry loop: a 503 is retried after Poetry's wait, with the whole
    body again; a Retry-After over the cap is not waited for (as for GETs)."""
    path = next(dist.glob("*.whl"))
    answers = [httpx.Response(503), httpx.Response(200)]
    response, sent, seen, slept = _post(path, answers)
    assert response.status_code == 200 and slept == [0.5]
    assert [len(r.content) for r in sent] == [int(sent[0].headers["content-length"])] * 2
    size = path.stat().st_size
    assert [s for s, _t in seen].count(size) == 2  # the progress starts again with the retry
    later = httpx.Response(503, headers={"Retry-After": "3600"})
    response, sent, _seen, slept = _post(path, [later])
    assert response.status_code == 503 and len(sent) == 1 and slept == []
    assert "not waiting" in response.extensions["nbext_gave_up"]


@pytest.mark.parametrize(
    ("text", "ctype", "expected"),
    [
        ("Title\n=====\n\nfine", None, None),  # no type: reStructuredText, as twine
        ("Title\n==\n\n``broken", "text/x-rst", "reStructuredText errors"),
        ("# anything *goes*", "text/markdown; variant=GFM", None),
        ("plain ``text", "text/plain", None),
        ("x", "text/html", "is not one an index renders"),
        ("x", "text/markdown; charset=latin-1", "is not UTF-8"),
        (None, None, None),
        ("UNKNOWN", None, None),
    ],
)
def test_render_problem(text: str | None, ctype: str | None, expected: str | None) -> None:
    problem = render_problem(text, ctype)
    if expected is None:
        assert problem is None
    else:
        assert problem is not None and expected in problem


def test_upload_url_comes_from_a_library_constant(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NBEXT_PYPI_UPLOAD_URL")
    url = pypi_upload_url()
    assert url.startswith("https://") and url.endswith("/legacy/")
    monkeypatch.setenv("NBEXT_PYPI_UPLOAD_URL", "http://127.0.0.1:1/legacy/")
    assert pypi_upload_url() == "http://127.0.0.1:1/legacy/"


# -- target and credentials (dry runs against a closed port: no request is sent) ----------------


@pytest.fixture
def proj(tmp_path: Path, dist: Path, monkeypatch: pytest.MonkeyPatch) -> nbext.Workspace:
    monkeypatch.setenv("POETRY_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("POETRY_KEYRING_ENABLED", "false")
    root = write_project(tmp_path / "p")
    shutil.copytree(dist, root / "dist")
    ws = nbext.Workspace(root, retry_sleep=lambda _s: None, timeout=2)
    yield ws
    ws.close()


def _creds(ws: nbext.Workspace, repository: str | None, **kw: str) -> tuple[str | None, str | None]:
    from nbext.publish.context import PublishContext
    from nbext.publish.target import credentials_for, resolve_target

    ctx = PublishContext(
        settings=ws.settings,
        passwords=ws.passwords,
        sources=ws.sources,
        get=lambda *_a: None,  # type: ignore[arg-type,return-value]
        record=lambda _e: None,
        invalidate=lambda _s, _p: None,
        project_root=None,
        project_name=None,
        project_version=None,
        source_urls={spec.name: spec.url for spec in ws._specs()[0] if spec.url},
    )
    cred = credentials_for(ctx, resolve_target(ctx, repository), kw.get("u"), kw.get("p"))
    return cred.username, cred.password


def test_credentials_order(proj: nbext.Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = proj
    ws.config_set("repositories.corp", "https://corp.invalid/legacy")
    assert _creds(ws, "corp") == (None, None)
    ws.config_set("http-basic.corp", "alice", "pw-basic")
    assert _creds(ws, "corp") == ("alice", "pw-basic")
    # A lone -u is replaced by http-basic for a configured repository (Poetry's quirk) ...
    assert _creds(ws, "corp", u="bob") == ("alice", "pw-basic")
    # ... both -u and -p win.
    assert _creds(ws, "corp", u="bob", p="cli-pw") == ("bob", "cli-pw")
    # The token comes before http-basic, as user __token__.
    monkeypatch.setenv("POETRY_PYPI_TOKEN_CORP", "pypi-tok")
    assert _creds(ws, "corp") == ("__token__", "pypi-tok")
    # A name that is only a source is configured too (Poetry merges the project's sources into
    # `repositories`): its http-basic replaces a lone -u, even when there is none.
    ws.add_source("src-only", "https://other.invalid/simple/", "explicit")
    assert _creds(ws, "src-only", u="carol") == (None, None)
    ws.config_set("http-basic.src-only", "dave", "pw-src")
    assert _creds(ws, "src-only", u="carol") == ("dave", "pw-src")


def test_target_resolution(proj: nbext.Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from nbext.publish.context import PublishContext
    from nbext.publish.target import resolve_target

    ws = proj
    ws.config_set("repositories.leg", "https://corp.invalid/legacy")
    monkeypatch.setenv("POETRY_REPOSITORIES_ENVREPO_URL", "https://env.invalid/up/")
    ws.add_source("fromsource", "https://src.invalid/simple/", "explicit")
    ctx = PublishContext(
        ws.settings,
        ws.passwords,
        ws.sources,
        None,
        None,
        None,
        None,
        None,
        None,  # type: ignore[arg-type]
        source_urls={"fromsource": "https://src.invalid/simple/"},
    )
    assert resolve_target(ctx, "leg").url == "https://corp.invalid/legacy/"  # the slash is added
    assert resolve_target(ctx, "envrepo").url == "https://env.invalid/up/"
    # A source's URL as written, its trailing slash kept (Poetry posts to it as it is).
    assert resolve_target(ctx, "fromsource").url == "https://src.invalid/simple/"
    # Any case: the source's own name (credentials: http-basic.fromsource).
    assert resolve_target(ctx, "FromSource").name == "fromsource"
    # PyPI is a source without a URL: Poetry does not merge it (publishing to it is -r-less).
    assert ws.sources.has("pypi")
    with pytest.raises(PublishError, match=r"^Repository pypi is not defined\..*without -r"):
        resolve_target(ctx, "pypi")
    default = resolve_target(ctx, None)
    assert (default.name, default.shown, default.url) == ("pypi", "PyPI", pypi_upload_url())
    with pytest.raises(PublishError, match="Repository nope is not defined"):
        resolve_target(ctx, "nope")
    ws.config_set("repositories.bad", "ftp://x.invalid/")
    with pytest.raises(PublishError, match="is not an http"):
        resolve_target(ctx, "bad")


def test_connection_failure_names_what_was_not_uploaded(proj: nbext.Workspace) -> None:
    proj.config_set("repositories.closed", "http://127.0.0.1:9/legacy/")
    with pytest.raises(PublishError) as info:
        proj.publish("closed")
    text = str(info.value)
    assert text.startswith("Error connecting to repository closed (http://127.0.0.1:9/legacy/)")
    assert "Uploaded: nothing. Not uploaded: demo_pkg-0.1.0.tar.gz, demo_pkg-0.1.0-py3" in text
    attempts = [e for e in proj.events if e.method == "POST"]
    assert len(attempts) == 6  # the network layer's retry loop
