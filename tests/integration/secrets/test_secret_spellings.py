"""Secrets typed on magic lines in every spelling, and on lines that fail, in a real kernel.

Two kernels run one after the other with the same IPython directory, so the history database
(a real sqlite file, where IPython keeps it by default) holds two sessions:

1. an earlier session: a few cells whose rows must come out of the second session unchanged;
2. a session that types secrets with quotes, backslashes, ``{{``/``}}``, a leading ``-``,
   attached and ``=`` options, into URLs, on lines that fail (bad syntax, refused values,
   an open quote), a one-letter password, a cell run without history (as nbval does), a
   magic in the middle of a cell; it publishes to three protected demo indexes with
   passwords typed three ways; and it fills two password forms the way a front end does
   (a comm message with the field's value), saving one and not the other.

The keyring is the file-backed test backend (``tests/support/keyring_backends.py``), so
``http-basic``/``repositories`` credentials really go where Poetry puts them. Then: each
cell as the front end shows it after applying the kernel's ``set_next_input`` payload (as
JupyterLab does), each history row, the saved notebooks (nbclient's widget state, and the
widget state a front end that typed into the forms would save) and every message the kernel
sent back are checked; the secrets must be nowhere, in any form.
"""

from __future__ import annotations

import json
import os
import secrets
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat import NotebookNode

from tests.support.env import isolated_environ
from tests.support.kernels import FrontEnd as _FrontEnd
from tests.support.kernels import cell_text as _text
from tests.support.kernels import code_cell as _code
from tests.support.kernels import form_widgets as _form_widgets
from tests.support.kernels import history_rows as _history
from tests.support.kernels import new_notebook as _new_notebook
from tests.support.kernels import notebook_client as _client
from tests.support.kernels import publishable_project
from tests.support.kernels import set_next_input as _set_next_input
from tests.support.keyring_backends import subprocess_env
from tests.support.secret_scan import SecretScan, secret_scan_fixture
from tests.support.spellings import TAILS as _TAILS
from tests.support.spellings import Case
from tests.support.spellings import cases as _cases

secret_scan = secret_scan_fixture()
SETUP = """\
import os

from nbext.demo import IndexServer

servers = {
    name: IndexServer(name=name, upload=True, upload_auth=("alice", os.environ.pop(var)))
    for name, var in [("pub1", "PW_PUB1"), ("pub2", "PW_PUB2"), ("pub3", "PW_PUB3")]
}
for server in servers.values():
    server.start()
"""
CHECK = """\
import json

print(json.dumps({name: [[u.filename, u.status, u.has_auth] for u in server.uploads]
                  for name, server in servers.items()}))
for server in servers.values():
    server.stop()
"""
DUMP = """\
import re

print(In)
print({k: v for k, v in globals().items() if re.fullmatch(r"_i+\\d*", k)})
print(_ih[-3:])
"""
#: Cells of the earlier session, and cells of this one that a secret never touched; with a
#: one-letter password ("a") typed in between, none may change.
EARLIER = ['note = "my analysis of data"', "total = sum([1, 2, 3])  # a sample"]
PLAIN = 'summary = "my analysis of data: a, b and c"'
ONE_LETTER = "%config http-basic.one alice a"


