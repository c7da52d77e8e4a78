"""Answers a visitor's repeated request before Flask sees it.

A kept page (`page_cache`), a kept feed or API answer, or a feed poller's 304
costs little to work out but
still goes through Flask's whole request cycle: routing, the language, the
session, the rate limiter's and the security headers' hooks. Those cost three
times what the answer does, and such requests are most of what the site serves.
So when a view answers a visitor (no cookie) with something anyone may be given,
it leaves an `Offer` in the request's environ: what the answer is valid for (the
data version, until when), how to tell that a client's validators match, and
the body if it is kept. This WSGI middleware keeps the final status and headers
with that offer, and answers the same request again from them, as a 304 or in
full, while the data version is the same and the time has not come; anything
else goes to Flask as before.

The answers are the ones Flask gave, byte for byte (`Date` aside): headers are
kept after every hook ran, and a shared cache tells requests apart by the
address and the request headers the answer's `Vary` names, as any HTTP cache
does. Only GET and HEAD without a cookie are answered here. Our rate limits
count only POSTs; should a deployer set site-wide limits, which count reads too,
every request goes through Flask (`limits_reads`), so nothing is skipped that a
visitor's request needed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from werkzeug.datastructures import ETags
from werkzeug.http import parse_date, parse_etags

from meetups.data_version import DataVersion
from meetups.lru import BytesLRU

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

OFFER = "meetups.front_door.offer"
# What one kept answer costs besides its body, measured (`tests/test_front_door.py`): its
# headers, key, validators and entry. Counted at less, the door held half again its memory.
ENTRY_OVERHEAD = 2048
# What remembering which headers an address's answers vary on costs: its key, the names.
VARY_OVERHEAD = 320
# Headers whose value is each answer's own; every other header is kept once for all
# answers that send it (the security headers, Vary, Content-Type: most of an entry).
_OWN_VALUES = frozenset(
    {"etag", "date", "content-length", "last-modified", "cache-control", "location", "link"}
)
# At most this many shared values, so that headers or request values that vary (a
# client's made-up `Accept-Encoding`) cannot grow it.
_MOST_SHARED = 512
# A body bigger than this share of the memory (a whole country's feed) is not kept
# here: it would crowd out hundreds of pages. Its 304s still are. At the default 6 MB,
# 128 KB: a big country's page sent to a client that does not take gzip (China's, at
# 10,000 meetups, 127 KB) is kept, as it was at 8 MB and 1/64.
LARGEST_SHARE = 48


class Body(Protocol):
    """A kept answer's body, and the memory it takes (compressed, for a page)."""

    @property
    def body(self) -> bytes: ...

    @property
    def size(self) -> int: ...


@dataclass(frozen=True, slots=True)
class Plain:
    """A body kept as it is sent (a feed, gzipped or not; an API answer)."""

    body: bytes

    @property
    def size(self) -> int:
        return len(self.body)


@dataclass(frozen=True, slots=True)
class Offer:
    """What a view says about its answer, so that the same request can be answered again.

    `not_modified` decides whether a client's `If-None-Match` and `If-Modified-Since`
    match (as the view itself would); `kept` is the body for a full answer, the same
    bytes the view's own cache holds (none: only 304s are answered here); and
    `cache_control`, given the time, says the lifetime left, for answers whose
    lifetime shrinks as their time bucket ends.
    """

    version: tuple
    until: float
    not_modified: Callable[[ETags, datetime | None], bool]
    kept: Body | None = None
    cache_control: Callable[[float], str] | None = None


def offer(environ: WSGIEnvironment, made: Offer) -> None:
    """Let the front door keep this request's answer (called by views, for visitors)."""
    environ[OFFER] = made


@dataclass(frozen=True, slots=True)
class _Entry:
    """What Flask answered for one request: in full (for pages), as a 304, or both."""

    offer: Offer
    status: str | None = None
    headers: list[tuple[str, str]] | None = None
    not_modified_headers: list[tuple[str, str]] | None = None

    @property
    def size(self) -> int:
        return ENTRY_OVERHEAD + (self.offer.kept.size if self.offer.kept else 0)

    def same_answer(self, other: Offer) -> bool:
        return self.offer.version == other.version and self.offer.until == other.until


