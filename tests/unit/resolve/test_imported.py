"""restart_needed: which changed projects have a module imported, and the sentence for each."""

from __future__ import annotations

import types
from pathlib import Path

from nbext.resolve.imported import messages, restart_needed, top_level_modules

PROVIDES = {"acme-utils": ["acme_utils"], "acme-core": ["acme", "acme_core_c"], "quiet": ["q"]}


def provides(name: str) -> list[str]:
    return PROVIDES.get(name, [])


def module(name: str, file: str | None = None) -> types.ModuleType:
    mod = types.ModuleType(name)
    if file:
        mod.__file__ = file
    return mod


def test_an_upgrade_of_an_imported_project_needs_a_restart() -> None:
    loaded = {"acme_utils": module("acme_utils"), "json": module("json")}
    out = restart_needed(
        {"acme-utils": "1.0.0", "quiet": "1"},
        {"Acme_Utils": "2.1.0", "quiet": "2"},
        modules=loaded,
        provides=provides,
    )
    assert out == [
        "acme-utils was upgraded from 1.0.0 to 2.1.0 while `acme_utils` 1.0.0 is imported: "
        "restart the kernel to use 2.1.0."
    ]


def test_a_downgrade_and_a_submodule_count_too() -> None:
    loaded = {"acme.sub": module("acme.sub"), "acme_core_c": module("acme_core_c")}
    out = restart_needed(
        {"acme-core": "2.0"}, {"acme-core": "1.9"}, modules=loaded, provides=provides
    )
    assert out == [
        "acme-core was downgraded from 2.0 to 1.9 while `acme`, `acme_core_c` 2.0 is "
        "imported: restart the kernel to use 1.9."
    ]


def test_nothing_to_say_when_nothing_imported_changed() -> None:
    loaded = {"acme_utils": module("acme_utils")}
    same = {"acme-utils": "1.0.0"}
    assert restart_needed(same, same, modules=loaded, provides=provides) == []
    assert restart_needed({"quiet": "1"}, {"quiet": "2"}, modules=loaded, provides=provides) == []
    assert restart_needed({}, {"acme-utils": "1.0"}, modules=loaded, provides=provides) == []


def test_a_removed_project_is_found_by_its_module_whose_file_is_gone(tmp_path: Path) -> None:
    gone = module("acme_old", str(tmp_path / "acme_old" / "__init__.py"))
    out = restart_needed(
        {"acme-old": "3.0"}, {}, modules={"acme_old": gone}, provides=lambda _n: []
    )
    assert out == [
        "acme-old 3.0 was removed while `acme_old` 3.0 is imported: restart the kernel to stop "
        "using it."
    ]
    still_there = module("acme_old", __file__)  # another project provides it now
    assert restart_needed({"acme-old": "3.0"}, {}, modules={"acme_old": still_there}) == []


def test_non_pep440_versions_are_compared_as_text() -> None:
    assert "downgraded" in messages({"x": "b"}, {"x": "a"}, {"x": ["x"]})[0]


def test_top_level_modules_from_the_installed_metadata() -> None:
    assert top_level_modules("packaging") == ["packaging"]
    assert "installer" in top_level_modules("installer")
    assert top_level_modules("surely-not-installed-here") == []
