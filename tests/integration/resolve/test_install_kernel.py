"""``%add`` and ``%install`` in a real kernel (ipykernel) running in a fresh venv: the packages
land in that venv, from the source the lock or the resolution names (the servers' logs), the
kernel imports them without a restart, and a module already imported and then downgraded is
named with the restart it needs. The test's own environment is never touched."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from nbext.demo import Dist, IndexServer
from nbext.resolve.environment import TargetEnvironment
from tests.integration.resolve.conftest import new_venv
from tests.support.kernels import CELL_TIMEOUT, STARTUP_TIMEOUT, cell_text

CORP = [
    Dist("acme-utils", "1.0.0"),
    Dist("acme-utils", "2.1.0", requires_dist=("acme-core>=1",)),
    Dist("acme-core", "1.2.0"),
]
PUBLIC = [Dist("tinyhttp", "0.9.0"), Dist("acme-utils", "9.9.9")]
DEMO = ("acme-utils", "acme-core", "tinyhttp")


def _kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, TargetEnvironment]:
    """A kernelspec whose python is a fresh venv that can import nbext and ipykernel (through
    a .pth after its own site-packages), registered in a private Jupyter path."""
    python = new_venv(tmp_path / "kernel-venv", nbext_importable=True)
    spec = tmp_path / "jupyter" / "kernels" / "nbext-venv"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "nbext venv",
                "language": "python",
            }
        )
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    return "nbext-venv", TargetEnvironment.for_python(python)


def _downloads(server: IndexServer) -> list[str]:
    return sorted(
        r.path.rsplit("/", 1)[-1]
        for r in server.requests
        if r.method == "GET" and r.path.endswith((".whl", ".tar.gz"))
    )


def test_add_and_install_in_a_kernel_of_a_fresh_venv(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, index_factory: type[IndexServer]
) -> None:
    corp = index_factory(CORP, name="corp", api="json")
    public = index_factory(PUBLIC, name="public", api="html")
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
        "dependencies = []\n\n[tool.poetry]\npackage-mode = false\n"
    )
    kernel, venv = _kernel(tmp_path, monkeypatch)
    ours = TargetEnvironment.current().installed()
    cells = [
        "%load_ext nbext",
        f"%source add --priority primary corp {corp.url}\n"
        f"%source add --priority supplemental public {public.url}",
        "%add acme-utils --source corp --no-live",
        "import acme_utils, acme_core\nprint(acme_utils.__name__, acme_core.__name__)",
        "%install tinyhttp",  # with its live view (a widget), as in JupyterLab
        "%install acme-utils==1.0.0 --source corp --no-live",
    ]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    NotebookClient(
        nb,
        kernel_name=kernel,
        timeout=CELL_TIMEOUT,
        startup_timeout=STARTUP_TIMEOUT,
        resources={"metadata": {"path": str(project)}},
    ).execute()
    added, imported, tiny, downgraded = (cell_text(nb.cells[i]) for i in (2, 3, 4, 5))
    assert "Using version ^2.1.0 for acme-utils" in added
    assert "Writing lock file" in added
    assert "Installing acme-core (1.2.0) from corp" in added
    assert "Installing acme-utils (2.1.0) from corp" in added
    assert imported.strip() == "acme_utils acme_core"
    assert "Installing tinyhttp (0.9.0) from public" in tiny
    # Its live view took itself out of the cell when the install ended.
    assert "live view" not in tiny
    assert "application/vnd.jupyter.widget-view+json" not in nbformat.writes(nb.cells[4])
    assert "Updating acme-utils (2.1.0 -> 1.0.0) from corp" in downgraded
    assert "restart the kernel" in downgraded and "acme_utils" in downgraded
    got = venv.installed()
    assert {name: got.get(name) for name in DEMO} == {
        "acme-utils": "1.0.0",
        "acme-core": "1.2.0",
        "tinyhttp": "0.9.0",
    }
    assert all(Path(venv.paths["purelib"], m).is_dir() for m in ("acme_utils", "tinyhttp"))
    assert (project / "poetry.lock").is_file()
    assert _downloads(corp) == [
        "acme_core-1.2.0-py3-none-any.whl",
        "acme_utils-1.0.0-py3-none-any.whl",
        "acme_utils-2.1.0-py3-none-any.whl",
    ]
    assert _downloads(public) == ["tinyhttp-0.9.0-py3-none-any.whl"]
    # Nothing of it in the environment the tests run in.
    assert TargetEnvironment.current().installed() == ours
