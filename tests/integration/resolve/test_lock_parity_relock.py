"""Re-locking as ``poetry lock`` 2.5.1 re-locks: without ``--regenerate`` the versions of the
existing poetry.lock are kept where they still fit (newer releases on the server are not
taken), with it (``lock(regenerate=True)``) they are chosen again. Each step is compared with
Poetry run the same way on its own copy of the project (and its own poetry.lock).
See ``test_lock_parity.py`` for how a pair is locked."""

from __future__ import annotations

from pathlib import Path

from nbext.demo import Dist, IndexServer
from tests.integration.resolve.lockparity import Pair, pyproject


def test_relock_keeps_locked_versions_and_regenerate_takes_newer_ones(
    index_factory: type[IndexServer], tmp_path: Path, poetry: Path
) -> None:
    main = index_factory(
        [
            Dist("top", "1.0", ("shared>=1", "leaf")),
            Dist("shared", "1.0"),
            Dist("leaf", "1.0"),
        ],
        name="main",
    )
    sources = [("main", main.url, "primary")]
    pair = Pair(tmp_path, pyproject(sources, "", dependencies=["top"]))
    first = pair.lock()
    first.same_lock()
    assert first.chosen == {
        "leaf": ("1.0", "main"),
        "shared": ("1.0", "main"),
        "top": ("1.0", "main"),
    }

    # The server gains newer releases; the project gains a dependency that needs a newer shared
    # (the one locked version that has to change).
    main.add(Dist("top", "1.1", ("shared>=1", "leaf")))
    main.add(Dist("shared", "1.2"))
    main.add(Dist("leaf", "2.0"))
    main.add(Dist("extra-dep", "1.5", ("shared>=1.2",)))
    for where in (pair.ours, pair.theirs):
        text = pyproject(sources, "", dependencies=["top", "extra-dep"])
        (where / "pyproject.toml").write_text(text, encoding="utf-8")
    again = pair.lock()
    again.same_lock()
    assert again.chosen == {
        "extra-dep": ("1.5", "main"),
        "leaf": ("1.0", "main"),  # kept
        "shared": ("1.2", "main"),  # extra-dep 1.5 needs it
        "top": ("1.0", "main"),  # kept
    }
    assert again.result is not None
    assert again.result.changes == {"extra-dep": ("", "1.5"), "shared": ("1.0", "1.2")}

    fresh = pair.lock(regenerate=True)
    fresh.same_lock()
    assert fresh.chosen == {
        "extra-dep": ("1.5", "main"),
        "leaf": ("2.0", "main"),
        "shared": ("1.2", "main"),
        "top": ("1.1", "main"),
    }
    assert fresh.result is not None
    assert fresh.result.changes == {"leaf": ("1.0", "2.0"), "top": ("1.0", "1.1")}
