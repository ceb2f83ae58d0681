"""The package's shape holds: data flows down the layers, never back up; each subpackage imports
only what its ``__init__`` docstring says it may; no module passes 400 lines.

The order, bottom first (a module may import its own subpackage and the layers below it):
``errors``, ``constants``, ``_version``, ``report``, ``redact`` < ``files`` < ``config`` <
``auth`` < ``sources`` < ``project``, ``index`` < ``cache`` < ``net`` < ``lookup``,
``publish`` < ``resolve`` < ``facade`` < ``kernel`` < ``ui`` < ``magics`` < the package face
(``nbext/__init__.py``). ``demo`` stands alone (standard library and packaging only).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "nbext"

RANK = {
    "errors": 0,
    "constants": 0,
    "_version": 0,
    "report": 0,
    "redact": 0,
    "files": 1,
    "config": 2,
    "auth": 3,
    "sources": 4,
    "project": 5,
    "index": 5,
    "cache": 6,
    "net": 7,
    "lookup": 8,
    "publish": 8,
    "resolve": 9,
    "facade": 10,
    "kernel": 11,
    "ui": 12,
    "magics": 13,
    "__init__": 14,
}
MAX_LINES = 400


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _layer(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imports(path: Path) -> list[str]:
    """The nbext modules ``path`` imports (function-level imports included)."""
    out: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "nbext":
                out += [f"nbext.{a.name}" for a in node.names]
            elif node.module.startswith("nbext."):
                out.append(node.module)
        elif isinstance(node, ast.Import):
            out += [a.name for a in node.names if a.name.startswith("nbext.")]
    return out


def test_every_layer_is_ranked() -> None:
    layers = {_layer(p) for p in _modules()} - {"demo"}
    assert layers <= set(RANK), sorted(layers - set(RANK))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_go_down(path: Path) -> None:
    me = _layer(path)
    for target in _imports(path):
        other = target.split(".")[1]
        if other == me:
            continue
        if me == "demo" or other == "demo":
            assert me == "__init__", f"{path.name} imports {target}: demo stands alone"
            continue
        assert RANK[other] < RANK[me], f"{me} imports {target}, a layer at or above it"


@pytest.mark.parametrize("init", sorted(PACKAGE.glob("*/__init__.py")), ids=lambda p: p.parent.name)
def test_subpackages_say_what_they_own_and_import_only_that(init: Path) -> None:
    doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
    assert "Owns" in doc or "owns" in doc, f"{init}: its docstring says nothing it owns"
    found = re.search(r"May import:(.*?)(?:\n\n|$)", doc, re.S)
    if init.parent.name == "demo":
        return  # stands alone: the layer test proves it imports no nbext module
    assert found, f"{init}: its docstring has no 'May import:'"
    if "anything in nbext" in found.group(1):
        return
    allowed = set(re.findall(r"``(nbext(?:\.\w+)*)``", found.group(1)))
    own = f"nbext.{init.parent.name}"
    for path in init.parent.rglob("*.py"):
        for target in _imports(path):
            if target == own or target.startswith(own + "."):
                continue
            ok = any(target == a or target.startswith(a + ".") for a in allowed)
            assert ok, f"{path.relative_to(PACKAGE)} imports {target}; {init} allows {allowed}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_over_400_lines(path: Path) -> None:
    lines = path.read_bytes().count(b"\n")  # as wc -l counts them
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE)} has {lines} lines"
