"""Register the ``nbext-tutorial`` Jupyter kernel: a throwaway venv that tutorial 09 installs into.

Usage: ``python scripts/tutorial_kernel.py DATA_DIR`` (a Jupyter data directory: the kernelspec
goes to ``DATA_DIR/kernels/nbext-tutorial``, the venv to ``DATA_DIR/nbext-tutorial-venv``).

Tutorial 09 shows ``%install`` and ``%add`` putting packages into the running kernel's
environment. Its kernel is this venv, so the fictional demo packages never land in the
environment JupyterLab (or the test suite) runs in. The venv has no packages of its own; a
``.pth`` file adds this interpreter's site-packages after its own (``site.addsitedir``, so an
editable nbext and ipykernel are importable), so anything installed into the venv comes first.
Run it again to start from an empty venv. The standard library only.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

NAME = "nbext-tutorial"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    data = Path(argv[0]).resolve()
    venv = data / f"{NAME}-venv"
    if venv.is_dir():
        shutil.rmtree(venv)  # ours (the name is fixed, under the data directory given)
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout.strip()
    here = sysconfig.get_paths()["purelib"]
    Path(site, "nbext-tutorial.pth").write_text(
        f"import site; site.addsitedir({here!r})\n", encoding="utf-8"
    )
    spec = data / "kernels" / NAME
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "nbext tutorial (throwaway venv)",
                "language": "python",
                "metadata": {"debugger": True},
            },
            indent=1,
        ),
        encoding="utf-8",
    )
    print(f"kernel {NAME}: {python}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
