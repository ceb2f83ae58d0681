"""Find secrets where they must not be: a saved notebook, IPython's history, logs, reprs.

:func:`scan_for_secrets` returns one line per place a secret appears, naming the place (a
JSON path in the notebook, a table/row/column of the history database, a text label) and
the form it was found in, but **never the secret itself**, so a failing assertion does not
leak it into the test log.

Each secret is looked for as typed, URL-quoted (``quote`` and ``quote_plus``), JSON-escaped,
inside any base64 text (every byte alignment, standard and URL-safe alphabets; this finds it
in ``Basic`` credentials, whatever the username), and in every decoded
``Authorization: Basic ...`` value.

Other tests use the fixture built by :func:`secret_scan_fixture`::

    from tests.support.secret_scan import SecretScan, secret_scan_fixture

    secret_scan = secret_scan_fixture()

    def test_something(secret_scan: SecretScan) -> None:
        secret_scan.secret("password", password)
        secret_scan.notebook(path)
        secret_scan.text("log", log_text)
        secret_scan.assert_clean()
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import pytest

__all__ = ["SecretScan", "scan_for_secrets", "secret_forms", "secret_scan_fixture"]

#: Shortest base64 fragment worth matching (shorter ones would match by chance).
_MIN_B64_FRAGMENT = 8

_BASIC = re.compile(r"(?i)\bbasic\s+([A-Za-z0-9+/_-]{4,}={0,2})")


def _b64_fragments(secret: bytes) -> dict[str, str]:
    """Base64 text that appears whenever ``secret`` is encoded inside longer data.

    Base64 encodes 3 bytes as 4 characters, so the characters that depend only on the secret
    depend on where it starts modulo 3: one fragment per alignment and alphabet.
    """
    out: dict[str, str] = {}
    for offset in range(3):
        data = b"\0" * offset + secret
        skip = (0, 2, 3)[offset]  # characters that mix in the preceding bytes
        whole = (len(data) // 3) * 4  # characters of complete groups (none mix in what follows)
        for alphabet, encode in (
            ("base64", base64.b64encode),
            ("urlsafe base64", base64.urlsafe_b64encode),
        ):
            fragment = encode(data).decode("ascii")[skip:whole]
            if len(fragment) >= _MIN_B64_FRAGMENT:
                out.setdefault(fragment, f"{alphabet}, alignment {offset}")
    return out


def secret_forms(secret: str) -> dict[str, str]:
    """``{text: description}``: every textual form of ``secret`` the scan looks for."""
    forms = {secret: "as typed"}
    for text, what in (
        (quote(secret, safe=""), "URL-quoted"),
        (quote_plus(secret, safe=""), "URL-quoted (plus)"),
        (json.dumps(secret)[1:-1], "JSON-escaped"),
    ):
        forms.setdefault(text, what)
    for fragment, what in _b64_fragments(secret.encode("utf-8")).items():
        forms.setdefault(fragment, what)
    return forms


def _named(secrets: Sequence[str] | Mapping[str, str]) -> dict[str, str]:
    if isinstance(secrets, Mapping):
        named = {str(k): v for k, v in secrets.items()}
    else:
        named = {f"secret #{i}": s for i, s in enumerate(secrets, 1)}
    empty = [name for name, value in named.items() if not value]
    if empty:
        raise ValueError(f"empty secret(s): {', '.join(empty)}")
    return named


def _decoded_basic(text: str) -> Iterator[str]:
    """The decoded value of every ``Basic <base64>`` in ``text``."""
    for match in _BASIC.finditer(text):
        token = match.group(1)
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                raw = decode(token + "=" * (-len(token) % 4))
            except (binascii.Error, ValueError):
                continue
            yield raw.decode("utf-8", "replace")


def _hits_in(text: str, where: str, named: Mapping[str, str]) -> list[str]:
    hits: list[str] = []
    for name, secret in named.items():
        found = [what for form, what in secret_forms(secret).items() if form in text]
        if any(secret in decoded for decoded in _decoded_basic(text)):
            found.append("in a decoded Basic credential")
        if found:
            hits.append(f"{where}: {name} ({', '.join(dict.fromkeys(found))})")
    return hits


def _json_strings(node: Any, path: str) -> Iterator[tuple[str, str]]:
    """``(path, text)`` for every string in a JSON tree; a list of strings (nbformat's
    multi-line text) is also given joined, so a secret split across lines is found."""
    if isinstance(node, str):
        yield path, node
    elif isinstance(node, Mapping):
        for key, value in node.items():
            yield path + f"[{key!r}]", str(key)
            yield from _json_strings(value, path + f"[{key!r}]")
    elif isinstance(node, list):
        if node and all(isinstance(item, str) for item in node):
            yield path + " (joined)", "".join(node)
        for index, value in enumerate(node):
            yield from _json_strings(value, f"{path}[{index}]")


def _scan_notebook(path: Path, named: Mapping[str, str]) -> list[str]:
    raw = path.read_text(encoding="utf-8")
    try:
        tree = json.loads(raw)
    except json.JSONDecodeError:
        return _hits_in(raw, f"{path.name} (not valid JSON, raw text)", named)
    hits: list[str] = []
    for where, text in _json_strings(tree, path.name):
        hits += _hits_in(text, where, named)
    # Backstop for anything the walk cannot see (an escape the JSON decoder undid, say).
    if not hits:
        hits += _hits_in(raw, f"{path.name} (raw file text)", named)
    return hits


def _db_files(path: Path) -> list[Path]:
    return [p for p in (path, Path(f"{path}-wal"), Path(f"{path}-journal")) if p.exists()]


def _scan_history(path: Path, named: Mapping[str, str], *, raw_bytes: bool) -> list[str]:
    hits: list[str] = []
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10)
    try:
        tables = [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        for table in tables:
            cursor = conn.execute(f'SELECT rowid, * FROM "{table}"')
            columns = ["rowid", *(d[0] for d in cursor.description[1:])]
            for row in cursor:
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, bytes):
                        value = value.decode("utf-8", "replace")
                    if isinstance(value, str):
                        where = f"{path.name}: table {table}, rowid {row[0]}, column {column}"
                        hits += _hits_in(value, where, named)
    finally:
        conn.close()
    if raw_bytes:
        # SQLite leaves deleted and overwritten rows in free pages until they are reused:
        # a secret removed with UPDATE can still be in the file.
        for file in _db_files(path):
            text = file.read_bytes().decode("latin-1")
            for hit in _hits_in(text, f"{file.name} (raw bytes of the file)", named):
                hits.append(hit)
    return hits


def scan_for_secrets(
    secrets: Sequence[str] | Mapping[str, str],
    *,
    notebook: Path | None = None,
    history_db: Path | None = None,
    texts: Iterable[str] | Mapping[str, str] = (),
    history_raw_bytes: bool = True,
) -> list[str]:
    """Every place one of ``secrets`` appears; ``[]`` when there is none.

    * ``secrets``: the values, or ``{label: value}`` (the label is what the result shows).
    * ``notebook``: an .ipynb file: cell sources, outputs, attachments and all metadata,
      widget state included (every string in the JSON).
    * ``history_db``: an IPython history database: every text column of every table, and
      (``history_raw_bytes``) the bytes of the file and of its -wal/-journal files, where
      rows changed with UPDATE can survive.
    * ``texts``: other texts (a log file's content, a repr), or ``{label: text}``.
    """
    named = _named(secrets)
    hits: list[str] = []
    if notebook is not None:
        hits += _scan_notebook(notebook, named)
    if history_db is not None:
        if not history_db.is_file():
            raise FileNotFoundError(f"no history database at {history_db}")
        hits += _scan_history(history_db, named, raw_bytes=history_raw_bytes)
    labelled = texts.items() if isinstance(texts, Mapping) else enumerate(texts)
    for label, text in labelled:
        where = label if isinstance(label, str) else f"texts[{label}]"
        hits += _hits_in(text, where, named)
    return hits


@dataclass
class SecretScan:
    """What a test collects (secrets and places) and then checks in one go."""

    secrets: dict[str, str] = field(default_factory=dict)
    notebooks: list[Path] = field(default_factory=list)
    history_dbs: list[Path] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    history_raw_bytes: bool = True

    def secret(self, label: str, value: str) -> str:
        """Register a secret under ``label``; returns the value."""
        if not value:
            raise ValueError(f"empty secret {label!r}")
        self.secrets[label] = value
        return value

    def notebook(self, path: Path) -> None:
        self.notebooks.append(path)

    def history(self, path: Path) -> None:
        self.history_dbs.append(path)

    def text(self, label: str, text: str) -> None:
        self.texts[label] = text

    def file(self, path: Path, label: str | None = None) -> None:
        """A text file (a log): read now, scanned with the texts."""
        self.texts[label or path.name] = path.read_text(encoding="utf-8", errors="replace")

    def hits(self) -> list[str]:
        if not self.secrets:
            raise ValueError("no secrets registered: the scan would prove nothing")
        found: list[str] = []
        for nb in self.notebooks:
            found += scan_for_secrets(self.secrets, notebook=nb)
        for db in self.history_dbs:
            found += scan_for_secrets(
                self.secrets, history_db=db, history_raw_bytes=self.history_raw_bytes
            )
        found += scan_for_secrets(self.secrets, texts=self.texts)
        return found

    def assert_clean(self) -> None:
        found = self.hits()
        assert not found, "secrets found:\n  " + "\n  ".join(found)


def secret_scan_fixture(
    name: str = "secret_scan", *, history_raw_bytes: bool = True
) -> Callable[..., Any]:
    """A pytest fixture (named ``name``) that gives each test a fresh :class:`SecretScan`.

    Assign it at module level of a test module: ``secret_scan = secret_scan_fixture()``.
    """

    @pytest.fixture(name=name)
    def _fixture() -> SecretScan:
        return SecretScan(history_raw_bytes=history_raw_bytes)

    return _fixture
