"""Fixtures of the unit tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def cfg_dir(config_dir: Path) -> Path:
    """:func:`config_dir` (the keyring off: passwords go to auth.toml)."""
    return config_dir
