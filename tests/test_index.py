"""Pure parsers and per-source answers, with httpx.MockTransport (no sockets)."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import nbext
import pytest
from nbext.index.choice import choose_metadata_file
from nbext.index.filenames import parse_filename
from nbext.index.files import File, group_releases
from nbext.index.metadata import parse_metadata
from nbext.index.reader import PageFormatError, parse_project_page
from nbext.ui.html import to_html

HTML = b"""<!DOCTYPE html><html><body>
<a href="../../files/acme_utils-1.0.0-py3-none-any.whl#sha256=aa" data-requires-python="&gt;=3.8"
   data-core-metadata="sha256=bb" data-dist-info-metadata="sha256=cc">w</a>
<a href="../../files/acme_utils-1.0.0.tar.gz#sha256=dd">s</a>
<a href="../../files/acme-utils-2.0.0.tar.gz" data-yanked="">yanked no reason</a>
<a href="../../files/acme_utils-2.0.0-py3-none-any.whl" data-yanked="bad &amp; broken">y</a>
<a href="../../files/acme_utils-3.0.0.egg">egg is ignored</a>
<a href="../../files/other-9.0.tar.gz">another project</a>
<a href="../../files/acme_utils-notaversion.tar.gz">bad version</a>
<a href="https://files.example/acme_utils-1.1.0-py2.py3-none-any.whl">absolute</a>
</body></html>"""


def test_html_page_attributes_and_filters() -> None:
    files = parse_project_page(
        "Acme_Utils", HTML, content_type="text/html", url="https://idx.example/simple/acme-utils/"
    )
    names = [f.filename for f in files]
    assert names == [
        "acme_utils-1.0.0-py3-none-any.whl",
        "acme_utils-1.0.0.tar.gz",
        "acme-utils-2.0.0.tar.gz",
        "acme_utils-2.0.0-py3-none-any.whl",
        "acme_utils-1.1.0-py2.py3-none-any.whl",
    ]
    wheel = files[0]
    assert wheel.url == "https://idx.example/files/acme_utils-1.0.0-py3-none-any.whl"
    assert wheel.requires_python == ">=3.8"
    assert wheel.hashes == {"sha256": "aa"}
    assert wheel.has_metadata and wheel.metadata_hashes == {"sha256": "bb"}  # PEP 714 first
    releases = {str(r.version): r for r in group_releases(files)}
    assert list(releases) == ["1.0.0", "1.1.0", "2.0.0"]
    assert releases["2.0.0"].yanked and releases["2.0.0"].yanked_reason == "bad & broken"
    assert not releases["1.0.0"].yanked


def test_release_is_yanked_only_if_every_file_is() -> None:
    page = HTML.replace(b'data-yanked="">yanked no reason', b">not yanked")
    files = parse_project_page("acme-utils", page, content_type="text/html", url="https://i/s/a/")
    assert not {str(r.version): r for r in group_releases(files)}["2.0.0"].yanked


def test_json_page_only_for_the_exact_media_type() -> None:
    data = {
        "meta": {"api-version": "1.1"},
        "name": "acme-utils",
        "files": [
            {
                "filename": "acme_utils-1.0.0-py3-none-any.whl",
                "url": "/files/acme_utils-1.0.0-py3-none-any.whl",
                "hashes": {"sha256": "aa"},
                "requires-python": ">=3.9",
                "core-metadata": {"sha256": "bb"},
                "yanked": "oops",
                "size": 10,
            }
        ],
    }
    body = json.dumps(data).encode()
    files = parse_project_page(
        "acme-utils",
        body,
        content_type="application/vnd.pypi.simple.v1+json; charset=utf-8",
        url="https://idx.example/simple/acme-utils/",
    )
    assert files[0].url == "https://idx.example/files/acme_utils-1.0.0-py3-none-any.whl"
    assert (files[0].yanked, files[0].yanked_reason, files[0].size) == (True, "oops", 10)
    # application/json is not PEP 691 for Poetry: read as HTML, which has no links
    with pytest.raises(PageFormatError):
        parse_project_page("acme-utils", body, content_type="application/json", url="https://i/")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/octet-stream", b"\x89PNG\r\n\x1a\n\x00\x00"),
        ("image/png", b"\x89PNG"),
        ("text/html", b"\x00\x01\x02binary"),
        ("application/vnd.pypi.simple.v1+json", b"{not json"),
    ],
)
def test_pages_that_are_not_index_pages(content_type: str, body: bytes) -> None:
    with pytest.raises(PageFormatError):
        parse_project_page("x", body, content_type=content_type, url="https://i/simple/x/")


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("Foo_Bar-1.0-py3-none-any.whl", ("foo-bar", "1.0", "wheel")),
        ("foo-1.0-1-py3-none-any.whl", ("foo", "1.0", "wheel")),
        ("foo-bar-2.0.tar.gz", ("foo-bar", "2.0", "sdist")),
        ("foo-2.0.zip", ("foo", "2.0", "sdist")),
        ("foo-2.0.tar.bz2", ("foo", "2.0", "sdist")),
        ("foo-2.0.tar.Z", ("foo", "2.0", "sdist")),
        ("foo-2.0.egg", None),
        ("foo-2.0.exe", None),
        ("README.txt", None),
    ],
)
def test_filenames(filename: str, expected: tuple[str, str, str] | None) -> None:
    assert parse_filename(filename) == expected


def test_metadata_file_choice_follows_poetry() -> None:
    def page(*names: str) -> list[File]:
        body = "".join(f'<a href="/f/{n}">x</a>' for n in names).encode()
        return parse_project_page("foo", body, content_type="text/html", url="https://i/s/foo/")

    def choose(*names: str) -> str | None:
        chosen = choose_metadata_file(group_releases(page(*names))[0])
        return chosen.filename if chosen else None

    assert (
        choose(
            "foo-1.0.tar.gz",
            "foo-1.0-cp311-cp311-linux_x86_64.whl",
            "foo-1.0-py3-none-any.whl",
            "foo-1.0-py2.py3-none-any.whl",
        )
        == "foo-1.0-py2.py3-none-any.whl"
    )
    # separate py2 and py3 wheels: both are read and merged (choose_metadata_files)
    assert (
        choose("foo-1.0.tar.gz", "foo-1.0-py2-none-any.whl", "foo-1.0-py3-none-any.whl")
        == "foo-1.0-py2-none-any.whl"
    )
    assert (
        choose("foo-1.0.tar.gz", "foo-1.0-cp311-cp311-linux_x86_64.whl")
        == "foo-1.0-cp311-cp311-linux_x86_64.whl"
    )
    assert choose("foo-1.0.zip") == "foo-1.0.zip"


def test_parse_metadata() -> None:
    meta = parse_metadata(
        b"Metadata-Version: 2.1\nName: acme\nVersion: 1.0\nSummary: hi\n"
        b"Requires-Python: >=3.8\nRequires-Dist: a>=1\nRequires-Dist: b; extra == 'x'\n\nbody"
    )
    assert (meta.name, meta.version, meta.summary, meta.requires_python) == (
        "acme",
        "1.0",
        "hi",
        ">=3.8",
    )
    assert meta.requires_dist == ("a>=1", "b; extra == 'x'")


# -- per-source answers through a mock transport --------------------------------------------------


def _ws(tmp_path: Path, handler: httpx.MockTransport, *names: str) -> nbext.Workspace:
    ws = nbext.Workspace(tmp_path, transport=handler, retry_sleep=lambda _s: None)
    for name in names:
        ws.add_source(name, f"https://{name}.example/simple/", "primary")
    return ws


def test_redirect_is_followed_and_relative_links_resolve_against_the_final_url(
    tmp_path: Path,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/simple/acme/":
            return httpx.Response(301, headers={"Location": "https://b.example/new/acme/"})
        if request.url.path == "/new/acme/":
            return httpx.Response(200, html='<a href="acme-1.0.tar.gz#sha256=00">x</a>')
        return httpx.Response(404)

    with _ws(tmp_path, httpx.MockTransport(handler), "a") as ws:
        res = ws.lookup("acme")
    assert res.chosen is not None and res.chosen.url == "https://b.example/new/acme/acme-1.0.tar.gz"
    assert [e.status for e in res.per_source[0].events][:2] == [301, 200]


def test_auth_errors_are_per_source_warnings(tmp_path: Path) -> None:  # scenario 12
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "a.example":
            return httpx.Response(401)
        if request.url.host == "b.example":
            return httpx.Response(403)
        return httpx.Response(200, html='<a href="/f/acme-1.0.tar.gz">x</a>')

    with _ws(tmp_path, httpx.MockTransport(handler), "a", "b", "c") as ws:
        res = ws.lookup("acme")
    assert res.chosen is not None and res.chosen.source == "c"
    assert (
        "Source (a): Authorization error accessing https://a.example/simple/acme/ (no "
        "credentials for a: %config http-basic.a USERNAME)" in res.notes
    )
    assert [r.outcome for r in res.per_source] == ["yes: auth error", "yes: auth error", "yes"]


def test_server_errors_are_error_rows_and_others_still_answer(tmp_path: Path) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "a.example":
            return httpx.Response(500, text="boom")
        if request.url.host == "b.example":
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, html='<a href="/f/acme-1.0.tar.gz">x</a>')

    with _ws(tmp_path, httpx.MockTransport(handler), "a", "b", "c") as ws:
        res = ws.lookup("acme")
    assert res.chosen is not None and res.chosen.source == "c"
    rows = {r.source: r for r in res.per_source}
    assert rows["a"].error == "Source (a): HTTP 500 from https://a.example/simple/acme/"
    assert rows["b"].error is not None and rows["b"].error.startswith(
        "Source (b): All attempts to connect to b.example failed (connection refused)."
    )
    assert "%source show b" in rows["b"].error


def test_user_info_in_urls_is_redacted(tmp_path: Path) -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("authorization"))
        return httpx.Response(404)

    ws = nbext.Workspace(tmp_path, transport=httpx.MockTransport(handler))
    with ws:
        ws.add_source("a", "https://user:s3cret@a.example/simple/", "primary")
        res = ws.lookup(
            "acme",
        )
        text = repr(res) + to_html(res) + "\n".join(res.log_lines(3))
    assert seen[0] is not None and seen[0].startswith("Basic ")
    assert "s3cret" not in text
    assert "user:***@a.example" in text


def test_public_api_is_exactly_all() -> None:
    import types

    names = {n for n in dir(nbext) if not n.startswith("_")}
    # the layer subpackages are attributes once imported; the public API is what __all__ says
    public = {n for n in names if not isinstance(getattr(nbext, n), types.ModuleType)} - {
        "annotations",
        "TYPE_CHECKING",
    }
    assert public | {"__version__"} == set(nbext.__all__)
    assert len(nbext.__all__) == len(set(nbext.__all__))


def test_import_nbext_stays_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, nbext; "
        "print(sorted(m for m in ('IPython', 'ipywidgets', 'pypi_simple', 'pydantic') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_lazy_wheel_reads_metadata_with_few_ranges() -> None:
    import io
    import os
    import zipfile

    from nbext.index.lazy_wheel import TAIL_BYTES, metadata_from_ranges

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big/data.bin", os.urandom(300_000))  # incompressible: the wheel is large
        for i in range(400):  # a central directory bigger than the 10,000-byte tail
            zf.writestr(f"big/module_{i:03d}_with_a_long_name.py", "x = 1\n")
        zf.writestr(
            "big-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: big\nVersion: 1.0\n"
        )
    wheel = buf.getvalue()
    asked: list[tuple[int, int]] = []

    def fetch(start: int, end: int) -> bytes:
        asked.append((start, end))
        return wheel[start : end + 1]

    data = metadata_from_ranges(len(wheel), wheel[-TAIL_BYTES:], fetch)
    assert parse_metadata(data).name == "big"
    assert 1 <= len(asked) <= 4
    assert sum(end - start + 1 for start, end in asked) < len(wheel) // 2
