"""Lock parity with ``poetry lock`` 2.5.1 whatever the sources' pages look like: PEP 691 JSON and
HTML pages, with and without PEP 658 metadata files, sdist-only and wheel-only releases, a
platform wheel, a single page of links, and static PEP 503 trees whose links carry a sha256, no
hash at all (Poetry downloads each file and records its sha256) or only an md5 (checked, then
the sha256 recorded; when it does not match, the md5 itself, as Poetry does).
See ``test_lock_parity.py`` for how a pair is locked."""

from __future__ import annotations

import contextlib
import hashlib
import re
import tomllib
from collections.abc import Callable
from pathlib import Path

from nbext.demo import Dist, IndexServer
from tests.integration.resolve.lockparity import (
    Pair,
    md5_only,
    pyproject,
    static_tree,
    without_hashes,
)

WRONG_MD5 = "0" * 32


def _md5_wrong_for_sdist(root: Path) -> Callable[[str], str]:
    """md5 fragments only, the one of ``md_leaf-1.0.tar.gz`` wrong."""
    md5 = md5_only(root)

    def edit(page: str) -> str:
        return re.sub(r"(md_leaf-1\.0\.tar\.gz#md5=)[0-9a-f]{32}", rf"\g<1>{WRONG_MD5}", md5(page))

    return edit


def test_page_formats_metadata_files_and_hashes(
    index_factory: type[IndexServer], tmp_path: Path, poetry: Path
) -> None:
    json_meta = index_factory(
        [Dist("top", "1.0", ("jn-mid", "hm-mid", "hn-mid", "linked"), summary="JSON, metadata.")],
        name="jm",
        api="json",
        metadata=True,
    )
    json_bare = index_factory(
        [
            Dist(
                "jn-mid",
                "1.0",
                ("st-leaf",),
                requires_python=">=3.8",
                summary="JSON, no metadata files, sdist only.",
                wheel=False,
            )
        ],
        name="jn",
        api="json",
        metadata=False,
    )
    html_meta = index_factory(
        [
            Dist(
                "hm-mid",
                "2.0",
                ("nh-leaf",),
                summary="HTML with metadata files, a platform wheel.",
                wheel_tag="cp311-cp311-manylinux_2_17_x86_64",
            ),
            Dist("hm-mid", "1.0", summary="Wheel only.", sdist=False),
        ],
        name="hm",
        api="html",
        metadata=True,
    )
    html_bare = index_factory(
        [Dist("hn-mid", "1.0", ("md-leaf>=1",), summary="HTML, no metadata files.")],
        name="hn",
        api="html",
        metadata=False,
    )
    single_page = index_factory(
        [Dist("linked", "1.0", summary="One page of links."), Dist("linked", "2.0", yanked=True)],
        name="links",
        api="html",
        layout="single-page",
    )
    with contextlib.ExitStack() as stack:
        sha256 = static_tree([Dist("st-leaf", "1.0", summary="static")], tmp_path / "st")
        stack.callback(sha256.stop)
        nohash_dists = [
            Dist("nh-leaf", "1.0", ("nh-sdist",), summary="no hashes"),
            Dist("nh-sdist", "0.1", ("st-leaf",), wheel=False),
        ]
        nohash = static_tree(nohash_dists, tmp_path / "nh", without_hashes)
        stack.callback(nohash.stop)
        md5_dists = [Dist("md-leaf", "1.0", summary="md5"), Dist("md-leaf", "0.5", sdist=False)]
        md5 = static_tree(md5_dists, tmp_path / "md", _md5_wrong_for_sdist(tmp_path / "md"))
        stack.callback(md5.stop)
        servers = [json_meta, json_bare, html_meta, html_bare]
        sources = [(s.name, s.url, "primary") for s in servers]
        sources[0] = ("jm", json_meta.url.rstrip("/"), "primary")  # a URL without its slash
        sources += [("st", sha256.url, "primary"), ("nh", nohash.url, "primary")]
        sources += [("md", md5.url, "primary"), ("links", single_page.url, "supplemental")]
        parity = Pair(tmp_path / "project", pyproject(sources, "", dependencies=["top"])).lock()
        lock = tomllib.loads(parity.same_lock())
        assert "#" not in (tmp_path / "nh/simple/nh-leaf/index.html").read_text()
    files = {f["file"]: f["hash"] for p in lock["package"] for f in p["files"]}
    # The files of the trees without sha256 fragments: the sha256 of what was downloaded, or
    # the link's own md5 when the download does not match it.
    assert files.pop("md_leaf-1.0.tar.gz") == f"md5:{WRONG_MD5}"
    downloaded = [
        path
        for tree in ("nh", "md")
        for path in (tmp_path / tree / "packages").iterdir()
        if path.name in files
    ]
    assert len(downloaded) == 4
    for path in downloaded:
        assert files[path.name] == f"sha256:{hashlib.sha256(path.read_bytes()).hexdigest()}"
    assert {p["name"]: p["description"] for p in lock["package"]} == {
        "hm-mid": "HTML with metadata files, a platform wheel.",
        "hn-mid": "HTML, no metadata files.",
        "jn-mid": "JSON, no metadata files, sdist only.",
        "linked": "One page of links.",
        "md-leaf": "md5",
        "nh-leaf": "no hashes",
        "nh-sdist": "",
        "st-leaf": "static",
        "top": "JSON, metadata.",
    }
    assert sorted(files) == [
        "hm_mid-2.0-cp311-cp311-manylinux_2_17_x86_64.whl",
        "hm_mid-2.0.tar.gz",
        "hn_mid-1.0-py3-none-any.whl",
        "hn_mid-1.0.tar.gz",
        "jn_mid-1.0.tar.gz",
        "linked-1.0-py3-none-any.whl",
        "linked-1.0.tar.gz",
        "md_leaf-1.0-py3-none-any.whl",
        "nh_leaf-1.0-py3-none-any.whl",
        "nh_leaf-1.0.tar.gz",
        "nh_sdist-0.1.tar.gz",
        "st_leaf-1.0-py3-none-any.whl",
        "st_leaf-1.0.tar.gz",
        "top-1.0-py3-none-any.whl",
        "top-1.0.tar.gz",
    ]


