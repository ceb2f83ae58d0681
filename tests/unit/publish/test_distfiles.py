"""The files ``poetry publish`` uploads and the checks nbext adds (nbext.publish.distfiles):
Poetry's selection rules, README rendering problems.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from nbext.publish.distfiles import render_problem, select_files


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
