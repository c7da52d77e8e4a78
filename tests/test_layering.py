"""Domain modules stay free of Flask, so they can be used and tested on their own;
and a web worker imports only what it uses."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PURE_MODULES = [
    "meetups.schedule",
    "meetups.slugs",
    "meetups.places.gazetteer",
    "meetups.web.display",
    "meetups.markup",
    "meetups.feeds.ical",
    "meetups.places.geo",
    "meetups.feeds.subscribe",
    "meetups.seo.structured_data",
    "meetups.seo.sitemap",
    "meetups.texts",
    "meetups.trips.itinerary",
    "meetups.agenda",
    "meetups.accounts.passwords",
    "meetups.accounts.roles",
    "meetups.places.names",
    "meetups.places.shifts",
]


@pytest.mark.parametrize("module", PURE_MODULES)
def test_domain_module_imports_no_flask(module):
    code = (
        f"import sys, {module}; "
        "print(any(m.split('.')[0] in ('flask', 'flask_sqlalchemy') for m in sys.modules))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "False"


# Imported only when used: each costs a web worker some 20 MB of memory.
HEAVY_MODULES = ["flask_migrate", "alembic", "mako", "pygments", "geopy", "requests"]


def test_a_web_worker_loads_neither_migrations_nor_the_geocoder(tmp_path):
    code = (
        "import sys; from meetups import create_app; create_app(); "
        f"print(sorted(set({HEAVY_MODULES!r}) & set(sys.modules)))"
    )
    environment = {
        **os.environ,
        "MEETUPS_DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "MEETUPS_SECRET_KEY": "x" * 32,
        "MEETUPS_GEOCODER_ENABLED": "false",
    }

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=environment
    )

    assert result.stdout.strip() == "[]"
