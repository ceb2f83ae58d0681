"""The magics through a real IPython shell: messages, displays, load and unload."""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

import nbext
from nbext.demo import Dist, IndexServer
from nbext.ui.html import to_html
from tests.support.shell import run


@pytest.fixture
def corp(index_factory: type[IndexServer]) -> IndexServer:
    return index_factory([Dist("acme", "1.0.0"), Dist("acme", "2.0.0")], api="json")


def test_source_add_twice_prints_poetrys_messages(
    ip: InteractiveShell, project_dir: Path, corp: IndexServer
) -> None:  # scenario 11
    out, err, _ = run(ip, f"source add foo {corp.url}")
    assert out == "Adding source with name foo.\n"
    assert "The default priority will change to supplemental in a future release." in err
    out, err, _ = run(ip, f"source add foo {corp.url}")
    assert out == "Source with name foo already exists. Updating.\n"
    assert "The default priority will change to supplemental" in err
    text = (project_dir / "pyproject.toml").read_text()
    assert text.count("[[tool.poetry.source]]") == 1
    assert f'url = "{corp.url}"' in text and 'priority = "primary"' in text


def test_source_show_and_remove(ip: InteractiveShell, project_dir: Path, corp: IndexServer) -> None:
    run(ip, f"source add --priority supplemental corp {corp.url}")
    _, _, table = run(ip, "source show")
    assert repr(table) == (
        f"name      : corp\nurl       : {corp.url}\npriority  : supplemental\n\n"
        "PyPI is implicitly enabled as a primary source. If you wish to disable it, or alter its "
        "priority please refer to https://python-poetry.org/docs/repositories/#package-sources."
    )
    assert "<table>" in to_html(table)
    with pytest.raises(nbext.SourceError, match=r"No source found with name\(s\): x, y"):
        run(ip, "source show x y")
    out, _, _ = run(ip, "source remove CORP")
    assert out == "Removing source with name corp.\n"
    with pytest.raises(nbext.UnknownSourceError, match="Source with name corp was not found."):
        run(ip, "source remove corp")
    assert "tool.poetry.source" not in (project_dir / "pyproject.toml").read_text()


def test_source_remove_takes_out_an_entry_poetry_cannot_read(
    ip: InteractiveShell, project_dir: Path, corp: IndexServer
) -> None:
    """`poetry source add bad foo.bar/simple` writes an invalid URL, and from then on every
    Poetry command (`poetry source remove bad` included) stops at it. nbext's reads stop
    too, with Poetry's message; `%source remove` is the way out, and keeps the rest."""
    run(ip, f"source add --priority primary corp {corp.url}")
    path = project_dir / "pyproject.toml"
    path.write_text(
        path.read_text()
        + '\n[[tool.poetry.source]]\nname = "bad"  # typo\nurl = "foo.bar/simple"\n'
    )
    invalid = r"tool\.poetry\.source\[1\]\.url must be uri"
    with pytest.raises(nbext.ConfigurationError, match=invalid):
        run(ip, "source show")
    out, _, _ = run(ip, "source remove bad")
    assert out == "Removing source with name bad.\n"
    text = path.read_text()
    assert "bad" not in text and f'url = "{corp.url}"' in text
    _, _, table = run(ip, "source show")
    assert [e["name"] for e in table.entries] == ["corp"]


def test_deprecated_priority_is_accepted_with_a_warning(
    ip: InteractiveShell, project_dir: Path, corp: IndexServer
) -> None:
    out, err, _ = run(ip, f"source add -p secondary corp {corp.url}")
    assert out == "Adding source with name corp.\n"
    assert "Priority 'secondary' is deprecated" in err
    assert "Found deprecated priority 'secondary' for source 'corp'" in err


def test_kernel_only_mode_says_so_once(ip: InteractiveShell, corp: IndexServer) -> None:
    _, err, _ = run(ip, f"source add -p primary corp {corp.url}")
    assert "sources live in this kernel only" in err
    _, err, _ = run(ip, f"source add -p primary corp2 {corp.url}")
    assert "kernel only" not in err
    _, _, res = run(ip, "lookup acme")
    assert isinstance(res, nbext.LookupResult)
    assert (res.chosen.version, res.chosen.source) == ("2.0.0", "corp")


