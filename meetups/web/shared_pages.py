"""Visitors' pages kept in Redis for every worker, when a deployer sets one.

Each worker keeps the pages it rendered (`page_cache`), so with several workers
most first visits to a page land on a worker that has not rendered it yet: at
10,000 meetups the benchmark's realistic mix rendered each page once per worker,
and a render costs twenty to fifty times answering from memory. With
`MEETUPS_SHARED_CACHE_URL`, a page rendered by one worker is stored under its
ETag (which names the address, language, data version, time bucket and code)
until its time bucket ends, and any worker that misses it in memory reads it
from there (a fraction of a millisecond) instead of rendering it.

Redis is a help, never a need: when it does not answer quickly, the page is
rendered as without it, and the worker says so in its log once a minute.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from meetups.web.page_cache import Kept

log = logging.getLogger(__name__)

PREFIX = "meetups:page:"
# Long enough for a loaded Redis on the same network, short enough that a lost one
# costs a visitor little more than the render.
TIMEOUT_SECONDS = 0.1
COMPLAIN_EVERY_SECONDS = 60.0


class SharedPages:
    """Pages by ETag in Redis, each until its time bucket ends."""

    def __init__(self, url: str) -> None:
        import redis

        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self._redis = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        )
        self._complained = 0.0

    def get(self, etag: str) -> Kept | None:
        from meetups.web.page_cache import Kept

        try:
            stored = self._redis.get(PREFIX + etag)
        except self._errors as error:
            self._complain(error)
            return None
        if not isinstance(stored, bytes):
            return None
        head, _, compressed = stored.partition(b"\n")
        status, _, location = head.decode().partition(" ")
        return Kept(compressed, location or None, int(status))

    def put(self, etag: str, kept: Kept, seconds: float) -> None:
        """Keep `kept` for `seconds` (the rest of its time bucket), if it is worth it."""
        if seconds < 1:
            return
        head = f"{kept.status} {kept.location or ''}".encode()
        try:
            self._redis.set(PREFIX + etag, head + b"\n" + kept.compressed, ex=int(seconds))
        except self._errors as error:
            self._complain(error)

    def close(self) -> None:
        """Let go of the connections (a test's workers end; a worker ends with its process)."""
        self._redis.close()

    def _complain(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._complained >= COMPLAIN_EVERY_SECONDS:
            self._complained = now
            log.warning("Shared page cache unreachable, rendering pages instead: %s", error)
