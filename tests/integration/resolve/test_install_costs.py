"""What an install into another interpreter asks of it, and poetry-core's parsers built once
(the two costs ``benchmarks/bench_install.py`` found)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

import nbext
from nbext.demo import Dist, IndexServer
from nbext.resolve import environment
from nbext.resolve.fetch import build_poetry_parsers
from nbext.resolve.install import install
from tests.integration.resolve.conftest import MakeVenv


def test_another_interpreter_is_not_asked_what_it_holds(
    index_factory: type[IndexServer],
    make_venv: MakeVenv,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before and after lists matter only for the kernel's own interpreter (restart hints):
    for a venv that is not the running one, each would be a subprocess, so none is run."""
    index = index_factory(
        [Dist("acme", "1.0.0", requires_dist=("tinyhttp",)), Dist("tinyhttp", "0.9.0")],
        name="corp",
        api="json",
    )
    project = tmp_path / "app"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        '[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n\n'
        "[tool.poetry]\npackage-mode = false\n\n"
        f'[[tool.poetry.source]]\nname = "corp"\nurl = "{index.url}"\npriority = "primary"\n',
        encoding="utf-8",
    )
    venv = make_venv()
    asked: list[str] = []
    real_ask = environment._ask

    def counting_ask(python: str, mode: str, clock: Any) -> Any:
        asked.append(mode)
        return real_ask(python, mode, clock)

    monkeypatch.setattr(environment, "_ask", counting_ask)
    with nbext.Workspace(project) as ws:
        result = install(ws, project, ["acme"], target=venv)
    assert result.installed == {"acme": "1.0.0", "tinyhttp": "0.9.0"}
    assert asked == []
    assert venv.installed() == {"acme": "1.0.0", "tinyhttp": "0.9.0"}  # asked here, once


def test_poetry_core_parsers_are_built_before_the_crawl_threads_parse() -> None:
    from poetry.core.version import markers, requirements

    build_poetry_parsers()
    assert markers._parser._lark is not None
    assert requirements._parser._lark is not None
    # A second call (another install or lock in the same kernel) does nothing.
    lock_free = threading.Event()

    def again() -> None:
        build_poetry_parsers()
        lock_free.set()

    thread = threading.Thread(target=again)
    thread.start()
    thread.join(timeout=10)
    assert lock_free.is_set()
