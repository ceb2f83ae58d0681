"""What a workspace takes from the settings (nbext.config.resolved)."""

from __future__ import annotations

from pathlib import Path

import nbext


def test_installer_max_workers_sizes_the_pool(cfg_dir: Path, project_dir: Path) -> None:
    import os

    with nbext.Workspace(project_dir) as ws:
        assert ws.max_workers == 32
        ws.config_set("installer.max-workers", "2")
    with nbext.Workspace(project_dir) as ws:
        assert ws.max_workers == min(2, (os.cpu_count() or 1) + 4)
        assert ws.executor._max_workers == ws.max_workers
