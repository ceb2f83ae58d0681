"""install_files into real, fresh venvs: wheels in, imports work, versions show; upgrades and
downgrades leave no file of the old version; sync removes; failures undo everything."""

from __future__ import annotations

import json
import os
import zipfile
from pathlib import Path

import pytest

from nbext.demo.dists import Dist
from nbext.errors import InstallError
from nbext.resolve.environment import TargetEnvironment
from nbext.resolve.installer import install_files
from tests.integration.resolve.conftest import MakeVenv, run_py, wheel_of
from tests.support.wheels import make_wheel

VERSIONS = (
    "import importlib.metadata as m, json\n"
    "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
)


def files_under(root: str) -> set[str]:
    out = set()
    for folder, _dirs, names in os.walk(root):
        out |= {os.path.relpath(os.path.join(folder, n), root) for n in names}
    return out


def test_wheels_install_import_and_show_their_versions(make_venv: MakeVenv, tmp_path: Path) -> None:
    env = make_venv()
    files = [
        wheel_of(tmp_path / "w", Dist("acme-utils", "1.0.0")),
        wheel_of(tmp_path / "w", Dist("Acme_Core", "2.1.0")),
    ]
    report = install_files(env, files)
    assert report.installed == {"acme-utils": "1.0.0", "acme-core": "2.1.0"}
    assert report.removed == {} and report.replaced == {}
    assert "+ acme-utils 1.0.0" in str(report)
    out = run_py(env, "import acme_utils, acme_core; print(acme_utils.hello(), acme_core.hello())")
    assert out.strip() == "hello from acme-utils 1.0.0 hello from Acme_Core 2.1.0"
    assert json.loads(run_py(env, VERSIONS)) == {"acme-utils": "1.0.0", "Acme_Core": "2.1.0"}
    assert env.installed() == {"acme-utils": "1.0.0", "acme-core": "2.1.0"}
    site = Path(env.site_packages[0])
    info = site / "acme_utils-1.0.0.dist-info"
    assert (info / "INSTALLER").read_text() == "nbext\n"
    record = (info / "RECORD").read_text()
    assert "acme_utils-1.0.0.dist-info/INSTALLER," in record
    assert "acme_utils/__init__.py,sha256=" in record


def test_upgrade_and_downgrade_replace_every_file(make_venv: MakeVenv, tmp_path: Path) -> None:
    env = make_venv()
    site = env.site_packages[0]
    empty = files_under(site)
    old = make_wheel(
        tmp_path / "w",
        "acme-tool",
        "1.0.0",
        {
            "acme_tool/__init__.py": "VERSION = '1.0.0'\n",
            "acme_tool/legacy.py": "X = 1\n",
            "acme_tool/sub/__init__.py": "",
            "acme_tool-1.0.0.data/scripts/acme-old": "#!python\nprint('old')\n",
        },
        console_scripts={"acme": "acme_tool:main"},
    )
    new = make_wheel(
        tmp_path / "w",
        "acme-tool",
        "2.0.0",
        {
            "acme_tool/__init__.py": "VERSION = '2.0.0'\ndef main():\n    print('two')\n",
            "acme_tool/modern.py": "Y = 2\n",
        },
        console_scripts={"acme2": "acme_tool:main"},
    )
    install_files(env, [old])
    run_py(env, "import acme_tool.legacy, acme_tool.sub")  # writes __pycache__ files
    scripts = Path(env.paths["scripts"])
    assert (scripts / "acme").is_file() and (scripts / "acme-old").is_file()
    assert (scripts / "acme-old").read_text().startswith(f"#!{env.python}")

    report = install_files(env, [new])
    assert report.replaced == {"acme-tool": ("1.0.0", "2.0.0")}
    assert str(report).splitlines()[1].strip() == "~ acme-tool 1.0.0 -> 2.0.0"
    after = files_under(site) - empty
    assert not any("legacy" in p or "sub" in p or "1.0.0" in p for p in after), after
    assert not (scripts / "acme").exists() and not (scripts / "acme-old").exists()
    assert os.access(scripts / "acme2", os.X_OK)
    assert run_py(env, "import acme_tool; print(acme_tool.VERSION)").strip() == "2.0.0"
    assert list(Path(env.prefix).glob(".nbext-uninstall-*")) == []  # the stash is gone

    report = install_files(env, [old])  # a downgrade is the same path
    assert report.replaced == {"acme-tool": ("2.0.0", "1.0.0")}
    after = files_under(site) - empty
    assert not any("modern" in p or "2.0.0" in p for p in after), after
    assert not (scripts / "acme2").exists()
    assert env.installed() == {"acme-tool": "1.0.0"}


