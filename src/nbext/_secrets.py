"""Keeping secrets typed into a cell out of the notebook and IPython's history.

After ``%config http-basic.NAME USER PASSWORD`` (or ``pypi-token.NAME TOKEN``) has stored the
secret, :func:`scrub` replaces it with ``***`` in ``In``/``_ih``/``_i*``, in the history
manager's caches and in the history database, and, in a Jupyter kernel, asks the front end to
replace the cell's source (the ``set_next_input`` payload with ``replace=True``) with a form
that no longer contains it.
"""

from __future__ import annotations

import contextlib
from typing import Any

__all__ = ["scrub"]

MASK = "***"


def _clean(text: Any, secrets: list[str]) -> Any:
    if not isinstance(text, str):
        return text
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text


def _current_cell(shell: Any) -> str:
    """The source of the cell being run: ipykernel's parent message (cells run with
    ``store_history=False``, as nbval does, are not in the history), else the last input."""
    get_parent = getattr(shell, "get_parent", None)
    if callable(get_parent):
        with contextlib.suppress(Exception):
            code = get_parent().get("content", {}).get("code")
            if isinstance(code, str):
                return code
    hm = getattr(shell, "history_manager", None)
    raw = getattr(hm, "input_hist_raw", None)
    return raw[-1] if raw else ""


def scrub(shell: Any, secrets: list[str], *, replacement: str | None = None) -> bool:
    """Remove ``secrets`` from everything IPython keeps; returns True if the cell was rewritten.

    ``replacement`` maps the offending line to what the cell should show instead (the cell's
    other lines are kept).
    """
    secrets = [s for s in secrets if s]
    if not secrets or shell is None:
        return False
    hm = getattr(shell, "history_manager", None)
    original_cell = _current_cell(shell)
    if hm is not None:
        for name in ("_i00", "_i", "_ii", "_iii"):  # pushed into _i/_ii/_iii by later cells
            if isinstance(getattr(hm, name, None), str):
                setattr(hm, name, _clean(getattr(hm, name), secrets))
        for name in ("input_hist_parsed", "input_hist_raw"):
            entries = getattr(hm, name, None)
            if isinstance(entries, list):
                entries[:] = [_clean(e, secrets) for e in entries]
        lock = getattr(hm, "db_input_cache_lock", contextlib.nullcontext())
        with lock:
            cache = getattr(hm, "db_input_cache", None)
            if isinstance(cache, list):
                cache[:] = [tuple(_clean(x, secrets) for x in entry) for entry in cache]
        db = getattr(hm, "db", None)
        if db is not None and getattr(hm, "enabled", False):
            with contextlib.suppress(Exception), db:
                db.execute("PRAGMA secure_delete = ON")  # no old text left in free pages
                for secret in secrets:
                    db.execute(
                        "UPDATE history SET source = replace(source, ?, ?), "
                        "source_raw = replace(source_raw, ?, ?)",
                        (secret, MASK, secret, MASK),
                    )
    ns = getattr(shell, "user_ns", {})
    for key in list(ns):
        if key in ("_i", "_ii", "_iii") or (key.startswith("_i") and key[2:].isdigit()):
            ns[key] = _clean(ns[key], secrets)
    if (
        replacement is None
        or not any(secret in original_cell for secret in secrets)
        or "ipykernel" not in type(shell).__module__
    ):
        return False
    new_cell = original_cell
    for line in original_cell.splitlines():
        if any(secret in line for secret in secrets):
            new_cell = new_cell.replace(line, replacement)
    shell.set_next_input(new_cell, replace=True)
    return True
