"""The application the benchmark serves: the real site plus the floor.

The floor is a bare route that touches neither the database nor a template,
so its throughput is what Flask and gunicorn cost on this machine; every
route is compared with it, measured in the same run.

gunicorn 'bench.wsgi:create_bench_app()' reads the database and secret key
from MEETUPS_* variables, as in production.
"""

from __future__ import annotations

from flask import Flask

from meetups import create_app

FLOOR_PATH = "/bench/floor"


def create_bench_app() -> Flask:
    """The site configured like production, with the floor route added."""
    app = create_app()
    app.add_url_rule(FLOOR_PATH, "bench_floor", _floor)
    return app


def _floor() -> str:
    return "floor\n"
