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
from .wsgi import READY_PATH

PROJECT_ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
STARTUP_SECONDS = 60
# Long enough for the first render of a 100,000-meetup feed; gunicorn's 30 s is not.
WORKER_TIMEOUT_SECONDS = 600
# Workers count as idle when, over one sample, they used at most this many clock ticks
# (1/100 s each) of CPU between them: a busy worker uses about 25.
IDLE_SAMPLE_SECONDS = 0.25
IDLE_MAX_TICKS = 2


class ServerError(RuntimeError):
    """gunicorn did not start; the message holds the end of its log."""


@dataclass(frozen=True)
class Server:
    base_url: str
    process: subprocess.Popen[bytes]

    def worker_rss_mb(self) -> list[float]:
        """Resident memory of each worker (VmRSS), in MB."""
        return [_rss_mb(pid) for pid in _children(self.process.pid)]

    def wait_until_idle(self) -> None:
        """Return once no worker is busy, or after a worker's timeout.

        When wrk stops, requests it sent are still queued or under way: a slow
        route (a 100,000-meetup feed takes seconds) would keep the workers busy
        well into the next route's load, and count against it.
        """
        deadline = time.monotonic() + WORKER_TIMEOUT_SECONDS
        before = self._cpu_ticks()
        while time.monotonic() < deadline:
            time.sleep(IDLE_SAMPLE_SECONDS)
            now = self._cpu_ticks()
            if now - before <= IDLE_MAX_TICKS:
                return
            before = now

    def _cpu_ticks(self) -> int:
        return sum(_cpu_ticks(pid) for pid in _children(self.process.pid))


SITE_APP = "bench.wsgi:create_bench_app()"
FLOOR_APP = "bench.floor:create_floor_app()"


@contextmanager
def gunicorn(log: Path, app: str = SITE_APP, probe: str = READY_PATH) -> Iterator[Server]:
    """Serve `app` (by default the site, configured by our MEETUPS_* variables) until the
    block ends; `probe` answers 200 once it is up. The floor app runs with the same settings."""
    port = free_port()
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
        app,
    ]
    with log.open("ab") as stream:
        process = subprocess.Popen(command, stdout=stream, stderr=stream)
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        _wait_until_ready(server, log, probe)
        yield server
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """Ask a server to stop; kill it if it has not within 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    """A loopback port nothing listens on now (another process may take it: unlikely)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_ready(server: Server, log: Path, probe: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerError(f"gunicorn exited ({server.process.returncode}):\n{_tail(log)}")
        try:
            if fetch(server.base_url + probe)[0] == 200:
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
        fields = _stat_fields(stat)
        if fields and int(fields[1]) == pid:
            children.append(int(stat.parent.name))
    return sorted(children)


def _cpu_ticks(pid: int) -> int:
    """User and system CPU time of a process so far, in clock ticks (0 once it is gone)."""
    fields = _stat_fields(Path(f"/proc/{pid}/stat"))
    return int(fields[11]) + int(fields[12]) if fields else 0


def _stat_fields(stat: Path) -> list[str]:
    """/proc/PID/stat from the state on (field 3), or [] when the process is gone."""
    try:
        # The command name may hold spaces and parentheses; fields resume after the last ")".
        return stat.read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise ServerError(f"no VmRSS for process {pid}")
