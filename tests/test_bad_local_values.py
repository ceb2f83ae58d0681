"""Bad local values give nbext's one-line error, never a traceback, and change no file.

Config values are judged as the real Poetry 2.5.1 judges them (``poetry lock`` with the same
config.toml or ``POETRY_*`` variable, side by side): where Poetry can use a value nbext uses
it too, where Poetry fails nbext refuses it with a message naming the key, where the value
came from and the fix. Project values (``requires-python``, ``[tool.poetry]``, source names and
URLs) and unreadable or unwritable files are refused with the file, the key and the fix.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbext
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from nbext.demo import Dist, IndexServer

from tests.support.env import poetry_env
from tests.support.poetry import poetry_lock
from tests.support.procs import run_python

P = '[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.11"\n'


@pytest.fixture
def cfg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    path = tmp_path / "poetry-config"
    path.mkdir()
    monkeypatch.setenv("POETRY_CONFIG_DIR", str(path))
    monkeypatch.setenv("POETRY_KEYRING_ENABLED", "false")
    return path


def project(where: Path, text: str) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    path = where / "pyproject.toml"
    path.write_text(text, encoding="utf-8")
    return path


def one_line(exc: BaseException) -> str:
    """The error as a notebook shows it; it must be one line."""
    assert isinstance(exc, nbext.NbextError)
    shown = exc._render_traceback_()
    assert len(shown) == 1 and "\n" not in shown[0], shown
    return shown[0]


# -- typed config values, judged like the real Poetry --------------------------------------------

ACME = [Dist("acme", "2.0")]


@dataclass(frozen=True)
class Case:
    """A config.toml text or POETRY_* variables that both tools are given."""

    config: str = ""
    env: tuple[tuple[str, str], ...] = ()
    usable: bool = True  # what Poetry 2.5.1 does with it (checked below)

    @property
    def label(self) -> str:
        return self.config.strip().replace("\n", " ") or " ".join(f"{k}={v!r}" for k, v in self.env)


CASES = [
    Case("[installer]\nmax-workers = -5\n", usable=False),
    Case("[installer]\nmax-workers = 0\n", usable=False),
    Case('[installer]\nmax-workers = "abc"\n', usable=False),
    Case("[installer]\nmax-workers = [1]\n", usable=False),
    Case("[installer]\nmax-workers = 2.5\n"),  # int(2.5): 2
    Case('[installer]\nmax-workers = "3"\n'),
    Case("[installer]\nmax-workers = true\n"),  # int(True): 1
    Case(env=(("POETRY_INSTALLER_MAX_WORKERS", "-5"),), usable=False),
    Case(env=(("POETRY_INSTALLER_MAX_WORKERS", "0"),), usable=False),
    Case(env=(("POETRY_INSTALLER_MAX_WORKERS", "abc"),), usable=False),
    Case(env=(("POETRY_INSTALLER_MAX_WORKERS", "2.5"),), usable=False),  # int("2.5") fails
    Case(env=(("POETRY_INSTALLER_MAX_WORKERS", " 3 "),)),
    Case(env=(("POETRY_REQUESTS_TIMEOUT", "abc"),), usable=False),
    Case(env=(("POETRY_REQUESTS_TIMEOUT", "0"),), usable=False),
    Case(env=(("POETRY_REQUESTS_TIMEOUT", "-5"),), usable=False),
    Case(env=(("POETRY_REQUESTS_TIMEOUT", "30"),)),
    Case(env=(("POETRY_REQUESTS_MAX_RETRIES", "-3"),)),  # Poetry accepts it; so does nbext
]


def lock_project(where: Path, url: str) -> Path:
    project(
        where,
        P + "dependencies = []\n\n[tool.poetry]\npackage-mode = false\n\n"
        f'[[tool.poetry.source]]\nname = "corp"\nurl = "{url}"\npriority = "primary"\n\n'
        '[tool.poetry.dependencies]\nacme = "*"\n',
    )
    return where


@pytest.fixture(scope="module")
def poetry_verdicts(
    poetry: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[dict[Case, str | None], str]]:
    """``poetry lock`` (2.5.1) for each case: None when it worked, else its error line."""
    server = IndexServer(ACME)
    server.start()
    try:
        out: dict[Case, str | None] = {}
        for i, case in enumerate(CASES):
            root = tmp_path_factory.mktemp(f"poetry-{i}")
            env = poetry_env(root / "home")
            Path(env["POETRY_CONFIG_DIR"]).mkdir(parents=True)
            Path(env["POETRY_CONFIG_DIR"], "config.toml").write_text(case.config)
            env.update(case.env)
            result = poetry_lock(lock_project(root / "proj", server.url), env, poetry=poetry)
            out[case] = result.error
        yield out, server.url
    finally:
        server.stop()


@pytest.fixture(scope="module")
def poetry() -> Path:
    from tests.support.poetry import PoetryUnavailable, poetry_bin

    try:
        return poetry_bin()
    except PoetryUnavailable as exc:  # pragma: no cover - needs the package registry
        pytest.fail(f"Poetry could not be installed: {exc}")


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_config_values_are_judged_like_poetry(
    case: Case,
    poetry_verdicts: tuple[dict[Case, str | None], str],
    tmp_path: Path,
    cfg: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    verdicts, url = poetry_verdicts
    (cfg / "config.toml").write_text(case.config)
    before = (cfg / "config.toml").read_text()
    for name, value in case.env:
        monkeypatch.setenv(name, value)
    where = lock_project(tmp_path / "proj", url)
    error: nbext.NbextError | None = None
    try:
        with nbext.Workspace(where) as ws:  # creating it never fails on a bad value
            res = ws.lookup("acme")
            assert res.chosen is not None and res.chosen.version == "2.0"
    except nbext.ConfigError as exc:
        error = exc
    poetry_error = verdicts[case]
    assert (poetry_error is None) is case.usable, poetry_error  # Poetry's verdict, as recorded
    assert (error is None) is case.usable, error  # nbext's is the same
    if error is not None:
        text = one_line(error)
        key = "installer.max-workers" if "WORKERS" in text or "max-workers" in text else ""
        assert key or "requests.timeout" in text or "TIMEOUT" in text
        origin = case.env[0][0] if case.env else str(cfg / "config.toml")
        assert origin in text and "Fix:" in text
        assert error.origin == origin
    assert (cfg / "config.toml").read_text() == before


def test_a_bad_max_workers_can_be_repaired_with_config(
    tmp_path: Path, cfg: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory(ACME)
    (cfg / "config.toml").write_text("# mine\n[installer]\nmax-workers = -5\n")
    with nbext.Workspace(lock_project(tmp_path, server.url)) as ws:
        with pytest.raises(nbext.ConfigError) as exc:
            ws.lookup("acme")
        assert one_line(exc.value) == (
            f"ConfigError: installer.max-workers = -5 in {cfg / 'config.toml'} is not usable: it "
            "must be a whole number of at least 1 (Poetry refuses it too). Fix: %config "
            "installer.max-workers 4 (or %config --unset installer.max-workers)."
        )
        ws.config_set("installer.max-workers", "4")  # %config works on the broken value
        assert ws.lookup("acme").chosen is not None
    assert (cfg / "config.toml").read_text() == "# mine\n[installer]\nmax-workers = 4\n"


def test_a_bad_local_max_workers_names_poetry_toml(
    tmp_path: Path, cfg: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory(ACME)
    where = lock_project(tmp_path, server.url)
    (where / "poetry.toml").write_text("[installer]\nmax-workers = 0\n")
    with nbext.Workspace(where) as ws, pytest.raises(nbext.ConfigError) as exc:
        ws.lookup("acme")
    assert str(where / "poetry.toml") in str(exc.value)
    assert "%config --local installer.max-workers 4" in str(exc.value)


@pytest.mark.parametrize("config", ["[requests]\ntimeout = -5\n", '[requests]\ntimeout = "abc"\n'])
def test_a_bad_requests_timeout_in_a_file(
    config: str, tmp_path: Path, cfg: Path, index_factory: type[IndexServer]
) -> None:
    """nbext's own key: a number of seconds above 0 (before: -5 was used, "abc" became 15)."""
    server = index_factory(ACME)
    (cfg / "config.toml").write_text(config)
    with nbext.Workspace(lock_project(tmp_path, server.url)) as ws:
        with pytest.raises(nbext.ConfigError) as exc:
            ws.lookup("acme")
        assert "requests.timeout" in one_line(exc.value)
        assert "Fix: %config requests.timeout 15" in str(exc.value)