def test_sdist_only_release_without_requirements(
    index_factory: type[IndexServer], tmp_path: Path, poetry: Path
) -> None:
    main = index_factory(
        [Dist("wrapper", "1.0", ("bare",)), Dist("bare", "0.1", wheel=False)], name="main"
    )
    text = pyproject([("main", main.url, "primary")], "", dependencies=["wrapper"])
    Pair(tmp_path, text).lock().same_lock()


def _old_style_sdist(name: str, version: str, requires_txt: str) -> bytes:
    """A setuptools sdist of old: PKG-INFO 1.1 without Requires-Dist, setup.py, and the
    requirements only in ``<name>.egg-info/requires.txt``."""
    from tests.support.archives import tar_bytes

    base = f"{name}-{version}"
    pkg_info = f"Metadata-Version: 1.1\nName: {name}\nVersion: {version}\nSummary: Old style\n\n"
    return tar_bytes(
        {
            f"{base}/PKG-INFO": pkg_info,
            f"{base}/setup.py": "from setuptools import setup\nsetup()\n",
            f"{base}/{name}.egg-info/PKG-INFO": pkg_info,
            f"{base}/{name}.egg-info/requires.txt": requires_txt,
            f"{base}/{name}.egg-info/SOURCES.txt": "setup.py\n",
        }
    )


def test_sdist_whose_requirements_are_only_in_its_egg_info(
    index_factory: type[IndexServer], tmp_path: Path, poetry: Path
) -> None:
    from tests.support.servers import run_static_tree

    main = index_factory(
        [Dist("wrapper", "1.0", ("legacy",)), Dist("six-ish", "1.1"), Dist("rich-ish", "2.0")],
        name="main",
    )
    root = tmp_path / "static"
    data = _old_style_sdist("legacy", "1.0", "six-ish>=1\n\n[fancy]\nrich-ish\n")
    static = run_static_tree([Dist("placeholder", "0.1")], root)
    try:
        (root / "packages" / "legacy-1.0.tar.gz").write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        (root / "simple" / "legacy").mkdir()
        (root / "simple" / "legacy" / "index.html").write_text(
            f'<a href="../../packages/legacy-1.0.tar.gz#sha256={digest}">legacy-1.0.tar.gz</a>',
            encoding="utf-8",
        )
        text = pyproject(
            [("main", main.url, "primary"), ("static", static.url, "primary")],
            "",
            dependencies=["wrapper"],
        )
        same = Pair(tmp_path / "pair", text).lock().same_lock()
    finally:
        static.stop()
    lock = tomllib.loads(same)
    legacy = next(p for p in lock["package"] if p["name"] == "legacy")
    # Poetry unpacked the sdist and read the egg-info's requires.txt; so did nbext.
    assert legacy["dependencies"] == {"six-ish": ">=1"}
    assert legacy["extras"] == {"fancy": ["rich-ish"]}
    assert "six-ish" in {p["name"] for p in lock["package"]}
