"""What ``import nbext`` costs a kernel, measured in a fresh interpreter: no IPython, widgets,
pypi-simple, pydantic or keyring until they are needed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.support.env import isolated_environ


def test_import_nbext_stays_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, nbext; "
        "print(sorted(m for m in ('IPython', 'ipywidgets', 'pypi_simple', 'pydantic') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_importing_nbext_does_not_import_keyring(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import sys
        import nbext
        from nbext.auth.keyring import KeyringStore
        store = KeyringStore(enabled=False)
        assert not store.usable
        assert store.get_password("corp", "u") is None
        assert store.delete_password("corp", "u") is False
        assert store.get_credential("http://h/simple/", None) is None
        assert "keyring" not in sys.modules, "keyring was imported"
        print("ok")
        """
    )
    env = isolated_environ(dict(os.environ), tmp_path / "home")
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"
