"""A tiny HTTP server run as a subprocess by ``tests/support/servers.py``.

    python tests/support/static_http.py ROOT PORT LOGFILE
        serve the directory ROOT (stdlib ``SimpleHTTPRequestHandler``)
    python tests/support/static_http.py --raw ROUTES.json PORT LOGFILE
        answer fixed responses: ROUTES.json maps a path to
        {"status": int, "content_type": str, "body_b64": str, "headers": {str: str}}

Binds 127.0.0.1 only.  PORT may be 0 (ephemeral).  Once listening it prints
``LISTENING http://127.0.0.1:PORT`` to stdout.  Every request is appended to
LOGFILE as one line, ``REQ <method> <path> <status>``, flushed at once.
SIGTERM and SIGINT stop it cleanly.
"""

from __future__ import annotations

import argparse
import base64
import json
import signal
import sys
import threading
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import FrameType
from typing import IO, Any
from urllib.parse import urlsplit


class RequestLog:
    def __init__(self, path: Path) -> None:
        self._lock = threading.Lock()
        self._fh: IO[str] = path.open("a", encoding="utf-8")

    def write(self, method: str, path: str, status: int | str) -> None:
        with self._lock:
            self._fh.write(f"REQ {method} {path} {status}\n")
            self._fh.flush()

    def close(self) -> None:
        with self._lock:
            self._fh.close()


def _status(code: Any) -> int | str:
    try:
        return int(code)
    except (TypeError, ValueError):
        return str(code)


class StaticHandler(SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    request_log: RequestLog

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        self.request_log.write(self.command, self.path, _status(code))

    def log_message(self, format: str, *args: Any) -> None:
        pass


class RawHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    request_log: RequestLog
    routes: dict[str, dict[str, Any]]

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        self.request_log.write(self.command, self.path, _status(code))

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _answer(self, *, head: bool) -> None:
        route = self.routes.get(urlsplit(self.path).path)
        if route is None:
            status, ctype, body, headers = 404, "text/plain", b"not found\n", {}
        else:
            status = int(route["status"])
            ctype = str(route.get("content_type", "text/plain"))
            body = base64.b64decode(route.get("body_b64", ""))
            headers = dict(route.get("headers", {}))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients hanging up is not worth a traceback


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--raw", action="store_true", help="ROOT is a routes JSON file")
    parser.add_argument("root", type=Path)
    parser.add_argument("port", type=int)
    parser.add_argument("logfile", type=Path)
    args = parser.parse_args(argv)

    request_log = RequestLog(args.logfile)
    handler: Any
    if args.raw:
        routes = json.loads(args.root.read_text(encoding="utf-8"))
        handler = type("Raw", (RawHandler,), {"request_log": request_log, "routes": routes})
    else:
        cls = type("Static", (StaticHandler,), {"request_log": request_log})
        handler = partial(cls, directory=str(args.root))

    def on_signal(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        with Server(("127.0.0.1", args.port), handler) as httpd:
            port = httpd.server_address[1]
            print(f"LISTENING http://127.0.0.1:{port}", flush=True)
            httpd.serve_forever(poll_interval=0.1)
    except SystemExit:
        pass
    finally:
        request_log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
