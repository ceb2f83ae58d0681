"""Every spelling of a secret typed on a magic's line that the spelling tests type into a
kernel: the cell, what nbext must take out of it and what must stay.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    """A cell with secrets typed into it: what the front end and the history must keep."""

    label: str
    source: str
    secrets: dict[str, str]  # label -> value (as received by nbext, and as typed)
    shown: str  # the cell after the front end applied the kernel's rewrite
    stored: str | None  # the history's copy (None: not stored, store_history=False)
    error: str | None = None  # what the cell's output says went wrong
    store_history: bool = True


def cases(h: dict[str, str]) -> list[Case]:
    """``h``: a random hex tail per case, so that each secret is unique."""
    return [
        Case(
            "double quotes",
            f'%config http-basic.q1 alice "S3cr3t\\"q{h["q1"]}"',
            {"value": f'S3cr3t"q{h["q1"]}', "typed": f'S3cr3t\\"q{h["q1"]}'},
            "%config http-basic.q1 alice",
            "%config http-basic.q1 alice ***",
        ),
        Case(
            "single quotes",
            f"%config http-basic.q2 alice 'S3cr3t\"x{h['q2']}'",
            {"value": f'S3cr3t"x{h["q2"]}'},
            "%config http-basic.q2 alice",
            "%config http-basic.q2 alice ***",
        ),
        Case(
            "backslash",
            f"%config http-basic.q3 alice S3cr3t\\x{h['q3']}",
            {"value": f"S3cr3tx{h['q3']}", "typed": f"S3cr3t\\x{h['q3']}"},
            "%config http-basic.q3 alice",
            "%config http-basic.q3 alice ***",
        ),
        Case(
            "doubled braces",
            f"%config http-basic.q4 alice S3{{{{cr}}}}3t{h['q4']}",
            {"value": f"S3{{cr}}3t{h['q4']}", "typed": f"S3{{{{cr}}}}3t{h['q4']}"},
            "%config http-basic.q4 alice",
            "%config http-basic.q4 alice ***",
        ),
        Case(
            "leading dash",
            f"%config http-basic.q5 alice -G5U0{h['q5']}",
            {"value": f"-G5U0{h['q5']}"},
            "%config http-basic.q5 alice",
            "%config http-basic.q5 alice ***",
        ),
        Case(
            "pypi token with a quote",
            f"%config pypi-token.tk 'pypi-{h['tk']}\"'",
            {"value": f'pypi-{h["tk"]}"'},
            "# %config pypi-token.tk ***  (saved; nbext removed the token from this cell)",
            "%config pypi-token.tk ***",
        ),
        Case(
            "repository URL",
            f"%config repositories.rp http://alice:S3cr3t{h['rp']}@127.0.0.1:9/legacy/",
            {"value": f"S3cr3t{h['rp']}"},
            "%config repositories.rp http://alice@127.0.0.1:9/legacy/",
            "%config repositories.rp http://alice:***@127.0.0.1:9/legacy/",
        ),
        Case(
            "publish -p with a leading dash",
            f"%publish -r pub1 -u alice -p -G5U0{h['p1']}",
            {"value": f"-G5U0{h['p1']}"},
            "%publish -r pub1 -u alice",
            "%publish -r pub1 -u alice -p ***",
        ),
        Case(
            "publish -pVALUE",
            f"%publish -r pub2 -u alice -pS3cr3t{h['p2']}",
            {"value": f"S3cr3t{h['p2']}"},
            "%publish -r pub2 -u alice",
            "%publish -r pub2 -u alice -p***",
        ),
        Case(
            "publish --password='...'",
            f"%publish -r pub3 -u alice --password='S3 cr3t{h['p3']}'",
            {"value": f"S3 cr3t{h['p3']}"},
            "%publish -r pub3 -u alice",
            "%publish -r pub3 -u alice --password='***'",
        ),
        Case(
            "http-basic with an extra value",
            f"%config http-basic.e1 alice S3cr3t{h['e1']} extra",
            {"value": f"S3cr3t{h['e1']}"},
            "%config http-basic.e1 alice *** ***",
            "%config http-basic.e1 alice *** ***",
            error="ConfigError: Expected one or two arguments (username, password), got 3",
        ),
        Case(
            "pypi token with an extra value",
            f"%config pypi-token.e2 pypi-{h['e2']} extra",
            {"value": f"pypi-{h['e2']}"},
            "%config pypi-token.e2 *** ***",
            "%config pypi-token.e2 *** ***",
            error="ConfigError: Expected only one argument (token), got 2",
        ),
        Case(
            "URL with a space",
            f"%source add bad http://u:S3cr3t{h['e3']}@h/has space/",
            {"value": f"S3cr3t{h['e3']}"},
            "%source add bad http://u:***@h/has space/",
            "%source add bad http://u:***@h/has space/",
            error="unrecognized arguments: space/",
        ),
        Case(
            "URL in an argparse error",
            f"%source add bad2 space/ http://u:S3cr3t{h['e4']}@h/x/",
            {"value": f"S3cr3t{h['e4']}"},
            "%source add bad2 space/ http://u:***@h/x/",
            "%source add bad2 space/ http://u:***@h/x/",
            error="unrecognized arguments: http://u:***@h/x/",
        ),
        Case(
            "open quote",
            f'%config http-basic.e5 alice "S3cr3t{h["e5"]}',
            {"value": f"S3cr3t{h['e5']}"},
            "%config http-basic.e5 alice ***",
            "%config http-basic.e5 alice ***",
            error="Cannot parse the line: No closing quotation",
        ),
        Case(
            "publish with a bad option",
            f"%publish -r pub1 -u alice -p S3cr3t{h['e6']} --bogus",
            {"value": f"S3cr3t{h['e6']}"},
            "%publish -r pub1 -u alice -p *** --bogus",
            "%publish -r pub1 -u alice -p *** --bogus",
            error="unrecognized arguments: --bogus",
        ),
        Case(
            "magic inside a cell",
            f"x = 1\n%config http-basic.ml alice S3cr3t{h['ml']}\ny = 2\n",
            {"value": f"S3cr3t{h['ml']}"},
            "x = 1\n%config http-basic.ml alice\ny = 2\n",
            "x = 1\n%config http-basic.ml alice ***\ny = 2",  # IPython stores no final newline
        ),
        Case(
            "run without history (nbval)",
            f"%config http-basic.nv alice S3cr3t{h['nv']}",
            {"value": f"S3cr3t{h['nv']}"},
            "%config http-basic.nv alice",
            None,
            store_history=False,
        ),
    ]


TAILS = ["q1", "q2", "q3", "q4", "q5", "tk", "rp", "p1", "p2", "p3"]
TAILS += ["e1", "e2", "e3", "e4", "e5", "e6", "ml", "nv"]
