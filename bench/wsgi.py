"""The application the benchmark serves: the real site, configured like production.

The floor it is compared with is a separate app (`bench.floor`), so that none of
the site's own hooks hide in it.

gunicorn 'bench.wsgi:create_bench_app()' reads the database and secret key
from MEETUPS_* variables, as in production.
"""

from __future__ import annotations

from flask import Flask

from meetups import create_app

# Answers 200 once the app and its database are up (two cheap queries).
READY_PATH = "/healthz"


def create_bench_app() -> Flask:
    """The site configured like production."""
    return create_app()
