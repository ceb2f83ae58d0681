"""Keeping secrets typed into a cell out of the notebook and IPython's history.

A magic that finds a secret on its line (a password, a token, a URL's password) knows where
it was typed (:mod:`nbext.magics.typed`) and calls :func:`scrub` with the line as typed and the
line with the secret masked. :func:`scrub` then changes **this cell only**:

* its entry in ``In``/``_ih`` and IPython's raw input list, ``_iN`` and ``_i00`` (which later
  cells shift into ``_i``/``_ii``/``_iii``), and its rows in the history database (this
  session, this execution count), the queue of rows not written yet included: the typed
  spellings are replaced by ``***``. Other cells and other sessions are never touched;
* in a Jupyter kernel, the cell in the front end: the ``set_next_input`` payload with
  ``replace=True`` gives the front end the cell to show instead (the line as the magic
  rewrote it, or commented out with a note).

The line is located in the cell as typed (IPython passes the magic the text after its name);
when it cannot be found (a line continued with ``\\``, ``run_line_magic`` called from code),
the secret's typed spellings are masked wherever they appear in this cell.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = [
    "MASK",
    "CellTracker",
    "Rewrite",
    "Scrubbed",
    "masked_cell",
    "redact",
    "scrub",
    "shown_cell",
]

MASK = "***"


@dataclass(frozen=True)
class Rewrite:
    """What to do with a magic line that had a secret on it.

    * ``line``: the magic's line as typed (what IPython passed it);
    * ``masked``: the same line with each typed secret replaced by ``***`` (what the history
      keeps);
    * ``shown``: the line the cell should show instead (None: the masked line);
    * ``note``: when set, the cell shows the masked line commented out, followed by this note;
    * ``spellings``: the secrets as typed, for a cell the line cannot be found in.
    """

    line: str = field(repr=False)  # as typed: the secrets are in it
    masked: str
    shown: str | None = None
    note: str | None = None
    spellings: tuple[str, ...] = field(default=(), repr=False)


def _replace_lines(cell: str, line: str, make: Any) -> str:
    """``cell`` with each physical line that contains ``line`` replaced by ``make(physical)``."""
    out = []
    for physical in cell.splitlines(keepends=True):
        body = physical.rstrip("\r\n")
        end = physical[len(body) :]
        out.append(make(body) + end if line in body else physical)
    return "".join(out)


def masked_cell(cell: str, rewrite: Rewrite) -> str:
    """The cell as the history keeps it: the typed secrets masked, nothing else changed."""
    if rewrite.line and rewrite.line in cell:
        return cell.replace(rewrite.line, rewrite.masked)
    forms = {form for spelling in rewrite.spellings if spelling for form in _escaped(spelling)}
    for form in sorted(forms, key=len, reverse=True):
        cell = cell.replace(form, MASK)
    return cell


def _escaped(spelling: str) -> set[str]:
    """A typed spelling, and how it reads inside a Python string literal (a magic line passed
    to ``run_line_magic`` in code)."""
    backslashed = spelling.replace("\\", "\\\\")
    return {
        spelling,
        repr(spelling)[1:-1],
        backslashed.replace("'", "\\'"),
        backslashed.replace('"', '\\"'),
    }


def shown_cell(cell: str, rewrite: Rewrite) -> str:
    """The cell as the front end should show it from now on."""
    if not (rewrite.line and rewrite.line in cell):
        return masked_cell(cell, rewrite)
    if rewrite.note is not None:

        def comment(body: str) -> str:
            indent = body[: len(body) - len(body.lstrip())]
            text = body.strip().replace(rewrite.line, rewrite.masked)
            return f"{indent}# {text}  ({rewrite.note})"

        return _replace_lines(cell, rewrite.line, comment)
    shown = rewrite.masked if rewrite.shown is None else rewrite.shown

    def replace(body: str) -> str:
        return body.replace(rewrite.line, shown).rstrip()

    return _replace_lines(cell, rewrite.line, replace)


class CellTracker:
    """Which cell is running, from IPython's ``pre_run_cell``/``post_run_cell`` events: its
    raw source and whether it goes into the history (``store_history``; nbval and silent
    runs do not). Registered by ``%load_ext nbext``."""

    def __init__(self) -> None:
        self._running: list[Any] = []  # IPython's ExecutionInfo; cells can run cells

    def register(self, shell: Any) -> None:
        shell.events.register("pre_run_cell", self.pre_run_cell)
        shell.events.register("post_run_cell", self.post_run_cell)

    def unregister(self, shell: Any) -> None:
        for event, callback in (
            ("pre_run_cell", self.pre_run_cell),
            ("post_run_cell", self.post_run_cell),
        ):
            with contextlib.suppress(ValueError):
                shell.events.unregister(event, callback)

    def pre_run_cell(self, info: Any) -> None:
        self._running.append(info)

    def post_run_cell(self, result: Any) -> None:
        if self._running:
            self._running.pop()

    @property
    def current(self) -> Any:
        return self._running[-1] if self._running else None


def _current_cell(shell: Any, info: Any) -> str | None:
    """The source of the cell being run: ipykernel's parent message, else IPython's
    (``None`` outside a cell, e.g. ``run_line_magic`` from a script)."""
    get_parent = getattr(shell, "get_parent", None)
    if callable(get_parent):
        with contextlib.suppress(Exception):
            code = get_parent().get("content", {}).get("code")
            if isinstance(code, str):
                return code
    raw = getattr(info, "raw_cell", None)
    return raw if isinstance(raw, str) else None


def _stored_entry(shell: Any, cell: str, info: Any) -> int | None:
    """The number of this cell in the history, if it was stored there (``store_history``).

    IPython stores a cell under the execution count before running it; 9.x counts up before
    the cell runs, older versions after. The entry must be this cell's text.
    """
    if info is not None and not getattr(info, "store_history", False):
        return None
    hm = getattr(shell, "history_manager", None)
    raw = getattr(hm, "input_hist_raw", None)
    count = getattr(shell, "execution_count", None)
    if not isinstance(raw, list) or not isinstance(count, int):
        return None
    stored = cell.rstrip("\n")  # as IPython stores it
    for number in (count - 1, count):
        if 0 < number < len(raw) and raw[number] == stored:
            return number
    return None


def _transformed(shell: Any, raw: str, fallback: str) -> str:
    """What IPython stores as the parsed source of ``raw`` (``transform_cell``)."""
    try:
        text = shell.transform_cell(raw)
    except Exception:
        return fallback
    return text if isinstance(text, str) else fallback


def _scrub_history(shell: Any, count: int, old: str, new: str) -> None:
    """Replace this cell's history entries (number ``count``, source ``old``) with ``new``."""
    hm = shell.history_manager
    parsed = _transformed(shell, new, new).rstrip("\n")  # as IPython stores it
    if count < len(hm.input_hist_raw) and hm.input_hist_raw[count] == old:
        hm.input_hist_raw[count] = new
        if count < len(hm.input_hist_parsed):
            hm.input_hist_parsed[count] = parsed  # In and _ih are this list
    for name in ("_i00", "_i", "_ii", "_iii"):
        if getattr(hm, name, None) == old:
            setattr(hm, name, new)
    ns = getattr(shell, "user_ns", {})
    for key in (f"_i{count}", "_i00", "_i", "_ii", "_iii"):
        if ns.get(key) == old:
            ns[key] = new
    lock = getattr(hm, "db_input_cache_lock", contextlib.nullcontext())
    with lock:  # the saving thread writes the queue under this lock: no row is missed
        cache = getattr(hm, "db_input_cache", None)
        if isinstance(cache, list):
            cache[:] = [
                (n, parsed, new) if n == count and raw == old else (n, source, raw)
                for n, source, raw in cache
            ]
        db = getattr(hm, "db", None)
        if db is not None and getattr(hm, "enabled", False):
            with contextlib.suppress(Exception), db:
                db.execute("PRAGMA secure_delete = ON")  # no old text left in free pages
                db.execute(
                    "UPDATE history SET source = ?, source_raw = ? "
                    "WHERE session = ? AND line = ? AND source_raw = ?",
                    (parsed, new, hm.session_number, count, old),
                )


