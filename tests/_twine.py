"""twine (pinned) in a virtual environment of its own, for comparing uploads with nbext's."""

from __future__ import annotations

from pathlib import Path

from tests._poetry import REPO_ROOT, tool_venv

__all__ = ["TWINE_VERSION", "TwineUnavailable", "twine_bin"]

TWINE_VERSION = "7.0.0"
VENV_DIR = REPO_ROOT / ".venv-twine"


class TwineUnavailable(RuntimeError):
    """The twine virtual environment could not be created."""


def twine_bin(venv: Path = VENV_DIR) -> Path:
    """The ``twine`` executable (``twine==TWINE_VERSION``), installed on first use."""
    return tool_venv(
        venv,
        [f"twine=={TWINE_VERSION}"],
        "twine",
        error=TwineUnavailable,
        hint="; the comparison with twine needs it from the package registry.",
    )
