"""``Workspace.install()``: packages into the running kernel's environment, from the sources
Poetry would use.

* Without requirements: the project's lock, as ``poetry install --no-root`` installs it
  (``sync``: ``--sync``, removing what the lock does not hold). Poetry's ``Installer`` checks
  the lock is fresh, takes the groups and markers of this environment and computes the
  operations; a missing lock is made first, as ``poetry install`` does.
* With requirements (``%install 'acme-utils>=2' tinyhttp``): Poetry's solver over the pool for
  a root that is this kernel (its exact Python, the project's source pins, ``--source``), the
  installed distributions preferred where they satisfy; then the operations to get there.

Either way :class:`~nbext.resolve.executor.KernelExecutor` downloads and verifies every file
through nbext before the backend (:mod:`nbext.resolve.installer`) changes anything.
:class:`Session` holds what one such run shares (``%add`` uses it too).
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from nbext.errors import NbextError
from nbext.files.userfiles import locked
from nbext.lookup.batch import LookupWorkspace, new_lookup
from nbext.lookup.requirements import parse_requirement
from nbext.lookup.survey import Survey
from nbext.resolve.checks import check_project, pin_source
from nbext.resolve.environment import TargetEnvironment
from nbext.resolve.executor import InstallError, InstallObserver, KernelExecutor
from nbext.resolve.fetch import Fetch
from nbext.resolve.imported import restart_needed
from nbext.resolve.installer import install_files
from nbext.resolve.lock import lock_failure, project_poetry
from nbext.resolve.poetry_api import (
    GenericEnv,
    InstalledRepository,
    Installer,
    OneStream,
    ProjectPackage,
    Solver,
    SolverProblemError,
    SystemEnv,
    Transaction,
    VirtualEnv,
)
from nbext.resolve.radar import verdicts
from nbext.resolve.repository import SourceUnavailableError, build_repository_pool
from nbext.resolve.results import InstallResult

__all__ = ["Session", "install", "install_project"]


class Session:
    """One install's shared parts: the target environment (and Poetry's view of it), what is
    installed there, the fetchers, Poetry's output and the executor."""

    def __init__(
        self,
        ws: LookupWorkspace,
        *,
        target: TargetEnvironment | None,
        observer: InstallObserver | None,
        break_system_packages: bool,
        config: Any = None,
        io: OneStream | None = None,
    ) -> None:
        self.started = time.monotonic()
        self.ws = ws
        self.env = target or TargetEnvironment.current()
        self.env.check_can_install(break_system_packages=break_system_packages)
        self.io = io or OneStream()
        for note in _notices(self.env):  # said before anything is installed
            self.io.write_line(note)
        # What is installed before and after matters only for the kernel's own interpreter
        # (restart_needed: modules it imported that changed). For another interpreter each
        # answer is a subprocess (~60 ms, twice per install into a fresh venv), so it is not
        # asked.
        self.before = self.env.installed() if self.env.running else {}
        self.pool = ws.sources
        run = new_lookup(ws, self.pool)
        survey = Survey.configured(run.page_fetcher, self.pool, ws.settings)
        self.fetch = Fetch(run, self.pool, ws.python, survey=survey)
        #: The root's dependencies (the project's, or the kernel's): their pins, for the radar.
        self.requires: list[Any] = []
        self.poetry_env = _poetry_env(self.env)
        self.installed = InstalledRepository.load(self.poetry_env)
        self.requests_before = sum(1 for e in ws.http.events if e.is_request)
        self.repositories = build_repository_pool(self.pool, self.fetch, config)
        env = self.env
        self.executor = KernelExecutor(
            pool=self.repositories,
            env=self.poetry_env,
            config=config,
            fetch=self.fetch,
            artifacts=None if ws.no_cache else ws.artifacts,
            backend=lambda files, uninstall: install_files(
                env,
                files,
                uninstall=uninstall,
                build_requirements=self.build_wheels,
                break_system_packages=break_system_packages,
            ),
            executor=ws.executor,
            observer=observer,
            io=self.io,
        )

    def build_wheels(self, requirements: list[str]) -> list[Path]:
        """Wheels for an sdist's build requirements, resolved over the same pool for the target
        Python and fetched (and verified) through nbext: the build sees no index."""
        root = ProjectPackage("nbext-build-requirements", "0")
        root.python_versions = "==" + ".".join(map(str, self.env.python_version))
        for text in requirements:
            root.add_dependency(parse_requirement(text))
        solved = Solver(root, self.repositories, [], [], OneStream()).solve()
        return self.executor.fetch(list(solved.get_solved_packages()))

    def run(self, work: Callable[[], object], *, dry_run: bool = False) -> InstallResult:
        """Do the work; Poetry's and the sources' failures become one :class:`InstallError`
        (ValueError: Poetry's "pyproject.toml changed significantly since poetry.lock was last
        generated. Run `poetry lock` to fix the lock file.", an unknown extra)."""
        try:
            work()
        except (SolverProblemError, SourceUnavailableError, ValueError) as exc:
            self.executor.close()
            raise self.failure(exc) from None
        except BaseException:
            self.executor.close()
            raise
        return self.result(dry_run)

    def failure(self, exc: BaseException) -> NbextError:
        """The error for what a run raised (Poetry's explanation, the sources' warnings);
        nothing was installed."""
        if isinstance(exc, SolverProblemError):
            return InstallError(lock_failure(str(exc), self.fetch.warnings, ""))
        if isinstance(exc, SourceUnavailableError):
            return InstallError(f"{exc}\nNothing was installed.")
        return InstallError(f"{exc} Nothing was installed.")

    def result(self, dry_run: bool) -> InstallResult:
        self._radar()
        self.executor.close()
        importlib.invalidate_caches()
        notes: list[str] = []
        if self.env.running:
            after = self.env.installed() if not dry_run else self.before
            notes += restart_needed(self.before, after)
        return InstallResult(
            environment=self.env.prefix,
            steps=self.executor.steps,
            output=self.io.lines(),
            notes=notes,
            dry_run=dry_run,
            requests=sum(1 for e in self.ws.http.events if e.is_request) - self.requests_before,
            elapsed=time.monotonic() - self.started,
        )

    def _radar(self) -> None:
        """Each installed or updated package's radar verdict."""
        survey = self.fetch.survey
        steps = [s for s in self.executor.steps if s.action in ("install", "update")]
        if survey is None or not steps:
            return
        names = {str(canonicalize_name(s.name)): s for s in steps}
        found = verdicts(self.ws, survey, {n: s.source for n, s in names.items()}, self.requires)
        for name, step in names.items():
            step.radar = found.get(name)

    def project_installer(self, poetry: Any) -> Any:
        """Poetry's ``Installer`` for the project, with nbext's pool and executor."""
        self.requires = list(poetry.package.all_requires)
        self.fetch.ahead(self.requires)
        return Installer(
            self.io,
            self.poetry_env,
            poetry.package,
            poetry.locker,
            self.repositories,
            poetry.config,
            installed=self.installed,
            executor=self.executor,  # type: ignore[arg-type]
        )


