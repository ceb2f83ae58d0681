"""Building an sdist into a wheel, with no index: pypa ``build``'s ``ProjectBuilder`` (PEP 517)
run in a fresh virtual environment of the target interpreter.

The build requirements (``[build-system] requires``, then the backend's
``get_requires_for_build_wheel``) come from the caller: ``build_requirements`` gets PEP 508
strings and returns local wheel files it has downloaded and verified through nbext's sources
(the same pool, credentials and caches as everything else). nbext installs those wheels into the
build environment with :func:`nbext.resolve.wheels.install_wheel` and checks that they satisfy
the requirements; nothing in a build can reach an index (``PIP_NO_INDEX=1`` for a backend that
would start pip, and no pip in the build environment). Every hook runs as a subprocess with the
time that is left as its timeout.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from build import BuildBackendException, BuildException, ProjectBuilder
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from pyproject_hooks import BackendUnavailable

from nbext.errors import BuildError, NbextError
from nbext.resolve.clock import Clock
from nbext.resolve.environment import TargetEnvironment
from nbext.resolve.wheels import install_wheel, wheel_name

__all__ = ["BuildRequirements", "build_wheel", "unpack_sdist"]

#: The caller's way to get build requirements: PEP 508 strings in, local verified wheels out
#: (the requirements' own dependencies included).
BuildRequirements = Callable[[list[str]], list[Path]]

_SDIST_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar", ".zip")
_TAIL_LINES = 15


def build_wheel(
    env: TargetEnvironment,
    sdist: Path,
    out_dir: Path,
    *,
    build_requirements: BuildRequirements,
    clock: Clock,
) -> Path:
    """Build ``sdist`` into a wheel for ``env``'s interpreter; the wheel lands in ``out_dir``."""
    with tempfile.TemporaryDirectory(prefix="nbext-build-") as tmp:
        source = unpack_sdist(sdist, Path(tmp) / "src")
        clock.check(f"building {sdist.name}")
        build_env = _isolated_env(env, Path(tmp) / "env", sdist, clock)
        runner = _Runner(build_env, clock)
        try:
            builder = ProjectBuilder(source, python_executable=build_env.python, runner=runner)
            have: dict[str, str] = {}
            needs = sorted(builder.build_system_requires)
            _provide(build_env, sdist, needs, have, build_requirements)
            needs = sorted(builder.get_requires_for_build("wheel"))
            _provide(build_env, sdist, needs, have, build_requirements)
            clock.check(f"building {sdist.name}")
            return Path(builder.build("wheel", out_dir))
        except BuildBackendException as exc:
            raise _backend_error(sdist, exc, runner, clock) from None
        except BuildException as exc:
            raise BuildError(
                f"{sdist.name} cannot be built: {exc}. Fix: use a version of the project that "
                "has a wheel for this Python, or one whose pyproject.toml is valid.",
                path=str(sdist),
            ) from None


def unpack_sdist(sdist: Path, dest: Path) -> Path:
    """Unpack ``sdist`` into ``dest`` (safely: no member lands outside it); returns the project
    folder (the archive's single top folder, holding pyproject.toml or setup.py)."""
    name = sdist.name.lower()
    if not name.endswith(_SDIST_SUFFIXES):
        raise BuildError(
            f"{sdist.name} is neither a wheel nor an sdist (.tar.gz or .zip). Fix: give the "
            "files under the names their index gave them.",
            path=str(sdist),
        )
    dest.mkdir(parents=True, exist_ok=True)
    try:
        if name.endswith(".zip"):
            with zipfile.ZipFile(sdist) as zf:
                zf.extractall(dest)  # zipfile drops "..", absolute paths and drive letters
        else:
            with tarfile.open(sdist) as tf:
                tf.extractall(dest, filter="data")
    except (OSError, tarfile.TarError, zipfile.BadZipFile, EOFError) as exc:
        raise BuildError(
            f"{sdist.name} cannot be unpacked ({exc}). Fix: delete it from the cache "
            "(%cache clear) and download it again.",
            path=str(sdist),
        ) from None
    _touch_all(dest)
    entries = [p for p in dest.iterdir() if p.is_dir()]
    project = entries[0] if len(entries) == 1 else dest
    if not ((project / "pyproject.toml").is_file() or (project / "setup.py").is_file()):
        raise BuildError(
            f"{sdist.name} has no pyproject.toml or setup.py at its top, so it cannot be built. "
            "Fix: use a version of the project that has a wheel.",
            path=str(sdist),
        )
    return project


def _touch_all(folder: Path) -> None:
    """Give every unpacked file the current time, as pip's unpacking does: archives made
    reproducible carry mtime 0, and a backend that zips files by their mtime (flit_core
    without SOURCE_DATE_EPOCH) cannot store dates before 1980."""
    for root, _dirs, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            if not os.path.islink(path):
                os.utime(path)


