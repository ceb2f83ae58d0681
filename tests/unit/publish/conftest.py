"""Fixtures of the publish unit tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import nbext
from tests.support.projects import write_project


@pytest.fixture
def proj(tmp_path: Path, dist: Path, monkeypatch: pytest.MonkeyPatch) -> nbext.Workspace:
    monkeypatch.setenv("POETRY_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("POETRY_KEYRING_ENABLED", "false")
    root = write_project(tmp_path / "p")
    shutil.copytree(dist, root / "dist")
    ws = nbext.Workspace(root, retry_sleep=lambda _s: None, timeout=2)
    yield ws
    ws.close()
