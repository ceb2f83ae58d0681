"""What the sdist and the wheel hold, their metadata, and the long description an index shows."""

from __future__ import annotations

import importlib.util
import re
import tarfile
import tomllib
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import pytest
import trove_classifiers
from packaging.metadata import Metadata
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from nbext.publish.distfiles import check_dist, read_dist
from tests.integration.packaging.conftest import Built
from tests.support.env import subprocess_env
from tests.support.procs import run_captured
from tests.support.toolvenvs import (
    ReadmeRendererUnavailable,
    TwineUnavailable,
    readme_renderer_python,
    twine_bin,
)

#: Never in an sdist: version control, environments, caches, build outputs.
NOT_SHIPPED = re.compile(
    r"(^|/)(\.git|\.venv[^/]*|__pycache__|\.mypy_cache|\.ruff_cache|dist|build)(/|$)"
)


def _tree(root: Path, sub: str) -> set[str]:
    """The files under ``root/sub`` (the checkout's copy holds what a clone holds)."""
    return {
        p.relative_to(root).as_posix()
        for p in (root / sub).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


def _wheel_names(built: Built) -> list[str]:
    with zipfile.ZipFile(built.wheel) as zf:
        return zf.namelist()


def _sdist_files(built: Built) -> dict[str, bytes]:
    prefix = f"nbext-{built.version}/"
    files: dict[str, bytes] = {}
    with tarfile.open(built.sdist) as tf:
        for member in tf.getmembers():
            assert member.name.startswith(prefix), member.name
            if member.isfile():
                data = tf.extractfile(member)
                assert data is not None
                files[member.name[len(prefix) :]] = data.read()
    return files


def _metadata(built: Built) -> tuple[str, str]:
    """The wheel's METADATA and the sdist's PKG-INFO, as text."""
    with zipfile.ZipFile(built.wheel) as zf:
        wheel = zf.read(f"nbext-{built.version}.dist-info/METADATA").decode()
    return wheel, _sdist_files(built)["PKG-INFO"].decode()


def _hook(built: Built) -> ModuleType:
    """The checkout's hatch_build.py (the build hook that wrote the long description)."""
    spec = importlib.util.spec_from_file_location(
        "nbext_hatch_build", built.checkout / "hatch_build.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_wheel_holds_nbext_and_no_tests(built: Built) -> None:
    names = _wheel_names(built)
    dist_info = f"nbext-{built.version}.dist-info/"
    assert [n for n in names if not n.startswith(("nbext/", dist_info))] == []
    assert not any(n.startswith(("tests/", "benchmarks/", "notebooks/")) for n in names)
    assert {n for n in names if n.startswith("nbext/")} == _tree(built.checkout, "nbext")
    assert {"nbext/py.typed", "nbext/demo/__init__.py", "nbext/demo/__main__.py"} <= set(names)
    with zipfile.ZipFile(built.wheel) as zf:
        license_text = zf.read(f"{dist_info}licenses/LICENSE")
    assert license_text == (built.checkout / "LICENSE").read_bytes()
    assert b"Permission is hereby granted" in license_text  # the MIT text, not just its name


def test_the_sdist_holds_what_a_build_needs(built: Built) -> None:
    files = _sdist_files(built)
    for needed in ("PKG-INFO", "pyproject.toml", "README.md", "LICENSE", "hatch_build.py"):
        assert needed in files, needed
    assert _tree(built.checkout, "nbext") <= set(files)
    assert {"nbext/py.typed", "nbext/demo/__init__.py"} <= set(files)
    assert [name for name in files if NOT_SHIPPED.search(name)] == []
    # The long description names the tutorials and docs by path, "in the source distribution".
    linked = re.findall(r"\]\(((?:notebooks|docs)/[^)#]*)\)", files["README.md"].decode())
    assert linked and all(name in files or name.endswith("/") for name in linked), linked
    # The wheel was built from this sdist (python -m build's default), not from the checkout.
    assert "Building wheel from sdist" in built.log, built.log


def test_the_metadata_is_complete_and_valid(built: Built) -> None:
    wheel_text, sdist_text = _metadata(built)
    wheel = Metadata.from_email(wheel_text, validate=True)
    sdist = Metadata.from_email(sdist_text, validate=True)
    pyproject = tomllib.loads((built.checkout / "pyproject.toml").read_text(encoding="utf-8"))
    for meta in (wheel, sdist):
        assert str(meta.metadata_version) == "2.4"  # what index servers accept (pyproject.toml)
        assert (meta.name, str(meta.version)) == ("nbext", built.version)
        assert meta.summary and meta.author == "nbext developers"
        assert meta.license_expression == "MIT" and meta.license_files == ["LICENSE"]
        assert meta.keywords and {"jupyter", "ipython", "poetry"} <= set(meta.keywords)
        assert meta.description_content_type == "text/markdown"
    for field in ("classifiers", "requires_dist", "requires_python", "keywords", "description"):
        assert getattr(wheel, field) == getattr(sdist, field), field

    classifiers = wheel.classifiers or []
    unknown = set(classifiers) - trove_classifiers.classifiers
    assert not unknown and not set(classifiers) & set(trove_classifiers.deprecated_classifiers)
    for prefix in (
        "Framework :: Jupyter",
        "Framework :: IPython",
        "Operating System ::",
        "Topic ::",
        "Development Status ::",
        "Programming Language :: Python :: 3 :: Only",
    ):
        assert any(c.startswith(prefix) for c in classifiers), prefix
    # PEP 639: the license is License-Expression; a "License ::" classifier must not repeat it.
    assert not [c for c in classifiers if c.startswith("License ::")]
    assert "Typing :: Typed" in classifiers  # nbext/py.typed ships
    versions = [c.rsplit(" :: ", 1)[1] for c in classifiers if re.search(r":: 3\.\d+$", c)]
    assert versions and all(
        Version(v) in SpecifierSet(str(wheel.requires_python)) for v in versions
    ), versions
    assert f"Programming Language :: Python :: {min(versions, key=Version)}" in classifiers

    # Project URLs: absolute https or none (never relative or placeholders); with them, the
    # README's relative links must become absolute too (the hook's files-url).
    for label, url in (wheel.project_urls or {}).items():
        parts = urlsplit(url)
        assert parts.scheme == "https" and parts.netloc and "example" not in parts.netloc, label
    files_url = pyproject["tool"]["hatch"]["metadata"]["hooks"]["custom"]["files-url"]
    assert bool(files_url) == bool(wheel.project_urls), (files_url, wheel.project_urls)
    assert "readme" in pyproject["project"]["dynamic"] and "readme" not in pyproject["project"]


def test_the_long_description_is_the_readme_with_links_that_work_on_an_index(
    built: Built,
) -> None:
    wheel_text, _ = _metadata(built)
    description = Metadata.from_email(wheel_text, validate=True).description or ""
    hook = _hook(built)
    readme = (built.checkout / "README.md").read_text(encoding="utf-8")
    pyproject = tomllib.loads((built.checkout / "pyproject.toml").read_text(encoding="utf-8"))
    files_url = hook.files_url_for(
        pyproject["tool"]["hatch"]["metadata"]["hooks"]["custom"]["files-url"], built.version
    )
    assert description.strip() == hook.index_readme(readme, files_url).strip()
    assert description.startswith("# nbext")
    for target in re.findall(r"\]\(([^)\s]+)", description):
        assert not hook.is_relative(target), target


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.targets.append(value)


def test_the_long_description_renders_as_the_index_renders_it(built: Built, tmp_path: Path) -> None:
    """readme_renderer with comrak (the index's Markdown renderer); every link is absolute."""
    try:
        python = readme_renderer_python()
    except ReadmeRendererUnavailable as exc:  # pragma: no cover - needs the package registry
        pytest.fail(f"readme-renderer[md] could not be installed: {exc}")
    wheel_text, _ = _metadata(built)
    source = tmp_path / "description.md"
    source.write_text(Metadata.from_email(wheel_text).description or "", encoding="utf-8")
    html = tmp_path / "description.html"
    proc = run_captured(
        [str(python), "-m", "readme_renderer", str(source), "-o", str(html)],
        env=subprocess_env(tmp_path / "home"),
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    parser = _Links()
    parser.feed(html.read_text(encoding="utf-8"))
    assert {"h1", "h2", "table", "pre", "code", "ol"} <= parser.tags, parser.tags
    for target in parser.targets:
        assert urlsplit(target).scheme in ("http", "https") or target.startswith("#"), target
    rendered = html.read_text(encoding="utf-8")
    for notebook in sorted(p.name for p in (built.checkout / "notebooks").glob("*.ipynb")):
        assert notebook in rendered, notebook


def test_twine_check_strict_and_nbext_check_pass(built: Built, tmp_path: Path) -> None:
    for path in (built.sdist, built.wheel):
        assert check_dist(read_dist(path), name="nbext", version=built.version) == [], path.name
    try:
        twine = twine_bin()
    except TwineUnavailable as exc:  # pragma: no cover - needs the package registry
        pytest.fail(f"twine could not be installed: {exc}")
    env = {**subprocess_env(tmp_path / "home"), "NO_COLOR": "1"}
    proc = run_captured(
        [str(twine), "check", "--strict", str(built.sdist), str(built.wheel)], env=env, timeout=60
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert out.count("PASSED") == 2 and "WARNING" not in out.upper(), out
    assert built.sdist.name in out and built.wheel.name in out, out
