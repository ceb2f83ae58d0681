"""``pip install`` of the wheel, and of the sdist, each into a fresh venv with no test extra,
offline; then a real IPython shell there loads nbext and looks a package up on a demo index.

The fresh venv sees only nbext's runtime dependencies, transitively (links into this venv's
site-packages, :func:`tests.support.offline.closure_site`): a module nbext imports without
declaring it, or a dependency that only a test extra brings, fails here. pip has no index; the
sdist's build backend (hatchling) is offered during its install only (``PYTHONPATH``), as an
isolated build would have it, and is not importable afterwards.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from nbext.demo import Dist, IndexServer
from tests.integration.packaging.conftest import Built
from tests.support.offline import (
    closure_site,
    fresh_env,
    fresh_venv,
    offline_pip_env,
    run_group,
    runtime_requirements,
)

INSTALL_TIMEOUT = 180  # seconds for pip install (the sdist is built first)
SHELL_TIMEOUT = 120  # for the IPython session
#: Test extras and build tools: none of them may be importable in the user's venv.
ABSENT = ["pytest", "ipykernel", "jupyterlab", "nbval", "nbclient", "hatchling", "trustme"]
MARK = "NBEXT-CHECK "

CELL = """\
%load_ext nbext
%source add corp {url}
res = %lookup acme-widgets>=2
display(res)
import importlib.util, json, sys
import nbext
print({mark!r} + json.dumps({{
    "version": res.chosen.version,
    "source": res.chosen.source,
    "requires_dist": list(res.chosen.metadata.requires_dist),
    "sources": [s.name for s in nbext.workspace().sources],
    "nbext": nbext.__file__,
    "nbext_version": nbext.__version__,
    "prefix": sys.prefix,
    "present": [m for m in {absent!r} if importlib.util.find_spec(m) is not None],
}}))
"""


def _requirements(built: Built) -> list[str]:
    with zipfile.ZipFile(built.wheel) as zf:
        metadata = zf.read(f"nbext-{built.version}.dist-info/METADATA").decode()
    return runtime_requirements(metadata)


def _build_requirements(built: Built) -> list[str]:
    import tomllib

    pyproject = tomllib.loads((built.checkout / "pyproject.toml").read_text(encoding="utf-8"))
    return list(pyproject["build-system"]["requires"])


@pytest.mark.parametrize("kind", ["wheel", "sdist"])
def test_pip_install_in_a_fresh_venv_then_lookup_in_ipython(
    built: Built, tmp_path: Path, kind: str
) -> None:
    artifact = built.wheel if kind == "wheel" else built.sdist
    venv = tmp_path / "venv"
    env = fresh_env(tmp_path / "home", venv)
    runtime = closure_site(tmp_path / "runtime-site", _requirements(built))
    python, site = fresh_venv(venv, env, [runtime])

    install_env = offline_pip_env(env)
    if kind == "sdist":
        build_site = closure_site(tmp_path / "build-site", _build_requirements(built))
        install_env["PYTHONPATH"] = str(build_site)
    rc, out = run_group(
        [str(python), "-m", "pip", "install", str(artifact)],
        cwd=tmp_path,
        env=install_env,
        timeout=INSTALL_TIMEOUT,
    )
    assert rc == 0, f"pip install {artifact.name} failed (exit {rc})\n{out}"
    assert (site / "nbext" / "py.typed").is_file() and (site / "nbext" / "demo").is_dir(), out
    [dist_info] = site.glob("nbext-*.dist-info")
    assert dist_info.name == f"nbext-{built.version}.dist-info"
    assert not (site / "tests").exists()
    rc, out = run_group([str(python), "-m", "pip", "check"], cwd=tmp_path, env=env, timeout=120)
    assert rc == 0, f"pip check in the fresh venv\n{out}"

    work = tmp_path / "work"  # no pyproject.toml: the sources live in the shell
    work.mkdir()
    server = IndexServer(
        [
            Dist("acme-widgets", "1.0.0"),
            Dist("acme-widgets", "2.1.0", requires_dist=("acme-core>=1",)),
            Dist("acme-widgets", "3.0.0rc1"),
        ],
        name="corp",
    ).start()
    try:
        cell = CELL.format(url=server.url, mark=MARK, absent=ABSENT)
        rc, out = run_group(
            [
                str(python),
                "-m",
                "IPython",
                "--quick",
                "--no-banner",
                "--colors=nocolor",
                "-c",
                cell,
            ],
            cwd=work,
            env=env,
            timeout=SHELL_TIMEOUT,
        )
    finally:
        server.stop()
    [line] = [line for line in out.splitlines() if line.startswith(MARK)] or [None]
    assert rc == 0 and line is not None and "Traceback" not in out, out
    got = json.loads(line[len(MARK) :])
    assert (got["version"], got["source"]) == ("2.1.0", "corp"), out
    assert got["requires_dist"] == ["acme-core>=1"]
    assert got["sources"] == ["corp"]
    assert got["nbext_version"] == built.version
    assert Path(got["prefix"]).resolve() == venv.resolve()
    assert Path(got["nbext"]).resolve().is_relative_to(site.resolve()), got["nbext"]
    assert got["present"] == [], f"test extras or build tools importable: {got['present']}"
    # %lookup's own display: one row per source and the choice.
    shown = out.split(MARK, 1)[0]
    assert "corp" in shown and "2.1.0" in shown, shown
    assert any(r.path.startswith("/simple/acme-widgets") for r in server.requests), "not asked"