class FrontDoor:
    """The WSGI middleware: `app.wsgi_app = FrontDoor(app.wsgi_app, data, max_bytes)`."""

    def __init__(
        self,
        app: WSGIApplication,
        data: DataVersion,
        max_bytes: int,
        clock: Callable[[], float] | None = None,
        limits_reads: Callable[[], bool] = lambda: False,
    ) -> None:
        self.app = app
        self.limits_reads = limits_reads
        self.data = data
        self.clock = clock or _now
        self._entries = BytesLRU[_Entry](max_bytes, size=lambda entry: entry.size)
        self._largest_body = max_bytes // LARGEST_SHARE
        # Which request headers each address's answers vary on, from their `Vary`; bounded
        # too, as every query string a visitor makes up is an address.
        self._varies = BytesLRU[tuple[str, ...]](
            max(max_bytes // 8, VARY_OVERHEAD), size=lambda _names: VARY_OVERHEAD
        )
        self._shared: dict[Any, Any] = {}

    @property
    def held_bytes(self) -> int:
        """The memory the kept answers and the addresses' `Vary` names are counted at."""
        return self._entries.held_bytes + self._varies.held_bytes

    @property
    def addresses_remembered(self) -> int:
        return len(self._varies)

    def clear(self) -> None:
        """Forget every answer (as a restart would)."""
        self._entries.clear()
        self._varies.clear()

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if (
            environ.get("REQUEST_METHOD") not in ("GET", "HEAD")
            or "HTTP_COOKIE" in environ
            or self.limits_reads()
        ):
            return self.app(environ, start_response)
        address = _address(environ)
        varies = self._varies.get(address)
        if varies is not None:
            answer = self._answer(environ, address + _values(environ, varies), start_response)
            if answer is not None:
                return answer
        return self._through(environ, start_response, address)

    def _answer(
        self, environ: WSGIEnvironment, key: tuple, start_response: StartResponse
    ) -> Iterable[bytes] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        now = self.clock()
        if now >= entry.offer.until or entry.offer.version != self.data.peek():
            return None
        since = environ.get("HTTP_IF_MODIFIED_SINCE")
        tags = parse_etags(environ.get("HTTP_IF_NONE_MATCH"))
        if (tags or since) and entry.offer.not_modified(tags, parse_date(since)):
            if entry.not_modified_headers is None:
                return None
            start_response("304 NOT MODIFIED", _fresh(entry.not_modified_headers, entry, now))
            return []
        if entry.status is None or entry.headers is None or entry.offer.kept is None:
            return None
        start_response(entry.status, _fresh(entry.headers, entry, now))
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [entry.offer.kept.body]

    def _through(
        self, environ: WSGIEnvironment, start_response: StartResponse, address: tuple
    ) -> Iterable[bytes]:
        """Flask answers; keep what it said if the view offered it."""

        def keep(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            made: Offer | None = environ.get(OFFER)
            if made is not None and environ["REQUEST_METHOD"] == "GET":
                self._keep(environ, address, made, status, headers)
            return start_response(status, headers, *rest)

        return self.app(environ, keep)

    def _keep(
        self,
        environ: WSGIEnvironment,
        address: tuple,
        made: Offer,
        status: str,
        headers: list[tuple[str, str]],
    ) -> None:
        code = int(status.split(" ", 1)[0])
        if not _for_anyone(headers):
            return
        if made.kept is not None and made.kept.size > self._largest_body:
            made = replace(made, kept=None)
        if code >= 400 or (code != 304 and made.kept is None):
            return
        # The scheme and host are the same few for every address: kept once.
        scheme, host, *rest = address
        address = (self._one(scheme), self._one(host), *rest)
        varies = self._varies.replace(address, self._one(_vary(headers)))
        key = address + tuple(self._one(value) for value in _values(environ, varies))
        known = self._entries.get(key)
        entry = known if known is not None and known.same_answer(made) else _Entry(made)
        kept_headers = self._headers(headers)
        if code == 304:
            entry = replace(entry, not_modified_headers=kept_headers)
        else:
            entry = replace(entry, offer=made, status=self._one(status), headers=kept_headers)
        self._entries.replace(key, entry)

    def _headers(self, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [
            header if header[0].lower() in _OWN_VALUES else self._one(header) for header in headers
        ]

    def _one(self, value: Any) -> Any:
        """The first equal value kept, so that thousands of entries share one copy."""
        found = self._shared.get(value)
        if found is not None:
            return found
        if len(self._shared) < _MOST_SHARED:
            self._shared[value] = value
        return value


def _for_anyone(headers: list[tuple[str, str]]) -> bool:
    """Whether an answer may be given to others, whatever the view offered: one that sets
    a cookie, or that a hook marked private, is its visitor's alone."""
    for name, value in headers:
        lowered = name.lower()
        if lowered == "set-cookie":
            return False
        if lowered == "cache-control" and ("private" in value or "no-store" in value):
            return False
    return True


def _now() -> float:
    """The time as the views read it (`time.time()`, looked up at each call)."""
    return time.time()


def _address(environ: WSGIEnvironment) -> tuple[str, ...]:
    return (
        environ.get("wsgi.url_scheme", "http"),
        environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""),
        environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
    )


def _vary(headers: list[tuple[str, str]]) -> tuple[str, ...]:
    names = [
        name.strip()
        for key, value in headers
        if key.lower() == "vary"
        for name in value.split(",")
        if name.strip()
    ]
    return tuple(sorted({"HTTP_" + name.upper().replace("-", "_") for name in names}))


def _values(environ: WSGIEnvironment, varies: tuple[str, ...]) -> tuple[str | None, ...]:
    return tuple(environ.get(name) for name in varies)


def _fresh(headers: list[tuple[str, str]], entry: _Entry, now: float) -> list[tuple[str, str]]:
    if entry.offer.cache_control is None:
        return headers
    control = entry.offer.cache_control(now)
    return [
        ("Cache-Control", control) if name.lower() == "cache-control" else (name, value)
        for name, value in headers
    ]
