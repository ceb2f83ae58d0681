"""The network layer's tests count requests and connections per server: the radar, whose own
requests go to the public index and every other source (``tests/integration/radar``), is off."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_radar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POETRY_RADAR_ENABLED", "false")
