"""The environment ``%install`` writes into: an interpreter, its folders, tags and markers.

:class:`TargetEnvironment` describes one Python interpreter: the running kernel's
(:meth:`TargetEnvironment.current`, read in-process) or any other on this machine
(:meth:`TargetEnvironment.for_python`, asked in a subprocess that must answer before the
deadline). It says whether that interpreter is a virtual environment, whether PEP 668 marks it
as owned by the system's package manager, which wheel tags it accepts (``packaging.tags`` run by
that interpreter), its marker environment, and what is installed in it.
"""

from __future__ import annotations

import configparser
import importlib
import json
import locale
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import packaging
from packaging.tags import Tag, parse_tag
from packaging.utils import parse_wheel_filename

from nbext.errors import ExternallyManagedError, InstallError
from nbext.resolve import _probe
from nbext.resolve.clock import Clock, DeadlineLike

__all__ = ["MARKER_FILE", "TargetEnvironment", "externally_managed_message"]

#: PEP 668's marker, in the interpreter's ``sysconfig.get_path("stdlib")``.
MARKER_FILE = "EXTERNALLY-MANAGED"
_PROBE_FILE = Path(_probe.__file__)
_PACKAGING_PARENT = str(Path(packaging.__file__).parent.parent)


def externally_managed_message(stdlib: str | os.PathLike[str]) -> str | None:
    """PEP 668: the text of ``stdlib/EXTERNALLY-MANAGED`` when that file exists, else None.

    The text is the ``[externally-managed]`` section's ``Error-<locale>`` entry for the user's
    locale, else its ``Error`` entry; a file without either (or that cannot be read as an INI
    file) gives PEP 668's default sentence. Whether the marker applies at all is the caller's
    question: PEP 668 says a virtual environment ignores its base interpreter's marker.
    """
    path = Path(stdlib) / MARKER_FILE
    if not path.is_file():
        return None
    default = "The Python environment is managed by another tool (its EXTERNALLY-MANAGED file)."
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
        section = parser["externally-managed"]
    except (configparser.Error, KeyError, OSError, UnicodeDecodeError):
        return default
    for key in _error_keys():
        text = section.get(key)
        if text and text.strip():
            return text.strip()
    return default


def _error_keys() -> list[str]:
    """``Error-de_DE``, ``Error-de``, ``Error``: the user's language first (as pip reads it)."""
    try:
        lang = locale.getlocale(locale.LC_MESSAGES)[0]
    except (ValueError, AttributeError):  # pragma: no cover - no LC_MESSAGES on Windows
        lang = None
    keys = []
    if lang and lang not in ("C", "POSIX"):
        keys += [f"Error-{lang}", f"Error-{lang.split('_')[0]}"]
    return [*keys, "Error"]


