"""nginx as in production: serving the exported feeds (the physical limit for a feed),
and as a shared cache (`proxy_cache`) in front of gunicorn, for the realistic mix.

Debian's nginx, run in the foreground on a free loopback port with a config
written for the run (every path in the scratch folder, so it needs no root
and touches nothing of a system nginx). Its locations mirror the README's
production example.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .load import fetch
from .server import stop

STARTUP_SECONDS = 10
# Debian installs nginx in /usr/sbin, which is not on every user's PATH.
SEARCH_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
TEMP_FOLDERS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


class NginxError(RuntimeError):
    """nginx did not start; the message holds the end of its error log."""


def binary() -> str | None:
    """nginx's path, or None when it is not installed."""
    return shutil.which("nginx", path=SEARCH_PATH)


FILES = "nginx"
CACHE = "nginx-cache"


def config(public: Path, scratch: Path, port: int, workers: int, run_as: str | None) -> str:
    """A minimal nginx.conf serving `public`/feeds/**.ics on 127.0.0.1:`port`.

    `run_as` is the user for the workers when nginx starts as root (otherwise
    they would run as nobody, who cannot read the private scratch folder).
    """
    return f"""{_head(scratch / FILES, workers, run_as)}

    server {{
        listen 127.0.0.1:{port};

        # As the README's production example, without the fallback to the app.
{_feed_location(public, "=404")}
    }}
}}
"""


def cache_config(
    public: Path, scratch: Path, port: int, workers: int, run_as: str | None, upstream: int
) -> str:
    """nginx as the README's production example: exported feeds from `public`, anything else
    from gunicorn on 127.0.0.1:`upstream` through `proxy_cache`."""
    folder = scratch / CACHE
    return f"""{_head(folder, workers, run_as)}
    proxy_cache_path "{folder / "cache"}" keys_zone=meetups:10m max_size=1g inactive=1h;

    upstream meetups {{
        server 127.0.0.1:{upstream};
        keepalive 8;
    }}

    server {{
        listen 127.0.0.1:{port};

        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;

{_feed_location(public, "@app")}

        location / {{
            proxy_pass http://meetups;
            proxy_cache meetups;
            proxy_cache_revalidate on;
            proxy_cache_use_stale updating error timeout;
            proxy_cache_lock on;
            proxy_cache_bypass $cookie_session$cookie_remember_token;
            proxy_no_cache $cookie_session$cookie_remember_token;
        }}

        location @app {{
            proxy_pass http://meetups;
        }}
    }}
}}
"""


def _head(folder: Path, workers: int, run_as: str | None) -> str:
    """The main and events blocks, and the opening of the http block, for a run's folder."""
    temp = "\n".join(f'    {name}_temp_path "{folder / name}";' for name in TEMP_FOLDERS)
    user = f"user {run_as};\n" if run_as else ""
    return f"""# Written by bench/nginx.py for one benchmark run.
daemon off;
{user}worker_processes {workers};
pid "{folder / "nginx.pid"}";
error_log "{folder / "error.log"}";

events {{
    worker_connections 1024;
}}

http {{
    access_log off;
{temp}
    default_type application/octet-stream;
    sendfile on;"""


def _feed_location(public: Path, fallback: str) -> str:
    return f"""        location ~ ^/feeds/.+\\.ics$ {{
            root "{public}";
            types {{ text/calendar ics; }}
            charset utf-8;
            charset_types text/calendar;
            etag on;
            gzip_static on;
            gzip_vary on;
            gzip on;
            gzip_types text/calendar;
            add_header Cache-Control "public, max-age=3600";
            add_header X-Content-Type-Options nosniff;
            try_files $uri {fallback};
        }}"""


@contextmanager
def nginx(
    public: Path,
    scratch: Path,
    port: int,
    workers: int,
    probe: str,
    upstream: int | None = None,
) -> Iterator[str]:
    """Serve `public` until the block ends, whatever happens; yields the base URL.

    With `upstream` (gunicorn's port), nginx is a `proxy_cache` in front of it too.
    `probe` is a path that must answer 200 before the server counts as up.
    """
    program = binary()
    if program is None:
        raise NginxError("nginx is not installed")
    folder = scratch / (FILES if upstream is None else CACHE)
    for name in TEMP_FOLDERS:
        (folder / name).mkdir(parents=True, exist_ok=True)
    conf = folder / "nginx.conf"
    run_as = pwd.getpwuid(os.geteuid()).pw_name if os.geteuid() == 0 else None
    text = (
        config(public, scratch, port, workers, run_as)
        if upstream is None
        else cache_config(public, scratch, port, workers, run_as, upstream)
    )
    conf.write_text(text, encoding="utf-8")
    log = folder / "error.log"
    # -e: the compiled-in error log (/var/log/nginx) is opened before the config is read.
    command = [program, "-p", str(folder), "-e", str(log), "-c", str(conf)]
    with log.open("ab") as stream:
        process = subprocess.Popen(command, stdout=stream, stderr=stream)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(process, base_url + probe, log)
        yield base_url
    finally:
        stop(process)


def etag(url: str) -> str:
    """nginx's ETag for a file (from its size and time: not the app's), for the 304 target."""
    with urllib.request.urlopen(url, timeout=STARTUP_SECONDS) as response:
        value = response.headers.get("ETag")
    if not value:
        raise NginxError(f"{url} has no ETag: is `etag on` in the config?")
    return value


def _wait_until_ready(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise NginxError(f"nginx exited ({process.returncode}):\n{_tail(log)}")
        try:
            status = fetch(url)[0]
        except OSError:
            time.sleep(0.05)
            continue
        if status == 200:
            return
        raise NginxError(f"nginx answered {status} for {url}:\n{_tail(log)}")
    raise NginxError(f"nginx not ready after {STARTUP_SECONDS} s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 20) -> str:
    if not log.exists():
        return "(no error log)"
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
