"""``%config`` and ``poetry config`` side by side: the same files, read and written both ways.

Every scenario has its own HOME, XDG dirs, POETRY_CONFIG_DIR and POETRY_CACHE_DIR under a
temporary directory, used by nbext (in the test process, ``os.environ`` patched to the very
same variables, :func:`as_nbext`) and by Poetry (pinned, see ``tests/support/poetry.py``; stdin
is /dev/null). The working directory has no pyproject.toml unless a test says otherwise.

Poetry is run two ways: the ``poetry`` executable (:func:`run_cli`: ``poetry config --list``
and a few others), and :data:`BATCH_RUNNER` (:func:`run_batch`), which runs several ``poetry
config ...`` command lines through Poetry's own console ``Application`` in one interpreter
(one start-up instead of one per command; ``test_batch_runner_prints_what_the_cli_prints``
checks that it prints what the executable prints).
"""

from __future__ import annotations

import contextlib
import json
import os
import tomllib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keyring.backends.null
import pytest
from keyring.backend import KeyringBackend

import nbext
from nbext import ConfigError
from tests.support.env import isolated_environ
from tests.support.keyring_backends import use_backend
from tests.support.procs import run_captured

POETRY_TIMEOUT = 120.0  # seconds for one poetry process (a batch runs many commands)
SECRET = "s3cr3t-Pw-7f1c0e"
TOKEN = "pypi-tok-5b2d9a"
CORP_URL = "https://corp.example/simple/"
DOTTED_URL = "https://dotted.example/simple/"
ENV_URL = "https://env.example/simple/"
OVERRIDE_URL = "https://override.example/simple/"
CLIENT_CERT = "/etc/ssl/corp-client.pem"
PYPROJECT = (
    '[project]\nname = "demo-app"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'
    "dependencies = []\n"
)
#: What both tools are told to set (``poetry config KEY VALUE...`` / ``config_set(KEY, ...)``).
#: keyring.enabled false comes before the credentials, so they go to auth.toml.
SPREAD: tuple[tuple[str, ...], ...] = (
    ("installer.max-workers", "3"),
    ("installer.parallel", "false"),
    ("keyring.enabled", "false"),
    ("requests.max-retries", "2"),
    ("solver.lazy-wheel", "false"),
    ("repositories.corp", CORP_URL),
    ("repositories.my.dotted", DOTTED_URL),
    ("certificates.corp.cert", "false"),
    ("certificates.corp.client-cert", CLIENT_CERT),
    ("http-basic.corp", "alice", SECRET),
    ("pypi-token.pub", TOKEN),
)
SPREAD_FILES: dict[str, dict[str, Any]] = {
    "config.toml": {
        "installer": {"max-workers": 3, "parallel": False},
        "keyring": {"enabled": False},
        "requests": {"max-retries": 2},
        "solver": {"lazy-wheel": False},
        "repositories": {"corp": {"url": CORP_URL}, "my.dotted": {"url": DOTTED_URL}},
    },
    "auth.toml": {
        "certificates": {"corp": {"cert": False, "client-cert": CLIENT_CERT}},
        "http-basic": {"corp": {"username": "alice", "password": SECRET}},
        "pypi-token": {"pub": TOKEN},
    },
}
#: ``poetry config KEY`` reads on the SPREAD files that both tools answer alike.
SPREAD_GETS = (
    "installer.max-workers",
    "installer.parallel",
    "keyring.enabled",
    "requests.max-retries",
    "solver.lazy-wheel",
    "cache-dir",
    "data-dir",
    "repositories",
    "repositories.corp",
    "repositories.corp.url",
    "repo.corp",
    "repositories.my.dotted",
    "repositories.my.dotted.url",
    "repositories.nope",
    "http-basic.corp",
    "pypi-token.pub",
)
CERT_GETS = ("certificates.corp.cert", "certificates.corp.client-cert")
#: Keys that ``poetry config --list`` (2.5.1) prints and nbext's ``config_list`` does not.
POETRY_ONLY_LISTED: frozenset[str] = frozenset()
#: nbext's own key (Poetry reads requests.timeout only from POETRY_REQUESTS_TIMEOUT).
NBEXT_ONLY_LISTED = frozenset({"requests.timeout"})
#: (kind, key, values...): kind is "get" (``poetry config KEY``), "set" or "unset".
Op = tuple[str, ...]
#: ("ok", printed text) or ("error", message); a successful set/unset is ("ok", "").
Outcome = tuple[str, str]
#: Runs the ``poetry`` command lines given as JSON in argv[1] through Poetry's console
#: Application (fresh Application and configuration for each), printing one JSON line.
BATCH_RUNNER = """
import json, sys
from cleo.io.inputs.argv_input import ArgvInput
from cleo.io.outputs.buffered_output import BufferedOutput
import poetry.config.config as poetry_config
from poetry.console.application import Application

results = []
for argv in json.loads(sys.argv[1]):
    poetry_config._default_config = None  # Config.create() caches the merged files
    app = Application()
    app.auto_exits(False)
    out, err = BufferedOutput(), BufferedOutput()
    code = app.run(ArgvInput(["poetry", "--no-ansi", "--no-interaction", *argv]), out, err)
    results.append({"code": code, "stdout": out.fetch(), "stderr": err.fetch()})
print("\\n@@RESULTS@@" + json.dumps(results))
"""


