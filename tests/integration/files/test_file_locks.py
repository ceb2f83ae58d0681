"""Two kernels, one project: concurrent edits of pyproject.toml and of Poetry's config files
lose nothing (each edit re-reads the file under a filelock lock beside it), comments survive,
and a lock held too long is a one-line error that names the file.

Writers are real separate processes (``tests/support/procs.py``) started together behind a barrier,
plus threads in one process.
"""

from __future__ import annotations

import subprocess
import threading
import time
import tomllib
from pathlib import Path

import pytest

import nbext
from tests.support.procs import popen_python

PER_WRITER = 25
WRITERS = ("kernel-a", "kernel-b")

PYPROJECT = """\
# Team project: nbext must keep this comment and the layout below.
[project]
name = "team-app"   # the name
version = "0.1.0"
requires-python = ">=3.11"
dependencies = []

[tool.poetry]
package-mode = false

# The company index: keep this comment
[[tool.poetry.source]]
name = "corp"  # internal
url = "https://pypi.corp.example/simple/"
priority = "primary"

[tool.ruff]
line-length = 88
"""

SOURCE_WRITER = """
import time
from pathlib import Path
import nbext
Path({ready!r}).touch()
while not Path({go!r}).exists():
    time.sleep(0.001)
with nbext.Workspace({project!r}) as ws:
    for j in range({n}):
        ws.add_source(f"{who}-{{j}}", f"https://{who}.example/{{j}}/simple/", "supplemental")
print("done")
"""

CONFIG_WRITER = """
import time
from pathlib import Path
import nbext
Path({ready!r}).touch()
while not Path({go!r}).exists():
    time.sleep(0.001)
with nbext.Workspace({workdir!r}) as ws:
    for j in range({n}):
        name = f"{who}-{{j}}"
        if {kind!r} == "http-basic":
            ws.config_set(f"http-basic.{{name}}", "user-" + name, "pw-" + name)
        else:
            ws.config_set(f"repositories.{{name}}", f"https://{{name}}.example/legacy/",
                          local={local!r})
print("done")
"""


def run_together(tmp_path: Path, scripts: dict[str, str], env: dict[str, str]) -> None:
    """Start one process per script, release them at once, and wait for all of them."""
    go = tmp_path / "go"
    procs = {}
    for who, code in scripts.items():
        procs[who] = popen_python(code, env=env)
    deadline = time.monotonic() + 60
    while not all((tmp_path / f"ready-{who}").exists() for who in scripts):
        assert time.monotonic() < deadline, "the writers did not start"
        for who, proc in procs.items():
            assert proc.poll() is None, f"{who} failed: {proc.communicate()[1]}"
        time.sleep(0.01)
    go.touch()
    for who, proc in procs.items():
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0 and "done" in out, f"{who} failed:\n{err}"


def test_two_processes_adding_sources_lose_nothing(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    path = project / "pyproject.toml"
    path.write_text(PYPROJECT, encoding="utf-8")
    scripts = {
        who: SOURCE_WRITER.format(
            ready=str(tmp_path / f"ready-{who}"),
            go=str(tmp_path / "go"),
            project=str(project),
            n=PER_WRITER,
            who=who,
        )
        for who in WRITERS
    }
    run_together(tmp_path, scripts, {})
    text = path.read_text(encoding="utf-8")
    names = [s["name"] for s in tomllib.loads(text)["tool"]["poetry"]["source"]]
    expected = {f"{who}-{j}" for who in WRITERS for j in range(PER_WRITER)}
    assert len(names) == 1 + 2 * PER_WRITER
    assert set(names) == {"corp"} | expected
    for comment in (
        "# Team project: nbext must keep this comment and the layout below.",
        'name = "team-app"   # the name',
        "# The company index: keep this comment",
        'name = "corp"  # internal',
        "[tool.ruff]\nline-length = 88",
    ):
        assert comment in text
    assert text.startswith(PYPROJECT.split("[tool.ruff]")[0].rstrip("\n"))
    # nothing but the file and its documented lock: no temporary file left behind
    assert sorted(p.name for p in project.iterdir()) == [".pyproject.toml.lock", "pyproject.toml"]
    with nbext.Workspace(project) as ws:
        assert len(ws.sources) == 1 + 2 * PER_WRITER  # corp is primary: no implicit PyPI


@pytest.mark.parametrize(
    ("kind", "local", "filename"),
    [
        ("http-basic", False, "auth.toml"),
        ("repositories", False, "config.toml"),
        ("repositories", True, "poetry.toml"),
    ],
    ids=["http-basic-auth.toml", "repositories-config.toml", "local-poetry.toml"],
)
def test_two_processes_setting_config_lose_nothing(
    tmp_path: Path, kind: str, local: bool, filename: str
) -> None:
    cfg = tmp_path / "poetry-config"
    workdir = tmp_path / "work"
    workdir.mkdir()
    env = {"POETRY_CONFIG_DIR": str(cfg), "POETRY_KEYRING_ENABLED": "false"}
    scripts = {
        who: CONFIG_WRITER.format(
            ready=str(tmp_path / f"ready-{who}"),
            go=str(tmp_path / "go"),
            workdir=str(workdir),
            n=PER_WRITER,
            who=who,
            kind=kind,
            local=local,
        )
        for who in WRITERS
    }
    run_together(tmp_path, scripts, env)
    path = (workdir if local else cfg) / filename
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    expected = {f"{who}-{j}" for who in WRITERS for j in range(PER_WRITER)}
    assert set(data[kind]) == expected
    if kind == "http-basic":
        for name in expected:
            assert data[kind][name] == {"username": f"user-{name}", "password": f"pw-{name}"}
        assert path.stat().st_mode & 0o777 == 0o600


def test_threads_of_one_kernel_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(PYPROJECT, encoding="utf-8")
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def writer(who: str) -> None:
        try:
            with nbext.Workspace(tmp_path) as ws:
                start.wait()
                for j in range(PER_WRITER):
                    ws.add_source(f"{who}-{j}", f"https://{who}.example/{j}/", "supplemental")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(who,)) for who in WRITERS]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    names = [s["name"] for s in tomllib.loads(path.read_text())["tool"]["poetry"]["source"]]
    assert len(names) == len(set(names)) == 1 + 2 * PER_WRITER


