"""``%add``: what ``poetry add`` does, in the kernel: pyproject.toml written, the lock updated
for the new package (the rest keeps its locked versions), the package installed into the
kernel's environment from the sources Poetry would use.

As in Poetry, pyproject.toml keeps the new dependency only when the lock (and the install)
succeeded: otherwise, and after ``--dry-run``, the file is put back byte for byte (under the
project's file lock). ``--lock`` stops after locking. Without a project the pin lives in the
kernel session and the package is installed (``--lock``: only pinned). nbext's ``--no-lock``
writes pyproject.toml only (the ``%add`` of nbext 0.1).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

from nbext.errors import NbextError
from nbext.files.atomic import write_bytes_atomic
from nbext.lookup.batch import LookupWorkspace
from nbext.lookup.requirements import parse_requirement
from nbext.report import Report
from nbext.resolve.executor import InstallObserver
from nbext.resolve.install import install, install_project
from nbext.resolve.lock import lock
from nbext.resolve.results import AddResult, InstallResult, LockResult

__all__ = ["AddResult", "add"]


def add(
    ws: LookupWorkspace,
    requirement: str,
    write: Callable[[], Report],
    *,
    source: str | None = None,
    lock_only: bool = False,
    dry_run: bool = False,
    observer: InstallObserver | None = None,
    break_system_packages: bool = False,
) -> AddResult:
    """``write()`` adds the dependency to pyproject.toml (or pins it in the session) and
    reports as before; then the lock and the install, as ``poetry add`` does them."""
    project = ws.declared.project
    if project is None:
        report = write()
        if lock_only:
            return _result(report)
        result = install(
            ws,
            None,
            [requirement],
            source=source,
            dry_run=dry_run,
            observer=observer,
            break_system_packages=break_system_packages,
        )
        return _result(report, install=result)
    path = project.path
    original = path.read_bytes()
    report = write()
    if dry_run:  # pyproject.toml is put back below
        report.info = [_would(line) for line in report.info]
    if any(line == "Nothing to add." for line in report.info):
        return _result(report)
    name = parse_requirement(requirement.partition("@")[0] or requirement).name
    try:
        if lock_only:
            done = _result(report, lock=lock(ws, project.root, whitelist=[name], dry_run=dry_run))
        else:
            done = _result(
                report,
                install=install_project(
                    ws,
                    project.root,
                    whitelist=[name],
                    dry_run=dry_run,
                    observer=observer,
                    break_system_packages=break_system_packages,
                ),
            )
    except NbextError:
        _put_back(project.locked, path, original)
        raise
    if dry_run:
        _put_back(project.locked, path, original)
    return done


def _would(line: str) -> str:
    """A dry run's words for what it did not keep."""
    return "Would add " + line.removeprefix("Added ") if line.startswith("Added ") else line


def _result(
    report: Report, *, lock: LockResult | None = None, install: InstallResult | None = None
) -> AddResult:
    return AddResult(report.info, report.warnings, lock=lock, install=install)


def _put_back(
    locked: Callable[[], AbstractContextManager[None]], path: Path, original: bytes
) -> None:
    """pyproject.toml as it was before ``%add`` (Poetry saves it only after success)."""
    with locked():
        write_bytes_atomic(path, original, mode=os.stat(path).st_mode & 0o777)
