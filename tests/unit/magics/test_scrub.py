"""Keeping secrets typed into a cell out of the notebook and IPython's history
(nbext.magics.scrub): masked and shown cells, redaction of whole secrets.
"""

from __future__ import annotations

from nbext.magics.scrub import Rewrite, masked_cell, redact, shown_cell

# -- the history's copy, the cell's, messages ----------------------------------------------------


def test_masked_cell_touches_the_line_only() -> None:
    rewrite = Rewrite(line="http-basic.q u a", masked="http-basic.q u ***", spellings=("a",))
    cell = "data = 'my analysis'\n%config http-basic.q u a\n"
    assert masked_cell(cell, rewrite) == "data = 'my analysis'\n%config http-basic.q u ***\n"


def test_a_cell_the_line_is_not_found_in_gets_its_spellings_masked() -> None:
    line = "pypi-token.q \\\\tok3n"  # typed in code: the cell holds its repr
    rewrite = Rewrite(line=line, masked="pypi-token.q ***", spellings=("\\\\tok3n",))
    cell = f"get_ipython().run_line_magic('config', {line!r})"
    assert line not in cell
    expected = "get_ipython().run_line_magic('config', 'pypi-token.q ***')"
    assert masked_cell(cell, rewrite) == expected


def test_shown_cell_keeps_indentation_and_comments_out_with_a_note() -> None:
    rewrite = Rewrite(line="pypi-token.q tok", masked="pypi-token.q ***", shown=None, note="saved")
    cell = "if True:\n    %nbconfig pypi-token.q tok\nx = 1"
    assert shown_cell(cell, rewrite) == "if True:\n    # %nbconfig pypi-token.q ***  (saved)\nx = 1"
    rewrite = Rewrite(line="http-basic.q u pw", masked="http-basic.q u ***", shown="http-basic.q u")
    assert shown_cell("  %config http-basic.q u pw  \n", rewrite) == "  %config http-basic.q u\n"


def test_redact_masks_whole_secrets_only() -> None:
    assert redact("unrecognized arguments: -S3cr3t", ["-S3cr3t"]) == "unrecognized arguments: ***"
    assert redact("Expected one or two arguments, got 3", ["a", "3"]) == (
        "Expected one or two arguments, got ***"
    )
    assert redact("http://u:p%40ss@h/", ["p%40ss"]) == "http://u:***@h/"
