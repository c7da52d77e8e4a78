"""A local HTTP(S) server that serves calendars the way real ones answer, for the sync tests."""

from __future__ import annotations

import hashlib
import ssl
import sys
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
        # Over TLS: the name each client asked for in its handshake (SNI), None for none.
        self.server_names: list[str | None] = []
        self.scheme = "http"
        self.port = 0

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}{path}"


def _handler(server: FeedServer, tls: ssl.SSLContext | None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def setup(self) -> None:
            # The handshake happens here, in the connection's thread, not in the accepting one.
            if tls is not None:
                self.request = tls.wrap_socket(self.request, server_side=True)
            super().setup()

        def finish(self) -> None:
            super().finish()
            if tls is not None:
                self.request.close()  # the server closes only the socket it accepted

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


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client refusing our certificate is what some tests want: not worth a traceback."""
        if not isinstance(sys.exc_info()[1], (ssl.SSLError, ConnectionError)):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


@contextmanager
def serving(certificate: tuple[str, str] | None = None) -> Iterator[FeedServer]:
    """A server on 127.0.0.1; over TLS when given (certificate file, key file)."""
    feeds = FeedServer()
    tls = None
    if certificate is not None:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(*certificate)
        tls.sni_callback = lambda _socket, name, _context: feeds.server_names.append(name)
        feeds.scheme = "https"
    httpd = _Server(("127.0.0.1", 0), _handler(feeds, tls))
    feeds.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield feeds
    finally:
        httpd.shutdown()
        httpd.server_close()