def test_reinstalling_the_same_version_is_clean(make_venv: MakeVenv, tmp_path: Path) -> None:
    env = make_venv()
    wheel = wheel_of(tmp_path / "w", Dist("acme-utils", "1.0.0", payload=64))
    install_files(env, [wheel])
    before = files_under(env.site_packages[0])
    report = install_files(env, [wheel])
    assert report.replaced == {"acme-utils": ("1.0.0", "1.0.0")}
    assert files_under(env.site_packages[0]) == before


def test_uninstall_for_sync(make_venv: MakeVenv, tmp_path: Path) -> None:
    env = make_venv()
    empty = files_under(env.site_packages[0])
    dists = [Dist("acme-utils", "1.0.0"), Dist("acme-core", "1.0.0"), Dist("extra", "0.1")]
    install_files(env, [wheel_of(tmp_path / "w", d) for d in dists])
    run_py(env, "import acme_utils, extra")
    report = install_files(
        env,
        [wheel_of(tmp_path / "w", Dist("acme-core", "1.1.0"))],
        uninstall=["Acme_Utils", "extra", "never-installed", "acme-core"],
    )
    assert report.removed == {"acme-utils": "1.0.0", "extra": "0.1"}
    assert report.replaced == {"acme-core": ("1.0.0", "1.1.0")}
    assert env.installed() == {"acme-core": "1.1.0"}
    left = files_under(env.site_packages[0]) - empty
    assert all(p.startswith(("acme_core", "acme_core-1.1.0.dist-info")) for p in left), left


def test_a_failure_part_way_undoes_everything(make_venv: MakeVenv, tmp_path: Path) -> None:
    env = make_venv()
    install_files(env, [wheel_of(tmp_path / "w", Dist("acme-utils", "1.0.0"))])
    before = files_under(env.prefix)
    good = wheel_of(tmp_path / "w", Dist("acme-utils", "2.0.0"))
    broken = tmp_path / "w" / "broken-1.0-py3-none-any.whl"
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("broken/__init__.py", "")  # no .dist-info: installer refuses it
    with pytest.raises(InstallError, match=r"could not install broken-1\.0-py3-none-any\.whl"):
        install_files(env, [good, broken])
    assert files_under(env.prefix) == before
    assert env.installed() == {"acme-utils": "1.0.0"}


def test_files_are_checked_before_anything_changes(make_venv: MakeVenv, tmp_path: Path) -> None:
    env = make_venv()
    ok = wheel_of(tmp_path / "w", Dist("acme-utils", "1.0.0"))
    alien = wheel_of(tmp_path / "w", Dist("acme-native", "1.0", wheel_tag="cp27-cp27m-win32"))
    with pytest.raises(InstallError, match="acme_native-1.0-cp27-cp27m-win32.whl is not for"):
        install_files(env, [ok, alien])
    with pytest.raises(InstallError, match="does not exist"):
        install_files(env, [tmp_path / "missing-1.0-py3-none-any.whl"])
    twice = wheel_of(tmp_path / "w", Dist("acme-utils", "2.0.0"))
    with pytest.raises(InstallError, match="are both acme-utils"):
        install_files(env, [ok, twice])
    sdist = tmp_path / "w" / "acme_utils-3.0.tar.gz"
    sdist.write_bytes(b"")
    with pytest.raises(InstallError, match="no build_requirements callback"):
        install_files(env, [sdist])
    assert env.installed() == {}


def test_the_deadline_is_kept(make_venv: MakeVenv, tmp_path: Path) -> None:
    env = make_venv()
    wheel = wheel_of(tmp_path / "w", Dist("acme-utils", "1.0.0"))
    with pytest.raises(InstallError, match="was given 0 s"):
        install_files(env, [wheel], deadline=0)
    assert env.installed() == {}


def test_another_interpreter_is_described_in_a_subprocess(make_venv: MakeVenv) -> None:
    env = make_venv()
    here = TargetEnvironment.current()
    assert not env.running and here.running
    assert env.is_venv and Path(env.prefix).name == "venv"
    assert env.python_version == here.python_version
    assert env.tags == here.tags and dict(env.markers) == dict(here.markers)
    assert env.externally_managed is None
    assert env.site_packages[0].startswith(env.prefix)
