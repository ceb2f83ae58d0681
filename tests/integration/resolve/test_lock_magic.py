"""``%lock`` in a real IPython shell: the lock written, Poetry's words, the table, the HTML."""

from __future__ import annotations

from pathlib import Path

from IPython.core.interactiveshell import InteractiveShell

from nbext.demo import Dist, IndexServer
from nbext.resolve.results import LockResult
from nbext.ui.html import to_html
from tests.support.shell import run


def test_lock_magic_writes_the_lock_and_shows_each_package(
    ip: InteractiveShell, project_dir: Path, index_factory: type[IndexServer]
) -> None:
    corp = index_factory(
        [Dist("acme", "1.0.0", requires_dist=("acme-core>=1",)), Dist("acme-core", "1.2.0")],
        api="json",
    )
    run(ip, f"source add --priority primary corp {corp.url}")
    run(ip, "add acme@^1.0 --source corp --no-lock")
    _, _, result = run(ip, "lock --no-live")
    assert isinstance(result, LockResult)
    assert (project_dir / "poetry.lock").is_file()
    text = repr(result)
    assert "Resolving dependencies..." in text and "Writing lock file" in text
    assert "package    version  source  also on  radar" in text
    assert "acme       1.0.0    corp    -        safe   (new)" in text
    assert "acme-core  1.2.0    corp    -        safe   (new)" in text
    page = to_html(result)
    assert "poetry.lock</b> written: 2 packages" in page and "acme-core" in page
    _, _, again = run(ip, "lock --no-live")
    assert "poetry.lock is up to date" in repr(again) or not again.changes


def test_lock_magic_conflict_fails_the_cell_in_poetrys_words(
    ip: InteractiveShell, project_dir: Path, index_factory: type[IndexServer]
) -> None:
    corp = index_factory([Dist("acme", "1.0.0")], api="json")
    run(ip, f"source add --priority primary corp {corp.url}")
    run(ip, "add acme@^1.0 --source corp --no-lock")
    text = (project_dir / "pyproject.toml").read_text()
    assert "acme (>=1.0,<2.0)" in text, text
    (project_dir / "pyproject.toml").write_text(text.replace(">=1.0,<2.0", ">=2.0"))
    result = ip.run_cell("%lock")
    assert result.error_in_exec is not None
    message = str(result.error_in_exec)
    assert "version solving failed" in message
    assert "Nothing was written to poetry.lock." in message
    assert not (project_dir / "poetry.lock").exists()


def test_lock_magic_verbose_says_where_the_time_went_and_every_request(
    ip: InteractiveShell, project_dir: Path, index_factory: type[IndexServer]
) -> None:
    corp = index_factory(
        [Dist("acme", "1.0.0", requires_dist=("acme-core>=1",)), Dist("acme-core", "1.2.0")],
        api="json",
    )
    run(ip, f"source add --priority primary corp {corp.url}")
    run(ip, "add acme@^1.0 --source corp --no-lock")
    out, _, _ = run(ip, "lock --no-live -v")
    heads = [line.partition(":")[0] for line in out.splitlines() if line.startswith("Source (")]
    assert sorted(heads) == ["Source (corp)", "Source (public index)"]  # the radar's look too
    assert "Source (corp): pages " in out and "requests" in out
    assert "/simple/acme/" not in out  # -v: one line per source only
    out, _, _ = run(ip, "lock --no-live --regenerate --no-cache -vvv")
    lines = out.splitlines()
    assert any("/simple/acme/" in line and "200" in line for line in lines)
    assert any("/simple/acme-core/" in line for line in lines)
    assert any(
        line.strip() == "< content-type: application/vnd.pypi.simple.v1+json" for line in lines
    )
