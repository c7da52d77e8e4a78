"""nginx serving the exported feeds, as in production: the physical limit for a feed.

Debian's nginx, run in the foreground on a free loopback port with a config
written for the run (every path in the scratch folder, so it needs no root
and touches nothing of a system nginx). Its feed location mirrors the
README's production example.
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


def config(public: Path, scratch: Path, port: int, workers: int, run_as: str | None) -> str:
    """A minimal nginx.conf serving `public`/feeds/**.ics on 127.0.0.1:`port`.

    `run_as` is the user for the workers when nginx starts as root (otherwise
    they would run as nobody, who cannot read the private scratch folder).
    """
    temp = "\n".join(f'    {name}_temp_path "{scratch / "nginx" / name}";' for name in TEMP_FOLDERS)
    user = f"user {run_as};\n" if run_as else ""
    return f"""# Written by bench/nginx.py for one benchmark run.
daemon off;
{user}worker_processes {workers};
pid "{scratch / "nginx" / "nginx.pid"}";
error_log "{scratch / "nginx" / "error.log"}";

events {{
    worker_connections 1024;
}}

http {{
    access_log off;
{temp}
    default_type application/octet-stream;
    sendfile on;

    server {{
        listen 127.0.0.1:{port};

        # As the README's production example, without the fallback to the app.
        location ~ ^/feeds/.+\\.ics$ {{
            root "{public}";
            types {{ text/calendar ics; }}
            charset utf-8;
            charset_types text/calendar;
            etag on;
            gzip on;
            gzip_types text/calendar;
            add_header Cache-Control "public, max-age=3600";
            add_header X-Content-Type-Options nosniff;
            try_files $uri =404;
        }}
    }}
}}
"""


@contextmanager
def nginx(public: Path, scratch: Path, port: int, workers: int, probe: str) -> Iterator[str]:
    """Serve `public` until the block ends, whatever happens; yields the base URL.

    `probe` is a path that must answer 200 before the server counts as up.
    """
    program = binary()
    if program is None:
        raise NginxError("nginx is not installed")
    folder = scratch / "nginx"
    for name in TEMP_FOLDERS:
        (folder / name).mkdir(parents=True, exist_ok=True)
    conf = folder / "nginx.conf"
    run_as = pwd.getpwuid(os.geteuid()).pw_name if os.geteuid() == 0 else None
    conf.write_text(config(public, scratch, port, workers, run_as), encoding="utf-8")
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
