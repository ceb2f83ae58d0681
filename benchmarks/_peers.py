"""The other tools the benchmarks compare nbext with: uv, pip and Poetry.

* :func:`peers_venv` - a dedicated virtual environment at ``benchmarks/.venv-peers`` with
  ``uv`` and a recent ``pip`` from the package registry, created once (under a file lock, a
  marker written last) and reused; ``uv`` and ``pip`` are upgraded only when the marker is
  missing, so repeated runs compare the same versions (delete the directory to refresh).
* :func:`poetry_bin` - Poetry from ``tests/support/toolvenvs.py`` (the pinned version the
  parity tests use, in ``<repo>/.venv-poetry``).
* :func:`tool_env` - the scrubbed environment every benchmarked tool runs in.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.support.env import install_env, isolated_environ, poetry_env  # noqa: E402
from tests.support.procs import run_checked  # noqa: E402
from tests.support.toolvenvs import (  # noqa: E402
    POETRY_VERSION,
    base_python,
    poetry_bin,
    tool_venv,
)

__all__ = [
    "NETWORK_GUARD",
    "PEERS_VENV",
    "POETRY_VERSION",
    "Peers",
    "PeersUnavailable",
    "fast_path",
    "peers_venv",
    "poetry_bin",
    "poetry_env",
    "tool_env",
]

PEERS_VENV = REPO_ROOT / "benchmarks" / ".venv-peers"
_PACKAGES = ("uv", "pip")


class PeersUnavailable(RuntimeError):
    """The peers' virtual environment could not be created."""


@dataclass(frozen=True)
class Peers:
    """Executables of the peers venv and their versions."""

    python: Path
    uv: Path
    versions: dict[str, str]

    @property
    def pip(self) -> list[str]:
        """The command that runs the venv's pip (``python -m pip``)."""
        return [str(self.python), "-m", "pip"]


def _run(cmd: list[str], env: Mapping[str, str], timeout: float, what: str) -> str:
    return run_checked(cmd, env, timeout, what, error=PeersUnavailable, hint=":")


def _versions(python: Path, env: Mapping[str, str]) -> dict[str, str]:
    script = (
        "import importlib.metadata as m, json; "
        f"print(json.dumps({{n: m.version(n) for n in {list(_PACKAGES)!r}}}))"
    )
    out = _run([str(python), "-c", script], env, 60, "reading the peers' versions")
    return {str(k): str(v) for k, v in json.loads(out).items()}


def peers_venv(venv: Path = PEERS_VENV) -> Peers:
    """The peers venv (``uv`` and ``pip`` from the registry), created on first use."""
    uv = tool_venv(venv, ["--upgrade", *_PACKAGES], "uv", error=PeersUnavailable, hint=":")
    python = venv / "bin" / "python"
    return Peers(python, uv, _versions(python, install_env()))


#: A safety net: anything a tool tries to reach other than 127.0.0.1 goes to a closed port.
NETWORK_GUARD = {
    **{
        name: "http://127.0.0.1:9"
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")
    },
    "all_proxy": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost",
    "no_proxy": "127.0.0.1,localhost",
}


def fast_path(path: str) -> str:
    """``path`` with the real interpreter's directory first.

    On these machines PATH starts with pyenv's shims, bash scripts that take a few hundred
    milliseconds per call; a tool that looks for ``python`` on PATH (uv without ``--python``,
    Poetry finding the project's interpreter) would pay that on every run.
    """
    real = str(Path(os.path.realpath(base_python())).parent)
    return os.pathsep.join([real, *(p for p in path.split(os.pathsep) if p and p != real)])


def tool_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """``os.environ`` scrubbed (``tests/support/env.py``): HOME, XDG_*, POETRY_* dirs under
    ``home``, no PIP_*, UV_* or CA bundles, :data:`NETWORK_GUARD`, the real interpreter first
    on PATH; plus ``extra``."""
    env = isolated_environ(dict(os.environ), home)
    env["PATH"] = fast_path(env.get("PATH", os.defpath))
    for key in list(env):
        if key.startswith(("UV_", "VIRTUAL_ENV", "CONDA_")) or key in {
            "AWS_CA_BUNDLE",
            "PYTHONWARNINGS",
            "PYTHONHOME",
            "PYTHONSTARTUP",
        }:
            del env[key]
    env.update(NETWORK_GUARD)
    env["NO_COLOR"] = "1"
    env.update(extra or {})
    return env
