"""Two processes looking up against one cache directory at once, while the index changes
under them: every answer is right, nothing raises, no cache file is ever seen half-written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

from nbext.demo import Dist, IndexServer
from tests.support.env import isolated_environ

ROUNDS = 50
NAMES = [f"pkg{i}" for i in range(5)]

CHILD = r"""
import json, logging, sys
import nbext

warnings = []
class Catch(logging.Handler):
    def emit(self, record):
        warnings.append(record.getMessage())
logging.getLogger("nbext").addHandler(Catch(level=logging.WARNING))
url, rounds, names = sys.argv[1], int(sys.argv[2]), sys.argv[3].split(",")
for i in range(rounds):
    with nbext.Workspace(sys.argv[4]) as ws:
        ws.add_source("corp", url, "primary")
        results = ws.lookup_many(names)
    print(json.dumps({
        "round": i,
        "answers": {r.name: [r.chosen.version if r.chosen else None,
                             list(r.chosen.metadata.requires_dist)
                             if r.chosen and r.chosen.metadata else None] for r in results},
        "errors": [e for r in results for e in r.errors],
        "warnings": list(warnings),
    }), flush=True)
"""


def _dist(name: str, minor: int) -> Dist:
    return Dist(name, f"1.{minor}", requires_dist=(f"dep-{minor}>=1",))


def test_two_processes_share_one_cache(
    tmp_path: Path, own_cache_dir: Path, index_factory: type[IndexServer]
) -> None:
    server = index_factory([_dist(n, 0) for n in NAMES])
    stop = threading.Event()
    published = [0]

    def publish() -> None:  # a new release of every package every 50 ms, at most 40
        for minor in range(1, 41):
            if stop.wait(0.05):
                return
            for name in NAMES:
                server.add(_dist(name, minor))
            published[0] = minor

    env = isolated_environ(dict(os.environ), tmp_path / "home")
    env["POETRY_CACHE_DIR"] = str(own_cache_dir)
    script = tmp_path / "child.py"
    script.write_text(CHILD, encoding="utf-8")
    publisher = threading.Thread(target=publish)
    publisher.start()
    children = [
        subprocess.Popen(
            [sys.executable, str(script), server.url, str(ROUNDS), ",".join(NAMES), str(tmp_path)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        outputs = [child.communicate(timeout=240) for child in children]
    finally:
        stop.set()
        publisher.join(timeout=10)
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait(timeout=10)
    for child, (out, err) in zip(children, outputs, strict=True):
        assert child.returncode == 0, err
        rounds = [json.loads(line) for line in out.splitlines()]
        assert len(rounds) == ROUNDS
        previous = dict.fromkeys(NAMES, -1)
        for r in rounds:
            assert r["errors"] == [] and r["warnings"] == [], r
            for name, (version, requires) in r["answers"].items():
                minor = int(version.split(".")[1])
                assert 0 <= minor <= 40
                assert requires == [f"dep-{minor}>=1"], (name, version, requires)
                assert minor >= previous[name], (name, minor, previous[name])  # never older
                previous[name] = minor
    assert published[0] > 0  # the index changed while the children looked up
