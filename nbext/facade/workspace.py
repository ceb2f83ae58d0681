"""``Workspace``: the public Python API that the magics, scripts and tests share.

A facade: its state (:class:`~nbext.facade.base.WorkspaceBase`) builds the services, and each
call here is handed to the module that owns the rule (``nbext.project``, ``nbext.lookup``,
``nbext.resolve``, ``nbext.cache``, ``nbext.publish``, ``nbext.config``)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from nbext.auth.commands import ConfigCommand, PasswordPrompt
from nbext.cache import sources as source_caches
from nbext.cache.commands import CacheTable, ClearPlan
from nbext.errors import ProjectError
from nbext.facade.base import WorkspaceBase
from nbext.lookup import batch
from nbext.lookup.add import add_dependency, check_add
from nbext.lookup.jobs import build_jobs
from nbext.lookup.results import LookupResult, LookupResults
from nbext.lookup.run import LookupObserver
from nbext.net.diagnose import Diagnosis, diagnose
from nbext.net.tls import tls_settings
from nbext.project import source_commands
from nbext.project.status import Status, status
from nbext.publish.publish import CredentialPrompt, PublishObserver, PublishResult, publish
from nbext.publish.workspace_context import publish_context
from nbext.report import Report, SourceTable
from nbext.resolve.checks import check_install, check_target
from nbext.resolve.results import AddResult
from nbext.sources.pool import Priority

if TYPE_CHECKING:
    from nbext.project.pyproject import Project
    from nbext.resolve.executor import InstallObserver
    from nbext.resolve.results import AuditResult, InstallResult, LockResult

__all__ = ["Workspace"]


class Workspace(WorkspaceBase):
    __doc__ = WorkspaceBase.__doc__

    # -- %source ------------------------------------------------------------------------------
    def add_source(
        self, name: str, url: str | None = None, priority: str | Priority | None = None
    ) -> Report:
        """Add a source, or update the one with that name (``poetry source add``)."""
        return source_commands.add_source(
            self.declared, name, url, priority, url_credentials=self._url_credentials
        )

    def _url_credentials(self, name: str, url: str, kept_in: str) -> tuple[str, Report]:
        clean, saved = self._config_command.url_credentials(name, url, kept_in)
        self._after_config_change()
        return clean, saved

    def remove_source(self, name: str) -> Report:
        """Remove the source(s) with that name, case-insensitively (``poetry source remove``)."""
        return source_commands.remove_source(self.declared, name)

    def show_sources(self, *names: str) -> SourceTable:
        """The declared sources (``poetry source show``), optionally filtered by name."""
        return source_commands.show_sources(self.declared, *names)

    def diagnose(self, name: str) -> Diagnosis:
        """Which trust store accepts the source's TLS certificate, and what it is."""
        source = self.sources.get(name)
        tls = tls_settings(self.settings, source.name)
        return diagnose(source.name, source.url, tls, timeout=self.timeout)

    def check(self) -> list[str]:
        """``poetry check``'s source errors: pins naming a source that does not exist."""
        return source_commands.check_pins(self.declared)

    # -- %add ---------------------------------------------------------------------------------
    def add(
        self,
        requirement: str,
        *,
        source: str | None = None,
        group: str = "main",
        lock: bool = False,
        install: bool = False,
        dry_run: bool = False,
        observer: InstallObserver | None = None,
        break_system_packages: bool = False,
    ) -> AddResult:
        """Add a dependency with an optional source pin (``poetry add [--source S] [--group G]``).

        ``requirement`` is ``pkg``, ``pkg@CONSTRAINT`` (``pkg@*``, ``pkg@^1.2``) or PEP 508.
        Without a constraint the latest version is looked up and ``^latest`` written.

        By default only pyproject.toml is written (or, without a project, the pin is kept for
        this kernel). ``install=True`` does what ``poetry add`` does: pyproject.toml, the lock,
        the package installed into the running kernel's environment (``%add``'s default);
        ``lock=True`` stops after the lock (``poetry add --lock``). When the lock or the
        install fails, and with ``dry_run``, pyproject.toml is put back as it was.
        """

        def write() -> Report:
            return add_dependency(
                self.declared, requirement, source=source, group=group, lookup=self.lookup
            )

        if not (lock or install):
            report = write()
            return AddResult(report.info, report.warnings)
        from nbext.resolve.add import add  # Poetry's application: loaded on first use

        return add(
            self,
            requirement,
            write,
            source=source,
            lock_only=not install,
            dry_run=dry_run,
            observer=observer,
            break_system_packages=break_system_packages,
        )

    # -- %lookup ------------------------------------------------------------------------------
    def lookup(
        self,
        requirement: str,
        *,
        source: str | None = None,
        observer: LookupObserver | None = None,
        refresh: bool = False,
        no_cache: bool = False,
    ) -> LookupResult:
        """Look one requirement up with Poetry's rules; honours the project's source pin."""
        return self.lookup_many(
            [requirement], source=source, observer=observer, refresh=refresh, no_cache=no_cache
        )[0]

    def check_lookup(self, requirements: Iterable[str], *, source: str | None = None) -> None:
        """Raise what ``lookup_many`` would raise before asking anything: a requirement that is
        neither PEP 508 nor Poetry's form, a pin (the project's, or ``source``) to a source
        that is not declared. Nothing is sent; ``%lookup`` checks before showing its view."""
        build_jobs(self.declared, self.sources, requirements, source)

    def lookup_many(
        self,
        requirements: Iterable[str],
        *,
        source: str | None = None,
        observer: LookupObserver | None = None,
        refresh: bool | Iterable[str] = False,
        no_cache: bool = False,
    ) -> LookupResults:
        """Look several requirements up concurrently; one result per requirement, in order.

        ``observer`` (e.g. the notebook's live view) is told about every row as it changes.
        ``refresh`` (True, or package names): revalidate those packages' pages and files on
        every source whatever their cached age, and refetch their metadata (``%lookup
        --refresh``: the "I just published and cannot see it" fix). ``no_cache``: this lookup
        reads and writes no cache (``%lookup --no-cache``; the Workspace's ``no_cache`` does
        so for every lookup).
        """
        return batch.lookup_many(self, requirements, source, observer, refresh, no_cache)

    # -- %lock, %install --------------------------------------------------------------------
    def lock(self, *, regenerate: bool = False, no_cache: bool = False) -> LockResult:
        """``poetry lock`` (2.5.1's solver and lock file, nbext's sources and network): writes
        poetry.lock beside pyproject.toml. ``regenerate``: ignore the existing lock's versions
        (``poetry lock --regenerate``); ``no_cache``: read and write no cache (``--no-cache``)."""
        project = self.check_lock()
        from nbext.resolve.lock import lock  # Poetry's application: loaded on first use

        return lock(self, project.root, regenerate=regenerate, no_cache=no_cache)

    def check_lock(self) -> Project:
        """The project ``lock`` locks; raise, before anything is asked, when there is none
        (``%lock`` checks before showing its view)."""
        project = self.project
        if project is None:
            raise ProjectError(
                f"Poetry could not find a pyproject.toml file in {self.directory} or its "
                "parents. Fix: create one (e.g. `poetry init` in a terminal), or open the "
                "Workspace on the project's directory."
            )
        return project

    def check_install(
        self,
        requirements: Iterable[str] | None = None,
        *,
        source: str | None = None,
        break_system_packages: bool = False,
    ) -> None:
        """Raise what ``install`` would raise before asking anything: a requirement that does
        not parse, a ``source`` that is not declared, no requirements and no project, an
        environment that forbids installs (PEP 668). ``%install`` checks before its view."""
        wanted = list(requirements or ())
        check_install(
            self,
            self.project.root if self.project is not None else None,
            wanted or None,
            source=source,
            break_system_packages=break_system_packages,
        )

    def check_add(
        self,
        requirement: str,
        *,
        source: str | None = None,
        install: bool = True,
        break_system_packages: bool = False,
    ) -> None:
        """Raise what ``add`` would raise before asking or writing anything: a pin to a source
        that is not declared, a requirement or constraint that does not parse, and with
        ``install`` an environment that forbids installs (PEP 668)."""
        check_add(self.declared, requirement, source=source)
        if install:
            check_target(break_system_packages=break_system_packages)

    def install(
        self,
        requirements: Iterable[str] | None = None,
        *,
        source: str | None = None,
        sync: bool = False,
        dry_run: bool = False,
        groups: Iterable[str] | None = None,
        observer: InstallObserver | None = None,
        break_system_packages: bool = False,
    ) -> InstallResult:
        """Install into the running kernel's environment, from the sources Poetry would use.

        Without ``requirements``: the project's lock (``poetry install --no-root``; ``sync``
        removes what the lock does not hold; ``groups``: only these). With requirements
        (``["acme-utils>=2", "tinyhttp"]``): resolve them over the pool (the project's source
        pins, or ``source``), preferring what is installed, and install. Every file is
        downloaded through nbext and verified before anything is installed.
        """
        from nbext.resolve.install import install  # Poetry's application: loaded on first use

        return install(
            self,
            self.project.root if self.project is not None else None,
            list(requirements) if requirements is not None else None,
            source=source,
            sync=sync,
            dry_run=dry_run,
            groups=list(groups) if groups is not None else None,
            observer=observer,
            break_system_packages=break_system_packages,
        )

    def audit(self, *, public: bool | None = None) -> AuditResult:
        """The dependency-confusion radar over the project (``%source audit``): each
        dependency (direct and locked) with its source, its pin, where else its name exists
        (``elsewhere``: source -> highest version) and a verdict, ``"safe"``, ``"unsafe"``
        or ``"declared"`` (PEP 708). ``public``: ask the public index too when it is not a
        source (default: ``%config radar.public``, on)."""
        project = self.project
        if project is None:
            raise ProjectError(
                f"%source audit checks a project's dependencies, and there is no "
                f"pyproject.toml in {self.directory} or its parents."
            )
        from nbext.resolve.audit import audit  # Poetry's application: loaded on first use

        if public is None:
            public = self.settings.flag("radar.public", True)
        return audit(self, project.root, public=public)

    # -- %cache -------------------------------------------------------------------------------
    def cache_list(self) -> CacheTable:
        """``poetry cache list``, with what is in each source's cache (entries, size, age)."""
        return source_caches.cache_table(self.cache_dir)

    def cache_clear_plan(self, target: str | None = None, *, all: bool = False) -> ClearPlan:
        """What ``cache_clear`` would delete and the question Poetry asks first."""
        return source_caches.clear_plan(self.cache_dir, self.declared.pool, target, all=all)

    def cache_clear(self, target: str | None = None, *, all: bool = False) -> Report:
        """``poetry cache clear [SOURCE[:PKG[:VERSION]]] [--all] -n`` (see ``%cache?``)."""
        return self.cache_clear_plan(target, all=all).execute()

    def cache_refresh(self, source: str) -> Report:
        """Revalidate every page and file of ``source`` that the HTTP cache holds."""
        src = self.sources.get(source)
        return source_caches.refresh(src, self.http.cache, self.http.get, self.executor)

    def status(self) -> Status:
        """``%nbext``: project, sources with priorities, where credentials are configured
        (never their values; the keyring is not read), cache size, version, and a warning for
        each dependency pinned to a source that is not declared."""
        return status(self.project, self.sources, self.resolved, self.declared.pins())

    def publish(
        self,
        repository: str | None = None,
        *,
        username: str | None = None,
        password: str | None = None,
        dist_dir: str | Path = "dist",
        build: bool = False,
        isolation: bool = True,
        skip_existing: bool = False,
        dry_run: bool = False,
        cert: str | None = None,
        client_cert: str | None = None,
        check_url: str | None = None,
        prompt: CredentialPrompt | None = None,
        observer: PublishObserver | None = None,
    ) -> PublishResult:
        """``poetry publish [-r NAME] [-u USER] [-p PASSWORD] [--build] [--dist-dir DIR]
        [--skip-existing] [--dry-run] [--cert F] [--client-cert F]`` (see ``%publish?``).

        ``prompt(repository, username)`` is asked for credentials when the server answers
        401; ``observer`` sees the build and each file's progress. Raises
        :class:`~nbext.publish.publish.PublishError` (with the partial result) when it stops.
        """
        return publish(
            publish_context(self, transport=self.clients.transport, sleep=self._sleep),
            repository,
            username=username,
            password=password,
            dist_dir=dist_dir,
            build_first=build,
            isolation=isolation,
            skip_existing=skip_existing,
            dry_run=dry_run,
            cert=cert,
            client_cert=client_cert,
            check_url=check_url,
            prompt=prompt,
            observer=observer,
        )

    # -- %config ------------------------------------------------------------------------------
    @property
    def _config_command(self) -> ConfigCommand:
        return ConfigCommand(self.settings, self.passwords)

    def config_list(self) -> list[str]:
        """``poetry config --list``: ``key = value`` lines; credentials are never listed."""
        return self._config_command.list()

    def config_get(self, key: str) -> str:
        """``poetry config KEY``."""
        return self._config_command.get(key)

    def config_set(
        self, key: str, *values: str, local: bool = False, prompt: PasswordPrompt | None = None
    ) -> Report:
        """``poetry config KEY VALUE...`` (``http-basic``/``pypi-token`` go to the keyring)."""
        report = self._config_command.set(key, values, local=local, prompt=prompt)
        self._after_config_change()
        return report

    def config_unset(self, key: str, *, local: bool = False) -> Report:
        """``poetry config --unset KEY``."""
        report = self._config_command.unset(key, local=local)
        self._after_config_change()
        return report

    def _after_config_change(self) -> None:
        self.clients.forget_credentials()
