"""``Workspace.lock()``: ``poetry lock`` 2.5.1, with nbext's pool under Poetry's solver.

Poetry's ``Factory`` reads the project (``requires-poetry``, groups, ``poetry.toml``) and makes
the ``Locker``; its pool is replaced by :func:`~nbext.resolve.repository.build_repository_pool`;
Poetry's ``Installer`` in lock mode runs the solver and the locker writes poetry.lock, as
``poetry lock`` does (an existing lock's versions are kept where they still fit, unless
``regenerate``). Poetry's output ("Resolving dependencies...", "Writing lock file", the yanked
warning) is kept for the result. The lock file is written under the project's file lock, so
two kernels never interleave their writes.
"""

from __future__ import annotations

import time
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from nbext.errors import NbextError, ProjectError
from nbext.files.userfiles import locked
from nbext.lookup.batch import LookupWorkspace, new_lookup
from nbext.lookup.survey import Survey
from nbext.resolve.fetch import Fetch
from nbext.resolve.poetry_api import (
    IO,
    Config,
    Factory,
    InstalledRepository,
    Installer,
    NullEnv,
    OneStream,
    RepositoryPool,
    SolverProblemError,
    plain,
)
from nbext.resolve.radar import verdicts
from nbext.resolve.repository import SourceUnavailableError, build_repository_pool
from nbext.resolve.results import LockedPackage, LockResult, locked_packages, read_locked

__all__ = ["LockError", "lock", "lock_failure", "project_poetry"]


class LockError(NbextError):
    """The dependencies could not be locked (Poetry's explanation, and the sources' warnings)."""


class _ProjectOnly(Factory):
    """Poetry's factory without Poetry's own repositories (nbext gives the pool)."""

    @classmethod
    def create_pool(
        cls,
        config: Config,
        sources: Iterable[dict[str, Any]] = (),
        io: IO | None = None,
        disable_cache: bool = False,
    ) -> RepositoryPool:
        return RepositoryPool(config=config)


def lock(
    ws: LookupWorkspace,
    project_dir: Path,
    *,
    regenerate: bool = False,
    whitelist: list[str] | None = None,
    dry_run: bool = False,
    no_cache: bool = False,
) -> LockResult:
    """Lock the project at ``project_dir`` as ``poetry lock`` would (``--regenerate``: ignore
    the versions of the existing lock). ``whitelist``: as ``poetry add --lock`` locks after
    adding these packages (they are resolved afresh, the rest keeps its locked versions);
    ``dry_run``: nothing is written; ``no_cache``: no cache is read or written (Poetry's
    ``--no-cache``)."""
    started = time.monotonic()
    io = OneStream()
    poetry = project_poetry(project_dir, io)
    pool = ws.sources
    before = read_locked(poetry.locker.lock) if poetry.locker.lock.exists() else []
    run = new_lookup(ws, pool, no_cache=no_cache)
    survey = Survey.configured(run.page_fetcher, pool, ws.settings)
    fetch = Fetch(run, pool, ws.python, survey=survey)
    requests_before = sum(1 for e in ws.http.events if e.is_request)
    fetch.ahead(list(poetry.package.all_requires))
    installer = Installer(
        io,
        NullEnv(),
        poetry.package,
        poetry.locker,
        build_repository_pool(pool, fetch, poetry.config),
        poetry.config,
        installed=InstalledRepository(),
    )
    if whitelist:  # poetry add --lock (AddCommand): update, these packages, no operations
        installer.update(True)
        installer.whitelist(whitelist)
        installer.execute_operations(False)
    else:
        installer.lock(update=regenerate)
    installer.dry_run(dry_run)
    would = _capture_lock(installer) if dry_run else None
    try:
        with locked(poetry.locker.lock):
            installer.run()
    except SolverProblemError as exc:
        raise LockError(lock_failure(str(exc), fetch.warnings, poetry.locker.lock.name)) from None
    except SourceUnavailableError as exc:
        raise LockError(f"{exc}\nNothing was written to {poetry.locker.lock.name}.") from None
    except IndexError as exc:  # Poetry's 'Repository "x" does not exist.'
        raise LockError(str(exc).strip("'\"")) from None
    output = io.lines()
    after = would or (read_locked(poetry.locker.lock) if poetry.locker.lock.exists() else [])
    radar = verdicts(ws, survey, {p.name: p.source for p in after}, poetry.package.all_requires)
    return LockResult(
        path=poetry.locker.lock,
        packages=after,
        changes=_changes(before, after),
        written="Writing lock file" in output,
        output=output,
        notes=_session_notes(ws, project_dir),
        requests=sum(1 for e in ws.http.events if e.is_request) - requests_before,
        radar=radar,
        elapsed=time.monotonic() - started,
        dry_run=dry_run,
    )


def _capture_lock(installer: Any) -> list[LockedPackage]:
    """What a dry run would write to the lock file: Poetry's ``Installer._write_lock_file``
    gets the solved packages and, in a dry run, writes nothing; the lock data Poetry's
    ``Locker`` computes from them (what it would write) is read here instead."""
    would: list[LockedPackage] = []
    write = installer._write_lock_file

    def capture(packages: Any, force: bool = False) -> None:
        data = installer._locker._compute_lock_data(installer._package, packages)
        would[:] = locked_packages(tomllib.loads(data.as_string()))
        write(packages, force)

    installer._write_lock_file = capture
    return would


def project_poetry(project_dir: Path, io: IO) -> Any:
    """Poetry's ``Poetry`` object for the project (package, locker, config), without pool."""
    try:
        return _ProjectOnly().create_poetry(project_dir, io=io, disable_plugins=True)
    except Exception as exc:  # Poetry's own message: an invalid pyproject, requires-poetry
        raise ProjectError(f"Poetry cannot read the project in {project_dir}: {exc}") from None


def lock_failure(message: str, warnings: list[str], lock_name: str) -> str:
    """Poetry's explanation of a failed solve, the sources' warnings (a 401 and its fix), and
    what was left untouched."""
    text = plain(message).strip()
    if warnings:
        text += "\n\n" + "\n".join(warnings)
    untouched = f"Nothing was written to {lock_name}." if lock_name else "Nothing was installed."
    return f"{text}\n\n{untouched}"


def _changes(before: list[Any], after: list[Any]) -> dict[str, tuple[str, str]]:
    old = {p.name: p.version for p in before}
    new = {p.name: p.version for p in after}
    return {
        name: (old.get(name, ""), new.get(name, ""))
        for name in sorted(old.keys() | new.keys())
        if old.get(name) != new.get(name)
    }


def _session_notes(ws: LookupWorkspace, project_dir: Path) -> list[str]:
    """Sources this kernel added that pyproject.toml does not declare: `poetry lock` in a
    terminal would not see them."""
    project = ws.declared.project
    if project is None:
        return []
    declared = {spec.name.lower() for spec in project.source_specs()[0]}
    extra = [s.name for s in ws.sources if not s.implicit and s.key not in declared]
    return [
        f"Note: source {name} was added in this kernel session, not in pyproject.toml: "
        f"`poetry lock` in a terminal would not use it."
        for name in extra
    ]
