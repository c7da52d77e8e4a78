"""gunicorn as in production (sync workers), on a free local port, for the length of a run."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .load import fetch
from .wsgi import FLOOR_PATH

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
STARTUP_SECONDS = 60
# Long enough for the first render of a 100,000-meetup feed; gunicorn's 30 s is not.
WORKER_TIMEOUT_SECONDS = 600


class ServerError(RuntimeError):
    """gunicorn did not start; the message holds the end of its log."""


@dataclass(frozen=True)
class Server:
    base_url: str
    process: subprocess.Popen[bytes]

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker (VmRSS), in MB."""
        return [_rss_mb(pid) for pid in _children(self.process.pid)]


@contextmanager
def gunicorn(log: Path) -> Iterator[Server]:
    """Serve `bench.wsgi`, configured by our MEETUPS_* variables; stop it on the way out."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        # Not the production gunicorn.conf.py, which gunicorn reads from the current folder.
        f"--config={PROJECT_ROOT / 'bench' / 'gunicorn_settings.py'}",
        f"--workers={WORKERS}",
        "--worker-class=sync",
        f"--bind=127.0.0.1:{port}",
        f"--timeout={WORKER_TIMEOUT_SECONDS}",
        f"--chdir={PROJECT_ROOT}",
        f"--error-logfile={log}",
        "bench.wsgi:create_bench_app()",
    ]
    with log.open("ab") as stream:
        process = subprocess.Popen(command, stdout=stream, stderr=stream)
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        _wait_until_ready(server, log)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_ready(server: Server, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerError(f"gunicorn exited ({server.process.returncode}):\n{_tail(log)}")
        try:
            if fetch(server.base_url + FLOOR_PATH)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise ServerError(f"gunicorn not ready after {STARTUP_SECONDS} s:\n{_tail(log)}")


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (the gunicorn master's workers)."""
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name may hold spaces and parentheses; fields resume after the last ")".
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return sorted(children)


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ServerError(f"no VmRSS for process {pid}")
