"""What the kernel-session tests share: a project with a built distribution to publish, code
cells, their text, the kernel's requests to rewrite a cell.
"""

from __future__ import annotations

import copy
import sqlite3
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.util import run_sync
from nbformat import NotebookNode

from nbext.publish.publish import build
from tests.support.projects import write_project

PYPROJECT = """\
[project]
name = "hygiene-app"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []
"""


def publishable_project(tmp_path: Path) -> Path:
    """``tmp_path/project`` with :data:`PYPROJECT` and, in ``dist/``, built files of a project
    of that name to publish (the sample project's build)."""
    project = tmp_path / "project"
    project.mkdir()
    sample = write_project(tmp_path / "sample", name="hygiene-app")
    build(sample, project / "dist", isolation=False)
    (project / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    return project


def code_cell(source: str) -> NotebookNode:
    return nbformat.v4.new_code_cell(source)


def cell_text(cell: NotebookNode) -> str:
    """Everything a code cell printed or displayed as text."""
    parts: list[str] = []
    for output in cell.get("outputs", []):
        if "text" in output:
            parts.append(output["text"])
        for key, value in output.get("data", {}).items():
            if key.startswith("text/"):
                parts.append(value)
    return "\n".join(parts)


def set_next_input(reply: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        p
        for p in reply["content"].get("payload", [])
        if p.get("source") == "set_next_input" and p.get("replace")
    ]


CELL_TIMEOUT = 120
STARTUP_TIMEOUT = 60


def history_rows(db: Path) -> list[tuple[int, int, str, str]]:
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        return [
            (int(a), int(b), str(c), str(d))
            for a, b, c, d in conn.execute(
                "SELECT session, line, source, source_raw FROM history ORDER BY session, line"
            )
        ]
    finally:
        conn.close()


def notebook_client(nb: NotebookNode, project: Path, replies: dict[int, Any]) -> NotebookClient:
    def on_cell_executed(cell: NotebookNode, cell_index: int, execute_reply: Any) -> None:
        replies[cell_index] = execute_reply

    return NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        startup_timeout=STARTUP_TIMEOUT,
        ipython_hist_file="",  # the default history file under IPYTHONDIR, as in JupyterLab
        allow_errors=True,
        store_widget_state=True,
        resources={"metadata": {"path": str(project)}},
        on_cell_executed=on_cell_executed,
    )


def new_notebook() -> NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


class FrontEnd:
    """Does to a widget what a front end does when a person types into it or clicks it:
    sends a ``comm_msg`` to the kernel, and keeps its own copy of each model's state, which
    is what JupyterLab saves as the notebook's widget state."""

    def __init__(self, client: NotebookClient) -> None:
        self.client = client
        self.models: dict[str, dict[str, Any]] = copy.deepcopy(client.widget_state)
        self.received: list[dict[str, Any]] = []

    def sync(self) -> None:
        for comm_id, state in self.client.widget_state.items():
            self.models.setdefault(comm_id, copy.deepcopy(state))

    def _send(self, comm_id: str, data: dict[str, Any]) -> None:
        kc = self.client.kc
        assert kc is not None
        msg = kc.session.msg("comm_msg", {"comm_id": comm_id, "data": data})
        kc.shell_channel.send(msg)
        # What the kernel sends back (updates, echoes) until it is idle again: a front end
        # applies each state to its model; nbclient would record it as widget state.
        while True:
            reply = run_sync(kc.get_iopub_msg)(timeout=CELL_TIMEOUT)
            if reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
                continue
            self.received.append(reply)
            content = reply["content"]
            if reply["msg_type"] == "comm_msg" and "state" in content["data"]:
                self.models.setdefault(content["comm_id"], {}).update(content["data"]["state"])
                self.client.widget_state.setdefault(content["comm_id"], {}).update(
                    content["data"]["state"]
                )
            if reply["msg_type"] == "status" and content["execution_state"] == "idle":
                break

    def type_into(self, comm_id: str, text: str) -> None:
        self.models[comm_id]["value"] = text  # the front end's model holds what was typed
        self._send(comm_id, {"method": "update", "state": {"value": text}, "buffer_paths": []})

    def click(self, comm_id: str) -> None:
        self._send(comm_id, {"method": "custom", "content": {"event": "click"}})


def form_widgets(before: set[str], state: dict[str, dict[str, Any]]) -> dict[str, str]:
    """The comm ids of the password field and the Save button of a form just displayed."""
    new = {k: v for k, v in state.items() if k not in before}
    password = [k for k, v in new.items() if v.get("_model_name") == "PasswordModel"]
    save = [
        k
        for k, v in new.items()
        if v.get("_model_name") == "ButtonModel" and v.get("description") == "Save"
    ]
    status = [k for k, v in new.items() if v.get("_model_name") == "HTMLModel"]
    assert len(password) == len(save) == len(status) == 1, new
    return {"password": password[0], "save": save[0], "status": status[0]}
