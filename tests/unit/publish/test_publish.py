"""``poetry publish`` from a notebook (nbext.publish.publish): what is refused before anything
is built or sent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import nbext
from nbext.errors import PublishError


def test_non_package_mode(tmp_path: Path, config_dir: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.poetry]\npackage-mode = false\nname = "x"\nversion = "1"\n', encoding="utf-8"
    )
    with pytest.raises(PublishError, match=r"^Publishing a package is not possible in non-package"):
        nbext.Workspace(tmp_path).publish("x")
