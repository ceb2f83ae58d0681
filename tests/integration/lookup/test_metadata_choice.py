"""Which metadata describes the chosen release, and when it is believed (issue 14.14-15).

* The file(s) Poetry 2.5.1 reads (``HTTPRepository._get_info_from_links``), and its merge of
  separate py2 and py3 wheels, compared with Poetry's own code run in its venv.
* PEP 658 files and wheel/sdist metadata are used only when their hash verifies and their
  Name and Version are the file's; otherwise the next way is tried (PEP 658 -> the wheel ->
  nothing) and the result says why. Unreadable metadata still applies the index page's
  ``data-requires-python``.
* A requirement whose marker excludes the project's Python chooses nothing (Poetry locks
  nothing for it); one whose marker narrows it is checked against the narrowed range.
"""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

import nbext
from nbext.demo import Dist, IndexServer
from nbext.demo.dists import build_wheel, core_metadata
from nbext.ui.html import to_html
from tests.support.poetry import PoetryUnavailable, poetry_lock, poetry_python

# -- a real index ----------------------------------------------------------------------------


@dataclass
class Served:
    """One file on a hand-made project page."""

    filename: str
    data: bytes
    metadata: bytes | None = None  # served as its PEP 658 file
    metadata_hash: str | None = None  # advertised (default: the real one)
    file_hash: str | None = None  # advertised (default: the real one)
    requires_python: str | None = None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def serve_page(server: IndexServer, project: str, files: Sequence[Served]) -> None:
    anchors = []
    for f in files:
        server.set_fault(f"/files/{f.filename}", body=f.data, content_type="application/zip")
        attrs = ""
        if f.metadata is not None:
            server.set_fault(
                f"/files/{f.filename}.metadata", body=f.metadata, content_type="text/plain"
            )
            attrs += f' data-dist-info-metadata="sha256={f.metadata_hash or _sha256(f.metadata)}"'
        if f.requires_python:
            attrs += f' data-requires-python="{html.escape(f.requires_python)}"'
        digest = f.file_hash or _sha256(f.data)
        anchors.append(f'<a href="/files/{f.filename}#sha256={digest}"{attrs}>x</a>')
    server.set_fault(
        f"/simple/{project}/", body="\n".join(anchors).encode(), content_type="text/html"
    )


def wheel(dist: Dist, *, as_: Dist | None = None) -> tuple[str, bytes]:
    """A wheel of ``dist`` (its METADATA says ``dist``), named as ``as_``'s wheel."""
    name, data = build_wheel(dist)
    return (build_wheel(as_)[0] if as_ else name), data


def _workspace(tmp_path: Path, url: str, python: str = ">=3.11") -> nbext.Workspace:
    (tmp_path / "pyproject.toml").write_text(
        "[project]\n"
        'name = "demo"\n'
        'version = "0.1.0"\n'
        f'requires-python = "{python}"\n'
        "\n"
        "[tool.poetry]\n"
        "package-mode = false\n"
        "\n"
        "[[tool.poetry.source]]\n"
        'name = "corp"\n'
        f'url = "{url}"\n'
        'priority = "primary"\n',
        encoding="utf-8",
    )
    return nbext.Workspace(tmp_path)


