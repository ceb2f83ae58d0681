"""Where a publish goes and as whom (nbext.publish.target): Poetry's order for credentials
and its resolution of ``-r NAME``; dry runs, no request is sent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import nbext
from nbext.constants import pypi_upload_url
from nbext.publish.publish import PublishError
from tests.support.projects import copy_built as _project
from tests.support.workspaces import OPEN as _OPEN


def _creds(ws: nbext.Workspace, repository: str | None, **kw: str) -> tuple[str | None, str | None]:
    from nbext.publish.context import PublishContext
    from nbext.publish.target import credentials_for, resolve_target

    ctx = PublishContext(
        settings=ws.settings,
        passwords=ws.passwords,
        sources=ws.sources,
        get=lambda *_a: None,  # type: ignore[arg-type,return-value]
        record=lambda _e: None,
        invalidate=lambda _s, _p: None,
        project_root=None,
        project_name=None,
        project_version=None,
        source_urls={spec.name: spec.url for spec in ws._specs()[0] if spec.url},
    )
    cred = credentials_for(ctx, resolve_target(ctx, repository), kw.get("u"), kw.get("p"))
    return cred.username, cred.password


def test_credentials_order(proj: nbext.Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    ws = proj
    ws.config_set("repositories.corp", "https://corp.invalid/legacy")
    assert _creds(ws, "corp") == (None, None)
    ws.config_set("http-basic.corp", "alice", "pw-basic")
    assert _creds(ws, "corp") == ("alice", "pw-basic")
    # A lone -u is replaced by http-basic for a configured repository (Poetry's quirk) ...
    assert _creds(ws, "corp", u="bob") == ("alice", "pw-basic")
    # ... both -u and -p win.
    assert _creds(ws, "corp", u="bob", p="cli-pw") == ("bob", "cli-pw")
    # The token comes before http-basic, as user __token__.
    monkeypatch.setenv("POETRY_PYPI_TOKEN_CORP", "pypi-tok")
    assert _creds(ws, "corp") == ("__token__", "pypi-tok")
    # A name that is only a source is configured too (Poetry merges the project's sources into
    # `repositories`): its http-basic replaces a lone -u, even when there is none.
    ws.add_source("src-only", "https://other.invalid/simple/", "explicit")
    assert _creds(ws, "src-only", u="carol") == (None, None)
    ws.config_set("http-basic.src-only", "dave", "pw-src")
    assert _creds(ws, "src-only", u="carol") == ("dave", "pw-src")


def test_target_resolution(proj: nbext.Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from nbext.publish.context import PublishContext
    from nbext.publish.target import resolve_target

    ws = proj
    ws.config_set("repositories.leg", "https://corp.invalid/legacy")
    monkeypatch.setenv("POETRY_REPOSITORIES_ENVREPO_URL", "https://env.invalid/up/")
    ws.add_source("fromsource", "https://src.invalid/simple/", "explicit")
    ctx = PublishContext(
        ws.settings,
        ws.passwords,
        ws.sources,
        None,
        None,
        None,
        None,
        None,
        None,  # type: ignore[arg-type]
        source_urls={"fromsource": "https://src.invalid/simple/"},
    )
    assert resolve_target(ctx, "leg").url == "https://corp.invalid/legacy/"  # the slash is added
    assert resolve_target(ctx, "envrepo").url == "https://env.invalid/up/"
    # A source's URL as written, its trailing slash kept (Poetry posts to it as it is).
    assert resolve_target(ctx, "fromsource").url == "https://src.invalid/simple/"
    # Any case: the source's own name (credentials: http-basic.fromsource).
    assert resolve_target(ctx, "FromSource").name == "fromsource"
    # PyPI is a source without a URL: Poetry does not merge it (publishing to it is -r-less).
    assert ws.sources.has("pypi")
    with pytest.raises(PublishError, match=r"^Repository pypi is not defined\..*without -r"):
        resolve_target(ctx, "pypi")
    default = resolve_target(ctx, None)
    assert (default.name, default.shown, default.url) == ("pypi", "PyPI", pypi_upload_url())
    with pytest.raises(PublishError, match="Repository nope is not defined"):
        resolve_target(ctx, "nope")
    ws.config_set("repositories.bad", "ftp://x.invalid/")
    with pytest.raises(PublishError, match="is not an http"):
        resolve_target(ctx, "bad")


def test_undefined_repository(tmp_path: Path, config_dir: Path, built: Path) -> None:
    ws = nbext.Workspace(_project(tmp_path, built))
    _OPEN.append(ws)
    with pytest.raises(PublishError, match=r"^Repository nowhere is not defined\. Fix: %config"):
        ws.publish("nowhere")
