"""No secret typed into, or handled by, a notebook survives in what the notebook leaves behind.

A kernel (nbclient, the isolated environment of ``tests/support/env.py``, the kernel's own history
database under ``IPYTHONDIR``) runs a notebook written here that types a password, a token
and a URL with credentials into magics, looks packages up on two protected demo indexes,
prints everything that could show a secret and logs nbext at DEBUG level. Then the saved
notebook (cell sources as a front end leaves them after nbext's ``set_next_input`` rewrite,
outputs, widget state), the history database and the log are scanned: nothing may be found.

The scanner itself is tested first on planted secrets, so a clean result means something.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import nbformat
import pytest
from nbclient import NotebookClient
from nbformat import NotebookNode

from tests.support.env import isolated_environ
from tests.support.kernels import CELL_TIMEOUT, STARTUP_TIMEOUT, new_notebook, publishable_project
from tests.support.kernels import cell_text as _text
from tests.support.kernels import code_cell as _code
from tests.support.kernels import set_next_input as _set_next_input
from tests.support.secret_scan import SecretScan, secret_scan_fixture

secret_scan = secret_scan_fixture()
SETUP = """\
import logging
import os

from nbext.demo import Dist, IndexServer

log_handler = logging.FileHandler(os.environ["NBEXT_HYGIENE_LOG"], encoding="utf-8")
log_handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
for name in ("nbext", "httpx", "httpcore"):
    logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger(name).addHandler(log_handler)

corp_pw = os.environ.pop("NBEXT_HYGIENE_CORP_PASSWORD")
corp = IndexServer([Dist("acme-private", "1.0.0")], name="corp", auth=("alice", corp_pw))
vault = IndexServer(
    [Dist("vault-tool", "2.0.0")],
    name="vault",
    auth=("alice", os.environ.pop("NBEXT_HYGIENE_VAULT_PASSWORD")),
)
pub = IndexServer(
    name="pub", upload=True, upload_auth=("alice", os.environ.pop("NBEXT_HYGIENE_PUB_PASSWORD"))
)
corp.start()
vault.start()
pub.start()
print(corp.url)
print(vault.url)
print(pub.upload_url)
"""
FORM = """\
import nbext
from nbext.ui.prompt import PasswordForm

form = PasswordForm("corp", "alice", nbext.workspace().passwords.set_http_password)
display(form)
form.password.value = corp_pw  # what the front end sends when the user types
form.save_button.click()
print(form.state, repr(form.password.value))
"""
CHECK = """\
import json

results = nbext.workspace().lookup_many(["acme-private", "vault-tool"])
print(json.dumps([[r.name, r.chosen and r.chosen.version, r.chosen and r.chosen.source]
                  for r in results]))
print(json.dumps(sorted({(rec.path.split("/")[2], rec.status, rec.has_auth)
                         for server in (corp, vault) for rec in server.requests})))
print(json.dumps([[u.filename, u.status, u.has_auth] for u in pub.uploads]))
"""
DUMP = """\
import re

