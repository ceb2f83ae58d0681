"""In a kernel-like process (a venv's python running nbext, installing into its own
environment): after an install the next import finds the new project, and restart_needed names
the projects whose old version is still imported."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from nbext.demo.dists import Dist
from tests.integration.resolve.conftest import new_venv, wheel_of

KERNEL = """
import importlib, json, sys
from pathlib import Path
from nbext.resolve.environment import TargetEnvironment
from nbext.resolve.imported import restart_needed
from nbext.resolve.installer import install_files

w = Path(sys.argv[1])
env = TargetEnvironment.current()
assert env.running and env.prefix == sys.prefix
install_files(env, [w / "acme_utils-1.0.0-py3-none-any.whl", w / "acme_core-1.0.0-py3-none-any.whl",
                    w / "acme_old-3.0-py3-none-any.whl", w / "acme_quiet-1.0-py3-none-any.whl"])
import acme_utils, acme_core, acme_old  # acme_quiet stays unimported
before = env.installed()
report = install_files(
    env,
    [w / "acme_utils-2.1.0-py3-none-any.whl", w / "acme_core-0.9.0-py3-none-any.whl",
     w / "acme_quiet-2.0-py3-none-any.whl", w / "acme_new-1.0-py3-none-any.whl"],
    uninstall=["acme-old"],
)
after = env.installed()
import acme_new  # installed after the process started: found without a restart
print(json.dumps({
    "messages": restart_needed(before, after),
    "still": acme_utils.__version__,
    "new": acme_new.hello(),
    "unchanged": restart_needed(after, after),
}))
"""


def test_restart_needed_in_a_kernel_like_process(tmp_path: Path) -> None:
    python = new_venv(tmp_path / "kernel", nbext_importable=True)
    wheels = tmp_path / "w"
    for name, version in [
        ("acme-utils", "1.0.0"),
        ("acme-utils", "2.1.0"),
        ("acme-core", "1.0.0"),
        ("acme-core", "0.9.0"),
        ("acme-old", "3.0"),
        ("acme-quiet", "1.0"),
        ("acme-quiet", "2.0"),
        ("acme-new", "1.0"),
    ]:
        wheel_of(wheels, Dist(name, version))
    proc = subprocess.run(
        [str(python), "-c", KERNEL, str(wheels)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["messages"] == [
        "acme-core was downgraded from 1.0.0 to 0.9.0 while `acme_core` 1.0.0 is imported: "
        "restart the kernel to use 0.9.0.",
        "acme-old 3.0 was removed while `acme_old` 3.0 is imported: restart the kernel to stop "
        "using it.",
        "acme-utils was upgraded from 1.0.0 to 2.1.0 while `acme_utils` 1.0.0 is imported: "
        "restart the kernel to use 2.1.0.",
    ]
    assert out["still"] == "1.0.0"  # the module in memory is the old one: hence the message
    assert out["new"] == "hello from acme-new 1.0"
    assert out["unchanged"] == []
