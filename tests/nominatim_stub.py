"""A local stand-in for Nominatim's `/search` JSON API, the one service tests cannot reach.

geopy talks to it over real HTTP, so its whole code path (URL building, user
agent, timeouts, status codes, JSON parsing) runs as it would in production.
Each request's arrival time, query and user agent are recorded, so tests can
count requests and measure the gaps between them.
"""

from __future__ import annotations

import enum
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit


class Scenario(enum.StrEnum):
    FOUND = "found"
    NOTHING = "nothing"  # an empty list: Nominatim found no place
    SLOW = "slow"  # answers only after `delay` seconds
    ERROR_500 = "500"
    ERROR_503 = "503"
    MALFORMED = "malformed"  # a truncated JSON body
    WRONG_SHAPE = "wrong-shape"  # valid JSON, but not a list of places


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    display_name: str


@dataclass(frozen=True)
class Request:
    arrived: float  # time.monotonic(), comparable with the test's clock
    path: str
    params: dict[str, str]
    user_agent: str

    @property
    def text(self) -> str:
        return self.params.get("q", "")


@dataclass
class NominatimStub:
    """Answers every search with `scenario`, unless a fragment of `by_text` is in the query."""

    scenario: Scenario = Scenario.FOUND
    place: Place = Place(48.8606, 2.3376, "Louvre, Rue de Rivoli, Paris, France")
    by_text: dict[str, Scenario] = field(default_factory=dict)
    delay: float = 2.0
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.stub = self  # type: ignore[attr-defined]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def domain(self) -> str:
        """What geopy takes as `domain`: host and port."""
        return f"127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> NominatimStub:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stopping.set()  # wakes slow answers up, so no thread outlives the test
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def scenario_for(self, text: str) -> Scenario:
        folded = text.casefold()
        return next((s for part, s in self.by_text.items() if part in folded), self.scenario)

    def wait(self, seconds: float) -> None:
        self._stopping.wait(seconds)


class _Handler(BaseHTTPRequestHandler):
    server_version = "NominatimStub/1.0"

    def do_GET(self) -> None:
        stub: NominatimStub = self.server.stub  # type: ignore[attr-defined]
        url = urlsplit(self.path)
        request = Request(
            arrived=time.monotonic(),
            path=url.path,
            params=dict(parse_qsl(url.query)),
            user_agent=self.headers.get("User-Agent", ""),
        )
        stub.record(request)
        if url.path != "/search" or request.params.get("format") not in {"json", "jsonv2"}:
            self._send(400, b'{"error": "unsupported request"}')
            return
        self._answer(stub, stub.scenario_for(request.text))

    def _answer(self, stub: NominatimStub, scenario: Scenario) -> None:
        if scenario == Scenario.SLOW:
            stub.wait(stub.delay)
        if scenario in (Scenario.ERROR_500, Scenario.ERROR_503):
            self._send(int(scenario), b"<html><body>Service unavailable</body></html>", "text/html")
        elif scenario == Scenario.MALFORMED:
            self._send(200, b'[{"place_id": 1, "lat": "48.86", "lon":')
        elif scenario == Scenario.WRONG_SHAPE:
            self._send(200, b'[{"place_id": 1, "osm_type": "way"}]')
        elif scenario == Scenario.NOTHING:
            self._send(200, b"[]")
        else:
            self._send(200, json.dumps([_place_json(stub.place)]).encode())

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a timeout test): nothing to answer

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


def _place_json(place: Place) -> dict[str, object]:
    """The fields of a Nominatim result that geopy reads, as strings like the real service."""
    return {
        "place_id": 1,
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0.",
        "osm_type": "way",
        "lat": str(place.latitude),
        "lon": str(place.longitude),
        "display_name": place.display_name,
        "class": "amenity",
        "type": "cafe",
        "importance": 0.5,
    }
