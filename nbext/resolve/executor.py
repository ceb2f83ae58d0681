"""What Poetry's installer hands its executor, carried out by nbext: every file downloaded
through nbext's network layer from the source the lock names, verified against the lock's
hash, and only when all of them are here and verified is the environment changed (by the
install backend, :mod:`nbext.resolve.installer`).

:class:`KernelExecutor` stands where Poetry's ``Executor`` stands (``Installer(...,
executor=...)``): Poetry's ``Chooser`` picks each package's file as ``poetry install`` would
(the environment's wheel tags, ``installer.no-binary``/``only-binary``, the locked hashes,
non-yanked first); nothing of Poetry's own network code runs.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from packaging.utils import canonicalize_name

from nbext.cache.artifacts import ArtifactCache
from nbext.errors import InstallError, NbextError
from nbext.index.files import File
from nbext.lookup.survey import from_public
from nbext.redact import redact_url
from nbext.resolve.fetch import Fetch
from nbext.resolve.poetry_api import Chooser, PoetryRuntimeError
from nbext.resolve.repository import SourceRepository
from nbext.resolve.results import InstallStep

__all__ = ["InstallError", "InstallObserver", "InstallStep", "KernelExecutor"]


class InstallObserver(Protocol):
    """Watches an install (the live view); called from worker threads."""

    def update(self, step: InstallStep) -> None: ...


#: ``backend(files, uninstall)`` installs local, verified files and removes distributions.
Backend = Callable[[list[Path], list[str]], object]


@dataclass
class _Chosen:
    step: InstallStep
    repository: SourceRepository
    file: File
    expected: str  # "name:hex" from the lock


class KernelExecutor:
    """Poetry's executor interface (as ``Installer`` uses it), over nbext's downloads."""

    def __init__(
        self,
        *,
        pool: Any,
        env: Any,
        config: Any,
        fetch: Fetch,
        artifacts: ArtifactCache | None,
        backend: Backend,
        executor: ThreadPoolExecutor,
        observer: InstallObserver | None = None,
        io: Any = None,
    ) -> None:
        self._chooser = Chooser(pool, env, config)
        self._io = io
        self._pool = pool
        self._fetch = fetch
        self._artifacts = artifacts
        self._backend = backend
        self._threads = executor
        self._observer = observer
        self._enabled = True
        self._dry_run = False
        self._counts = {"install": 0, "update": 0, "uninstall": 0}
        self.steps: list[InstallStep] = []
        self._temp: tempfile.TemporaryDirectory[str] | None = None

    # -- what Installer asks of an executor ---------------------------------------------------
    @property
    def enabled(self) -> bool:
        return self._enabled

    def disable(self) -> KernelExecutor:
        self._enabled = False
        return self

    def dry_run(self, dry_run: bool = True) -> KernelExecutor:
        self._dry_run = dry_run
        return self

    def verbose(self, verbose: bool = True) -> KernelExecutor:
        return self

    def enable_bytecode_compilation(self, enable: bool = True) -> None:
        return None

    @property
    def installations_count(self) -> int:
        return self._counts["install"]

    @property
    def updates_count(self) -> int:
        return self._counts["update"]

    @property
    def removals_count(self) -> int:
        return self._counts["uninstall"]

    def execute(self, operations: Sequence[Any]) -> int:
        """Choose, download and verify every file, then install them all at once. Poetry's
        summary and operation lines go to ``io`` (with the source and the file of each)."""
        todo = [op for op in operations if not op.skipped]
        self.steps = [self._step(op) for op in todo]
        self._survey(self.steps)
        if operations and (self._enabled or self._dry_run):
            self._summary()
        if self._dry_run or not todo:
            for s in self.steps:
                self._write(s.line())
            return 0
        wanted = [
            self._choose(op.target_package if op.job_type == "update" else op.package, step)
            for op, step in zip(todo, self.steps, strict=True)
            if step.action != "uninstall"
        ]
        paths = list(self._threads.map(self._download, wanted))
        for c in wanted:
            self._tell(c.step, "installing")
        removed = [s.name for s in self.steps if s.action == "uninstall"]
        try:
            self._backend(paths, removed)
        except NbextError:
            for s in self.steps:
                self._tell(s, "failed")
            raise
        for s in self.steps:
            self._counts[s.action] = self._counts.get(s.action, 0) + 1
            self._tell(s, "done")
            self._write(s.line())
        return 0

    def _survey(self, steps: list[InstallStep]) -> None:
        """The radar asks about the packages to install now, alongside the downloads."""
        survey = self._fetch.survey
        if survey is not None:
            survey.ask(
                str(canonicalize_name(s.name))
                for s in steps
                if s.action != "uninstall" and not from_public(s.source, survey.sources)
            )

    def _summary(self) -> None:
        """Poetry's ``Executor._display_summary``, word for word."""
        counts = {a: sum(1 for s in self.steps if s.action == a) for a in self._counts}
        self._write("")
        if not any(counts.values()):
            self._write("No dependencies to install or update")
            return
        installs, updates, removals = counts["install"], counts["update"], counts["uninstall"]
        self._write(
            f"Package operations: {installs} install{_s(installs)}, {updates} "
            f"update{_s(updates)}, {removals} removal{_s(removals)}"
        )
        self._write("")

    def _write(self, line: str) -> None:
        if self._io is not None:
            self._io.write_line(line)

    # -- the steps ----------------------------------------------------------------------------
    def _step(self, op: Any) -> InstallStep:
        if op.job_type == "update":
            initial, target = op.initial_package, op.target_package
            return self._new_step(target, "update", previous=initial.full_pretty_version)
        return self._new_step(op.package, op.job_type)

    def _new_step(self, package: Any, action: str, previous: str = "") -> InstallStep:
        step = InstallStep(
            name=package.pretty_name,
            version=package.full_pretty_version,
            action=action,
            previous=previous,
            source=package.source_reference or ("PyPI" if action != "uninstall" else ""),
        )
        self._tell(step, "waiting")
        return step

    def fetch(self, packages: Sequence[Any]) -> list[Path]:
        """These packages' files, chosen as for an install, downloaded and verified (an
        sdist's build requirements: they go into the build's environment, not the target)."""
        wanted = []
        for package in packages:
            step = InstallStep(
                name=package.pretty_name, version=package.full_pretty_version, action="build"
            )
            wanted.append(self._choose(package, step))
        return list(self._threads.map(self._download, wanted))

    def _choose(self, package: Any, step: InstallStep) -> _Chosen:
        try:
            link = self._chooser.choose_for(package)
        except PoetryRuntimeError as exc:
            step.error = _poetry_text(exc)
            self._tell(step, "failed")
            raise InstallError(f"{step.error}\n\nNothing was installed.") from None
        repository = self._chooser._get_repository(package)
        assert isinstance(repository, SourceRepository)
        file = repository.file_for(link.url_without_fragment)
        expected = next(
            (f["hash"] for f in package.files if f.get("file") == link.filename), None
        ) or next(iter(sorted(f["hash"] for f in package.files)), "")
        step.filename = file.filename
        step.source = repository.name
        return _Chosen(step, repository, file, expected)

    def _download(self, chosen: _Chosen) -> Path:
        step, file = chosen.step, chosen.file
        if self._artifacts is not None:
            data = self._artifacts.get(file)
            if data is not None and _matches(data, chosen.expected):
                step.cached, step.size = True, len(data)
                self._tell(step, "verified")
                return self._artifacts.path(file)
        self._tell(step, "downloading")
        requests = self._fetch.lookup.page_fetcher.requests
        source = chosen.repository.source
        response, answer = requests.get(source, file.url, None, None, requests.http.limits.download)
        if response is None or response.status_code != 200:
            step.error = answer.error or answer.warning or f"HTTP {answer.status}"
            if response is not None and response.status_code in (401, 403):
                # Poetry's warning, and what to do about it (the lookup's 401 row says the same)
                step.error = f"Source ({source.name}): Authorization error accessing " + (
                    redact_url(file.url)
                )
                hint = self._fetch.lookup.page_fetcher.auth_hint
                if hint is not None:
                    sent = "authorization" in response.request.headers
                    step.error += hint(source.name, response.status_code, sent)
            self._tell(step, "failed")
            raise InstallError(
                f"{file.filename} could not be downloaded from {source.name}: "
                f"{redact_url(step.error)}. Nothing was installed."
            )
        data = response.content
        step.size = len(data)
        if not _matches(data, chosen.expected):
            step.error = "does not match the lock file's hash"
            self._tell(step, "failed")
            raise InstallError(
                f"Downloaded distributions for {step.name} ({step.version}) did not match any "
                f"known checksums in your lock file ({file.filename} from {source.name}). "
                "Nothing was installed. Fix: run %lock --regenerate, or clear the source's "
                f"cache (%cache clear {source.name} --all)."
            )
        self._tell(step, "verified")
        path = self._artifacts.put(file, data) if self._artifacts is not None else None
        return path or self._keep(file.filename, data)

    def _keep(self, filename: str, data: bytes) -> Path:
        if self._temp is None:
            self._temp = tempfile.TemporaryDirectory(prefix="nbext-install-")
        path = Path(self._temp.name) / filename
        path.write_bytes(data)
        return path

    def _tell(self, step: InstallStep, state: str) -> None:
        step.state = state
        if self._observer is not None:
            self._observer.update(step)

    def close(self) -> None:
        if self._temp is not None:
            self._temp.cleanup()
            self._temp = None


def _matches(data: bytes, expected: str) -> bool:
    name, _, value = expected.partition(":")
    if not value or name not in hashlib.algorithms_available:
        return False
    return hashlib.new(name, data).hexdigest() == value.lower()


def _poetry_text(exc: PoetryRuntimeError) -> str:
    """A Poetry error's text without its console markup, its debug lines and the hint to run
    ``poetry`` with ``-v`` (there is no such command here); ``poetry lock`` and ``poetry
    cache clear`` in its solutions read as nbext's ``%lock`` and ``%cache clear``."""
    text = exc.get_text(debug=False, strip=True)
    text = text.split("You can also run your poetry command with -v")[0].strip()
    return (
        text.replace("poetry lock --no-cache --regenerate", "%lock --regenerate --no-cache")
        .replace("poetry cache clear --all", "%cache clear --all")
        .replace("poetry update --no-cache", "%lock --regenerate; %install")
    )


def _s(n: int) -> str:
    return "" if n == 1 else "s"
