"""The README's quick start runs as written, against the demo indexes it tells to start."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from nbext import kernel
from nbext.demo import start
from tests.support.paths import REPO_ROOT

README = REPO_ROOT / "README.md"


def _blocks(section: str) -> list[str]:
    text = README.read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```\w*\n(.*?)```", body, re.S)


def test_the_quick_start_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shell_block, magics, python = _blocks("Quick start")
    base = int(re.search(r"--port (\d+)", shell_block).group(1))  # type: ignore[union-attr]
    with start() as demo:  # ephemeral ports: the README's are put in their place
        ports = {str(base + i): str(s.bound_port) for i, s in enumerate(demo.servers.values())}
        monkeypatch.chdir(tmp_path)
        kernel._reset_default()
        shell = InteractiveShell.instance()
        shell.history_manager.enabled = False
        try:
            for line in magics.splitlines():
                code = re.sub(r"\s+# .*$", "", line)
                for old, new in ports.items():
                    code = code.replace(f":{old}/", f":{new}/")
                result = shell.run_cell(code)
                assert result.success, (line, result.error_in_exec)
            namespace: dict[str, object] = {}
            exec(compile(python, "README quick start", "exec"), namespace)
            res = namespace["res"]
            assert (res.chosen.version, res.chosen.source) == ("2.1.0", "corp")  # type: ignore[attr-defined]
            assert res.chosen.metadata.requires_dist == ("acme-core>=1",)  # type: ignore[attr-defined]
        finally:
            shell.run_line_magic("unload_ext", "nbext")
            kernel._reset_default()
            InteractiveShell.clear_instance()
