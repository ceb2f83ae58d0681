"""Files nbext may not read or write: a one-line error naming the file and the fix, never a
traceback, no file changed. Each action runs in a child process to which file permissions
apply (root without CAP_DAC_OVERRIDE).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.procs import run_python
from tests.support.projects import P, project

# -- files nbext may not read or write -----------------------------------------------------------

PROBE = """
import json, sys
import nbext
try:
    with nbext.Workspace({where!r}) as ws:
        result = {action}
    print(json.dumps(["ok", repr(result)]))
except nbext.NbextError as exc:
    print(json.dumps(["error", exc._render_traceback_()]))
except BaseException as exc:
    print(json.dumps(["traceback", type(exc).__name__ + ": " + str(exc)]))
"""


def probe(where: Path, action: str, env: dict[str, str]) -> tuple[str, Any]:
    """Run ``action`` on a Workspace in a process to which file permissions apply (root
    without CAP_DAC_OVERRIDE)."""
    proc = run_python(PROBE.format(where=str(where), action=action), env=env, unprivileged=True)
    assert proc.returncode == 0, proc.stderr
    kind, value = json.loads(proc.stdout.strip().splitlines()[-1])
    return str(kind), value


@pytest.fixture
def perms_dir() -> Iterator[Path]:
    """A temporary directory whose modes the test changes (restored before deletion)."""
    with tempfile.TemporaryDirectory(prefix="nbext-perms-") as name:
        root = Path(name)
        yield root
        for path in [root, *root.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)


def env_for(cfg: Path) -> dict[str, str]:
    return {"POETRY_CONFIG_DIR": str(cfg), "POETRY_KEYRING_ENABLED": "false"}


def test_unreadable_pyproject(perms_dir: Path) -> None:
    path = project(perms_dir / "proj", P)
    path.chmod(0o000)
    kind, shown = probe(path.parent, "ws.sources", env_for(perms_dir / "cfg"))
    assert kind == "error" and len(shown) == 1
    assert f"Cannot read {path}: permission denied" in shown[0] and "chmod u+r" in shown[0]


def test_project_directory_nbext_may_not_write(perms_dir: Path) -> None:
    path = project(perms_dir / "proj", P)
    path.parent.chmod(0o555)
    action = "ws.add_source('corp', 'https://corp.example/simple/', 'primary')"
    kind, shown = probe(path.parent, action, env_for(perms_dir / "cfg"))
    assert kind == "error" and len(shown) == 1, shown
    assert f"ProjectError: Cannot write {path}: permission denied" in shown[0]
    assert path.read_text() == P


def test_config_directory_nbext_may_not_write(perms_dir: Path) -> None:
    cfg = perms_dir / "cfg"
    cfg.mkdir()
    (cfg / "config.toml").write_text("# mine\n")
    cfg.chmod(0o555)
    kind, shown = probe(perms_dir, "ws.config_set('installer.parallel', 'false')", env_for(cfg))
    assert kind == "error" and len(shown) == 1, shown
    assert f"ConfigError: Cannot write {cfg / 'config.toml'}: permission denied" in shown[0]
    assert (cfg / "config.toml").read_text() == "# mine\n"


def test_config_directory_nbext_may_not_search(perms_dir: Path) -> None:
    cfg = perms_dir / "cfg"
    cfg.mkdir()
    (cfg / "config.toml").write_text("[installer]\nparallel = false\n")
    cfg.chmod(0o600)
    kind, shown = probe(perms_dir, "ws.config_list()", env_for(cfg))
    assert kind == "error" and len(shown) == 1, shown
    assert "ConfigError: Cannot read" in shown[0] and "permission denied" in shown[0]


def test_unreadable_auth_toml(perms_dir: Path) -> None:
    cfg = perms_dir / "cfg"
    cfg.mkdir()
    (cfg / "auth.toml").write_text('[http-basic.corp]\nusername = "a"\n')
    (cfg / "auth.toml").chmod(0o000)
    action = "ws.config_set('http-basic.corp', 'alice', 'pw')"
    kind, shown = probe(perms_dir, action, env_for(cfg))
    assert kind == "error" and len(shown) == 1, shown
    assert f"Cannot read {cfg / 'auth.toml'}: permission denied" in shown[0]
