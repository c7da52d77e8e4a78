"""The shared page cache the benchmark's workers use, as the README advises deployers
running several workers: a Redis database of its own, emptied first, when one answers."""

from __future__ import annotations

DEFAULT_URL = "redis://127.0.0.1:6379/14"
NONE = "none"


def prepare(url: str) -> tuple[str, str]:
    """The address for MEETUPS_SHARED_CACHE_URL (empty: none) and what the run used, in words.

    The database is emptied, so that no page of an earlier run (whose ETags could
    match: same code, same generated data) is served as if this run had rendered it.
    """
    if url == NONE:
        return "", "none (--shared-cache none)"
    try:
        import redis
    except ImportError:
        return "", "none (the redis package is not installed)"
    client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.flushdb()
    except (redis.RedisError, OSError) as error:
        return "", f"none (Redis at {url} did not answer: {error})"
    finally:
        client.close()
    return url, f"Redis at {url}"