@dataclass(frozen=True)
class Run:
    """One ``poetry`` command line and what it printed."""

    argv: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    @property
    def message(self) -> str:
        """The error sentence: Poetry prints it between blank lines on stderr."""
        return "\n".join(line.strip() for line in self.stderr.splitlines() if line.strip())

    def outcome(self) -> Outcome:
        if self.code != 0:
            return ("error", self.message)
        return ("ok", self.stdout.rstrip("\n") if argv_op(self.argv)[0] == "get" else "")


def argv_op(argv: Sequence[str]) -> Op:
    args = [a for a in argv[1:] if a not in ("--local", "--")]
    if args and args[0] == "--unset":
        return ("unset", *args[1:])
    return ("set" if len(args) > 1 else "get", *args)


def poetry_argv(op: Op, *, local: bool = False) -> list[str]:
    kind, key, *values = op
    flags = (["--local"] if local else []) + (["--unset"] if kind == "unset" else [])
    if any(value.startswith("-") for value in values):
        flags.append("--")  # else the console takes "-1" for an option
    return ["config", *flags, key, *values]


def run_cli(poetry: Path, argv: Sequence[str], env: Mapping[str, str], cwd: Path) -> Run:
    """The ``poetry`` executable itself."""
    cmd = [str(poetry), "--no-ansi", "--no-interaction", *argv]
    proc = run_captured(cmd, env=env, cwd=cwd, timeout=POETRY_TIMEOUT)
    return Run(tuple(argv), proc.returncode, proc.stdout, proc.stderr)


def run_batch(
    poetry: Path, commands: Sequence[Sequence[str]], env: Mapping[str, str], cwd: Path
) -> list[Run]:
    """Several ``poetry`` command lines, in order, in one Poetry interpreter."""
    cmd = [
        str(poetry.parent / "python"),
        "-c",
        BATCH_RUNNER,
        json.dumps([list(c) for c in commands]),
    ]
    proc = run_captured(cmd, env=env, cwd=cwd, timeout=POETRY_TIMEOUT)
    _, marker, tail = proc.stdout.rpartition("@@RESULTS@@")
    assert proc.returncode == 0 and marker, f"batch runner failed:\n{proc.stdout}\n{proc.stderr}"
    return [
        Run(tuple(argv), int(r["code"]), str(r["stdout"]), str(r["stderr"]))
        for argv, r in zip(commands, json.loads(tail), strict=True)
    ]


def make_env(root: Path, **extra: str) -> dict[str, str]:
    """Isolated variables under ``root`` for nbext and Poetry alike, plus ``extra``."""
    env = isolated_environ(dict(os.environ), root / "home")
    for name in ("VIRTUAL_ENV", "PYTHONWARNINGS", "PYTHONHOME", "PYTHONSTARTUP"):
        env.pop(name, None)
    # data-dir keeps its default (see _ENV_STRING_REASON: only the env scenario sets it)
    env.pop("POETRY_DATA_DIR", None)
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def config_dir(env: Mapping[str, str]) -> Path:
    return Path(env["POETRY_CONFIG_DIR"])


