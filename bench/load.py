"""Driving one URL with concurrent requests: wrk when installed, else a Python client.

Both report the same numbers: requests per second, median and 99th percentile
latency, and how many answers were not the expected status (or failed).
"""

from __future__ import annotations

import http.client
import math
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

# One wrk thread is plenty for a few thousand requests a second, and leaves the
# second core to the server.
WRK_THREADS = 1
REQUEST_TIMEOUT_SECONDS = 120
# The Python client stops at this many requests even if time is left.
MAX_REQUESTS = 500_000

_WRK_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}
_WRK_PERCENTILE = re.compile(r"^\s*(50|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s|m|h)\s*$", re.M)
_WRK_TOTAL = re.compile(r"(\d+) requests in ([\d.]+)(us|ms|s|m|h)")
_WRK_ERRORS = re.compile(r"(?:connect|read|write|timeout) (\d+)|Non-2xx or 3xx responses: (\d+)")


class LoadError(RuntimeError):
    """The load generator could not run or its output could not be read."""


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def requests_per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def client_name() -> str:
    """Which load generator `drive` uses on this machine."""
    return "wrk" if shutil.which("wrk") else "python"


def drive(
    url: str, headers: Mapping[str, str], status: int, seconds: int, connections: int
) -> LoadResult:
    """Send requests to `url` from `connections` connections for `seconds` seconds."""
    if client_name() == "wrk":
        return _drive_wrk(url, headers, seconds, connections)
    return _drive_python(url, headers, status, seconds, connections)


def fetch(url: str, headers: Mapping[str, str] | None = None) -> tuple[int, bytes]:
    """One GET: (status, body). Raises OSError when nothing answers."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        connection.request("GET", _target(parts), headers=dict(headers or {}))
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def warm(url: str, headers: Mapping[str, str], status: int, concurrency: int, rounds: int) -> None:
    """Requests in concurrent rounds, so every worker has answered (and cached) the URL once.

    Raises LoadError when an answer is not the expected status: load figures for
    an error page would be meaningless.
    """
    for _ in range(rounds):
        answers: list[int | str] = []
        threads = [
            threading.Thread(target=_answer_status, args=(url, headers, answers))
            for _ in range(concurrency)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wrong = [answer for answer in answers if answer != status]
        if wrong:
            raise LoadError(f"answered {wrong[0]}, expected {status}")


def _answer_status(url: str, headers: Mapping[str, str], answers: list[int | str]) -> None:
    try:
        answers.append(fetch(url, headers)[0])
    except (OSError, http.client.HTTPException) as error:
        answers.append(f"{type(error).__name__}: {error}")


def _drive_wrk(url: str, headers: Mapping[str, str], seconds: int, connections: int) -> LoadResult:
    command = [
        "wrk",
        f"--threads={min(WRK_THREADS, connections)}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        f"--timeout={REQUEST_TIMEOUT_SECONDS}s",
        "--latency",
    ]
    for name, value in headers.items():
        command += ["--header", f"{name}: {value}"]
    done = subprocess.run([*command, url], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise LoadError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout}")
    return parse_wrk(done.stdout)


def parse_wrk(output: str) -> LoadResult:
    """The numbers of `wrk --latency` output; socket errors and non-2xx/3xx count as errors."""
    percentiles = {
        match[1]: float(match[2]) * _WRK_UNITS[match[3]]
        for match in _WRK_PERCENTILE.finditer(output)
    }
    total = _WRK_TOTAL.search(output)
    if total is None or set(percentiles) != {"50", "99"}:
        raise LoadError(f"cannot read wrk output:\n{output}")
    errors = sum(int(a or b) for a, b in _WRK_ERRORS.findall(output))
    return LoadResult(
        requests=int(total[1]),
        seconds=float(total[2]) * _WRK_UNITS[total[3]] / 1e3,
        p50_ms=percentiles["50"],
        p99_ms=percentiles["99"],
        errors=errors,
    )


def _drive_python(
    url: str, headers: Mapping[str, str], status: int, seconds: int, connections: int
) -> LoadResult:
    """Threads with one keep-alive connection each, stopping at the deadline or the cap."""
    parts = urlsplit(url)
    deadline = time.perf_counter() + seconds
    cap = max(1, MAX_REQUESTS // connections)
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections

    def run(index: int) -> None:
        connection = http.client.HTTPConnection(parts.netloc, timeout=REQUEST_TIMEOUT_SECONDS)
        mine = latencies[index]
        while len(mine) < cap and (started := time.perf_counter()) < deadline:
            ok = answer(connection, _target(parts), headers) == status
            mine.append(time.perf_counter() - started)
            errors[index] += not ok
        connection.close()

    return on_threads(run, latencies, errors)


def answer(
    connection: http.client.HTTPConnection, path: str, headers: Mapping[str, str]
) -> int | None:
    """The status of one GET on a kept-alive connection, read whole; None when it failed."""
    try:
        connection.request("GET", path, headers=dict(headers))
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        connection.close()
        return None


def on_threads(
    run: Callable[[int], None], latencies: list[list[float]], errors: list[int]
) -> LoadResult:
    """`run(index)` on one thread per connection, each recording into its own list and
    error count; the latencies and errors of all of them."""
    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(latencies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    everything = sorted(latency for mine in latencies for latency in mine)
    return LoadResult(
        requests=len(everything),
        seconds=elapsed,
        p50_ms=_percentile(everything, 50) * 1e3,
        p99_ms=_percentile(everything, 99) * 1e3,
        errors=sum(errors),
    )


def _target(parts: SplitResult) -> str:
    """The request target: the path with its query, which the routes' answers depend on."""
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _percentile(ordered: list[float], percent: float) -> float:
    """Nearest-rank percentile of sorted values (0 when there are none)."""
    if not ordered:
        return 0.0
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]
