"""Helpers of the lock parity tests: one project written twice, locked by nbext and by Poetry.

:class:`Pair` writes the same pyproject.toml into ``<root>/nbext`` and ``<root>/poetry``;
:meth:`Pair.lock` runs ``Workspace.lock()`` on the first while the real Poetry (pinned, in
``.venv-poetry``, in a scrubbed environment with its own home and cache) runs ``poetry lock``
on the second, then ``poetry check --lock`` on nbext's lock. The two locks must be the same
bytes (:meth:`Parity.same_lock`), or both must fail with the same explanation
(:meth:`Parity.same_failure`) and nbext must write nothing.

Every project given to Poetry declares a primary source and none named ``pypi``: Poetry never
uses its implicit PyPI, and nothing leaves this machine. Unlike ``tests.support.poetry``'s
``poetry_lock``, the existing poetry.lock is kept (re-locking keeps its versions).
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbext
from nbext.demo import Dist, IndexServer
from nbext.resolve.results import LockResult
from tests.support.env import poetry_env
from tests.support.poetry import parse_lock
from tests.support.procs import run_captured
from tests.support.servers import ServerProcess, run_static_tree
from tests.support.toolvenvs import poetry_bin

__all__ = [
    "Pair",
    "Parity",
    "PoetryRun",
    "explanation",
    "md5_only",
    "pyproject",
    "run_poetry",
    "serve",
    "static_tree",
    "without_hashes",
]

POETRY_TIMEOUT = 90.0  # seconds for one Poetry command
#: Two Poetry processes at most (the machines have 2 cores): a lock and a check.
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="poetry")


@dataclass(frozen=True)
class PoetryRun:
    """One Poetry command: its exit status and what it printed (stdout, then stderr)."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return f"poetry {' '.join(self.args)} (exit {self.returncode}):\n{self.output}"


def run_poetry(project: Path, *args: str) -> PoetryRun:
    """``poetry ARGS -n --no-ansi`` in ``project``, with a home (and caches) of its own."""
    exe = poetry_bin()
    with tempfile.TemporaryDirectory(prefix="poetry-home-") as home:
        proc = run_captured(
            [str(exe), *args, "--no-interaction", "--no-ansi"],
            env=poetry_env(Path(home)),
            cwd=project,
            timeout=POETRY_TIMEOUT,
        )
    return PoetryRun(tuple(args), proc.returncode, proc.stdout, proc.stderr)


def explanation(text: str) -> list[str]:
    """The core lines of a solver failure: from the first ``Because ...`` (or "The current
    project's supported Python range") to the line ending in "version solving failed.", each
    stripped, blank lines dropped."""
    lines = [line.strip() for line in text.splitlines()]
    start = next(
        (
            i
            for i, line in enumerate(lines)
            if line.startswith(("Because ", "The current project's supported Python range"))
        ),
        None,
    )
    if start is None:
        return []
    core: list[str] = []
    for line in lines[start:]:
        if line:
            core.append(line)
        if line.endswith("version solving failed."):
            break
    return core


@dataclass
class Parity:
    """nbext's lock and Poetry's, of the same project."""

    ours: Path
    theirs: Path
    result: LockResult | None
    error: nbext.NbextError | None
    poetry: PoetryRun
    check: PoetryRun | None

    @property
    def lock_text(self) -> str:
        return (self.ours / "poetry.lock").read_text(encoding="utf-8")

    @property
    def chosen(self) -> dict[str, tuple[str, str | None]]:
        """``{name: (version, source)}`` of nbext's lock."""
        return parse_lock(self.ours / "poetry.lock")

    def same_lock(self) -> str:
        """Both locked; the files are the same bytes; Poetry accepts nbext's lock. Returns it."""
        assert self.error is None, f"nbext failed:\n{self.error}\n\nPoetry: {self.poetry}"
        assert self.poetry.returncode == 0, str(self.poetry)
        ours = (self.ours / "poetry.lock").read_bytes()
        theirs = (self.theirs / "poetry.lock").read_bytes()
        if ours != theirs:
            diff = difflib.unified_diff(
                theirs.decode().splitlines(),
                ours.decode().splitlines(),
                "poetry lock",
                "nbext",
                lineterm="",
            )
            raise AssertionError("the locks differ:\n" + "\n".join(diff))
        assert self.check is not None and self.check.returncode == 0, str(self.check)
        return ours.decode()

    def same_failure(self) -> str:
        """Both failed with the same explanation; nbext wrote nothing. Returns nbext's text."""
        assert self.error is not None, f"nbext locked:\n{self.lock_text}\n\nPoetry: {self.poetry}"
        assert self.poetry.returncode != 0, str(self.poetry)
        assert not (self.ours / "poetry.lock").exists()
        assert not (self.theirs / "poetry.lock").exists()
        ours = explanation(str(self.error))
        theirs = explanation(self.poetry.output)
        assert theirs, str(self.poetry)
        assert ours == theirs, f"nbext:\n{self.error}\n\nPoetry: {self.poetry}"
        return str(self.error)


