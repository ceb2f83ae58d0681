"""The tutorials in notebooks/: re-run under strict nbval, and checked as committed files.

Strict nbval compares every code cell's fresh outputs with the saved ones (after the rules
in ``tests/notebooks/nbval-sanitize.cfg``), so a tutorial whose text no longer matches what
nbext prints fails here. Refresh the saved outputs with ``bash scripts/refresh-notebooks.sh``.
Each run is also a check that the tutorial kept to its throwaway directory
(:mod:`tests.support.tutorials`): nothing in the fresh HOME's Poetry directories, no
throwaway directory left, no password of tutorial 03 in any file.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.paths import NOTEBOOKS_DIR, REPO_ROOT
from tests.support.tutorials import (
    NOTEBOOKS,
    TUTORIAL_KERNEL,
    TutorialEnv,
    load,
    poetry_dirs,
    register_tutorial_kernel,
    wait_for_no_leftovers,
)

ROOT = REPO_ROOT
NOTEBOOK_DIR = NOTEBOOKS_DIR
SANITIZE = Path(__file__).resolve().parent / "nbval-sanitize.cfg"

RUN_TIMEOUT = 600  # seconds for a whole notebook, kernel start included
CELL_TIMEOUT = 120

# Things that must never be saved in a committed notebook.
_SECRET_PATTERNS = {
    "credentials in a URL": r"://[^/\s:@'\"]+:[^/\s@'\"]+@",
    "a password or token assignment": (
        r"(?i)\b(password|passwd|secret|token|api[-_]?key)\b['\"]?\s*[:=]\s*['\"]?[^\s'\"*<]{4,}"
    ),
    "an Authorization header": r"(?i)authorization:\s*(basic|bearer|token)\s+[\w+/=.-]{8,}",
    "a PyPI API token": r"pypi-[\w-]{20,}",
    "a GitHub token": r"\bgh[pousr]_[A-Za-z0-9]{30,}",
    "an AWS key id": r"\bAKIA[0-9A-Z]{16}\b",
    "a private key": r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    "a widget password model": r"PasswordModel",
    "a home directory path": r"(/home/[^/\s]+/|/Users/[^/\s]+/|[A-Za-z]:\\Users\\)",
}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_passes_strict_nbval(notebook: Path, tmp_path: Path) -> None:
    # A private copy: the kernel's working directory holds nothing of the checkout, and the
    # empty pytest.ini keeps the repo's pytest settings (filterwarnings = error, testpaths)
    # out of the nbval run.
    work = tmp_path / "notebooks"
    work.mkdir()
    shutil.copy2(notebook, work / notebook.name)
    shutil.copy2(SANITIZE, work / SANITIZE.name)
    (work / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    isolated = TutorialEnv(tmp_path / "env")
    env = isolated.environ
    # Tutorial 03 takes its demo password from here: then it is known, to look for afterwards.
    password = env["NBEXT_DEMO_PASSWORD"] = secrets.token_urlsafe(16)
    kernel = ["--nbval-current-env"]
    if load(notebook)["metadata"]["kernelspec"]["name"] == TUTORIAL_KERNEL:
        # Tutorial 09 installs into its kernel: a throwaway venv, never this environment.
        env["JUPYTER_PATH"] = str(tmp_path / "jupyter-path")
        register_tutorial_kernel(tmp_path / "jupyter-path")
        kernel = []
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "--nbval",
        *kernel,
        "--nbval-sanitize-with",
        SANITIZE.name,
        "--nbval-cell-timeout",
        str(CELL_TIMEOUT),
        "-p",
        "no:cacheprovider",
        "-q",
        notebook.name,
    ]
    proc = subprocess.run(
        cmd,
        cwd=work,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert proc.returncode == 0, (
        f"strict nbval failed on {notebook.name} (exit {proc.returncode}); if nbext's output "
        f"changed on purpose, run: bash scripts/refresh-notebooks.sh {notebook.relative_to(ROOT)}"
        f"\n--- stdout\n{proc.stdout}\n--- stderr\n{proc.stderr}"
    )
    # The tutorial kept to its throwaway directory, and removed it.
    assert poetry_dirs(isolated.home) == [], "the tutorial wrote to the user's Poetry dirs"
    assert wait_for_no_leftovers(isolated.tmp) == [], "a throwaway directory was left behind"
    written = [p for p in (tmp_path / "env").rglob("*") if p.is_file()]
    assert [p for p in written if password.encode() in p.read_bytes()] == []


def _texts(cell: dict[str, Any]) -> list[str]:
    """Every text a code cell's outputs carry (streams, reprs, errors)."""
    out: list[str] = []
    for output in cell.get("outputs", []):
        out.append(json.dumps(output, ensure_ascii=False))
        if "text" in output:
            out.append("".join(output["text"]))
        for value in output.get("data", {}).values():
            out.append(value if isinstance(value, str) else "".join(value))
    return out


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, f"no notebooks in {NOTEBOOK_DIR}"
    assert SANITIZE.is_file()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_committed_notebook_is_clean_and_has_outputs(notebook: Path) -> None:
    nb = load(notebook)
    assert "widgets" not in nb.get("metadata", {}), (
        "metadata.widgets is saved (widget state can hold secrets): "
        "run bash scripts/refresh-notebooks.sh"
    )
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code, "a tutorial without code cells"

    # Executed top to bottom in one run, so the saved outputs are what a reader would see.
    counts = [c.get("execution_count") for c in code]
    assert counts == list(range(1, len(code) + 1)), f"execution counts {counts}"
    with_outputs = [c for c in code if c.get("outputs")]
    assert len(with_outputs) * 2 >= len(code), "most code cells have no saved output"

    for i, cell in enumerate(code, 1):
        where = f"code cell {i} ({''.join(cell['source'])[:60]!r})"
        assert "execution" not in cell.get("metadata", {}), f"{where}: timing metadata saved"
        errors = [o for o in cell.get("outputs", []) if o["output_type"] == "error"]
        if "raises-exception" in cell.get("metadata", {}).get("tags", []):
            assert errors, f"{where} is tagged raises-exception but saved no error"
        else:
            assert not errors, f"{where}: unexpected error {errors[0].get('ename')}"
        for output in cell.get("outputs", []):
            assert "application/vnd.jupyter.widget-state+json" not in output.get("data", {})
            # A live view takes itself out of the cell when its command ends.
            assert "live view (closed" not in json.dumps(output), f"{where}: a live view was saved"
        for text in [*_texts(cell), "".join(cell["source"])]:
            for what, pattern in _SECRET_PATTERNS.items():
                match = re.search(pattern, text)
                assert match is None, f"{where}: looks like {what}: {match.group(0)!r}"