class Scrubbed(NamedTuple):
    """Where :func:`scrub` took the secrets out of."""

    history: bool  # this cell's entries of IPython's history
    cell: bool  # the cell in the front end (``set_next_input``)

    def where(self) -> str:
        places = ["IPython's history"] if self.history else []
        places += ["the cell"] if self.cell else []
        return " and from ".join(places)


def scrub(shell: Any, rewrite: Rewrite, cells: CellTracker | None = None) -> Scrubbed:
    """Mask the typed secrets of ``rewrite.line`` in this cell, everywhere IPython keeps it,
    and ask the front end to show the rewritten cell."""
    info = cells.current if cells is not None else None
    cell = _current_cell(shell, info) if shell is not None else None
    if cell is None:
        return Scrubbed(False, False)
    if getattr(info, "raw_cell", cell) != cell:
        info = None  # IPython's events speak of another cell than the kernel runs
    history = False
    number = _stored_entry(shell, cell, info)
    if number is not None:
        old = cell.rstrip("\n")
        new = masked_cell(old, rewrite)
        if new != old:
            _scrub_history(shell, number, old, new)
            history = True
    if "ipykernel" not in type(shell).__module__:
        return Scrubbed(history, False)
    new_cell = shown_cell(cell, rewrite)
    if new_cell == cell:
        return Scrubbed(history, False)
    shell.set_next_input(new_cell, replace=True)
    return Scrubbed(history, True)


def redact(text: str, secrets: Sequence[str]) -> str:
    """``text`` with each secret replaced by ``***`` where it stands on its own: an edge of
    the secret that is a letter or digit must not touch another one (a one-letter password
    must not turn every ``a`` of a message into ``***``, which would also give it away)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        before = r"(?<![A-Za-z0-9])" if secret[0].isalnum() else ""
        after = r"(?![A-Za-z0-9])" if secret[-1].isalnum() else ""
        text = re.sub(before + re.escape(secret) + after, MASK, text)
    return text
