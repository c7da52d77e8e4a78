"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py` (README: Production).

Every value can be changed with a GUNICORN_* environment variable; the site itself
is configured with MEETUPS_* variables as usual. gunicorn also reads this file by
itself when started from this folder.
"""

from __future__ import annotations

import os


def _number(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}") from None


def _cores() -> int:
    """CPUs this process may run on (the container's or taskset's share, not the host's)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# More sync workers than this buys nothing on a small machine and costs memory: each
# holds the app and its own caches (README: Production), some 150 MB in all.
MAX_DEFAULT_WORKERS = 8

wsgi_app = "meetups:create_app()"

# Behind nginx on the same machine; GUNICORN_BIND=0.0.0.0:8000 or unix:/run/meetups.sock.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")

# Requests are short and spend their time in Python and the database: sync workers,
# gunicorn's rule of thumb of two per core plus one, within MAX_DEFAULT_WORKERS.
worker_class = "sync"
workers = _number("GUNICORN_WORKERS", min(2 * _cores() + 1, MAX_DEFAULT_WORKERS))

# Each worker creates the app after the fork, so no database connection or socket is
# ever shared between processes (SQLAlchemy's pool is not fork-safe), and `kill -HUP`
# reloads new code with no downtime. Preloading would save some memory, at that cost.
preload_app = False

# A stuck request is killed after this; a first render of the whole-directory feed
# of a large directory takes a few seconds, well within it.
timeout = _number("GUNICORN_TIMEOUT", 60)
# On restart or shutdown (SIGTERM, SIGHUP), requests under way get this long to finish.
graceful_timeout = _number("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Behind a proxy that keeps connections to us open (nginx `keepalive`).
keepalive = 5

# Replace each worker after about this many requests (the jitter keeps them from all
# restarting at once), so that fragmentation or a leak cannot grow memory for ever. A
# new worker starts with an empty feed cache, so not much lower than this. 0 turns it off.
max_requests = _number("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = max(max_requests // 10, 0)

# Addresses allowed to set X-Forwarded-Proto (https), i.e. our reverse proxy: "*"
# only when nothing else can reach gunicorn. Visitors' addresses for rate limits come
# from X-Forwarded-For through MEETUPS_TRUSTED_PROXIES.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs to standard output and error, for systemd's journal or the container's log.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The usual combined format, plus the visitor's address from the proxy and the time taken.
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" '
    'for="%({x-forwarded-for}i)s" %(M)sms'
)


def on_starting(server: object) -> None:
    """Check the site's settings once, in the master, before any worker starts: a bad
    MEETUPS_* setting then stops gunicorn with its one-line message."""
    from meetups.config import ConfigError
    from meetups.factory import check_settings

    try:
        check_settings()
    except ConfigError as error:
        raise SystemExit(f"meetups: {error}") from None


# Worker heartbeats in memory: a container's disk-backed /tmp can stall them.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