@dataclass(frozen=True, eq=False)
class TargetEnvironment:
    """One interpreter and the folders it installs into (its ``sysconfig`` paths)."""

    python: str
    prefix: str
    base_prefix: str
    python_version: tuple[int, int, int]
    implementation: str
    cache_tag: str | None
    paths: Mapping[str, str]
    sys_path: tuple[str, ...]
    markers: Mapping[str, str]
    tags: tuple[Tag, ...]
    #: True when this is the interpreter nbext runs in (the kernel's).
    running: bool

    @classmethod
    def current(cls) -> TargetEnvironment:
        """The running interpreter (the kernel's), read in-process."""
        return cls._from(_probe.describe(), running=True)

    @classmethod
    def for_python(
        cls, executable: str | os.PathLike[str] = sys.executable, *, deadline: DeadlineLike = 30.0
    ) -> TargetEnvironment:
        """The interpreter at ``executable``; asked in a subprocess unless it is this one."""
        if _same_file(executable, sys.executable):
            return cls.current()
        return cls._from(_ask(os.fspath(executable), "describe", Clock.start(deadline)), False)

    @classmethod
    def _from(cls, facts: dict[str, Any], running: bool) -> TargetEnvironment:
        tags: list[Tag] = []
        for text in facts["tags"]:
            tags += sorted(parse_tag(text), key=str)
        major, minor, micro = facts["version"]
        return cls(
            python=facts["executable"],
            prefix=facts["prefix"],
            base_prefix=facts["base_prefix"],
            python_version=(major, minor, micro),
            implementation=facts["implementation"],
            cache_tag=facts["cache_tag"],
            paths=dict(facts["paths"]),
            sys_path=tuple(facts["sys_path"]),
            markers=dict(facts["markers"]),
            tags=tuple(tags),
            running=running,
        )

    # -- what it is -----------------------------------------------------------------------

    @property
    def is_venv(self) -> bool:
        """A virtual environment (``sys.prefix != sys.base_prefix``), as PEP 405 defines it."""
        return os.path.normcase(self.prefix) != os.path.normcase(self.base_prefix)

    @property
    def stdlib(self) -> str:
        """``sysconfig.get_path("stdlib")``: where PEP 668's marker lives."""
        return self.paths["stdlib"]

    @property
    def site_packages(self) -> tuple[str, ...]:
        """Where wheels go: purelib, then platlib when it differs."""
        seen = dict.fromkeys([self.paths["purelib"], self.paths["platlib"]])
        return tuple(seen)

    @property
    def externally_managed(self) -> str | None:
        """PEP 668's text when the marker applies (never in a virtual environment), else None."""
        return None if self.is_venv else externally_managed_message(self.stdlib)

    def check_can_install(self, *, break_system_packages: bool = False) -> None:
        """Raise :class:`ExternallyManagedError` when PEP 668 forbids installing here."""
        marker = self.externally_managed
        if marker is None or break_system_packages:
            return
        raise ExternallyManagedError(
            f"{self.python} is externally managed (PEP 668; {Path(self.stdlib) / MARKER_FILE} "
            f"says: {' '.join(marker.split())}). Nothing was installed. Fix: run the kernel "
            "from a virtual environment (python -m venv ~/venvs/nb; ~/venvs/nb/bin/python -m "
            "pip install ipykernel; ~/venvs/nb/bin/python -m ipykernel install --user --name "
            "nb; then pick that kernel), or, if you accept that this may break packages of "
            "the system, pass break_system_packages=True (--break-system-packages).",
            path=str(Path(self.stdlib) / MARKER_FILE),
            marker=marker,
        )

    def supports(self, wheel: str | os.PathLike[str]) -> bool:
        """Whether this interpreter accepts the wheel's tags (by its file name)."""
        try:
            tags = parse_wheel_filename(Path(wheel).name)[3]
        except ValueError:
            return False
        return not tags.isdisjoint(self.tags)

    def scheme(self, dist_name: str) -> dict[str, str]:
        """The five wheel schemes (purelib, platlib, headers, scripts, data) for a project, as
        pip lays them out (headers under ``include/site/pythonX.Y/<name>`` in a venv)."""
        py = f"python{self.python_version[0]}.{self.python_version[1]}"
        if self.is_venv:
            headers = os.path.join(self.prefix, "include", "site", py, dist_name)
        else:
            headers = os.path.join(self.paths["include"], dist_name)
        return {
            "purelib": self.paths["purelib"],
            "platlib": self.paths["platlib"],
            "headers": headers,
            "scripts": self.paths["scripts"],
            "data": self.paths["data"],
        }

    def installed(self, *, deadline: DeadlineLike = 30.0) -> dict[str, str]:
        """``{canonical name: version}`` of what this interpreter can import (its
        ``sys.path``; the first copy found wins, as for ``import``)."""
        if self.running:
            importlib.invalidate_caches()  # importlib.metadata caches folder listings
            return _probe.installed()
        answer: dict[str, str] = _ask(self.python, "installed", Clock.start(deadline))
        return answer

    def __repr__(self) -> str:
        kind = "venv" if self.is_venv else "not a venv"
        managed = ", externally managed" if self.externally_managed else ""
        return f"<TargetEnvironment {self.python} ({kind}{managed})>"


def _same_file(a: str | os.PathLike[str], b: str) -> bool:
    """The same interpreter file; a venv's ``python`` symlink is not its base's binary."""
    return os.path.abspath(a) == os.path.abspath(b)


def _ask(python: str, mode: str, clock: Clock) -> Any:
    """Run the probe with ``python`` and read its JSON answer."""
    cmd = [python, "-I", str(_PROBE_FILE), mode, _PACKAGING_PARENT]
    try:
        proc = subprocess.run(
            cmd,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=clock.remaining(),
            check=False,
        )
    except FileNotFoundError:
        raise InstallError(
            f"there is no Python interpreter at {python}. Fix: give the path of an existing "
            "python executable (in a venv: <venv>/bin/python).",
            path=python,
        ) from None
    except PermissionError:
        raise InstallError(
            f"{python} cannot be run (permission denied). Fix: give a python executable.",
            path=python,
        ) from None
    except subprocess.TimeoutExpired:
        raise InstallError(
            f"{python} did not describe itself within {clock.budget:g} s. Fix: check that it "
            "starts (run it in a terminal), or give it more time.",
            path=python,
        ) from None
    if proc.returncode != 0:
        tail = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise InstallError(
            f"{python} could not describe itself (exit {proc.returncode}: {tail[0]}). Fix: "
            "give a Python 3.8+ interpreter that starts.",
            path=python,
        )
    try:
        return json.loads(proc.stdout)
    except ValueError:
        raise InstallError(
            f"{python} answered something that is not JSON when asked to describe itself. "
            "Fix: give a plain CPython or PyPy interpreter.",
            path=python,
        ) from None
