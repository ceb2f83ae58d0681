"""Uninstall by RECORD on a laid-out folder: what is removed, what is kept, the stash."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from nbext.errors import InstallError
from nbext.resolve.environment import TargetEnvironment
from nbext.resolve.uninstall import Stash, find_installed, removal_paths


def lay_out(env: TargetEnvironment, outside: Path) -> Path:
    """acme-tool 1.0 as an installer leaves it: a package, bytecode, a script, a RECORD."""
    site = Path(env.site_packages[0])
    files = {
        "acme_tool/__init__.py": "",
        "acme_tool/sub/mod.py": "",
        "acme_tool/__pycache__/__init__.cpython-311.pyc": "",
        "acme_tool/__pycache__/__init__.cpython-312.opt-1.pyc": "",
        "acme_tool/sub/__pycache__/mod.cpython-311.pyc": "",
        "acme_tool-1.0.dist-info/METADATA": "Name: acme-tool\nVersion: 1.0\n",
        "acme_tool-1.0.dist-info/INSTALLER": "nbext\n",
        "acme_tool-1.0.dist-info/REQUESTED": "",  # not in the RECORD: goes with the folder
        "../../../bin/acme": "#!python\n",
    }
    for path, text in files.items():
        (site / path).parent.mkdir(parents=True, exist_ok=True)
        (site / path).write_text(text)
    outside.write_text("not ours")
    record = [p for p in files if "__pycache__" not in p and "REQUESTED" not in p]
    record += ["acme_tool-1.0.dist-info/RECORD", str(outside), "acme_tool/listed_but_gone.py"]
    (site / "acme_tool-1.0.dist-info/RECORD").write_text(
        "".join(f"{p},sha256=x,1\n" for p in record)
    )
    (site / "other.py").write_text("")  # someone else's
    return site


def test_removal_paths_follow_the_record(env: TargetEnvironment, tmp_path: Path) -> None:
    site = lay_out(env, tmp_path / "outside.txt")
    (dist,) = find_installed(env, "ACME_Tool")
    assert dist.version == "1.0" and dist.name == "acme-tool"
    paths = {os.path.relpath(p, site) for p in removal_paths(dist)}
    assert "acme_tool/__pycache__/__init__.cpython-312.opt-1.pyc" in paths
    assert "acme_tool-1.0.dist-info/REQUESTED" in paths
    assert os.path.join("..", "..", "..", "bin", "acme") in paths
    only_311 = {os.path.relpath(p, site) for p in removal_paths(dist, ("cpython-311",))}
    assert "acme_tool/__pycache__/__init__.cpython-312.opt-1.pyc" not in only_311
    assert "acme_tool/__pycache__/__init__.cpython-311.pyc" in only_311


def test_the_stash_commits_and_cleans_up(env: TargetEnvironment, tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    site = lay_out(env, outside)
    stash = Stash(env)
    for dist in find_installed(env, "acme-tool"):
        stash.take(dist)
    assert not (site / "acme_tool" / "__init__.py").exists()
    assert stash.skipped == [outside] and outside.exists()  # outside the env: left alone
    stash.commit()
    assert sorted(os.listdir(site)) == ["acme_tool", "other.py"]  # a 3.12 pyc is not ours
    assert sorted(os.listdir(Path(env.prefix))) == ["bin", "include", "lib", "stdlib"]
    assert os.listdir(Path(env.paths["scripts"])) == []  # the script went, bin stays


def test_the_stash_restores_everything(env: TargetEnvironment, tmp_path: Path) -> None:
    site = lay_out(env, tmp_path / "outside.txt")
    before = sorted(str(p) for p in Path(env.prefix).rglob("*"))
    stash = Stash(env)
    stash.take(find_installed(env, "acme-tool")[0])
    stash.restore()
    assert sorted(str(p) for p in Path(env.prefix).rglob("*")) == before
    assert (site / "acme_tool" / "sub" / "mod.py").exists()


def test_nothing_installed_is_nothing_found(env: TargetEnvironment) -> None:
    assert find_installed(env, "acme-tool") == []


def test_a_distribution_without_record_cannot_be_uninstalled(env: TargetEnvironment) -> None:
    egg = Path(env.site_packages[0]) / "oldpkg-0.1.egg-info"
    egg.mkdir()
    (egg / "PKG-INFO").write_text("Name: oldpkg\nVersion: 0.1\n")
    (dist,) = find_installed(env, "oldpkg")
    with pytest.raises(InstallError, match="cannot uninstall oldpkg 0.1: .* has no RECORD"):
        Stash(env).take(dist)
