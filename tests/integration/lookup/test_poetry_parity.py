"""Parity with the real Poetry: ``Workspace.lookup`` must choose what ``poetry lock`` locks.

Each case is one project with 2-4 sources (primary / supplemental / explicit, in a random
declaration order) served by real index servers on 127.0.0.1, and 3-5 independent
dependencies ``p0``..``p4`` (no requirements of their own, so only the source rules matter),
each with its own constraint and maybe a ``source = "..."`` pin. Poetry (pinned, in its own
venv, see ``tests/support/poetry.py``) locks the project; nbext looks every dependency up in the
same project; the version, the source and the "yanked" warning must agree for every dependency.

Poetry fails the whole lock when one dependency has no candidate. Its message names that
dependency ("Because parity-case depends on p2 (==2.0.0) which doesn't match any versions,
version solving failed."): it is recorded as "nothing chosen", removed, and the rest locked
again (a failure that does not name one dependency falls back to one project per dependency).

Every case declares a primary source and none named ``pypi``, so Poetry never uses its
implicit PyPI (the public index) and nothing leaves this machine.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Literal

import pytest
from packaging.utils import canonicalize_name

import nbext
from nbext.demo import IndexServer
from tests.support.parity_cases import CASES, HAND_CASES
from tests.support.parity_model import (
    _BLAMED,
    _SOLVING_FAILED,
    _YANKED,
    PROJECT,
    SEED,
    Answer,
    Case,
    DepDef,
)
from tests.support.poetry import POETRY_VERSION, LockResult, poetry_lock
from tests.support.servers import ServerProcess, run_static_tree

POETRY_WORKERS = 2  # concurrent `poetry lock` processes (the machines have 2 cores)
RESULT_TIMEOUT = 900.0  # seconds a test waits for its case's Poetry runs (queue included)


@contextlib.contextmanager
def serve(case: Case, workdir: Path) -> Iterator[dict[str, str]]:
    """Start one server per source; yield ``{source name: index URL}``; stop them all."""
    with contextlib.ExitStack() as stack:
        urls: dict[str, str] = {}
        for s in case.sources:
            dists = case.releases.get(s.name, ())
            if s.api == "static":
                proc: ServerProcess = run_static_tree(dists, workdir / f"static-{s.name}")
                stack.callback(proc.stop)
                urls[s.name] = proc.url
            else:
                api: Literal["json", "html"] = "json" if s.api == "json" else "html"
                server = IndexServer(dists, name=s.name, api=api, metadata=s.metadata)
                server.start()
                stack.callback(server.stop)
                urls[s.name] = server.url
        yield urls


def pyproject_text(case: Case, urls: Mapping[str, str], deps: Sequence[DepDef]) -> str:
    lines = [
        "[project]",
        f'name = "{PROJECT}"',
        'version = "0.1.0"',
        'requires-python = ">=3.11"',
        "",
        "[tool.poetry]",
        "package-mode = false",
        "",
    ]
    for s in case.sources:
        lines += [
            "[[tool.poetry.source]]",
            f'name = "{s.name}"',
            f'url = "{urls[s.name]}"',
            f'priority = "{s.priority}"',
            "",
        ]
    lines.append("[tool.poetry.dependencies]")
    for dep in deps:
        if dep.pin:
            lines.append(f'{dep.name} = {{ version = "{dep.constraint}", source = "{dep.pin}" }}')
        else:
            lines.append(f'{dep.name} = "{dep.constraint}"')
    return "\n".join(lines) + "\n"


def _answers_from_lock(result: LockResult, deps: Sequence[DepDef]) -> dict[str, Answer | str]:
    yanked = {(canonicalize_name(m["name"]), m["version"]) for m in _YANKED.finditer(result.output)}
    out: dict[str, Answer | str] = {}
    for dep in deps:
        locked = result.packages.get(dep.name)
        if locked is None:
            out[dep.name] = f"not in poetry.lock: {sorted(result.packages)}"
            continue
        version, source = locked
        out[dep.name] = (version, source or "<none>", (dep.name, version) in yanked)
    return out


def poetry_answers(
    case: Case, urls: Mapping[str, str], workdir: Path, poetry: Path
) -> tuple[dict[str, Answer | str], list[str]]:
    """Poetry's answer per dependency (a str: an unexpected failure), and a log of the runs."""
    remaining = list(case.deps)
    answers: dict[str, Answer | str] = {}
    log: list[str] = []

    def lock(deps: Sequence[DepDef], tag: str) -> LockResult:
        where = workdir / f"poetry-{tag}"
        where.mkdir(parents=True)
        (where / "pyproject.toml").write_text(pyproject_text(case, urls, deps), encoding="utf-8")
        result = poetry_lock(where, poetry=poetry)
        names = ",".join(d.name for d in deps)
        log.append(f"poetry lock [{names}] in {where}: {result.error or 'ok'}")
        return result

    for attempt in range(len(case.deps)):
        if not remaining:
            break
        result = lock(remaining, str(attempt))
        if result.ok:
            answers.update(_answers_from_lock(result, remaining))
            return answers, log
        blamed = [
            canonicalize_name(m["name"])
            for line in result.output.splitlines()
            if _SOLVING_FAILED in line
            for m in [_BLAMED.search(line)]
            if m
        ]
        failed = blamed[0] if len(set(blamed)) == 1 else None
        if failed not in {d.name for d in remaining}:
            # A failure Poetry does not pin on one dependency: one project per dependency.
            for dep in remaining:
                single = lock([dep], f"{attempt}-{dep.name}")
                if single.ok:
                    answers.update(_answers_from_lock(single, [dep]))
                elif _SOLVING_FAILED in single.output:
                    answers[dep.name] = None
                else:
                    answers[dep.name] = f"poetry lock failed: {single.error}\n{single.output}"
            return answers, log
        answers[failed] = None
        remaining = [d for d in remaining if d.name != failed]
    return answers, log


