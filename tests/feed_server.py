"""A local HTTP server that serves calendars the way real ones answer, for the sync tests."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FeedServer:
    """Serves `feeds[path]` (bytes) with an ETag; a few paths misbehave on purpose."""

    def __init__(self) -> None:
        self.feeds: dict[str, bytes] = {}
        self.redirects: dict[str, str] = {}
        self.slow: dict[str, bytes] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.answers: list[int] = []
        self.port = 0

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


def _handler(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            server.requests.append((self.path, dict(self.headers.items())))
            if self.path in server.redirects:
                return self._answer(302, b"", {"Location": server.redirects[self.path]})
            if self.path in server.slow:
                return self._trickle(server.slow[self.path])
            body = server.feeds.get(self.path)
            if body is None:
                return self._answer(404, b"not here", {})
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                return self._answer(304, b"", {"ETag": etag})
            self._answer(200, body, {"ETag": etag, "Content-Type": "text/calendar"})

        def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            server.answers.append(status)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _trickle(self, body: bytes) -> None:
            """A byte at a time, each well within a read timeout, too slow in all."""
            server.answers.append(200)
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for byte in body:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass  # the client gave up, as it should

    return Handler


@contextmanager
def serving() -> Iterator[FeedServer]:
    feeds = FeedServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(feeds))
    httpd.daemon_threads = True
    feeds.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield feeds
    finally:
        httpd.shutdown()
        httpd.server_close()
