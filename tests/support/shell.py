"""What a notebook user sees: a magic run in a real IPython shell with its output captured, and
an error as a notebook shows it (one line).
"""

from __future__ import annotations

from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output

import nbext


def one_line(exc: BaseException) -> str:
    """The error as a notebook shows it; it must be one line."""
    assert isinstance(exc, nbext.NbextError)
    shown = exc._render_traceback_()
    assert len(shown) == 1 and "\n" not in shown[0], shown
    return shown[0]


def run(ip: InteractiveShell, line: str) -> tuple[str, str, object]:
    with capture_output() as cap:
        result = ip.run_line_magic(*line.split(" ", 1))
    return cap.stdout, cap.stderr, result