def workdir(path: Path) -> Path:
    """A new working directory that is in no project (Poetry looks in the parents too)."""
    path.mkdir(parents=True)
    assert not [d for d in (path, *path.parents) if (d / "pyproject.toml").exists()]
    return path


@contextlib.contextmanager
def as_nbext(env: Mapping[str, str], backend: KeyringBackend | None = None) -> Iterator[None]:
    """``os.environ`` is exactly ``env`` (and the keyring ``backend``, default null) inside."""
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name not in env:
                mp.delenv(name)
        for name, value in env.items():
            mp.setenv(name, value)
        with use_backend(backend or keyring.backends.null.Keyring()):
            yield


def nbext_do(ws: nbext.Workspace, op: Op, *, local: bool = False) -> Outcome:
    kind, key, *values = op
    try:
        if kind == "get":
            return ("ok", ws.config_get(key))
        if kind == "set":
            ws.config_set(key, *values, local=local)
        else:
            ws.config_unset(key, local=local)
    except ConfigError as exc:
        return ("error", str(exc))
    return ("ok", "")


def read_files(directory: Path, *names: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in names:
        path = directory / name
        out[name] = tomllib.loads(path.read_text(encoding="utf-8")) if path.is_file() else None
    return out


def read_texts(directory: Path, *names: str) -> dict[str, str]:
    return {name: (directory / name).read_text(encoding="utf-8") for name in names}


def listing(lines: Sequence[str]) -> dict[str, str]:
    """``{key: whole line}`` of a ``--list`` output, in its order."""
    return {line.split(" = ", 1)[0]: line for line in lines if " = " in line}


def assert_same_listing(
    mine: Sequence[str], poetrys: Run, skip: Callable[[str], bool] = lambda key: False
) -> None:
    """Line by line for the keys both list; the keys only one lists are the known ones."""
    assert poetrys.code == 0, poetrys.stderr
    nb = {k: v for k, v in listing(mine).items() if not skip(k)}
    po = {k: v for k, v in listing(poetrys.stdout.splitlines()).items() if not skip(k)}
    assert set(po) - set(nb) == POETRY_ONLY_LISTED
    assert set(nb) - set(po) == NBEXT_ONLY_LISTED
    assert [v for k, v in nb.items() if k in po] == [v for k, v in po.items() if k in nb]


def skip_spread(key: str) -> bool:
    # cache-dir: _ENV_STRING_REASON; the dotted repository: _DOTTED_LIST_REASON
    return key == "cache-dir" or key.startswith("repositories.my.dotted")


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        assert SECRET not in text
        assert TOKEN not in text


@dataclass
class Observed:
    """Both tools' reads of one configuration."""

    env: dict[str, str]
    cwd: Path
    files: dict[str, Any]
    nbext_list: list[str]
    nbext_gets: dict[str, Outcome]
    poetry_list: Run
    poetry_gets: dict[str, Run]
    extra: dict[str, Any] = field(default_factory=dict)


def observe(
    poetry: Path,
    env: dict[str, str],
    cwd: Path,
    *,
    cli_list: bool,
    keys: Sequence[str] = (*SPREAD_GETS, *CERT_GETS),
) -> Observed:
    """nbext's and Poetry's ``--list`` and gets of ``keys`` on ``env``'s files (Poetry's
    ``--list`` from the executable itself with ``cli_list``, else from the batch runner)."""
    with as_nbext(env), nbext.Workspace(cwd) as ws:
        nbext_list = ws.config_list()
        nbext_gets = {key: nbext_do(ws, ("get", key)) for key in keys}
    commands = [["config", "--list"], *(["config", key] for key in keys)]
    runs = run_batch(poetry, commands, env, cwd)
    batch_list, gets = runs[0], dict(zip(keys, runs[1:], strict=True))
    poetry_list = run_cli(poetry, ["config", "--list"], env, cwd) if cli_list else batch_list
    return Observed(
        env=env,
        cwd=cwd,
        files=read_files(config_dir(env), "config.toml", "auth.toml"),
        nbext_list=nbext_list,
        nbext_gets=nbext_gets,
        poetry_list=poetry_list,
        poetry_gets=gets,
        extra={"batch_list": batch_list},
    )
