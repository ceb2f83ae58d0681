"""``nbext.demo.throwaway_dir``: a tutorial's throwaway directory goes however its process ends.

A child process (the nbext under test, ``TMPDIR`` a directory of the test) makes one, writes a
file into it and then exits, removes it itself, or is killed with its whole process group, as
Jupyter kills a kernel (nbval does so at the end of every run).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.env import child_env
from tests.support.procs import run_python
from tests.support.tutorials import leftovers, wait_for_no_leftovers

MAKE = """\
from nbext.demo import throwaway_dir

scratch = throwaway_dir()
(scratch / "auth.toml").write_text("[http-basic.corp]\\npassword = 'not-a-real-one'\\n")
print(scratch, flush=True)
"""


def test_removed_when_the_process_exits(tmp_path: Path) -> None:
    proc = run_python(MAKE, env={"TMPDIR": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    made = Path(proc.stdout.strip())
    assert made.parent == tmp_path and made.name.startswith("nbext-tutorial-")
    assert not made.exists()  # at exit, before the process was gone
    assert wait_for_no_leftovers(tmp_path) == []


def test_removing_it_first_is_fine(tmp_path: Path) -> None:
    code = MAKE + "import shutil\nshutil.rmtree(scratch)\n"
    proc = run_python(code, env={"TMPDIR": str(tmp_path)})
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert wait_for_no_leftovers(tmp_path) == []


def test_removed_when_the_process_group_is_killed(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", MAKE + "import time\ntime.sleep(120)\n"],
        env=child_env({"TMPDIR": str(tmp_path)}),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, killed as a whole below
    )
    try:
        assert proc.stdout is not None
        made = Path(proc.stdout.readline().strip())
        assert leftovers(tmp_path) == [made]
        assert (made / "auth.toml").is_file()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        proc.stdout.close()  # type: ignore[union-attr]
    assert proc.returncode == -signal.SIGKILL
    assert wait_for_no_leftovers(tmp_path) == []