HOLDER = """
import time
from pathlib import Path
from filelock import FileLock
with FileLock({lock!r}):
    Path({held!r}).touch()
    while not Path({release!r}).exists():
        time.sleep(0.01)
print("done")
"""


def hold_lock(tmp_path: Path, lock: Path) -> tuple[Path, subprocess.Popen[str]]:
    """Another process holding ``lock`` (the documented lock file) until ``release`` exists."""
    held, release = tmp_path / "held", tmp_path / "release"
    proc = popen_python(HOLDER.format(lock=str(lock), held=str(held), release=str(release)))
    deadline = time.monotonic() + 60
    while not held.exists():
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return release, proc


def test_a_lock_held_too_long_is_one_line_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(PYPROJECT, encoding="utf-8")
    monkeypatch.setattr("nbext.files.userfiles.LOCK_TIMEOUT", 0.5, raising=False)
    release, proc = hold_lock(tmp_path, tmp_path / ".pyproject.toml.lock")
    try:
        with nbext.Workspace(tmp_path) as ws:
            started = time.monotonic()
            with pytest.raises(nbext.FileBusyError) as exc:
                ws.add_source("late", "https://late.example/simple/", "primary")
            waited = time.monotonic() - started
    finally:
        release.touch()
        proc.communicate(timeout=60)
    assert 0.4 < waited < 5
    message = str(exc.value)
    assert "\n" not in message
    assert str(path) in message and ".pyproject.toml.lock" in message
    assert "another process" in message and "Fix:" in message and "changed nothing" in message
    assert exc.value._render_traceback_() == [f"FileBusyError: {message}"]
    assert (exc.value.path, exc.value.timeout) == (str(path), 0.5)
    assert path.read_text(encoding="utf-8") == PYPROJECT  # nothing written
    with nbext.Workspace(tmp_path) as ws:  # once the other process is done, it works
        ws.add_source("late", "https://late.example/simple/", "primary")
    assert "late" in path.read_text(encoding="utf-8")


def test_a_config_lock_held_too_long_names_auth_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = tmp_path / "poetry-config"
    cfg.mkdir()
    monkeypatch.setenv("POETRY_CONFIG_DIR", str(cfg))
    monkeypatch.setenv("POETRY_KEYRING_ENABLED", "false")
    monkeypatch.setattr("nbext.files.userfiles.LOCK_TIMEOUT", 0.5, raising=False)
    release, proc = hold_lock(tmp_path, cfg / ".auth.toml.lock")
    try:
        with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.FileBusyError) as exc:
            ws.config_set("http-basic.corp", "alice", "s3cret-pw")
    finally:
        release.touch()
        proc.communicate(timeout=60)
    assert str(cfg / "auth.toml") in str(exc.value)
    assert "s3cret-pw" not in str(exc.value)
    assert not (cfg / "auth.toml").exists()