def test_separate_py2_and_py3_wheels_are_read_and_merged_like_poetry(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    py2 = Dist(
        "twowheels",
        "1.0",
        requires_dist=("six", "futures>=3"),
        summary="two wheels",
        wheel_tag="py2-none-any",
    )
    py3 = Dist(
        "twowheels",
        "1.0",
        requires_dist=("six", "attrs>=19"),
        requires_python=">=3.6",
        wheel_tag="py3-none-any",
    )
    server = index_factory([], name="corp", api="html")
    files = []
    for d in (py2, py3):
        name, data = build_wheel(d)
        files.append(Served(name, data, metadata=core_metadata(d)))
    serve_page(server, "twowheels", files)
    with _workspace(tmp_path, server.url) as ws:
        result = ws.lookup("twowheels")
    chosen = result.chosen
    assert chosen is not None and chosen.metadata is not None
    assert chosen.metadata_via == "py2 + py3 wheels (PEP 658, PEP 658)"
    assert chosen.metadata.requires_python == ">=2.7,<3.0 || >=3.6"
    assert sorted(chosen.metadata.requires_dist) == [
        'attrs (>=19) ; python_version >= "3"',  # poetry-core's to_pep_508(), as in Poetry
        'futures (>=3) ; python_version == "2.7"',
        "six",
    ]
    assert "py2 + py3 wheels" in repr(result)

    poetry_code = """
from packaging.utils import canonicalize_name
from poetry.core.constraints.version import Version
from poetry.repositories.legacy_repository import LegacyRepository
repo = LegacyRepository("corp", payload["url"], disable_cache=True)
info = repo._get_release_info(canonicalize_name("twowheels"), Version.parse("1.0"))
print(json.dumps([info["requires_python"], sorted(info["requires_dist"])]))
"""
    try:
        theirs = poetry_python(poetry_code, {"url": server.url})
    except PoetryUnavailable as exc:
        pytest.fail(f"Poetry's environment is needed for this comparison: {exc}", pytrace=False)
    assert theirs == [chosen.metadata.requires_python, sorted(chosen.metadata.requires_dist)]


GOOD = Dist("acme", "1.0", requires_dist=("good-dep",), requires_python=">=3.8")


@pytest.mark.parametrize(
    ("metadata", "metadata_hash", "why"),
    [
        (core_metadata(GOOD), "0" * 64, "does not match its sha256 hash from the index"),
        (
            core_metadata(Dist("evil", "1.0", requires_dist=("evil-dep",))),
            None,
            "names the project 'evil', not acme",
        ),
        (
            core_metadata(Dist("acme", "6.6", requires_dist=("evil-dep",))),
            None,
            "is for version 6.6, not 1.0",
        ),
        (b"not metadata at all\x00\xff", None, "has no Name (not core metadata)"),
    ],
    ids=["hash", "name", "version", "garbage"],
)
def test_a_pep658_file_that_does_not_verify_falls_back_to_the_wheel(
    tmp_path: Path,
    index_factory: type[IndexServer],
    metadata: bytes,
    metadata_hash: str | None,
    why: str,
) -> None:
    server = index_factory([], name="corp", api="html")
    name, data = build_wheel(GOOD)
    serve_page(server, "acme", [Served(name, data, metadata=metadata, metadata_hash=metadata_hash)])
    with _workspace(tmp_path, server.url) as ws:
        result = ws.lookup("acme")
    chosen = result.chosen
    assert chosen is not None and chosen.metadata is not None
    assert chosen.metadata.requires_dist == ("good-dep",)  # the wheel's own METADATA
    assert chosen.metadata_via == "wheel"  # the fault server ignores ranges: a full download
    assert chosen.metadata_note == f"passed over: the PEP 658 file of {name} {why}"
    assert f"metadata: passed over: the PEP 658 file of {name} {why}" in repr(result)


def test_a_pep658_file_that_cannot_be_fetched_falls_back_to_the_wheel(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory([], name="corp", api="html")
    name, data = build_wheel(GOOD)
    serve_page(server, "acme", [Served(name, data, metadata=b"x")])
    server.set_fault(f"/files/{name}.metadata", status=500, body=b"oops")
    with _workspace(tmp_path, server.url) as ws:
        result = ws.lookup("acme")
    assert result.chosen is not None and result.chosen.metadata is not None
    assert result.chosen.metadata_note == (
        f"passed over: the PEP 658 file of {name} could not be fetched (HTTP 500)"
    )


def test_a_wheel_whose_metadata_is_another_version_is_not_used_and_the_page_counts(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    """2.0's only wheel carries 9.9's METADATA (and no PEP 658 file). Where the page says
    2.0 needs Python >=3.99, nothing of 2.0 is read at all (the page's requires-python is the
    file's: Poetry would skip it after reading); where the page says nothing, the wheel is read,
    its METADATA refused, and 2.0 is chosen without metadata, the note saying why."""
    server = index_factory([], name="corp", api="html")
    new = Dist("acme", "2.0", requires_python=">=3.8")
    lying_name, lying = wheel(Dist("acme", "9.9"), as_=new)
    old_name, old = build_wheel(GOOD)
    old_file = Served(old_name, old, requires_python=">=3.8")
    serve_page(server, "acme", [old_file, Served(lying_name, lying, requires_python=">=3.99")])
    with _workspace(tmp_path, server.url) as ws:
        result = ws.lookup("acme")
        assert result.chosen is not None and result.chosen.version == "1.0"
        assert "2.0 (requires Python >=3.99)" in result.chosen.reason
        only_new = ws.lookup("acme==2.0")
    assert only_new.chosen is None
    assert "2.0 (requires Python >=3.99)" in only_new.message
    assert not [r for r in server.requests if r.path.endswith(lying_name)]  # never asked
    serve_page(server, "acme", [old_file, Served(lying_name, lying)])
    with _workspace(tmp_path, server.url) as ws:
        unsaid = ws.lookup("acme==2.0", refresh=True)
    assert unsaid.chosen is not None and unsaid.chosen.metadata is None
    assert "the METADATA in acme-2.0-py3-none-any.whl is for version 9.9, not 2.0" in (
        unsaid.chosen.metadata_note or ""
    )


@pytest.mark.parametrize("fault", ["http-500", "hash"])
def test_metadata_that_cannot_be_read_is_said_and_the_page_requires_python_applied(
    tmp_path: Path, index_factory: type[IndexServer], fault: str
) -> None:
    server = index_factory([], name="corp", api="html")
    name, data = build_wheel(GOOD)
    served = Served(
        name, data, requires_python=">=3.8", file_hash="0" * 64 if fault == "hash" else None
    )
    serve_page(server, "acme", [served])
    if fault == "http-500":
        server.set_fault(f"/files/{name}", status=500, body=b"oops")
    with _workspace(tmp_path, server.url) as ws:
        result = ws.lookup("acme")
    chosen = result.chosen
    assert chosen is not None and chosen.version == "1.0" and chosen.metadata is None
    why = (
        f"{name} could not be downloaded (HTTP 500)"
        if fault == "http-500"
        else f"{name} does not match its sha256 hash from the index"
    )
    assert chosen.metadata_note == (
        f"not read ({why}); the index page's requires-python (>=3.8) was applied"
    )
    assert f"metadata: not read ({why})" in repr(result)
    assert "metadata: not read" in to_html(result)


# -- markers ---------------------------------------------------------------------------------


def test_a_marker_that_excludes_the_projects_python_chooses_nothing_like_poetry(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory([Dist("acme", "1.0"), Dist("other", "1.0")], name="corp")
    with _workspace(tmp_path, server.url) as ws:
        result = ws.lookup("acme; python_version < '3.8'")
        other = ws.lookup("other; python_version >= '3.8'")
    assert result.chosen is None
    assert result.message == (
        'nothing to choose: the marker python_version < "3.8" excludes the project\'s Python '
        ">=3.11, so Poetry locks nothing for acme"
    )
    skipped = {r.skipped for r in result.per_source}
    assert skipped == {"no: the marker excludes the project's Python"}
    assert other.chosen is not None and other.chosen.version == "1.0"

    project = tmp_path / "poetry-project"
    project.mkdir()
    text = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    text += (
        "\n[tool.poetry.dependencies]\n"
        'acme = { version = "*", markers = "python_version < \'3.8\'" }\n'
        'other = { version = "*", markers = "python_version >= \'3.8\'" }\n'
    )
    (project / "pyproject.toml").write_text(text, encoding="utf-8")
    try:
        locked = poetry_lock(project)
    except PoetryUnavailable as exc:
        pytest.fail(f"Poetry is needed for this comparison: {exc}", pytrace=False)
    assert locked.ok, locked.output
    assert set(locked.packages) == {"other"}


def test_a_marker_that_narrows_the_python_range_narrows_the_requires_python_check(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    """``acme; python_version >= "3.12"`` in a project for >=3.11 needs only 3.12+: 2.0
    (Requires-Python >=3.12) fits, as Poetry's provider decides (and locks)."""
    server = index_factory(
        [Dist("acme", "1.0"), Dist("acme", "2.0", requires_python=">=3.12")], name="corp"
    )
    with _workspace(tmp_path, server.url) as ws:
        narrowed = ws.lookup("acme; python_version >= '3.12'")
        plain = ws.lookup("acme")
    assert narrowed.chosen is not None and narrowed.chosen.version == "2.0"
    assert plain.chosen is not None and plain.chosen.version == "1.0"

    project = tmp_path / "poetry-project"
    project.mkdir()
    text = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    text += (
        "\n[tool.poetry.dependencies]\n"
        'acme = { version = "*", markers = "python_version >= \'3.12\'" }\n'
    )
    (project / "pyproject.toml").write_text(text, encoding="utf-8")
    locked = poetry_lock(project)
    assert locked.ok, locked.output
    assert locked.packages["acme"][0] == "2.0"


def test_a_json_api_answer_for_another_version_is_not_used(
    tmp_path: Path, index_factory: type[IndexServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The public index's JSON API answers for the release asked; an answer about another
    release (a misbehaving mirror) is passed over for the release's own files."""
    import json

    pypi = index_factory([GOOD], name="pypi", api="json", json_api=True)
    lying = {
        "info": {
            "name": "acme",
            "version": "6.6",
            "requires_dist": ["evil-dep"],
            "requires_python": None,
            "summary": "",
        }
    }
    pypi.set_fault(
        "/pypi/acme/1.0/json", body=json.dumps(lying).encode(), content_type="application/json"
    )
    monkeypatch.setenv("NBEXT_PYPI_URL", pypi.url)
    with nbext.Workspace(tmp_path) as ws:  # no sources: the implicit PyPI
        result = ws.lookup("acme")
    chosen = result.chosen
    assert chosen is not None and chosen.metadata is not None
    assert chosen.metadata.requires_dist == ("good-dep",)
    assert chosen.metadata_via == "PEP 658"
    assert chosen.metadata_note == "passed over: the JSON API answer is for version 6.6, not 1.0"