class Pair:
    """One project, written for nbext (``root/nbext``) and for Poetry (``root/poetry``)."""

    def __init__(self, root: Path, text: str) -> None:
        self.ours = root / "nbext"
        self.theirs = root / "poetry"
        for where in (self.ours, self.theirs):
            where.mkdir(parents=True)
            (where / "pyproject.toml").write_text(text, encoding="utf-8")

    def lock(self, *, regenerate: bool = False) -> Parity:
        """``Workspace.lock(regenerate=...)`` here, ``poetry lock [--regenerate]`` there (at
        the same time), then ``poetry check --lock`` on nbext's lock when it wrote one."""
        args = ("lock", "--regenerate") if regenerate else ("lock",)
        theirs: Future[PoetryRun] = _POOL.submit(run_poetry, self.theirs, *args)
        result: LockResult | None = None
        error: nbext.NbextError | None = None
        try:
            with nbext.Workspace(self.ours) as ws:
                result = ws.lock(regenerate=regenerate)
        except nbext.NbextError as exc:
            error = exc
        check = None
        if error is None:
            check = _POOL.submit(run_poetry, self.ours, "check", "--lock").result()
        return Parity(self.ours, self.theirs, result, error, theirs.result(), check)


def pyproject(
    sources: Iterable[tuple[str, str, str]],
    body: str,
    *,
    name: str = "parity",
    python: str = ">=3.11",
    dependencies: Iterable[str] = (),
) -> str:
    """A PEP 621 project (``package-mode = false``) with ``dependencies``, ``body`` (more TOML:
    Poetry's tables) and one ``[[tool.poetry.source]]`` per ``(name, url, priority)``."""
    deps = ", ".join(f'"{d}"' for d in dependencies)
    text = (
        f'[project]\nname = "{name}"\nversion = "0.1.0"\nrequires-python = "{python}"\n'
        f"dependencies = [{deps}]\n\n[tool.poetry]\npackage-mode = false\n\n{body.strip()}\n"
    )
    return text + "".join(
        f'\n[[tool.poetry.source]]\nname = "{n}"\nurl = "{u}"\npriority = "{p}"\n'
        for n, u, p in sources
    )


@contextlib.contextmanager
def serve(*servers: IndexServer) -> Iterator[tuple[IndexServer, ...]]:
    """Start these index servers; stop each (by its own object) at the end."""
    with contextlib.ExitStack() as stack:
        for server in servers:
            stack.enter_context(server)
        yield servers


def static_tree(
    dists: Iterable[Dist], root: Path, edit: Callable[[str], str] | None = None
) -> ServerProcess:
    """A static PEP 503 tree (sha256 fragments on its links) served by ``http.server``; with
    ``edit``, each project page is rewritten by it (the server reads the files per request)."""
    proc = run_static_tree(dists, root)
    if edit is None:
        return proc
    try:
        for page in (root / "simple").glob("*/index.html"):
            page.write_text(edit(page.read_text(encoding="utf-8")), encoding="utf-8")
    except BaseException:
        proc.stop()
        raise
    return proc


def without_hashes(page: str) -> str:
    """Links without a hash fragment."""
    return re.sub(r"#sha256=[0-9a-f]{64}", "", page)


def md5_only(root: Path) -> Callable[[str], str]:
    """Links whose fragment is the file's md5 (instead of its sha256), for a tree at ``root``."""

    def edit(page: str) -> str:
        def md5(m: re.Match[str]) -> str:
            data = (root / "packages" / m["file"]).read_bytes()
            return f"{m['file']}#md5={hashlib.md5(data, usedforsecurity=False).hexdigest()}"

        return re.sub(r"(?<=/)(?P<file>[^/\"#]+)#sha256=[0-9a-f]{64}", md5, page)

    return edit
