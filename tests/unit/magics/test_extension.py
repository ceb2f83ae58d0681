"""``%load_ext nbext`` and ``%unload_ext nbext`` (nbext.magics.extension): unloading restores
what was there.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from nbext import kernel as _workspace


def test_unload_restores_what_was_there(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shell = InteractiveShell.instance()
    try:

        def mine(line: str) -> str:
            return "user lookup"

        shell.register_magic_function(mine, "line", "lookup")
        shell.run_line_magic("load_ext", "nbext")
        assert shell.find_line_magic("lookup").__self__.__class__.__name__ == "LookupMagics"
        shell.run_line_magic("unload_ext", "nbext")
        assert shell.run_line_magic("lookup", "x") == "user lookup"
        assert shell.find_line_magic("source") is None
        assert shell.find_line_magic("add") is None
    finally:
        _workspace._reset_default()
        InteractiveShell.clear_instance()