def test_add_and_lookup_with_pin(
    ip: InteractiveShell, project_dir: Path, corp: IndexServer, index_factory: type[IndexServer]
) -> None:
    other = index_factory([Dist("acme", "9.0.0")], api="html")
    run(ip, f"source add -p primary public {other.url}")
    run(ip, f"source add -p explicit corp {corp.url}")
    with pytest.raises(nbext.UnknownSourceError, match='Repository "nope" does not exist'):
        run(ip, "add acme --source nope --no-lock")
    out, _, _ = run(ip, "add acme --source corp --no-lock")
    assert out == (
        "Using version ^2.0.0 for acme\n"
        'Added acme (^2.0.0) to project.dependencies with source = "corp".\n'
    )
    text = (project_dir / "pyproject.toml").read_text()
    assert '"acme (>=2.0.0,<3.0.0)"' in text
    assert 'acme = {source = "corp"}' in text
    _, _, res = run(ip, "lookup acme")
    assert (res.chosen.version, res.chosen.source) == ("2.0.0", "corp")
    # The lookup does not ask "public" for a pinned package; the radar does, and sees the
    # higher copy there, which the pin keeps out.
    assert [(r.source, r.asked) for r in res.per_source] == [("public", False), ("corp", True)]
    assert res.radar is not None and res.radar.elsewhere == {"public": "9.0.0"}
    assert res.radar.verdict == "safe" and "pinned to corp" in res.radar.reason
    # (the first when %add looked the latest version up; then the cache revalidates)
    assert [r.status for r in other.project_requests("acme")] == [200, 304]
    out, _, _ = run(ip, "add acme-core@* --source corp --group pins --no-lock")
    assert out == 'Added acme-core (*) to dependency-groups.pins with source = "corp".\n'
    text = (project_dir / "pyproject.toml").read_text()
    assert '[tool.poetry.group.pins.dependencies]\nacme-core = {source = "corp"}' in text
    _, _, res = run(ip, "lookup acme-core")
    assert res.pinned == "corp" and res.per_source[0].skipped == "no: pinned to corp"


def test_lookup_verbose_lines(ip: InteractiveShell, corp: IndexServer) -> None:
    run(ip, f"source add -p primary corp {corp.url}")
    out, _, _res = run(ip, "lookup acme>=1 -vvv")
    assert "Adding repository corp" in out
    assert "Source (corp): 2 packages found for acme >=1" in out
    assert f"GET {corp.url}acme/ -> 200" in out
    assert "> accept: application/vnd.pypi.simple.v1+json, */*;q=0.1" in out


def test_default_workspace_follows_cd_between_projects(
    ip: InteractiveShell, tmp_path: Path, corp: IndexServer
) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for d in (one, two):
        (d / "sub").mkdir(parents=True)
        (d / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "0"\n')
    ip.run_line_magic("cd", "-q " + str(one / "sub"))
    run(ip, f"source add -p primary corp {corp.url}")
    assert nbext.workspace().sources.names == ["corp"]
    ip.run_line_magic("cd", "-q " + str(two))
    _, err, table = run(ip, "source show")
    assert f"nbext now uses {two / 'pyproject.toml'}." in err
    assert repr(table).startswith("No sources configured for this project.")
    assert "corp" in (one / "pyproject.toml").read_text()


def test_braces_expand_python_expressions_but_dollars_stay(
    ip: InteractiveShell, corp: IndexServer
) -> None:
    ip.user_ns["urls"] = {"corp": corp.url}
    ip.user_ns["word"] = "EXPANDED"
    out, _, _ = run(ip, 'source add -p primary corp {urls["corp"]}')
    assert out == "Adding source with name corp.\n"
    assert nbext.workspace().sources.get("corp").url == corp.url.rstrip("/")
    _, _, res = run(ip, "lookup acme>=1 --source {'co' + 'rp'}")
    assert res.chosen is not None and res.chosen.source == "corp"
    run(ip, "source add -p primary lit http://127.0.0.1:9/pa$word/{{x}}/{undefined_name}/")
    assert nbext.workspace().sources.get("lit").url == (
        "http://127.0.0.1:9/pa$word/{x}/{undefined_name}"
    )


def test_url_passwords_never_reach_outputs(ip: InteractiveShell, corp: IndexServer) -> None:
    secret = "s3cr3t-Pa55"
    url = corp.url.replace("//", f"//alice:{secret}@")
    shown: list[str] = []
    out, err, _ = run(ip, f"source add -p primary corp {url}")
    shown += [out, err]
    _, _, table = run(ip, "source show")
    shown += [repr(table), to_html(table), repr(nbext.workspace().sources)]
    out, err, res = run(ip, "lookup acme -vvv")
    shown += [out, err, repr(res), to_html(res), repr(res.per_source)]
    with pytest.raises(nbext.SourceError) as exc:
        run(ip, f"source add bad 'https://alice:{secret}@host.example/a b/'")
    shown += [str(exc.value), *exc.value._render_traceback_()]
    text = "\n".join(shown)
    assert "alice:***@" in text
    assert secret not in text
    assert res.chosen is not None and res.chosen.source == "corp"  # the credentials were used
