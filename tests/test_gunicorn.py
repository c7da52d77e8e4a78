"""gunicorn.conf.py: production defaults, environment overrides, and a real start."""

from __future__ import annotations

import os
import runpy
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import urlopen

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "gunicorn.conf.py"


@pytest.fixture
def settings(monkeypatch):
    for name in list(os.environ):
        if name.startswith("GUNICORN_"):
            monkeypatch.delenv(name)

    def read(**environment: str) -> dict:
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(CONFIG))

    return read


def test_defaults_suit_a_small_server_behind_a_local_proxy(settings):
    config = settings()
    cores = len(os.sched_getaffinity(0))

    assert config["bind"] == ["127.0.0.1:8000"]
    assert config["workers"] == min(2 * cores + 1, 8)
    assert config["worker_class"] == "sync"
    assert config["preload_app"] is False
    assert config["accesslog"] == "-"
    assert config["graceful_timeout"] > 0
    assert config["max_requests"] > 0 and 0 < config["max_requests_jitter"] < config["max_requests"]
    assert config["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert config["wsgi_app"] == "meetups:create_app()"


def test_the_environment_overrides_the_defaults(settings):
    config = settings(
        GUNICORN_BIND="0.0.0.0:9000,unix:/run/meetups.sock",
        GUNICORN_WORKERS="3",
        GUNICORN_MAX_REQUESTS="0",
        GUNICORN_FORWARDED_ALLOW_IPS="10.0.0.5",
    )

    assert config["bind"] == ["0.0.0.0:9000", "unix:/run/meetups.sock"]
    assert config["workers"] == 3
    assert config["max_requests"] == config["max_requests_jitter"] == 0
    assert config["forwarded_allow_ips"] == "10.0.0.5"


def test_a_malformed_number_stops_gunicorn_saying_which(settings):
    with pytest.raises(SystemExit, match="GUNICORN_WORKERS must be a whole number"):
        settings(GUNICORN_WORKERS="many")


def test_gunicorn_serves_the_site_with_it(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "MEETUPS_"))},
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
        "MEETUPS_SECRET_KEY": "s" * 64,
        "MEETUPS_DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
    }
    migrated = subprocess.run(
        [sys.executable, "-m", "meetups", "db", "upgrade"],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert migrated.returncode == 0, migrated.stderr
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(CONFIG)],
            cwd=tmp_path,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        status = _wait_for(f"http://127.0.0.1:{port}/healthz", server)
    finally:
        server.terminate()
        server.wait(timeout=30)

    assert status == 200, log.read_text()
    assert '"GET /healthz HTTP/1.1" 200' in log.read_text()  # the access log, on stdout


def _wait_for(url: str, server: subprocess.Popen, seconds: float = 30) -> int | None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urlopen(url, timeout=5) as response:
                return response.status
        except (URLError, ConnectionError):
            time.sleep(0.1)
    return None


def test_a_bad_site_setting_stops_gunicorn_with_one_line(tmp_path):
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "MEETUPS_"))},
        "GUNICORN_BIND": "127.0.0.1:0",
        "GUNICORN_WORKERS": "2",
        "MEETUPS_SECRET_KEY": "s" * 64,
        "MEETUPS_DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "MEETUPS_MAIL_PORT": "70000",
    }

    stopped = subprocess.run(
        [sys.executable, "-m", "gunicorn", "-c", str(CONFIG)],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    output = stopped.stdout + stopped.stderr
    assert stopped.returncode != 0
    assert output.count("MEETUPS_MAIL_PORT must be a port number") == 1, output
    assert "Traceback" not in output and "Booting worker" not in output, output
