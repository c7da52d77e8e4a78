"""The floor: a separate, minimal Flask app under the same gunicorn settings as the site.

Its throughput is what Flask and gunicorn cost on this machine. It is an app of
its own, not a route of the site, so that the site's hooks (data version, rate
limits, security headers…) are part of what the site is measured with, not of
the floor it is compared with.

gunicorn 'bench.floor:create_floor_app()'
"""

from __future__ import annotations

from flask import Flask

FLOOR_PATH = "/"


def create_floor_app() -> Flask:
    """One route, answering a few bytes of text."""
    app = Flask(__name__)
    app.add_url_rule(FLOOR_PATH, "floor", _floor)
    return app


def _floor() -> str:
    return "floor\n"