@dataclass
class Session:
    cases: list[Case]
    cells: dict[str, NotebookNode]
    payloads: dict[str, list[dict[str, Any]]]
    rows: list[tuple[int, int, str, str]]  # every history row: session, line, source, raw
    earlier_rows: list[tuple[int, int, str, str]]  # the earlier session's, before this one
    history_db: Path
    home: Path
    project: Path
    keyring: dict[str, dict[str, str]]
    notebook: Path  # as saved after the front end applied the rewrites (nbclient's widgets)
    front_end_notebook: Path  # with the widget state a front end that typed would save
    kernel_messages: list[dict[str, Any]]  # what the kernel sent after the "typing"
    form_secrets: dict[str, str]
    forms: dict[str, dict[str, str]] = field(default_factory=dict)  # form -> comm ids

    def row(self, cell: NotebookNode) -> tuple[int, int, str, str] | None:
        """This session's history row of ``cell`` (None if it is not in the history)."""
        latest = max(r[0] for r in self.rows)
        found = [r for r in self.rows if r[0] == latest and r[1] == cell.execution_count]
        return found[0] if found else None


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    tmp_path = tmp_path_factory.mktemp("spellings")
    home = tmp_path / "home"
    project = publishable_project(tmp_path)
    keyring_file = tmp_path / "keyring.json"
    env = subprocess_env(isolated_environ(dict(os.environ), home), keyring_file)
    h = {k: secrets.token_hex(6) for k in _TAILS}
    cases = _cases(h)
    typed = {c.label: c.secrets["value"] for c in cases}
    env["PW_PUB1"] = typed["publish -p with a leading dash"]
    env["PW_PUB2"] = typed["publish -pVALUE"]
    env["PW_PUB3"] = typed["publish --password='...'"]
    history_db = Path(env["IPYTHONDIR"]) / "profile_default" / "history.sqlite"

    # 1. An earlier session.
    earlier = _new_notebook()
    client = _client(earlier, project, {})
    with client.setup_kernel(env=env):
        for source in EARLIER:
            earlier.cells.append(_code(source))
            client.execute_cell(earlier.cells[-1], len(earlier.cells) - 1)
    earlier_rows = _history(history_db)
    assert [r[3] for r in earlier_rows] == EARLIER

    # 2. This session.
    nb = _new_notebook()
    replies: dict[int, Any] = {}
    client = _client(nb, project, replies)
    cells: dict[str, NotebookNode] = {}
    form_secrets = {
        "typed, not saved": "F0rm-" + secrets.token_hex(8),
        "saved": "F0rm-" + secrets.token_hex(8),
    }

    def run(source: str, store_history: bool = True) -> NotebookNode:
        nb.cells.append(_code(source))
        client.execute_cell(nb.cells[-1], len(nb.cells) - 1, store_history=store_history)
        return nb.cells[-1]

    forms: dict[str, dict[str, str]] = {}
    with client.setup_kernel(env=env):
        run(SETUP)
        run("%load_ext nbext")
        for name in ("pub1", "pub2", "pub3"):
            run(f"%config repositories.{name} {{servers['{name}'].upload_url}}")
        cells["plain"] = run(PLAIN)
        for case in cases:
            cells[case.label] = run(case.source, store_history=case.store_history)
        cells["one letter"] = run(ONE_LETTER)
        cells["after"] = run('after = "another analysis"')
        front = _FrontEnd(client)
        for form in form_secrets:
            before = set(client.widget_state)
            cells[form] = run(f"%config http-basic.{'f1' if form == 'saved' else 'f0'} alice")
            forms[form] = _form_widgets(before, client.widget_state)
        front.sync()
        for form, typed in form_secrets.items():
            front.type_into(forms[form]["password"], typed)
        front.click(forms["saved"]["save"])
        cells["check"] = run(CHECK)
        cells["dump"] = run(DUMP)
        client.set_widgets_metadata()

    payloads: dict[str, list[dict[str, Any]]] = {}
    for label, cell in cells.items():
        payloads[label] = _set_next_input(replies[nb.cells.index(cell)])
        if payloads[label]:
            cell.source = payloads[label][-1]["text"]  # as JupyterLab applies it
    saved = tmp_path / "spellings.ipynb"
    nbformat.write(nb, saved)
    nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"] = {
        comm_id: {"model_name": state.get("_model_name"), "state": state}
        for comm_id, state in front.models.items()
    }
    front_end = tmp_path / "front-end.ipynb"
    nbformat.write(nb, front_end)
    keyring = json.loads(keyring_file.read_text(encoding="utf-8")) if keyring_file.exists() else {}
    return Session(
        cases=cases,
        cells=cells,
        payloads=payloads,
        rows=_history(history_db),
        earlier_rows=earlier_rows,
        history_db=history_db,
        home=home,
        project=project,
        keyring=keyring,
        notebook=saved,
        front_end_notebook=front_end,
        kernel_messages=front.received,
        form_secrets=form_secrets,
        forms=forms,
    )


def _case_ids() -> list[str]:
    return [c.label for c in _cases(dict.fromkeys(_TAILS, ""))]


@pytest.mark.parametrize("label", _case_ids())
def test_the_cell_and_its_history_row_hold_the_secret_masked(session: Session, label: str) -> None:
    case = next(c for c in session.cases if c.label == label)
    cell = session.cells[label]
    assert len(session.payloads[label]) == 1, "one set_next_input(replace=True) payload"
    assert cell.source == case.shown
    row = session.row(cell)
    if case.stored is None:  # not in the history at all (nor a row of another cell changed)
        assert not [r for r in session.rows if case.source.split()[1] in r[3]]
    else:
        assert row is not None and row[3] == case.stored
        assert "***" in row[2] and all(v not in row[2] for v in case.secrets.values())
    if case.error is not None:
        assert case.error in _text(cell) + json.dumps(cell.outputs), cell.outputs