def test_bad_integer_variables_in_config_list(
    poetry: Path, tmp_path: Path, cfg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``poetry config --list`` fails on POETRY_REQUESTS_MAX_RETRIES=abc ("invalid literal for
    int()"); nbext says which variable and the fix instead of a ValueError traceback."""
    env = poetry_env(tmp_path / "home")
    env["POETRY_REQUESTS_MAX_RETRIES"] = "abc"
    proc = subprocess.run(
        [str(poetry), "config", "--list"], env=env, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 1 and "invalid literal for int()" in proc.stderr
    monkeypatch.setenv("POETRY_REQUESTS_MAX_RETRIES", "abc")
    with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.ConfigError) as exc:
        ws.config_list()
    assert one_line(exc.value) == (
        'ConfigError: POETRY_REQUESTS_MAX_RETRIES="abc" is not usable: it must be a whole '
        "number. Fix: set POETRY_REQUESTS_MAX_RETRIES to a valid value (such as 0) or remove "
        "it from the environment."
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [('"false"', False), ('"False"', False), ('"0"', False), ('"true"', True), ("false", False)],
)
def test_quoted_booleans_mean_what_they_say(
    text: str, expected: bool, tmp_path: Path, cfg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Poetry reads ``enabled = "false"`` as true (a non-empty string); nbext as false."""
    monkeypatch.delenv("POETRY_KEYRING_ENABLED")
    (cfg / "config.toml").write_text(
        f"offline = {text}\n[keyring]\nenabled = {text}\n[solver]\nlazy-wheel = {text}\n"
    )
    with nbext.Workspace(tmp_path) as ws:
        assert ws.offline is expected
        assert ws.settings.keyring_enabled is expected
        assert ws.settings.flag("solver.lazy-wheel", True) is expected


def test_repositories_entry_that_is_not_a_table(tmp_path: Path, cfg: Path) -> None:
    (cfg / "config.toml").write_text('[repositories]\ncorp = "https://corp.example/legacy/"\n')
    with nbext.Workspace(tmp_path) as ws:
        with pytest.raises(nbext.ConfigError) as exc:
            ws.config_get("repositories.corp.url")
        assert one_line(exc.value) == (
            f"ConfigError: repositories.corp in {cfg / 'config.toml'} is "
            '"https://corp.example/legacy/", not a table with a url. Fix: %config '
            "repositories.corp URL (it becomes [repositories.corp] url = URL)."
        )
        ws.config_set("repositories.corp", "https://corp.example/legacy/")
        assert ws.config_get("repositories.corp.url") == "https://corp.example/legacy/"


# -- source names and URLs -----------------------------------------------------------------------

BAD_NAMES = ["a\nb", "a/b", "..", "../escape", "a\\b", "tab\there"]


@pytest.mark.parametrize("name", BAD_NAMES, ids=repr)
def test_source_add_refuses_names_that_are_not_directory_names(
    name: str, tmp_path: Path, cfg: Path
) -> None:
    path = project(tmp_path, P)
    with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.SourceError) as exc:
        ws.add_source(name, "https://corp.example/simple/", "primary")
    text = one_line(exc.value)
    assert repr(name) in text and "Fix:" in text
    assert exc.value.source == name
    assert path.read_text() == P


def test_a_bad_name_in_pyproject_is_refused_and_removable(tmp_path: Path, cfg: Path) -> None:
    text = P + '\n[[tool.poetry.source]]\nname = "../../escape"\nurl = "https://e.example/"\n'
    path = project(tmp_path, text)
    with nbext.Workspace(tmp_path) as ws:
        with pytest.raises(nbext.SourceError) as exc:
            ws.lookup("acme")
        shown = one_line(exc.value)
        assert "'../../escape'" in shown and "pyproject.toml (tool.poetry.source[0])" in shown
        assert "rename the source" in shown
        assert path.read_text() == text
        ws.remove_source("../../escape")  # the way out works on the file
    assert "escape" not in path.read_text()


@pytest.mark.parametrize(
    "url", ["http://h.example:70000/simple/", "http://h.example:abc/simple/", "http://[::1/simple/"]
)
def test_source_add_refuses_urls_whose_port_does_not_parse(
    url: str, tmp_path: Path, cfg: Path
) -> None:
    path = project(tmp_path, P)
    with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.SourceError) as exc:
        ws.add_source("x", url, "primary")
    text = one_line(exc.value)
    assert "for source x" in text and "Fix:" in text
    assert path.read_text() == P


def test_a_port_over_65535_in_pyproject(tmp_path: Path, cfg: Path) -> None:
    text = P + '\n[[tool.poetry.source]]\nname = "x"\nurl = "http://h.example:70000/simple/"\n'
    path = project(tmp_path, text)
    with nbext.Workspace(tmp_path) as ws:
        with pytest.raises(nbext.SourceError) as exc:
            ws.lookup("acme")
        assert one_line(exc.value) == (
            "SourceError: Invalid URL 'http://h.example:70000/simple/' for source x in "
            "pyproject.toml (tool.poetry.source[0]): Port out of range 0-65535. Fix: correct "
            "the URL there (scheme://host[:port]/path, a port from 1 to 65535), or %source "
            "remove x."
        )
        assert path.read_text() == text
        ws.remove_source("x")
    assert "70000" not in path.read_text()


@pytest.mark.parametrize(
    "entry",
    [
        '[[tool.poetry.source]]\nname = "x"\n',  # no url
        '[[tool.poetry.source]]\nurl = "https://x.example/"\n',  # no name
        '[[tool.poetry.source]]\nname = "x"\nurl = "https://x.example/"\npriority = 1\n',
        '[tool.poetry.source]\nname = "x"\n',  # a table, not an array of tables
    ],
    ids=["no-url", "no-name", "priority-int", "source-table"],
)
def test_malformed_source_entries_are_one_line_with_the_file_and_fix(
    entry: str, tmp_path: Path, cfg: Path
) -> None:
    """Poetry's own sentence (``str()`` keeps it exactly), shown on one line with the file
    and the fix; the file is untouched."""
    path = project(tmp_path, P + "\n" + entry)
    refused = (nbext.SourceError, nbext.ProjectError)
    with nbext.Workspace(tmp_path) as ws, pytest.raises(refused) as exc:
        _ = ws.sources
    shown = one_line(exc.value)
    assert "Fix" in shown
    if isinstance(exc.value, nbext.ConfigurationError):
        assert str(exc.value).startswith("The Poetry configuration is invalid:\n  - tool.poetry.")
        assert shown.startswith("ConfigurationError: The Poetry configuration is invalid (")
        assert str(path) in shown
    else:
        assert shown.startswith("SourceError: Missing [url] in source 'x'.")
    assert path.read_text() == P + "\n" + entry


# -- the project file ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (P.replace('">=3.11"', '">=3.11,<<4"'), 'project.requires-python = ">=3.11,<<4"'),
        (P.replace('">=3.11"', '"abc"'), 'project.requires-python = "abc"'),
        (P.replace('">=3.11"', "3.11"), "project.requires-python = 3.11"),
        ('[tool.poetry.dependencies]\npython = "^^3"\n', 'tool.poetry.dependencies.python = "^^3"'),
    ],
)
def test_malformed_requires_python(text: str, key: str, tmp_path: Path, cfg: Path) -> None:
    path = project(tmp_path, text)
    with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.ProjectError) as exc:
        ws.lookup("acme")
    shown = one_line(exc.value)
    assert f"{path}: {key} is not a valid version constraint" in shown
    assert 'Fix: write a range such as ">=3.11" there' in shown
    assert path.read_text() == text


@pytest.mark.parametrize(
    ("text", "act", "where"),
    [
        ('[tool]\npoetry = "x"\n', lambda ws: ws.sources, "tool.poetry"),
        ('[tool]\npoetry = "x"\n', lambda ws: ws.add_source("a", "https://a/"), "tool.poetry"),
        ("tool = 3\n", lambda ws: ws.sources, "tool"),
        (
            P + "[tool.poetry]\ngroup = 3\n",
            lambda ws: ws.add("six@^1", group="dev"),
            "tool.poetry.group",
        ),
        (
            "dependency-groups = 3\n" + P,
            lambda ws: ws.add("six@^1", group="dev"),
            "dependency-groups",
        ),
        (P + "dependencies = 3\n", lambda ws: ws.add("six@^1"), "project.dependencies"),
        ('project = "x"\n', lambda ws: ws.add("six@^1"), "project"),
    ],
    ids=[
        "tool.poetry-read",
        "tool.poetry-add",
        "tool",
        "group",
        "dependency-groups",
        "project.dependencies",
        "project",
    ],
)
def test_tables_that_are_not_tables(
    text: str, act: Callable[[nbext.Workspace], Any], where: str, tmp_path: Path, cfg: Path
) -> None:
    path = project(tmp_path, text)
    with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.ProjectError) as exc:
        act(ws)
    shown = one_line(exc.value)
    assert f"{path}: {where} must be" in shown and "nbext has not changed it" in shown
    assert path.read_text() == text


def test_pyproject_that_is_not_valid_toml_names_the_line(tmp_path: Path, cfg: Path) -> None:
    text = '[project]\nname = "x"\nversion = 0.1.0\n'
    path = project(tmp_path, text)
    with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.ProjectError) as exc:
        ws.add_source("corp", "https://corp.example/simple/", "primary")
    shown = one_line(exc.value)
    assert str(path) in shown and "line 3" in shown and "Fix that line" in shown
    assert path.read_text() == text


def test_pyproject_that_is_not_utf8(tmp_path: Path, cfg: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_bytes(b'[project]\nname = "caf\xe9"\n')
    with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.ProjectError) as exc:
        _ = ws.sources
    assert "not UTF-8" in one_line(exc.value) and "save it as UTF-8" in str(exc.value)


def test_config_toml_that_is_not_valid_toml_names_the_line(tmp_path: Path, cfg: Path) -> None:
    (cfg / "config.toml").write_text("[installer]\nparallel = yes\n")
    with nbext.Workspace(tmp_path) as ws, pytest.raises(nbext.ConfigError) as exc:
        ws.config_list()
    shown = one_line(exc.value)
    assert str(cfg / "config.toml") in shown and "line 2" in shown


# -- files nbext may not read or write -----------------------------------------------------------

PROBE = """
import json, sys
import nbext
try:
    with nbext.Workspace({where!r}) as ws:
        result = {action}
    print(json.dumps(["ok", repr(result)]))
except nbext.NbextError as exc:
    print(json.dumps(["error", exc._render_traceback_()]))
except BaseException as exc:
    print(json.dumps(["traceback", type(exc).__name__ + ": " + str(exc)]))
"""


def probe(where: Path, action: str, env: dict[str, str]) -> tuple[str, Any]:
    """Run ``action`` on a Workspace in a process to which file permissions apply (root
    without CAP_DAC_OVERRIDE)."""
    proc = run_python(PROBE.format(where=str(where), action=action), env=env, unprivileged=True)
    assert proc.returncode == 0, proc.stderr
    kind, value = json.loads(proc.stdout.strip().splitlines()[-1])
    return str(kind), value


@pytest.fixture
def perms_dir() -> Iterator[Path]:
    """A temporary directory whose modes the test changes (restored before deletion)."""
    with tempfile.TemporaryDirectory(prefix="nbext-perms-") as name:
        root = Path(name)
        yield root
        for path in [root, *root.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(0o755)


def env_for(cfg: Path) -> dict[str, str]:
    return {"POETRY_CONFIG_DIR": str(cfg), "POETRY_KEYRING_ENABLED": "false"}


def test_unreadable_pyproject(perms_dir: Path) -> None:
    path = project(perms_dir / "proj", P)
    path.chmod(0o000)
    kind, shown = probe(path.parent, "ws.sources", env_for(perms_dir / "cfg"))
    assert kind == "error" and len(shown) == 1
    assert f"Cannot read {path}: permission denied" in shown[0] and "chmod u+r" in shown[0]


def test_project_directory_nbext_may_not_write(perms_dir: Path) -> None:
    path = project(perms_dir / "proj", P)
    path.parent.chmod(0o555)
    action = "ws.add_source('corp', 'https://corp.example/simple/', 'primary')"
    kind, shown = probe(path.parent, action, env_for(perms_dir / "cfg"))
    assert kind == "error" and len(shown) == 1, shown
    assert f"ProjectError: Cannot write {path}: permission denied" in shown[0]
    assert path.read_text() == P


def test_config_directory_nbext_may_not_write(perms_dir: Path) -> None:
    cfg = perms_dir / "cfg"
    cfg.mkdir()
    (cfg / "config.toml").write_text("# mine\n")
    cfg.chmod(0o555)
    kind, shown = probe(perms_dir, "ws.config_set('installer.parallel', 'false')", env_for(cfg))
    assert kind == "error" and len(shown) == 1, shown
    assert f"ConfigError: Cannot write {cfg / 'config.toml'}: permission denied" in shown[0]
    assert (cfg / "config.toml").read_text() == "# mine\n"


def test_config_directory_nbext_may_not_search(perms_dir: Path) -> None:
    cfg = perms_dir / "cfg"
    cfg.mkdir()
    (cfg / "config.toml").write_text("[installer]\nparallel = false\n")
    cfg.chmod(0o600)
    kind, shown = probe(perms_dir, "ws.config_list()", env_for(cfg))
    assert kind == "error" and len(shown) == 1, shown
    assert "ConfigError: Cannot read" in shown[0] and "permission denied" in shown[0]


def test_unreadable_auth_toml(perms_dir: Path) -> None:
    cfg = perms_dir / "cfg"
    cfg.mkdir()
    (cfg / "auth.toml").write_text('[http-basic.corp]\nusername = "a"\n')
    (cfg / "auth.toml").chmod(0o000)
    action = "ws.config_set('http-basic.corp', 'alice', 'pw')"
    kind, shown = probe(perms_dir, action, env_for(cfg))
    assert kind == "error" and len(shown) == 1, shown
    assert f"Cannot read {cfg / 'auth.toml'}: permission denied" in shown[0]


# -- in a notebook: one line, never a traceback --------------------------------------------------


@pytest.mark.parametrize(
    ("pyproject", "env", "line", "expected"),
    [
        (P, {}, "%source add x http://h.example:70000/simple/", "SourceError: Invalid URL"),
        (P, {}, "%source add a/b https://h.example/simple/", "SourceError: Invalid source name"),
        (
            P.replace('">=3.11"', '">=3.11,<<4"'),
            {},
            "%lookup acme",
            "ProjectError: ",
        ),
        (P, {"POETRY_INSTALLER_MAX_WORKERS": "abc"}, "%lookup acme", "ConfigError: POETRY_"),
        (P, {"POETRY_REQUESTS_MAX_RETRIES": "abc"}, "%config --list", "ConfigError: POETRY_"),
        ('[tool]\npoetry = "x"\n', {}, "%source show", "ProjectError: "),
    ],
    ids=["port", "name", "requires-python", "max-workers-env", "list-env", "tool.poetry"],
)
def test_magics_show_one_line(
    pyproject: str,
    env: dict[str, str],
    line: str,
    expected: str,
    ip: InteractiveShell,
    tmp_path: Path,
    cfg: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project(tmp_path, pyproject)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with capture_output() as captured:
        result = ip.run_cell(line)
    assert isinstance(result.error_in_exec, nbext.NbextError), result.error_in_exec
    shown = [row for row in (captured.stdout + captured.stderr).splitlines() if row.strip()]
    errors = [row for row in shown if "Error" in row]
    assert len(errors) == 1 and errors[0].startswith(expected), shown
    assert "Traceback" not in captured.stdout + captured.stderr
    assert (tmp_path / "pyproject.toml").read_text() == pyproject
