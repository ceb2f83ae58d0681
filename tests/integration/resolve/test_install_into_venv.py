"""``install`` into a real fresh venv from real index servers: what Poetry would choose, every
file from the source the lock or the resolution names (the servers' logs say so), verified
before anything changes."""

from __future__ import annotations

from pathlib import Path

import pytest

import nbext
from nbext.demo import Dist, IndexServer
from nbext.resolve.install import install
from tests.integration.resolve.conftest import MakeVenv, run_py

CORE = [Dist("acme-core", "1.0.0"), Dist("acme-core", "1.2.0")]
CORP = [
    Dist("acme", "1.0.0", requires_dist=("acme-core>=1",)),
    Dist("acme", "2.0.0", requires_dist=("acme-core>=1.2", "tinyhttp")),
]
PUBLIC = [Dist("tinyhttp", "0.9.0"), Dist("acme", "9.9.9")]


def _project(where: Path, corp: IndexServer, public: IndexServer, deps: str) -> Path:
    where.mkdir()
    (where / "pyproject.toml").write_text(
        f"""[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.11"
dependencies = [{deps}]

[tool.poetry]
package-mode = false

[tool.poetry.dependencies]
acme = {{source = "corp"}}

[[tool.poetry.source]]
name = "corp"
url = "{corp.url}"
priority = "explicit"

[[tool.poetry.source]]
name = "public"
url = "{public.url}"
priority = "primary"
""",
        encoding="utf-8",
    )
    return where


@pytest.fixture
def servers(index_factory: type[IndexServer]) -> tuple[IndexServer, IndexServer]:
    corp = index_factory([*CORP, *CORE], name="corp", api="json")
    public = index_factory([*PUBLIC, *CORE], name="public", api="html")
    return corp, public


def _downloads(server: IndexServer) -> list[str]:
    return sorted(
        r.path.rsplit("/", 1)[-1]
        for r in server.requests
        if r.method == "GET" and r.path.endswith((".whl", ".tar.gz"))
    )


def test_install_the_lock_into_a_fresh_venv(
    servers: tuple[IndexServer, IndexServer], make_venv: MakeVenv, tmp_path: Path
) -> None:
    corp, public = servers
    project = _project(tmp_path / "app", corp, public, '"acme (>=1.0,<3.0)"')
    venv = make_venv()
    with nbext.Workspace(project) as ws:
        ws.lock()
        result = install(ws, project, target=venv)
    assert result.installed == {"acme": "2.0.0", "acme-core": "1.2.0", "tinyhttp": "0.9.0"}
    assert venv.installed() == result.installed
    assert {s.name: s.source for s in result.steps} == {
        "acme": "corp",  # pinned: the explicit source
        "acme-core": "public",  # transitive: not the pin's source, the primary one
        "tinyhttp": "public",
    }
    # The radar on each package: where else its name is, and why that copy cannot win.
    radar = {s.name: s.radar for s in result.steps}
    assert radar["acme"] is not None and radar["acme"].elsewhere == {"public": "9.9.9"}
    assert radar["acme"].verdict == "safe" and "pinned to corp" in radar["acme"].reason
    assert radar["acme-core"] is not None and radar["acme-core"].elsewhere == {"corp": "1.2.0"}
    assert "corp is explicit" in radar["acme-core"].reason
    assert radar["tinyhttp"] is not None and radar["tinyhttp"].elsewhere == {}
    assert "radar" not in result.text()  # nothing unsafe: nothing to say
    assert _downloads(corp) == ["acme-2.0.0-py3-none-any.whl"]
    assert _downloads(public) == [
        "acme_core-1.2.0-py3-none-any.whl",
        "tinyhttp-0.9.0-py3-none-any.whl",
    ]
    assert run_py(venv, "import acme, acme_core; print(acme.__name__)").strip() == "acme"
    assert "Installing acme (2.0.0) from corp" in result.text()
    with nbext.Workspace(project) as ws:
        again = install(ws, project, target=venv)
    assert again.steps == [] and "No dependencies to install or update" in again.text()


def test_install_requirements_prefers_what_is_installed(
    servers: tuple[IndexServer, IndexServer], make_venv: MakeVenv, tmp_path: Path
) -> None:
    corp, public = servers
    project = _project(tmp_path / "app", corp, public, "")
    venv = make_venv()
    with nbext.Workspace(project) as ws:
        first = install(ws, project, ["acme-core==1.0.0"], target=venv)
        assert first.installed == {"acme-core": "1.0.0"}
        second = install(ws, project, ["acme>=1,<2"], target=venv)
    # acme 1.0.0 needs acme-core>=1: the installed 1.0.0 is kept, not upgraded to 1.2.0.
    assert second.installed == {"acme": "1.0.0"}
    assert venv.installed() == {"acme": "1.0.0", "acme-core": "1.0.0"}
    with nbext.Workspace(project) as ws:
        third = install(ws, project, ["acme>=2"], target=venv)
    assert {s.name: (s.action, s.previous, s.version) for s in third.steps} == {
        "acme": ("update", "1.0.0", "2.0.0"),
        "acme-core": ("update", "1.0.0", "1.2.0"),
        "tinyhttp": ("install", "", "0.9.0"),
    }


