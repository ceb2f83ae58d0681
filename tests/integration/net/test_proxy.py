"""Proxies from the environment (HTTP_PROXY, NO_PROXY), as requests and so Poetry read them,
through a small forward proxy on 127.0.0.1."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import nbext
from nbext.demo import Dist, IndexServer


class ForwardProxy:
    """Answers ``GET http://host:port/path`` by fetching it; remembers every URL asked."""

    def __init__(self) -> None:
        seen: list[str] = []
        self.seen = seen

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                seen.append(self.path)
                target = urlsplit(self.path)
                upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=5)
                try:
                    headers = {
                        k: v for k, v in self.headers.items() if k.lower() != "proxy-connection"
                    }
                    upstream.request("GET", target.path or "/", headers=headers)
                    answer = upstream.getresponse()
                    body = answer.read()
                finally:
                    upstream.close()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    p = ForwardProxy()
    yield p
    p.close()


def test_requests_go_through_the_environments_proxy(
    tmp_path: Path,
    index_factory: type[IndexServer],
    proxy: ForwardProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = index_factory([Dist("acme", "1.0"), Dist("tool", "2.0")])
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "")
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", server.url, "primary")
        assert ws.lookup("acme").chosen is not None
        assert ws.lookup("tool").chosen is not None
        opened = ws.http.wire.opened if ws.http.wire else 0
    assert f"{server.url}acme/" in proxy.seen and f"{server.url}tool/" in proxy.seen
    assert len(proxy.seen) == len(server.requests) == 4  # every request, once
    assert opened == 0  # the lean HTTP/1.1 path never bypasses a proxy


def test_no_proxy_bypasses_it(
    tmp_path: Path,
    index_factory: type[IndexServer],
    proxy: ForwardProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server = index_factory([Dist("acme", "1.0")])
    monkeypatch.setenv("http_proxy", proxy.url)
    monkeypatch.setenv("NO_PROXY", f"localhost,127.0.0.1:{server.bound_port}")
    with nbext.Workspace(tmp_path) as ws:
        ws.add_source("corp", server.url, "primary")
        assert ws.lookup("acme").chosen is not None
        monkeypatch.delenv("NO_PROXY")  # seen on the next request
        monkeypatch.setenv("no_proxy", "")
        assert ws.lookup("acme").chosen is not None
    # the second lookup, through the proxy: the page (the metadata is in the metadata cache)
    assert proxy.seen == [f"{server.url}acme/"]