def _isolated_env(
    env: TargetEnvironment, folder: Path, sdist: Path, clock: Clock
) -> TargetEnvironment:
    """A new venv of ``env``'s interpreter, without pip (the wheels go in through
    :func:`install_wheel`)."""
    cmd = [env.python, "-I", "-m", "venv", "--without-pip", str(folder)]
    try:
        subprocess.run(
            cmd,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            timeout=clock.remaining(),
            check=True,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        raise BuildError(
            f"could not create a build environment for {sdist.name} with {env.python} -m venv "
            f"({_describe(exc)}). Fix: check that this Python has its venv module (Debian: "
            "apt install python3-venv).",
            path=str(sdist),
        ) from None
    names = ("Scripts/python.exe", "bin/python") if os.name == "nt" else ("bin/python",)
    python = next((folder / n for n in names if (folder / n).exists()), folder / names[-1])
    return TargetEnvironment.for_python(python, deadline=clock.remaining())


def _provide(
    build_env: TargetEnvironment,
    sdist: Path,
    needs: Sequence[str],
    have: dict[str, str],
    build_requirements: BuildRequirements,
) -> None:
    """Install wheels for the requirements in ``needs`` that apply and are not met yet."""
    markers = {**build_env.markers, "extra": ""}
    wanted: list[Requirement] = []
    for text in needs:
        try:
            req = Requirement(text)
        except InvalidRequirement as exc:
            raise BuildError(
                f"{sdist.name} asks for a build requirement that cannot be read ({text!r}: "
                f"{exc}). Fix: use a version of the project that has a wheel.",
                path=str(sdist),
            ) from None
        if req.marker is not None and not req.marker.evaluate(markers):
            continue
        if not _met(req, have):
            wanted.append(req)
    if not wanted:
        return
    for given in build_requirements([str(r) for r in wanted]):
        path = Path(given)
        if path.suffix != ".whl" or not build_env.supports(path):
            raise BuildError(
                f"{path.name}, given to build {sdist.name}, is not a wheel this Python can "
                "install (sdists of build requirements are not built). Fix: the "
                "build_requirements callback must return wheels.",
                path=str(path),
            )
        info = wheel_name(path)
        if info.name in have:
            continue
        install_wheel(build_env, path)
        have[info.name] = info.version
    missing = [r for r in wanted if not _met(r, have)]
    if missing:
        got = ", ".join(f"{n} {v}" for n, v in sorted(have.items())) or "no wheel"
        raise BuildError(
            f"the build requirements of {sdist.name} are not met: "
            f"{', '.join(str(r) for r in missing)} (given: {got}). Fix: the "
            "build_requirements callback must return wheels that satisfy them.",
            path=str(sdist),
        )


def _met(req: Requirement, have: Mapping[str, str]) -> bool:
    version = have.get(canonicalize_name(req.name))
    return version is not None and req.specifier.contains(version, prereleases=True)


class _Runner:
    """pyproject_hooks' subprocess runner, under the deadline, with the output kept."""

    def __init__(self, build_env: TargetEnvironment, clock: Clock) -> None:
        self.build_env = build_env
        self.clock = clock
        self.output: list[str] = []

    def __call__(
        self,
        cmd: Sequence[str],
        cwd: str | None = None,
        extra_environ: Mapping[str, str] | None = None,
    ) -> None:
        skip = ("PIP_", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "VIRTUAL_ENV")
        environ = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
        environ["PATH"] = self.build_env.paths["scripts"] + os.pathsep + environ.get("PATH", "")
        environ.update(PYTHONNOUSERSITE="1", PIP_NO_INDEX="1", **(extra_environ or {}))
        # A session of its own: on timeout the whole group goes (compilers a backend started
        # would outlive a kill of the hook process alone).
        with subprocess.Popen(
            list(cmd),
            cwd=cwd,
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        ) as proc:
            try:
                out, _ = proc.communicate(timeout=self.clock.remaining())
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                raise
        self.output.append(out.decode(errors="replace"))
        if proc.returncode:
            raise subprocess.CalledProcessError(proc.returncode, list(cmd), out)

    def tail(self) -> str:
        lines = "".join(self.output).strip().splitlines()
        return "\n".join(lines[-_TAIL_LINES:])


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    if os.name == "posix":
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    proc.kill()
    proc.communicate()


def _backend_error(
    sdist: Path, exc: BuildBackendException, runner: _Runner, clock: Clock
) -> NbextError:
    cause = exc.exception
    tail = runner.tail()
    fix = "use a version of the project that has a wheel for this Python"
    if isinstance(cause, subprocess.TimeoutExpired):
        what = f"its build did not finish within the {clock.budget:g} s given"
        fix = "give the install more time, or " + fix
    elif isinstance(cause, BackendUnavailable):
        what = (
            f"its build backend ({cause.backend_name}) cannot be imported in the build "
            "environment (the build requirements given did not provide it)"
        )
    elif isinstance(cause, subprocess.CalledProcessError):
        last = tail.splitlines()[-1] if tail else f"exit status {cause.returncode}"
        what = f"its build backend failed: {last}"
    else:
        what = f"its build backend failed: {cause}"
    return BuildError(
        f"could not build {sdist.name}: {what}. Fix: {fix} (the backend's last lines are in "
        "this error's .output).",
        path=str(sdist),
        output=tail,
    )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, subprocess.CalledProcessError):
        err = exc.stderr.decode(errors="replace").strip() if exc.stderr else ""
        return err.splitlines()[-1] if err else f"exit status {exc.returncode}"
    if isinstance(exc, subprocess.TimeoutExpired):
        return "it did not finish in time"
    return str(exc)