def _show(answer: Answer | str, nothing: str = "nothing chosen") -> str:
    if answer is None:
        return nothing
    if isinstance(answer, str):
        return answer
    version, source, yanked = answer
    return f"{version} from {source}" + (" (yanked warning)" if yanked else "")


class CaseRun:
    """One case on the Poetry pool: its servers start when its turn comes and stay up until
    its test has compared (or the module ends), so only a few cases serve at once."""

    def __init__(self, case: Case, workdir: Path, poetry: Path) -> None:
        self.case = case
        self.workdir = workdir
        self.poetry = poetry
        self.urls: dict[str, str] = {}
        self._stack = contextlib.ExitStack()
        self.future: Future[tuple[dict[str, Answer | str], list[str]]] | None = None

    def run(self) -> tuple[dict[str, Answer | str], list[str]]:
        self.urls = self._stack.enter_context(serve(self.case, self.workdir))
        return poetry_answers(self.case, self.urls, self.workdir, self.poetry)

    def close(self) -> None:
        self._stack.close()


@pytest.fixture(scope="module")
def prepared(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, poetry: Path
) -> Iterator[dict[str, CaseRun]]:
    """Every selected case, queued on a small pool that runs Poetry ahead of the tests.

    ``poetry lock`` costs about a second of CPU (mostly importing Poetry), so the locks of
    the later cases run while the earlier cases are compared.
    """
    wanted: set[str] = set()
    for item in request.session.items:  # the selected tests (after -k and the like)
        if isinstance(item, pytest.Function) and item.module is request.module:
            case = getattr(item, "callspec", None) and item.callspec.params.get("case")
            if isinstance(case, Case):
                wanted.add(case.id)
    root = tmp_path_factory.mktemp("parity")  # kept by pytest: the failure reports name it
    runs = {c.id: CaseRun(c, root / c.id, poetry) for c in CASES if c.id in wanted}
    pool = ThreadPoolExecutor(max_workers=POETRY_WORKERS, thread_name_prefix="poetry-lock")
    try:
        for run in runs.values():
            run.future = pool.submit(run.run)
        yield runs
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        for run in runs.values():
            run.close()


def nbext_answers(
    case: Case, urls: Mapping[str, str], workdir: Path
) -> tuple[dict[str, Answer], dict[str, str]]:
    """nbext's answer per dependency, and its reason / result display for the report."""
    project = workdir / "nbext-project"
    project.mkdir()
    (project / "pyproject.toml").write_text(pyproject_text(case, urls, case.deps), encoding="utf-8")
    ours: dict[str, Answer] = {}
    details: dict[str, str] = {}
    with nbext.Workspace(project) as ws:
        for dep in case.deps:
            res = ws.lookup(dep.requirement)
            chosen = res.chosen
            ours[dep.name] = (
                None
                if chosen is None
                else (str(chosen.version), str(chosen.source), bool(chosen.yanked))
            )
            why = chosen.reason if chosen is not None else res.message
            details[dep.name] = f"{why}\n      repr: {res!r}"
    return ours, details


def check_case(case: Case, run: CaseRun, workdir: Path) -> None:
    assert run.future is not None
    try:
        theirs, log = run.future.result(timeout=RESULT_TIMEOUT)
        ours, details = nbext_answers(case, run.urls, workdir)
    finally:
        run.close()

    problems: list[str] = []
    for dep in case.deps:
        p = theirs.get(dep.name, "no answer from the harness")
        n = ours[dep.name]
        if p != n:
            problems.append(
                f"{dep.name} ({dep.requirement}{', pinned to ' + dep.pin if dep.pin else ''}):\n"
                f"    Poetry {POETRY_VERSION}: {_show(p, 'version solving failed')}\n"
                f"    nbext:        {_show(n)}\n"
                f"      reason: {details[dep.name]}"
            )
        if case.expected is not None and case.expected.get(dep.name, n) != p:
            problems.append(
                f"{dep.name}: the hand-written expectation "
                f"{_show(case.expected[dep.name])} is not what Poetry does "
                f"({_show(p, 'version solving failed')}): "
                "fix the expectation"
            )
    if problems:
        names = [d.name for d in case.deps if any(s.startswith(d.name) for s in problems)]
        pytest.fail(
            f"case {case.id} (seed {SEED}): nbext and Poetry disagree\n"
            + "\n".join(problems)
            + "\n\n"
            + case.describe(names)
            + "\n\npoetry runs:\n  "
            + "\n  ".join(log),
            pytrace=False,
        )


@pytest.mark.parametrize("case", HAND_CASES, ids=lambda c: c.id)
def test_hand_written_case_matches_poetry(
    case: Case, prepared: dict[str, CaseRun], tmp_path: Path
) -> None:
    check_case(case, prepared[case.id], tmp_path)


@pytest.mark.parametrize("case", CASES[len(HAND_CASES) :], ids=lambda c: c.id)
def test_generated_case_matches_poetry(
    case: Case, prepared: dict[str, CaseRun], tmp_path: Path
) -> None:
    check_case(case, prepared[case.id], tmp_path)
