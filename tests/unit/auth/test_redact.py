"""Credentials in URLs are redacted wherever a URL is shown (nbext.auth.redact)."""

from __future__ import annotations

from pathlib import Path

import httpx

import nbext
from nbext.ui.html import to_html


def test_user_info_in_urls_is_redacted(tmp_path: Path) -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "a.example":  # not the radar's look at the public index
            seen.append(request.headers.get("authorization"))
        return httpx.Response(404)

    ws = nbext.Workspace(tmp_path, transport=httpx.MockTransport(handler))
    with ws:
        ws.add_source("a", "https://user:s3cret@a.example/simple/", "primary")
        res = ws.lookup(
            "acme",
        )
        text = repr(res) + to_html(res) + "\n".join(res.log_lines(3))
    assert seen[0] is not None and seen[0].startswith("Basic ")
    assert "s3cret" not in text
    assert "user:***@a.example" in text
