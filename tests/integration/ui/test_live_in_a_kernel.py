"""The live views in a real kernel (ipykernel through nbclient, which saves what a front end
saves): shown while the command runs, gone from the saved notebook when it ends; and a lookup
that cannot run shows no view at all, only its error.

nbclient applies a display update to the saved output, as JupyterLab does: the live view's
output is emptied when the lookup ends, so the saved notebook holds the result and nothing of
the view. The messages the kernel sent are recorded too, to see the view was really shown.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbformat import NotebookNode

from nbext.demo import Dist, IndexServer
from tests.support.env import kernel_environ
from tests.support.kernels import CELL_TIMEOUT, STARTUP_TIMEOUT, code_cell, new_notebook

WIDGET = "application/vnd.jupyter.widget-view+json"
PLACEHOLDER = "live view (closed"

PYPROJECT = """\
[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = ["pinned-away"]

[tool.poetry.dependencies]
pinned-away = {source = "gone"}
"""


class Recording(NotebookClient):
    """A NotebookClient that keeps every output message of each cell, as the kernel sent it."""

    def __init__(self, nb: NotebookNode, **kw: Any) -> None:
        super().__init__(nb, **kw)
        self.messages: dict[int, list[tuple[str, dict[str, Any]]]] = {}

    def process_message(
        self, msg: dict[str, Any], cell: NotebookNode, cell_index: int
    ) -> NotebookNode | None:
        # Before nbclient handles it: it renames an update_display_data it applies.
        self.messages.setdefault(cell_index, []).append((msg["msg_type"], msg["content"]))
        return super().process_message(msg, cell, cell_index)


def _run(tmp_path: Path, cells: list[str]) -> tuple[NotebookNode, Recording]:
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    nb = new_notebook()
    nb.cells = [code_cell(c) for c in cells]
    client = Recording(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        startup_timeout=STARTUP_TIMEOUT,
        allow_errors=True,
        resources={"metadata": {"path": str(project)}},
    )
    with client.setup_kernel(env=kernel_environ(dict(os.environ), tmp_path / "home")):
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
    saved = tmp_path / "saved.ipynb"
    nbformat.write(nb, saved)
    return nbformat.read(saved, as_version=4), client


def _displays(client: Recording, index: int) -> list[tuple[str, dict[str, Any]]]:
    kinds = ("display_data", "update_display_data")
    return [(kind, content) for kind, content in client.messages.get(index, []) if kind in kinds]


def test_the_live_view_leaves_the_saved_notebook_when_the_lookup_ends(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    corp = index_factory([Dist("acme", "1.0"), Dist("tool", "2.0")], name="corp")
    nb, client = _run(
        tmp_path,
        [
            "%load_ext nbext",
            f"%source add --priority primary corp {corp.url}",
            "%lookup acme",
            "%lookup -v acme tool",
        ],
    )
    for index, shown in ((2, "acme: 1.0 from corp"), (3, "tool: 2.0 from corp")):
        # While it ran: the view (a widget, no text), then an update of it to nothing.
        (first, view), (second, update) = _displays(client, index)
        assert (first, second) == ("display_data", "update_display_data")
        assert WIDGET in view["data"] and "text/plain" not in view["data"]
        view_id = view["transient"]["display_id"]
        assert update["transient"]["display_id"] == view_id
        assert update["data"] == {}
        # Saved: the result, and of the view only an empty output.
        outputs = nb.cells[index].outputs
        text = nbformat.writes(nb.cells[index])
        assert PLACEHOLDER not in text and WIDGET not in text
        assert shown in text
        assert [o.data for o in outputs if o.output_type == "display_data"] == [{}]
        result = [o for o in outputs if o.output_type == "execute_result"]
        assert len(result) == 1 and shown in result[0].data["text/plain"]
        assert "text/html" in result[0].data


def test_a_lookup_that_cannot_run_shows_only_its_error(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    corp = index_factory([Dist("acme", "1.0")], name="corp")
    nb, client = _run(
        tmp_path,
        [
            "%load_ext nbext",
            f"%source add --priority primary corp {corp.url}",
            "%lookup 'not a requirement!!'",
            "%lookup acme --source nowhere",
            "%lookup pinned-away",  # pinned to "gone" in pyproject.toml
        ],
    )
    expected = {
        2: "not a requirement!!",
        3: 'Repository "nowhere" does not exist.',
        4: 'Repository "gone" does not exist.',
    }
    for index, message in expected.items():
        assert _displays(client, index) == [], f"cell {index} showed a view"
        outputs = nb.cells[index].outputs
        assert [o.output_type for o in outputs] == ["error"], outputs
        assert message in outputs[0].evalue
    assert corp.requests == []  # nothing was asked


def test_a_lock_an_install_or_an_add_that_cannot_run_shows_only_its_error(
    tmp_path: Path, index_factory: type[IndexServer]
) -> None:
    corp = index_factory([Dist("acme", "1.0")], name="corp")
    empty = tmp_path / "no-project"
    empty.mkdir()
    nb, client = _run(
        tmp_path,
        [
            "%load_ext nbext",
            f"%source add --priority primary corp {corp.url}",
            "%install 'not a requirement!!'",
            "%install acme --source nowhere",
            "%install pinned-away",  # pinned to "gone" in pyproject.toml
            "%add acme --source nowhere",
            "%add 'acme@>>1'",
            f"%cd -q {empty}",
            "%lock",
            "%install",
        ],
    )
    expected = {
        2: "not a requirement!!",
        3: 'Repository "nowhere" does not exist.',
        4: 'Repository "gone" does not exist.',
        5: 'Repository "nowhere" does not exist.',
        6: "Invalid requirement 'acme@>>1'",
        8: "Poetry could not find a pyproject.toml file",
        9: "%install without requirements installs the project's lock",
    }
    for index, message in expected.items():
        assert _displays(client, index) == [], f"cell {index} showed a view"
        # (a note on stderr first when the project changed: %cd left it)
        outputs = [o for o in nb.cells[index].outputs if o.output_type != "stream"]
        assert [o.output_type for o in outputs] == ["error"], outputs
        assert message in outputs[0].evalue
    assert corp.requests == []  # nothing was asked
    assert "acme" not in (tmp_path / "project" / "pyproject.toml").read_text(encoding="utf-8")
