"""A tiny PEP 503 page over TLS with HTTP/2 (ALPN h2) and HTTP/1.1, served by hypercorn.

usage: python tests/support/h2server.py CERTFILE KEYFILE PORT   (test helper, runs as a subprocess)
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from hypercorn.asyncio import serve
from hypercorn.config import Config

PAGE = b'<a href="/files/acme-1.0.tar.gz#sha256=00">acme-1.0.tar.gz</a>'


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    found = scope["path"] == "/simple/acme/"
    await send(
        {
            "type": "http.response.start",
            "status": 200 if found else 404,
            "headers": [
                (b"content-type", b"text/html"),
                (b"x-http-version", scope["http_version"].encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": PAGE if found else b"not found"})


def main() -> None:
    config = Config()
    config.bind = [f"127.0.0.1:{sys.argv[3]}"]
    config.certfile, config.keyfile = sys.argv[1], sys.argv[2]
    config.alpn_protocols = ["h2", "http/1.1"]
    config.accesslog = None
    config.errorlog = None
    asyncio.run(serve(app, config))  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