def test_the_typed_values_were_used_as_typed(session: Session) -> None:
    """The password that arrives is the value after unquoting and ``{{`` -> ``{``."""
    values = {c.label: c.secrets["value"] for c in session.cases}
    for n, label in enumerate(
        ["double quotes", "single quotes", "backslash", "doubled braces", "leading dash"], 1
    ):
        assert session.keyring[f"poetry-repository-q{n}"] == {"alice": values[label]}
    token = values["pypi token with a quote"]
    assert session.keyring["poetry-repository-tk"] == {"__token__": token}
    assert session.keyring["poetry-repository-ml"] == {"alice": values["magic inside a cell"]}
    assert session.keyring["poetry-repository-one"] == {"alice": "a"}
    uploads = json.loads(_text(session.cells["check"]).splitlines()[0])
    for name in ("pub1", "pub2", "pub3"):  # each typed password logged in
        assert [u[1:] for u in uploads[name]] == [[200, True], [200, True]], uploads


def test_repository_credentials_move_to_the_keyring(session: Session) -> None:
    value = next(c for c in session.cases if c.label == "repository URL").secrets["value"]
    assert session.keyring["poetry-repository-rp"] == {"alice": value}
    config = tomllib.loads((session.home / "poetry-config" / "config.toml").read_text())
    assert config["repositories"]["rp"] == {"url": "http://127.0.0.1:9/legacy/"}
    auth = tomllib.loads((session.home / "poetry-config" / "auth.toml").read_text())
    assert auth["http-basic"]["rp"] == {"username": "alice"}
    shown = _text(session.cells["repository URL"])
    assert "The credentials in the URL were saved as http-basic.rp (keyring:" in shown


def test_other_cells_and_sessions_keep_their_history(session: Session) -> None:
    """A one-letter password masks that letter in its own line only."""
    latest = max(r[0] for r in session.rows)
    assert [r for r in session.rows if r[0] < latest] == session.earlier_rows
    assert session.row(session.cells["plain"])[3] == PLAIN  # type: ignore[index]
    assert session.row(session.cells["after"])[3] == 'after = "another analysis"'  # type: ignore[index]
    assert session.row(session.cells["one letter"])[3] == "%config http-basic.one alice ***"  # type: ignore[index]
    assert session.cells["one letter"].source == "%config http-basic.one alice"
    dump = _text(session.cells["dump"])
    assert PLAIN in dump.replace("\\'", "'") or "my analysis of data: a, b and c" in dump
    assert "%config http-basic.one alice ***" in dump


def test_the_form_keeps_what_was_typed_out_of_every_widget_state(session: Session) -> None:
    saved = session.keyring.get("poetry-repository-f1")
    assert saved == {"alice": session.form_secrets["saved"]}, saved
    assert "poetry-repository-f0" not in session.keyring  # typed, never saved
    status = session.forms["saved"]["status"]
    states = json.loads(session.front_end_notebook.read_text())["metadata"]["widgets"]
    html = states["application/vnd.jupyter.widget-state+json"]["state"][status]["state"]["value"]
    assert "Credentials saved for f1 (keyring:" in html, html
    for form in session.forms.values():
        value = states["application/vnd.jupyter.widget-state+json"]["state"][form["password"]]
        assert value["state"]["value"] == ""  # emptied in the front end too


def test_without_widgets_the_form_says_how_else(session: Session) -> None:
    text = _text(session.cells["typed, not saved"])
    assert text.startswith("Password form for alice on f0 (waiting). No form above")
    assert "POETRY_HTTP_BASIC_F0_PASSWORD" in text
    assert 'nbext.workspace().config_set("http-basic.f0", "alice", password)' in text


def test_no_secret_survives(session: Session, secret_scan: SecretScan) -> None:
    for case in session.cases:
        for what, value in case.secrets.items():
            secret_scan.secret(f"{case.label} ({what})", value)
    for form, value in session.form_secrets.items():
        secret_scan.secret(f"the form's password ({form})", value)
    secret_scan.notebook(session.notebook)
    secret_scan.notebook(session.front_end_notebook)
    secret_scan.history(session.history_db)
    secret_scan.text("what the kernel sent back", json.dumps(session.kernel_messages, default=str))
    for name in ("config.toml", "auth.toml"):
        path = session.home / "poetry-config" / name
        if path.exists():
            secret_scan.file(path)
    secret_scan.file(session.project / "pyproject.toml")
    secret_scan.assert_clean()


def test_the_notice_says_where_the_secret_was_taken_out_of(session: Session) -> None:
    stored = _text(session.cells["double quotes"])
    assert "The secret was typed into the cell: nbext removed it from IPython's history and " in (
        stored
    )
    assert "from the cell. Next time leave it out" in stored
    unstored = _text(session.cells["run without history (nbval)"])
    assert "The secret was typed into the cell: nbext removed it from the cell. " in unstored
