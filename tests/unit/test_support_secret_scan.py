"""The secret scanner of the tests (``tests/support/secret_scan.py``) finds a secret planted in
every form and place, and is quiet on clean input.
"""

from __future__ import annotations

import base64
import secrets
import sqlite3
from pathlib import Path
from urllib.parse import quote

import nbformat

from tests.support.secret_scan import (
    SecretScan,
    scan_for_secrets,
    secret_forms,
    secret_scan_fixture,
)

secret_scan = secret_scan_fixture()


# -- the scanner finds what is planted ----------------------------------------------------------


def _planted_notebook(path: Path, secret: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("print('clean')"),
        nbformat.v4.new_code_cell(f"x = 1\n%config http-basic.corp alice {secret}\n"),
    ]
    nb.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {
            "state": {"abc": {"model_name": "PasswordModel", "state": {"value": secret}}}
        }
    }
    nbformat.write(nb, path)


def test_scanner_finds_planted_secrets(tmp_path: Path) -> None:
    secret = "s3cr3t/with+odd chars" + secrets.token_hex(4)
    other = secrets.token_urlsafe(16)
    notebook = tmp_path / "planted.ipynb"
    _planted_notebook(notebook, secret)
    db = tmp_path / "history.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE history (session, line, source, source_raw)")
        conn.execute("CREATE TABLE output_history (session, line, output)")
        conn.execute("INSERT INTO history VALUES (1, 1, 'ok', 'ok')")
        conn.execute("INSERT INTO output_history VALUES (1, 1, ?)", (f"[{other!r}]",))
    conn.close()
    basic = base64.b64encode(f"bob:{secret}".encode()).decode()
    hits = scan_for_secrets(
        {"password": secret, "token": other},
        notebook=notebook,
        history_db=db,
        texts={
            "headers": f"Authorization: Basic {basic}",
            "url": f"https://bob:{quote(secret, safe='')}@example.invalid/simple/",
            "blob": base64.b64encode(b"\x01\x02" + other.encode() + b"!").decode(),
        },
    )
    joined = "\n".join(hits)
    assert "['cells'][1]['source']" in joined
    assert "['widgets']" in joined
    assert "table output_history" in joined
    assert "headers: password" in joined and "decoded Basic credential" in joined
    assert "url: password (URL-quoted)" in joined
    assert "blob: token (base64, alignment 2)" in joined
    assert not any(secret in hit or other in hit for hit in hits), "a hit shows the secret"
    assert not [h for h in hits if "['cells'][0]" in h]


def test_scanner_is_quiet_on_clean_input(tmp_path: Path, secret_scan: SecretScan) -> None:
    notebook = tmp_path / "clean.ipynb"
    _planted_notebook(notebook, "***")
    secret_scan.secret("password", secrets.token_urlsafe(16))
    secret_scan.notebook(notebook)
    secret_scan.text("log", "Authorization: Basic " + base64.b64encode(b"alice:other").decode())
    assert secret_scan.hits() == []
    secret_scan.assert_clean()


def test_secret_forms_cover_quoting_and_base64() -> None:
    forms = secret_forms("a b/c" + "x" * 12)
    assert {"a b/cxxxxxxxxxxxx", "a%20b%2Fcxxxxxxxxxxxx", "a+b%2Fcxxxxxxxxxxxx"} <= set(forms)
    assert any(what.startswith("base64") for what in forms.values())
