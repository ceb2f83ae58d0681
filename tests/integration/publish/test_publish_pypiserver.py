"""``Workspace.publish`` against a real pypiserver (upload enabled, htpasswd auth) on 127.0.0.1.

Sample projects are built for real (``python -m build``); the server's stored files, its
request log and what ``Workspace.lookup`` then sees are checked.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import nbext
from nbext.auth.credentials import Credential
from nbext.errors import PublishError
from nbext.publish.publish import build
from nbext.ui.html import to_html
from tests.support.projects import copy_built as _project
from tests.support.projects import write_project
from tests.support.servers import ServerProcess, run_pypiserver
from tests.support.workspaces import open_workspace

USER, PASSWORD = "uploader", "s3cret-upl0ad-pw"


@pytest.fixture
def pypiserver(tmp_path: Path) -> Iterator[tuple[ServerProcess, Path]]:
    packages = tmp_path / "packages"
    packages.mkdir()
    server = run_pypiserver(packages, auth=(USER, PASSWORD), workdir=tmp_path / "srv")
    try:
        yield server, packages
    finally:
        server.stop()


def _ws(root: Path, server: ServerProcess, *, creds: bool = True) -> nbext.Workspace:
    ws = open_workspace(root)
    ws.config_set("repositories.private", server.base_url + "/")
    if creds:
        ws.config_set("http-basic.private", USER, PASSWORD)
    return ws


def _uploads(server: ServerProcess) -> list[str]:
    return [path for method, path in server.requests() if method == "POST"]


def test_publish_then_lookup_sees_it(
    tmp_path: Path, config_dir: Path, pypiserver: tuple[ServerProcess, Path], built: Path
) -> None:
    server, packages = pypiserver
    root = _project(tmp_path, built)
    ws = _ws(root, server)
    ws.add_source("private", server.url, "primary")
    # The page is cached before the upload (404): publish must drop it.
    before = ws.lookup("demo-pkg", source="private")
    assert before.chosen is None

    result = ws.publish("private")

    assert [f.state for f in result.files] == ["uploaded", "uploaded"]
    assert result.lines()[0] == "Publishing demo-pkg (0.1.0) to private"
    assert result.uploaded == ["demo_pkg-0.1.0.tar.gz", "demo_pkg-0.1.0-py3-none-any.whl"]
    for name in result.uploaded:  # stored byte for byte
        assert (packages / name).read_bytes() == (root / "dist" / name).read_bytes()
    assert len(_uploads(server)) == 2
    after = ws.lookup("demo-pkg==0.1.0", source="private")
    assert after.chosen is not None
    assert (str(after.chosen.version), after.chosen.source) == ("0.1.0", "private")
    meta = after.chosen.metadata  # read from the uploaded wheel
    assert meta is not None
    assert (meta.name, meta.version, meta.summary) == ("demo-pkg", "0.1.0", "A demo package")
    assert meta.requires_python == ">=3.9"
    assert PASSWORD not in repr(result) and PASSWORD not in to_html(result)
    assert all(PASSWORD not in e.line() + repr(e) for e in ws.events)


def test_wrong_password_is_403_with_the_fix(
    tmp_path: Path, config_dir: Path, pypiserver: tuple[ServerProcess, Path], built: Path
) -> None:
    server, packages = pypiserver
    ws = _ws(_project(tmp_path, built), server, creds=False)
    ws.config_set("http-basic.private", USER, "wrong-password-123")
    with pytest.raises(PublishError) as info:
        ws.publish("private", check_url=server.url)
    text = str(info.value)
    assert text.startswith("HTTP Error 403: Forbidden | b'")
    assert "refused the credentials (sent as user 'uploader')" in text
    assert "%config http-basic.private" in text
    assert "Uploaded: nothing. Not uploaded: demo_pkg-0.1.0.tar.gz, demo_pkg-0.1.0-py3" in text
    assert "wrong-password-123" not in text
    assert list(packages.iterdir()) == []


def test_missing_credentials_ask_the_prompt(
    tmp_path: Path, config_dir: Path, pypiserver: tuple[ServerProcess, Path], built: Path
) -> None:
    server, packages = pypiserver
    ws = _ws(_project(tmp_path, built), server, creds=False)
    asked: list[tuple[str, str | None]] = []

    def prompt(repository: str, username: str | None) -> Credential | None:
        asked.append((repository, username))
        return Credential(USER, PASSWORD)

    result = ws.publish("private", prompt=prompt)
    assert asked == [("private", None)]  # once, after the first 401
    assert result.uploaded == ["demo_pkg-0.1.0.tar.gz", "demo_pkg-0.1.0-py3-none-any.whl"]
    assert sorted(p.name for p in packages.iterdir()) == sorted(result.uploaded)


def test_prompt_that_shows_a_form_stops_cleanly(
    tmp_path: Path, config_dir: Path, pypiserver: tuple[ServerProcess, Path], built: Path
) -> None:
    server, packages = pypiserver
    ws = _ws(_project(tmp_path, built), server, creds=False)
    with pytest.raises(PublishError) as info:
        ws.publish("private", prompt=lambda _r, _u: None)
    assert info.value.needs_credentials
    assert "fill in the form, click Save, then run this cell again" in str(info.value)
    assert list(packages.iterdir()) == []


def test_no_prompt_no_credentials_is_401_with_the_fix(
    tmp_path: Path, config_dir: Path, pypiserver: tuple[ServerProcess, Path], built: Path
) -> None:
    server, _packages = pypiserver
    ws = _ws(_project(tmp_path, built), server, creds=False)
    with pytest.raises(PublishError, match=r"HTTP Error 401.*\n.*wants credentials \(no cred"):
        ws.publish("private")


def test_existing_version_with_and_without_skip_existing(
    tmp_path: Path, config_dir: Path, pypiserver: tuple[ServerProcess, Path], built: Path
) -> None:
    server, _packages = pypiserver
    ws = _ws(_project(tmp_path, built), server)
    ws.publish("private")
    posts = len(_uploads(server))

    with pytest.raises(PublishError) as info:
        ws.publish("private")
    assert "demo_pkg-0.1.0.tar.gz is already on private (the same file). Fix: --skip-existing" in (
        str(info.value)
    )
    result = ws.publish("private", skip_existing=True)
    assert [f.state for f in result.files] == ["skipped", "skipped"]
    assert " - Uploading demo_pkg-0.1.0.tar.gz File exists. Skipping" in result.lines()
    assert len(_uploads(server)) == posts  # decided on the index: no upload request at all


def test_a_different_file_of_the_same_name_is_refused_even_with_skip_existing(
    tmp_path: Path, config_dir: Path, pypiserver: tuple[ServerProcess, Path], built: Path
) -> None:
    server, _packages = pypiserver
    root = _project(tmp_path, built)
    ws = _ws(root, server)
    ws.publish("private")
    # Rebuild with other content (same name and version): a different sdist and wheel.
    (root / "src" / "demo_pkg" / "__init__.py").write_text("X = 2\n", encoding="utf-8")
    build(root, root / "dist", isolation=False)
    with pytest.raises(PublishError) as info:
        ws.publish("private", skip_existing=True)
    assert "a different file of that name is already on private" in str(info.value)
    assert "bump the version" in str(info.value)


def test_dry_run_sends_no_upload(
    tmp_path: Path, config_dir: Path, pypiserver: tuple[ServerProcess, Path], built: Path
) -> None:
    server, packages = pypiserver
    ws = _ws(_project(tmp_path, built), server)
    result = ws.publish("private", dry_run=True)
    assert [f.state for f in result.files] == ["checked", "checked"]
    assert _uploads(server) == []
    assert list(packages.iterdir()) == []
    assert any(p.startswith("/simple/demo-pkg") for _m, p in server.requests())  # the check


def test_dist_dir_with_only_another_projects_files(
    tmp_path: Path, config_dir: Path, pypiserver: tuple[ServerProcess, Path], built: Path
) -> None:
    server, _packages = pypiserver
    root = _project(tmp_path, built)
    other = tmp_path / "other-dist"
    shutil.move(root / "dist", other)
    (root / "dist").mkdir()
    for f in other.iterdir():
        shutil.copy(f, root / "dist" / f.name.replace("demo_pkg", "other_pkg"))
    ws = _ws(root, server)
    with pytest.raises(PublishError) as info:
        ws.publish("private")
    assert str(info.value).startswith(
        "No files to publish. Run poetry build first or use the --build option."
    )
    assert "files of other projects: other_pkg-0.1.0-py3-none-any.whl" in str(info.value)


def test_foreign_and_older_files_are_named_not_sent(
    tmp_path: Path, config_dir: Path, pypiserver: tuple[ServerProcess, Path], built: Path
) -> None:
    server, _packages = pypiserver
    root = _project(tmp_path, built)
    dist = root / "dist"
    shutil.copy(dist / "demo_pkg-0.1.0.tar.gz", dist / "other_pkg-1.0.tar.gz")
    shutil.copy(dist / "demo_pkg-0.1.0.tar.gz", dist / "demo_pkg-0.0.9.tar.gz")
    result = _ws(root, server).publish("private", dry_run=True)
    assert [f.name for f in result.files] == [
        "demo_pkg-0.1.0.tar.gz",
        "demo_pkg-0.1.0-py3-none-any.whl",
    ]
    assert "Not published (another project's files in dist): other_pkg-1.0.tar.gz" in (
        result.warnings
    )
    assert "Not published (older versions; only 0.1.0 is): demo_pkg-0.0.9.tar.gz" in (
        result.warnings
    )


def test_broken_readme_is_refused_before_any_request(
    tmp_path: Path, config_dir: Path, pypiserver: tuple[ServerProcess, Path]
) -> None:
    server, _packages = pypiserver
    root = write_project(tmp_path / "broken", readme="broken-rst")
    ws = _ws(root, server)
    with pytest.raises(PublishError) as info:
        ws.publish("private", build=True, isolation=False)
    text = str(info.value)
    assert text.startswith("Not published: the files need fixing first")
    assert "demo_pkg-0.1.0.tar.gz: the long description (README) has reStructuredText errors" in (
        text
    )
    assert "demo_pkg-0.1.0-py3-none-any.whl: the long description" in text
    assert server.requests() == [] or all(m != "POST" for m, _p in server.requests())


def test_markdown_readme_passes(
    tmp_path: Path, config_dir: Path, pypiserver: tuple[ServerProcess, Path]
) -> None:
    server, _packages = pypiserver
    root = write_project(tmp_path / "md", readme="md")
    result = _ws(root, server).publish("private", build=True, isolation=False)
    assert len(result.uploaded) == 2
    assert result.build_output and "Successfully built" in result.build_output


def test_version_mismatch_with_the_project_is_refused(
    tmp_path: Path, config_dir: Path, pypiserver: tuple[ServerProcess, Path], built: Path
) -> None:
    server, _packages = pypiserver
    root = _project(tmp_path, built)
    text = (root / "pyproject.toml").read_text(encoding="utf-8")
    (root / "pyproject.toml").write_text(text.replace('version = "0.1.0"', 'version = "0.2.0"'))
    with pytest.raises(PublishError) as info:
        _ws(root, server).publish("private")
    assert "its metadata has version 0.1.0, but the project's version is 0.2.0" in str(info.value)


def test_isolated_build_works_offline_with_an_in_tree_backend(
    tmp_path: Path,
    config_dir: Path,
    pypiserver: tuple[ServerProcess, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server, packages = pypiserver
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # nothing may come from an index
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    root = write_project(tmp_path / "intree", backend="in-tree")
    result = _ws(root, server).publish("private", build=True)  # isolation is the default
    assert sorted(result.uploaded) == sorted(p.name for p in packages.iterdir())
    wheel = packages / "demo_pkg-0.1.0-py3-none-any.whl"
    assert hashlib.sha256(wheel.read_bytes()).hexdigest() == result.files[1].sha256


def test_build_anyway_warning_when_files_exist(
    tmp_path: Path, config_dir: Path, pypiserver: tuple[ServerProcess, Path], built: Path
) -> None:
    server, _packages = pypiserver
    root = _project(tmp_path, built)
    result = _ws(root, server).publish("private", build=True, isolation=False, dry_run=True)
    assert result.warnings[0] == (
        "Warning: There are 2 files ready for publishing in dist. Build anyway!"
    )


def test_magic_publish_scrubs_a_typed_password(
    tmp_path: Path,
    config_dir: Path,
    pypiserver: tuple[ServerProcess, Path],
    built: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from IPython.core.interactiveshell import InteractiveShell

    from nbext import kernel as _workspace

    server, packages = pypiserver
    root = _project(tmp_path, built)
    monkeypatch.chdir(root)
    _workspace._reset_default()
    ip = InteractiveShell.instance()
    try:
        ip.run_line_magic("load_ext", "nbext")
        ip.run_line_magic("config", f"repositories.private {server.base_url}/")
        outcome = ip.run_cell(f"%publish -r private -u {USER} -p {PASSWORD}", store_history=True)
        assert outcome.success, outcome.error_in_exec
        result = outcome.result
        assert result.uploaded == ["demo_pkg-0.1.0.tar.gz", "demo_pkg-0.1.0-py3-none-any.whl"]
        assert sorted(p.name for p in packages.iterdir()) == sorted(result.uploaded)
        err = capsys.readouterr().err
        assert "The password was typed into the cell: nbext removed it from IPython's history" in (
            err
        )
        hm = ip.history_manager
        kept = [*hm.input_hist_raw, *hm.input_hist_parsed, str(ip.user_ns.get("_i"))]
        assert all(PASSWORD not in text for text in kept)
        assert any("%publish -r private -u uploader -p ***" in t for t in hm.input_hist_raw)
        assert PASSWORD not in repr(result) + to_html(result)
        ip.run_line_magic("unload_ext", "nbext")
    finally:
        _workspace._reset_default()
        InteractiveShell.clear_instance()
