"""Lock parity with ``poetry lock`` 2.5.1 for what the project declares: environment markers
(the lock's ``markers``, per group when they differ), extras (``pkg[extra]``, the project's
``[extras]`` and each package's ``extras``), groups (``groups``, an optional group) and
multiple-constraint dependencies (a ``[tool.poetry]`` project, Poetry's own format).
See ``test_lock_parity.py`` for how a pair is locked."""

from __future__ import annotations

import tomllib
from pathlib import Path

from nbext.demo import Dist, IndexServer
from tests.integration.resolve.lockparity import Pair, pyproject

GROUPS = """
[project.optional-dependencies]
plot = ["plotlib>=1"]

[tool.poetry.group.dev.dependencies]
checker = "*"

[tool.poetry.group.docs]
optional = true

[tool.poetry.group.docs.dependencies]
docgen = "*"
"""


def test_markers_extras_and_groups(
    index_factory: type[IndexServer], tmp_path: Path, poetry: Path
) -> None:
    main = index_factory(
        [
            Dist(
                "core",
                "1.0",
                (
                    'colors; sys_platform == "win32"',
                    'backport>=1; python_version < "3.12"',
                    "shared",
                ),
            ),
            Dist("colors", "0.4"),
            Dist("backport", "1.2"),
            Dist("shared", "2.0"),
            Dist("shared", "3.0"),
            Dist("winonly", "1.0", ("shared<3",)),
            Dist("oldpy", "1.0", ("shared",)),
            Dist(
                "fancy",
                "1.0",
                ('turbo>=2; extra == "speed"', 'docgen; extra == "docs"', "shared"),
                summary="Fancy things.",
            ),
            Dist("turbo", "2.1", ('backport; python_version < "3.12"',)),
            Dist("docgen", "0.9", ("shared",)),
            Dist("plotlib", "1.1", ('colors; sys_platform == "win32"',)),
            Dist("checker", "3.0", ("colors", 'turbo; python_version >= "3.12"')),
        ],
        name="main",
    )
    deps = [
        "core",
        "winonly; sys_platform == 'win32'",
        "fancy[speed]",
        "oldpy; python_version < '3.12'",
    ]
    parity = Pair(tmp_path, pyproject([("main", main.url, "primary")], GROUPS, dependencies=deps))
    lock = tomllib.loads(parity.lock().same_lock())
    packages = {p["name"]: p for p in lock["package"]}
    assert sorted(packages) == [
        "backport",
        "checker",
        "colors",
        "core",
        "docgen",
        "fancy",
        "oldpy",
        "plotlib",
        "shared",
        "turbo",
        "winonly",
    ]
    assert packages["shared"]["version"] == "2.0"  # winonly's <3 holds on every platform
    assert packages["winonly"]["markers"] == 'sys_platform == "win32"'
    assert packages["oldpy"]["markers"] == 'python_version == "3.11"'
    assert packages["turbo"]["groups"] == ["main", "dev"]
    assert packages["turbo"]["markers"] == {"dev": 'python_version >= "3.12"'}
    assert packages["docgen"]["groups"] == ["docs"]
    assert packages["fancy"]["extras"] == {"docs": ["docgen"], "speed": ["turbo (>=2)"]}
    assert lock["extras"] == {"plot": ["plotlib"]}


LEGACY = """\
[tool.poetry]
name = "legacy"
version = "0.1.0"
description = ""
authors = []
package-mode = false

[tool.poetry.dependencies]
python = ">=3.9"
split = [{{version = "<2", python = "<3.12"}}, {{version = ">=2", python = ">=3.12"}}]
plat = [
    {{version = "1.0", platform = "win32"}},
    {{version = "2.0", markers = "sys_platform != 'win32'"}},
]

[tool.poetry.group.dev.dependencies]
split = ">=1"

[[tool.poetry.source]]
name = "main"
url = "{url}"
priority = "primary"
"""


def test_multiple_constraint_dependencies(
    index_factory: type[IndexServer], tmp_path: Path, poetry: Path
) -> None:
    """``foo = [{version = "<2", python = "<3.12"}, {version = ">=2", python = ">=3.12"}]``:
    one package per branch, each with its branch's marker (and its own dependencies)."""
    main = index_factory(
        [
            Dist("split", "1.9", ("helper<2",)),
            Dist("split", "2.3", ("helper>=2",), requires_python=">=3.12"),
            Dist("helper", "1.5"),
            Dist("helper", "2.5"),
            Dist("plat", "1.0"),
            Dist("plat", "2.0"),
        ],
        name="main",
        api="html",
    )
    parity = Pair(tmp_path, LEGACY.format(url=main.url))
    lock = tomllib.loads(parity.lock().same_lock())
    got = [(p["name"], p["version"], p["groups"], p.get("markers")) for p in lock["package"]]
    assert got == [
        ("helper", "1.5", ["main", "dev"], 'python_version < "3.12"'),
        ("helper", "2.5", ["main", "dev"], 'python_version >= "3.12"'),
        ("plat", "1.0", ["main"], 'sys_platform == "win32"'),
        ("plat", "2.0", ["main"], 'sys_platform != "win32"'),
        ("split", "1.9", ["main", "dev"], 'python_version < "3.12"'),
        ("split", "2.3", ["main", "dev"], 'python_version >= "3.12"'),
    ]