def install(
    ws: LookupWorkspace,
    project_dir: Path | None,
    requirements: Sequence[str] | None = None,
    *,
    source: str | None = None,
    sync: bool = False,
    dry_run: bool = False,
    groups: Sequence[str] | None = None,
    observer: InstallObserver | None = None,
    target: TargetEnvironment | None = None,
    break_system_packages: bool = False,
) -> InstallResult:
    """Install into ``target`` (default: the running interpreter's environment): the
    requirements, else the project's lock."""
    if requirements:
        session = Session(
            ws, target=target, observer=observer, break_system_packages=break_system_packages
        )
        return session.run(
            lambda: _install_requirements(session, requirements, source, dry_run), dry_run=dry_run
        )
    return install_project(
        ws,
        check_project(project_dir),
        sync=sync,
        dry_run=dry_run,
        groups=groups,
        observer=observer,
        target=target,
        break_system_packages=break_system_packages,
    )


def install_project(
    ws: LookupWorkspace,
    project_dir: Path,
    *,
    whitelist: Sequence[str] = (),
    sync: bool = False,
    dry_run: bool = False,
    groups: Sequence[str] | None = None,
    observer: InstallObserver | None = None,
    target: TargetEnvironment | None = None,
    break_system_packages: bool = False,
) -> InstallResult:
    """``poetry install --no-root`` of the project's lock; with ``whitelist``, what ``poetry
    add`` does after writing pyproject.toml: lock with these packages resolved afresh (the
    rest keeps its locked versions), write the lock, install."""
    io = OneStream()
    poetry = project_poetry(project_dir, io)
    session = Session(
        ws,
        target=target,
        observer=observer,
        break_system_packages=break_system_packages,
        config=poetry.config,
        io=io,
    )
    installer = session.project_installer(poetry)
    installer.requires_synchronization(sync)
    if whitelist:
        installer.update(True)
        installer.whitelist(list(whitelist))
    installer.dry_run(dry_run)
    if groups:
        installer.only_groups([canonicalize_name(g) for g in groups])

    def run() -> None:
        with locked(poetry.locker.lock):
            installer.run()

    return session.run(run, dry_run=dry_run)


def _install_requirements(
    session: Session, requirements: Sequence[str], source: str | None, dry_run: bool
) -> None:
    root = _kernel_root(session.ws, requirements, source, session.env.python_version)
    session.requires = list(root.all_requires)
    session.fetch.ahead(session.requires)
    installed = session.installed.packages
    solver = Solver(root, session.repositories, installed, installed, session.io)
    solved = solver.solve().get_solved_packages()
    ops = Transaction(
        installed,
        solved,
        installed,
        root,
        session.poetry_env.marker_env,
        {canonicalize_name("main")},
    ).calculate_operations(with_uninstalls=False)
    session.executor.dry_run(dry_run)
    session.executor.execute(ops)


def _notices(env: TargetEnvironment) -> list[str]:
    """What a user should know before anything is installed: a kernel outside a venv."""
    if env.is_venv:
        return []
    return [
        f"Note: this kernel's Python ({env.python}) is not in a virtual environment: packages "
        f"go into {env.paths.get('purelib', env.prefix)}, shared with everything else that "
        "uses this Python."
    ]


def _poetry_env(env: TargetEnvironment) -> Any:
    """Poetry's view of the target (its marker environment and wheel tags for the chooser,
    its installed distributions)."""
    if env.is_venv:
        return VirtualEnv(Path(env.prefix), Path(env.base_prefix))
    if env.running:
        return SystemEnv(Path(env.prefix))  # this interpreter, asked in-process
    return GenericEnv(Path(env.prefix))  # another installation: its python, asked


def _kernel_root(
    ws: LookupWorkspace,
    requirements: Sequence[str],
    source: str | None,
    python: tuple[int, int, int],
) -> Any:
    """A root package standing for this kernel: its exact Python, and the requirements, each
    with its source pin (``--source``, else the project's)."""
    root = ProjectPackage("nbext-kernel", "0")
    root.python_versions = "==" + ".".join(map(str, python))
    for text in requirements:
        dep = parse_requirement(text)
        pin = pin_source(ws, dep.name, source)
        if pin is not None:
            dep.source_name = pin
        root.add_dependency(dep)
    return root