def test_sync_removes_what_the_lock_does_not_hold(
    servers: tuple[IndexServer, IndexServer], make_venv: MakeVenv, tmp_path: Path
) -> None:
    corp, public = servers
    project = _project(tmp_path / "app", corp, public, '"acme (>=1.0,<2.0)"')
    venv = make_venv()
    with nbext.Workspace(project) as ws:
        install(ws, project, ["tinyhttp"], target=venv)
        ws.lock()
        kept = install(ws, project, target=venv)
        assert "tinyhttp" in venv.installed() and kept.removed == []
        synced = install(ws, project, target=venv, sync=True)
    assert synced.removed == ["tinyhttp"]
    assert venv.installed() == {"acme": "1.0.0", "acme-core": "1.2.0"}


def test_a_file_that_does_not_verify_installs_nothing(
    servers: tuple[IndexServer, IndexServer], make_venv: MakeVenv, tmp_path: Path
) -> None:
    corp, public = servers
    project = _project(tmp_path / "app", corp, public, '"acme (>=1.0,<3.0)"')
    venv = make_venv()
    with nbext.Workspace(project) as ws:
        ws.lock()
    # The index now serves other bytes under the same name (the lock's hash stays).
    public.remove("tinyhttp", "0.9.0")
    public.add(Dist("tinyhttp", "0.9.0", summary="tampered"))
    with nbext.Workspace(project) as ws, pytest.raises(nbext.NbextError) as info:
        install(ws, project, target=venv)
    assert "did not match any known checksums" in str(info.value)
    assert str(info.value).endswith("Nothing was installed.")
    assert "poetry command with -v" not in str(info.value)
    assert venv.installed() == {}


def test_dry_run_changes_nothing(
    servers: tuple[IndexServer, IndexServer], make_venv: MakeVenv, tmp_path: Path
) -> None:
    corp, public = servers
    project = _project(tmp_path / "app", corp, public, "")
    venv = make_venv()
    with nbext.Workspace(project) as ws:
        result = install(ws, project, ["acme"], target=venv, dry_run=True)
    assert {s.name for s in result.steps} == {"acme", "acme-core", "tinyhttp"}
    assert "Package operations: 3 installs, 0 updates, 0 removals" in result.text()
    assert venv.installed() == {}
    assert _downloads(corp) == [] and _downloads(public) == []


def test_a_401_on_one_file_mid_install_installs_nothing_and_says_the_fix(
    servers: tuple[IndexServer, IndexServer],
    make_venv: MakeVenv,
    tmp_path: Path,
    config_dir: Path,  # no credentials for corp, whatever other tests saved
) -> None:
    corp, public = servers
    project = _project(tmp_path / "app", corp, public, '"acme (>=1.0,<3.0)"')
    venv = make_venv()
    with nbext.Workspace(project) as ws:
        ws.lock()
    # The pages answer; the one wheel of acme on corp needs a login the kernel does not have.
    corp.set_fault(
        "/files/acme-2.0.0", status=401, headers={"WWW-Authenticate": 'Basic realm="corp"'}
    )
    with nbext.Workspace(project) as ws, pytest.raises(nbext.NbextError) as info:
        install(ws, project, target=venv)
    message = str(info.value)
    assert "acme-2.0.0-py3-none-any.whl could not be downloaded from corp" in message
    assert "Source (corp): Authorization error accessing" in message
    assert "(no credentials for corp: %config http-basic.corp USERNAME)" in message
    assert message.endswith("Nothing was installed.")
    assert venv.installed() == {}


def test_outside_a_venv_the_output_says_so_first_and_pep_668_refuses(
    servers: tuple[IndexServer, IndexServer], system_python: Path, tmp_path: Path
) -> None:
    from nbext.errors import ExternallyManagedError
    from nbext.resolve.environment import TargetEnvironment

    corp, public = servers
    project = _project(tmp_path / "app", corp, public, "")
    target = TargetEnvironment.for_python(system_python)
    with nbext.Workspace(project) as ws:
        result = install(ws, project, ["tinyhttp"], target=target, dry_run=True)
    first = result.text().splitlines()[0]
    assert first.startswith(f"Note: this kernel's Python ({target.python}) is not in a virtual")
    marker = Path(target.stdlib) / "EXTERNALLY-MANAGED"
    marker.write_text("[externally-managed]\nError=Use the distribution's packages.\n")
    public.clear_log()
    try:
        with nbext.Workspace(project) as ws, pytest.raises(ExternallyManagedError) as info:
            install(ws, project, ["tinyhttp"], target=TargetEnvironment.for_python(system_python))
    finally:
        marker.unlink()
    assert "Use the distribution's packages." in str(info.value)
    assert "--break-system-packages" in str(info.value)
    assert public.requests == []  # refused before anything was asked


def test_an_install_says_when_a_copy_elsewhere_could_replace_a_package(
    servers: tuple[IndexServer, IndexServer], make_venv: MakeVenv, tmp_path: Path
) -> None:
    corp, public = servers
    project = _project(tmp_path / "app", corp, public, "")
    text = (project / "pyproject.toml").read_text(encoding="utf-8")
    (project / "pyproject.toml").write_text(text.replace('"explicit"', '"primary"'))
    venv = make_venv()
    with nbext.Workspace(project) as ws:
        result = install(ws, project, ["acme-core"], target=venv, dry_run=True)
    (step,) = result.steps
    assert (step.name, step.version, step.source) == ("acme-core", "1.2.0", "corp")
    assert step.radar is not None and step.radar.verdict == "unsafe"
    assert step.radar.elsewhere == {"public": "1.2.0"}
    assert "acme-core: A copy on public could be chosen instead" in result.text()
    assert "%add acme-core --source corp" in result.text()
    assert venv.installed() == {}  # a dry run
