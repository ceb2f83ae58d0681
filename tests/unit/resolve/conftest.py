"""A TargetEnvironment laid out in a temporary folder (no interpreter is run)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from nbext.resolve.environment import TargetEnvironment


def fake_env(root: Path, *, venv: bool = True) -> TargetEnvironment:
    """The running interpreter's facts, with every folder moved under ``root``."""
    site = root / "lib" / "python3.11" / "site-packages"
    for folder in (site, root / "bin", root / "include", root / "stdlib"):
        folder.mkdir(parents=True, exist_ok=True)
    here = TargetEnvironment.current()
    paths = {
        **here.paths,
        "purelib": str(site),
        "platlib": str(site),
        "scripts": str(root / "bin"),
        "data": str(root),
        "include": str(root / "include"),
        "stdlib": str(root / "stdlib"),
    }
    return dataclasses.replace(
        here,
        python=str(root / "bin" / "python"),
        prefix=str(root),
        base_prefix=str(root / "base") if venv else str(root),
        paths=paths,
        sys_path=(str(site),),
        running=False,
    )


@pytest.fixture
def env(tmp_path: Path) -> TargetEnvironment:
    return fake_env(tmp_path / "env")
