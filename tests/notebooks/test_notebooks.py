"""The tutorials in notebooks/: re-run under strict nbval, and checked as committed files.

Strict nbval compares every code cell's fresh outputs with the saved ones (after the rules
in ``tests/notebooks/nbval-sanitize.cfg``), so a tutorial whose text no longer matches what
nbext prints fails here. Refresh the saved outputs with ``bash scripts/refresh-notebooks.sh``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.support.env import NBEXT_ROOT, isolated_environ
from tests.support.paths import REPO_ROOT

ROOT = REPO_ROOT
NOTEBOOK_DIR = ROOT / "notebooks"
SANITIZE = Path(__file__).resolve().parent / "nbval-sanitize.cfg"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))

#: The kernelspec of the tutorials that install into their kernel (scripts/tutorial_kernel.py).
TUTORIAL_KERNEL = "nbext-tutorial"
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


def _isolated_env(base: Path) -> dict[str, str]:
    """The environment the notebook kernel runs in (same as scripts/refresh-notebooks.sh),
    with the nbext under test first on the kernel's path (not another checkout's editable
    install)."""
    env = isolated_environ(dict(os.environ), base / "home")
    env["PYTHONPATH"] = NBEXT_ROOT
    return env


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
    env = _isolated_env(tmp_path / "env")
    kernel = ["--nbval-current-env"]
    if _load(notebook)["metadata"]["kernelspec"]["name"] == TUTORIAL_KERNEL:
        # Tutorial 09 installs into its kernel: a throwaway venv, never this environment.
        env["JUPYTER_PATH"] = str(tmp_path / "jupyter-path")
        subprocess.run(
            [sys.executable, str(ROOT / "scripts" / "tutorial_kernel.py"), env["JUPYTER_PATH"]],
            check=True,
            capture_output=True,
            timeout=300,
        )
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


def _load(notebook: Path) -> dict[str, Any]:
    nb: dict[str, Any] = json.loads(notebook.read_text(encoding="utf-8"))
    return nb


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, f"no notebooks in {NOTEBOOK_DIR}"
    assert SANITIZE.is_file()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_committed_notebook_is_clean_and_has_outputs(notebook: Path) -> None:
    nb = _load(notebook)
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
    code = [c for c in _load(notebook)["cells"] if c["cell_type"] == "code"]
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
