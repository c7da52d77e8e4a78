"""Answers kept in Redis for every worker, when a deployer sets one.

Each worker keeps what it rendered (`page_cache`, the API's answers), so with
several workers most first visits to a page land on a worker that has not
rendered it yet: in the benchmark's realistic mix each page was rendered once
per worker, and a render costs twenty to fifty times answering from memory.
With `MEETUPS_SHARED_CACHE_URL`, what one worker rendered is stored under its
ETag (which names everything it shows: address, language, data version, time
bucket, code) for as long as it holds, and any worker that misses it in memory
reads it from there (a fraction of a millisecond) instead of rendering it.

Redis is a help, never a need: when it does not answer quickly, the answer is
rendered as without it, and the worker says so in its log once a minute.
"""

from __future__ import annotations

import logging
import time

log = logging.getLogger(__name__)

PREFIX = "meetups:"
# Long enough for a loaded Redis on the same network, short enough that a lost one
# costs a visitor little more than the render.
TIMEOUT_SECONDS = 0.1
COMPLAIN_EVERY_SECONDS = 60.0


class SharedCache:
    """Bytes by key in Redis, each for a given number of seconds."""

    def __init__(self, url: str) -> None:
        import redis

        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self._redis = redis.Redis.from_url(
            url, socket_timeout=TIMEOUT_SECONDS, socket_connect_timeout=TIMEOUT_SECONDS
        )
        self._complained = 0.0

    def get(self, key: str) -> bytes | None:
        try:
            stored = self._redis.get(PREFIX + key)
        except self._errors as error:
            self._complain(error)
            return None
        return stored if isinstance(stored, bytes) else None

    def put(self, key: str, value: bytes, seconds: float) -> None:
        """Keep `value` for `seconds` (less than one: not worth it)."""
        if seconds < 1:
            return
        try:
            self._redis.set(PREFIX + key, value, ex=int(seconds))
        except self._errors as error:
            self._complain(error)

    def close(self) -> None:
        """Let go of the connections (a test's workers end; a worker ends with its process)."""
        self._redis.close()

    def _complain(self, error: Exception) -> None:
        now = time.monotonic()
        if now - self._complained >= COMPLAIN_EVERY_SECONDS:
            self._complained = now
            log.warning("Shared cache unreachable, rendering instead: %s", error)
