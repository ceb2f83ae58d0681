"""nbext's HTML views in IPython: every renderer of :func:`nbext.ui.html.to_html` is registered
with the shell's ``text/html`` formatter.

The result types keep only their text; IPython finds their HTML here, as it found their
``_repr_html_`` before. Registered when nbext is imported inside IPython (``import nbext``,
``ws.lookup(...)`` in a notebook shows the table) and by ``%load_ext nbext``; ``%unload_ext``
leaves them: results already in the kernel keep showing as they did.
"""

from __future__ import annotations

import sys
from typing import Any

from nbext.ui import installview as _installview  # noqa: F401  (registers its views)
from nbext.ui.html import to_html

__all__ = ["register", "register_in_ipython"]


def register(shell: Any) -> None:
    """Register the HTML views with ``shell``'s display formatter."""
    formatter = shell.display_formatter.formatters["text/html"]
    for cls, render in to_html.registry.items():
        if cls is not object:
            formatter.for_type(cls, render)


def register_in_ipython() -> None:
    """Register them with the running IPython shell, if there is one (IPython is not
    imported for that: a script that never imported it has no shell)."""
    if "IPython" not in sys.modules:
        return
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None:
        register(shell)