ws = nbext.workspace()
print(repr(ws), repr(ws.sources), [repr(s) for s in ws.sources])
print(repr(ws.passwords.get_http_auth("corp")), repr(ws.passwords.get_http_auth("vault")))
print(In)
print({k: v for k, v in globals().items() if re.fullmatch(r"_i+\\d*", k)})
print(Out)
"""
TEARDOWN = """\
corp.stop()
vault.stop()
pub.stop()
log_handler.flush()
log_handler.close()
"""


@dataclass
class Session:
    """What one kernel session left behind, and what the tests need to judge it."""

    secrets: dict[str, str]
    home: Path
    project: Path
    notebook: Path
    history_db: Path
    log_file: Path
    vault_url: str
    typed: dict[str, NotebookNode]  # the cells a secret was typed into, after the rewrite
    payloads: dict[str, list[dict[str, Any]]]
    cells: dict[str, NotebookNode] = field(default_factory=dict)


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    """Run the notebook once (a kernel start costs seconds); each test judges one aspect."""
    tmp_path = tmp_path_factory.mktemp("hygiene")
    corp_pw = secrets.token_urlsafe(18)
    token = "pypi-" + secrets.token_urlsafe(40)
    # Characters that must be percent-encoded in a URL: nbext has to decode them to log in.
    vault_pw = secrets.token_urlsafe(12) + "@:/ +%"
    pub_pw = secrets.token_urlsafe(18)

    home = tmp_path / "home"
    project = publishable_project(tmp_path)
    log_file = tmp_path / "nbext.log"
    env = isolated_environ(dict(os.environ), home)
    env["NBEXT_HYGIENE_LOG"] = str(log_file)
    env["NBEXT_HYGIENE_CORP_PASSWORD"] = corp_pw
    env["NBEXT_HYGIENE_VAULT_PASSWORD"] = vault_pw
    env["NBEXT_HYGIENE_PUB_PASSWORD"] = pub_pw

    nb = new_notebook()
    replies: dict[int, dict[str, Any]] = {}

    def on_cell_executed(cell: NotebookNode, cell_index: int, execute_reply: Any) -> None:
        replies[cell_index] = execute_reply

    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT,
        startup_timeout=STARTUP_TIMEOUT,
        # "": no --HistoryManager.hist_file, so the kernel keeps its history where IPython
        # does by default (under IPYTHONDIR), as in JupyterLab; nbclient's default is :memory:.
        ipython_hist_file="",
        resources={"metadata": {"path": str(project)}},
        on_cell_executed=on_cell_executed,
    )

    def run(source: str) -> NotebookNode:
        cell = _code(source)
        nb.cells.append(cell)
        client.execute_cell(cell, len(nb.cells) - 1)
        return cell

    cells: dict[str, NotebookNode] = {}
    with client.setup_kernel(env=env):
        urls = _text(run(SETUP)).split()
        assert len(urls) == 3, urls
        corp_url, vault_url, pub_upload_url = urls
        vault_with_credentials = vault_url.replace("://", f"://alice:{quote(vault_pw, safe='')}@")
        run("%load_ext nbext")
        run(f"%source add --priority primary corp {corp_url}")
        typed = {
            "http-basic": run(f"%config http-basic.corp alice {corp_pw}"),
            "pypi-token": run(f"%config pypi-token.corp {token}"),
            "url": run(f"%source add --priority primary vault {vault_with_credentials}"),
        }
        run(f"%config repositories.pub {pub_upload_url}")
        typed["publish"] = run(f"%publish -r pub -u alice -p {pub_pw}")
        cells["lookup"] = run("%lookup -vvv acme-private vault-tool")
        cells["config list"] = run("%config --list")
        cells["source show"] = run("%source show")
        cells["form"] = run(FORM)
        cells["check"] = run(CHECK)
        cells["dump"] = run(DUMP)
        run(TEARDOWN)
        client.set_widgets_metadata()

    # The kernel asked the front end to rewrite each cell a secret was typed into; apply that
    # as JupyterLab does (nbclient does not), then save what a user would save.
    payloads: dict[str, list[dict[str, Any]]] = {}
    for what, cell in typed.items():
        payloads[what] = _set_next_input(replies[nb.cells.index(cell)])
        if payloads[what]:
            cell.source = payloads[what][-1]["text"]
    saved = tmp_path / "hygiene.ipynb"
    nbformat.write(nb, saved)
    return Session(
        secrets={
            "the http-basic password": corp_pw,
            "the pypi token": token,
            "the URL password": vault_pw,
            "the upload password": pub_pw,
        },
        home=home,
        project=project,
        notebook=saved,
        history_db=Path(env["IPYTHONDIR"]) / "profile_default" / "history.sqlite",
        log_file=log_file,
        vault_url=vault_url,
        typed=typed,
        payloads=payloads,
        cells=cells,
    )


def test_the_credentials_worked(session: Session) -> None:
    """Both protected indexes answered: the typed password and the URL's were used."""
    shown = _text(session.cells["lookup"])
    assert "acme-private: 1.0.0 from corp" in shown, shown
    assert "vault-tool: 2.0.0 from vault" in shown, shown
    chosen, requests, uploads = (
        json.loads(line) for line in _text(session.cells["check"]).splitlines()
    )
    assert uploads == [
        ["hygiene_app-0.1.0.tar.gz", 200, True],
        ["hygiene_app-0.1.0-py3-none-any.whl", 200, True],
    ]
    assert chosen == [["acme-private", "1.0.0", "corp"], ["vault-tool", "2.0.0", "vault"]]
    assert ["acme-private", 200, True] in requests, requests
    assert ["vault-tool", 200, True] in requests, requests
    form = _text(session.cells["form"])
    assert "saved ''" in form, form  # the password form saved, and emptied its field


def test_the_kernel_asked_to_rewrite_each_cell_a_secret_was_typed_into(session: Session) -> None:
    for what, payloads in session.payloads.items():
        assert len(payloads) == 1, f"{what}: {len(payloads)} set_next_input(replace=True) payloads"
    assert session.typed["http-basic"].source == "%config http-basic.corp alice"
    assert session.typed["pypi-token"].source.startswith("# %config pypi-token.corp ***")
    assert "alice@" in session.typed["url"].source
    assert session.typed["publish"].source == "%publish -r pub -u alice"


def test_the_rewritten_source_cell_is_still_the_magic(session: Session) -> None:
    clean_url = session.vault_url.replace("://", "://alice@")
    expected = f"%source add --priority primary vault {clean_url}"
    assert session.typed["url"].source == expected


def test_the_places_scanned_hold_what_they_should(session: Session) -> None:
    """So that a clean scan means something."""
    assert session.history_db.is_file(), f"no history database at {session.history_db}"
    conn = sqlite3.connect(f"{session.history_db.as_uri()}?mode=ro", uri=True)
    try:
        rows = [str(r[0]) for r in conn.execute("SELECT source_raw FROM history")]
    finally:
        conn.close()
    assert "%config http-basic.corp alice ***" in rows, rows
    assert any(r.startswith("%lookup -vvv") for r in rows), rows
    log = session.log_file.read_text(encoding="utf-8")
    assert "nbext DEBUG" in log, log[:2000]
    assert "nbext.http DEBUG [corp] GET" in log, log[:2000]  # every request, headers redacted
    assert "[corp] GET" in _text(session.cells["lookup"])  # -vvv printed the request log
    widgets = json.loads(session.notebook.read_text(encoding="utf-8"))["metadata"]["widgets"]
    assert "PasswordModel" in json.dumps(widgets)  # the password form's saved state
    assert "keyring.enabled" in _text(session.cells["config list"])
    assert "vault" in _text(session.cells["source show"])


def test_no_secret_survives_a_kernel_session(session: Session, secret_scan: SecretScan) -> None:
    for label, value in session.secrets.items():
        secret_scan.secret(label, value)
    secret_scan.notebook(session.notebook)
    secret_scan.history(session.history_db)
    secret_scan.file(session.log_file)
    secret_scan.file(session.project / "pyproject.toml")
    config_toml = session.home / "poetry-config" / "config.toml"
    if config_toml.exists():
        secret_scan.file(config_toml)
    secret_scan.assert_clean()