def _strings(value: Any) -> list[str]:
    """Every string in a saved output (stream text, every MIME type, an error's traceback)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return ["".join(value)] if all(isinstance(v, str) for v in value) else []
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_committed_outputs_hold_no_terminal_escapes(notebook: Path) -> None:
    # A viewer (GitHub, nbviewer, a text/plain reader) shows them as garbage: ``[1m[92m``.
    code = [c for c in load(notebook)["cells"] if c["cell_type"] == "code"]
    for i, cell in enumerate(code, 1):
        for output in cell.get("outputs", []):
            for text in _strings({k: v for k, v in output.items() if k != "metadata"}):
                at = text.find("\x1b[")
                assert at < 0, (
                    f"code cell {i} ({''.join(cell['source'])[:60]!r}) saved a terminal escape: "
                    f"{text[max(0, at - 40) : at + 40]!r}; fix what prints it, then run: "
                    f"bash scripts/refresh-notebooks.sh {notebook.relative_to(ROOT)}"
                )


@pytest.mark.parametrize(
    "sample",
    [
        "https://alice:s3cret@pypi.example/simple/",
        "password = hunter22",
        "Authorization: Basic YWxpY2U6czNjcmV0",
        "pypi-AgEIcHlwaS5vcmcCJGQ1ZmI3",
        "/home/alice/project/notebooks",
    ],
)
def test_secret_patterns_catch_samples(sample: str) -> None:
    assert any(re.search(p, sample) for p in _SECRET_PATTERNS.values())
