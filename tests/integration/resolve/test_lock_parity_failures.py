"""Locks that fail fail as ``poetry lock`` 2.5.1 fails, and nothing is written: a conflict in
the tree gives Poetry's own explanation ("... version solving failed."), a source answering
401 adds the authorization warnings Poetry prints, a source answering 500 ends the lock with
the source named, and so does a file that has to be downloaded to be hashed and cannot be.
See ``test_lock_parity.py`` for how a pair is locked."""

from __future__ import annotations

from pathlib import Path

import pytest

import nbext
from nbext.demo import Dist, IndexServer
from tests.integration.resolve.lockparity import Pair, pyproject, static_tree, without_hashes

TREE = [
    Dist("app-a", "1.0", ("common<2",)),
    Dist("app-a", "1.1", ("common<2", "leaf")),
    Dist("app-b", "1.0", ("common>=2",)),
    Dist("common", "1.5"),
    Dist("common", "2.5"),
    Dist("leaf", "1.0"),
    Dist("needs-private", "1.0", ("private-pkg",)),
    Dist("needs-flaky", "1.0", ("flaky",)),
]


def test_conflict_is_poetrys_explanation(
    index_factory: type[IndexServer], tmp_path: Path, poetry: Path
) -> None:
    main = index_factory(TREE, name="main")
    text = pyproject([("main", main.url, "primary")], "", dependencies=["app-a", "app-b"])
    parity = Pair(tmp_path, text).lock()
    message = parity.same_failure()
    assert "Thus, app-b is incompatible with app-a." in message
    assert message.rstrip().endswith("Nothing was written to poetry.lock.")


def test_unauthorized_source_warnings_are_in_the_error(
    index_factory: type[IndexServer], tmp_path: Path, poetry: Path
) -> None:
    main = index_factory(TREE, name="main")
    private = index_factory([Dist("private-pkg", "1.0")], name="private", auth=("user", "pw"))
    sources = [("main", main.url, "primary"), ("private", private.url, "primary")]
    parity = Pair(tmp_path, pyproject(sources, "", dependencies=["needs-private"])).lock()
    message = parity.same_failure()
    assert "no versions of private-pkg match *" in message
    warned = {
        line.strip()
        for line in parity.poetry.output.splitlines()
        if line.startswith("Source (private): Authorization error accessing ")
    }
    assert f"Source (private): Authorization error accessing {private.url}private-pkg/" in warned
    for line in warned:
        assert line in message


def test_failing_source_is_named_and_nothing_is_written(
    index_factory: type[IndexServer], tmp_path: Path, poetry: Path
) -> None:
    main = index_factory(TREE, name="main")
    broken = index_factory([Dist("flaky", "1.0")], name="broken")
    # Retry-After: 0, or Poetry waits 0.5 + 1 + ... + 2.5 s between its six attempts.
    broken.set_fault("/simple/flaky/", status=500, body=b"boom", headers={"Retry-After": "0"})
    sources = [("main", main.url, "primary"), ("broken", broken.url, "supplemental")]
    parity = Pair(tmp_path, pyproject(sources, "", dependencies=["needs-flaky"])).lock()
    assert isinstance(parity.error, nbext.NbextError)
    assert parity.poetry.returncode != 0
    assert f"500 Server Error: Internal Server Error for url: {broken.url}flaky/" in (
        parity.poetry.output
    )
    message = str(parity.error)
    assert "Source (broken)" in message and f"{broken.url}flaky/" in message
    assert "500" in message
    assert not (parity.ours / "poetry.lock").exists()
    assert not (parity.theirs / "poetry.lock").exists()


def test_file_to_hash_that_cannot_be_downloaded_fails_the_lock(
    index_factory: type[IndexServer], tmp_path: Path, poetry: Path
) -> None:
    """A link without a hash is downloaded to hash it; when that download fails, Poetry's lock
    fails (``download_file`` raises): so does nbext's, naming the source and the file."""
    main = index_factory(TREE, name="main")
    main.add(Dist("needs-gone", "1.0", ("gone",)))
    tree = static_tree([Dist("gone", "1.0")], tmp_path / "tree", without_hashes)
    try:
        (tmp_path / "tree/packages/gone-1.0.tar.gz").unlink()
        sources = [("main", main.url, "primary"), ("tree", tree.url, "primary")]
        parity = Pair(tmp_path / "project", pyproject(sources, "", dependencies=["needs-gone"]))
        result = parity.lock()
    finally:
        tree.stop()
    gone = f"{tree.base_url}/packages/gone-1.0.tar.gz"
    assert f"404 Client Error: File not found for url: {gone}" in result.poetry.output
    assert result.error is not None
    assert f"Source (tree): HTTP 404 from {gone}" in str(result.error)
    assert not (result.ours / "poetry.lock").exists()
    assert not (result.theirs / "poetry.lock").exists()


@pytest.mark.parametrize("status", [401, 500])
def test_nothing_is_written_over_an_existing_lock(
    index_factory: type[IndexServer], tmp_path: Path, status: int
) -> None:
    """A lock that fails leaves the existing poetry.lock as it was (nbext alone: Poetry's side
    is the tests above)."""
    main = index_factory([Dist("top", "1.0", ("dep",)), Dist("dep", "1.0")], name="main")
    project = tmp_path / "project"
    project.mkdir()
    text = pyproject([("main", main.url, "primary")], "", dependencies=["top"])
    (project / "pyproject.toml").write_text(text, encoding="utf-8")
    with nbext.Workspace(project) as ws:
        ws.lock()
    before = (project / "poetry.lock").read_bytes()
    main.add(Dist("top", "2.0", ("dep>=2",)))
    main.set_fault("/simple/", status=status, headers={"Retry-After": "0"})
    with nbext.Workspace(project) as ws, pytest.raises(nbext.NbextError):
        ws.lock(regenerate=True)
    assert (project / "poetry.lock").read_bytes() == before
