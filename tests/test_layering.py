"""The architecture, checked: every module's layer follows from its name and imports.

- view: a blueprint's `routes.py`, which may not import another blueprint's routes;
- web: `meetups.web.*` and forms, shared by the views;
- wiring: the factory, commands, extensions and migrations set-up;
- service: a module that reads or writes the database (imports SQLAlchemy, the models or
  another service), which never touches the request (`request`, `session`, `g`, the
  signed-in user);
- pure: everything else, which may import neither Flask nor SQLAlchemy, even indirectly.
"""

from __future__ import annotations

import ast
import os
import pkgutil
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

import meetups

PACKAGE = Path(meetups.__file__).parent
WIRING = {"meetups", "meetups.__main__", "meetups.factory", "meetups.cli", "meetups.extensions"}
WIRING |= {"meetups.migrating", "meetups.demo"}
DATABASE = ("sqlalchemy", "flask_sqlalchemy", "meetups.extensions", "meetups.models")
REQUEST = {"request", "session", "g", "current_user", "has_request_context", "login_user"}

# The domain at the heart of the site: if one of these came to need the database or
# Flask, the layer rule above would quietly call it a service, so they are named here.
DOMAIN = [
    "meetups.schedule",
    "meetups.agenda",
    "meetups.slugs",
    "meetups.texts",
    "meetups.markup",
    "meetups.redirects",
    "meetups.feeds.ical",
    "meetups.feeds.subscribe",
    "meetups.feeds.qr",
    "meetups.places.geo",
    "meetups.places.geocoding",
    "meetups.places.gazetteer",
    "meetups.places.names",
    "meetups.seo.structured_data",
    "meetups.seo.sitemap",
    "meetups.trips.itinerary",
    "meetups.accounts.passwords",
    "meetups.api.records",
    "meetups.api.schema",
    "meetups.embeds.listing",
    "meetups.zone_database",
    "meetups.accounts.tokens",
    "meetups.places.city_search",
    "meetups.places.directions",
    "meetups.accounts.roles",
    "meetups.places.shifts",
    "meetups.places.towns",
    "meetups.sync.fetch",
    "meetups.sync.sources",
    "meetups.sync.mapping",
    "meetups.sync.merging",
]


def _modules() -> list[str]:
    found = ["meetups"]
    for info in pkgutil.walk_packages([str(PACKAGE)], "meetups."):
        if not info.name.startswith("meetups.migrations"):
            found.append(info.name)
    return sorted(found)


MODULES = _modules()


def _source(module: str) -> Path:
    relative = Path(*module.split(".")[1:])
    package = PACKAGE / relative / "__init__.py"
    return package if package.exists() else (PACKAGE / relative).with_suffix(".py")


@cache
def _imports(module: str) -> list[tuple[str, list[str]]]:
    """(module imported, names taken from it) for every import statement in the module."""
    found = []
    for node in ast.walk(ast.parse(_source(module).read_text())):
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [alias.name for alias in node.names]
            found.append((node.module, names))
            found.extend((f"{node.module}.{name}", []) for name in names)
    return found


def _own(module: str) -> list[str]:
    return [name for name, _ in _imports(module) if name in MODULES and name != module]


def _services() -> set[str]:
    """Modules that reach the database, directly or through another module of ours."""
    found = {m for m in MODULES if any(n.startswith(DATABASE) for n, _ in _imports(m))}
    while True:
        more = {m for m in MODULES if m not in found and found.intersection(_own(m))}
        if not more:
            return found
        found |= more


SERVICES = _services()


def layer(module: str) -> str:
    if module in WIRING:
        return "wiring"
    if module.endswith(".routes"):
        return "view"
    if module.startswith("meetups.web.") or module.endswith(".forms"):
        return "web"
    return "service" if module in SERVICES else "pure"


def test_every_module_has_a_layer():
    layers = {module: layer(module) for module in MODULES}

    assert len(layers) > 60
    assert {"view", "web", "wiring", "service", "pure"} == set(layers.values())


@pytest.mark.parametrize("module", DOMAIN)
def test_the_domain_stays_pure(module):
    assert layer(module) == "pure"


@pytest.mark.parametrize("module", [m for m in MODULES if layer(m) == "pure"])
def test_a_pure_module_loads_neither_flask_nor_sqlalchemy(module):
    code = (
        f"import sys, {module}; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy'}))"
    )

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("module", [m for m in MODULES if layer(m) in ("service", "pure")])
def test_services_and_domain_never_touch_the_request(module):
    touched = {
        name
        for imported, names in _imports(module)
        if imported.split(".")[0] in ("flask", "flask_login")
        for name in names
        if name in REQUEST
    }

    assert touched == set()


@pytest.mark.parametrize("module", [m for m in MODULES if layer(m) != "wiring"])
def test_no_module_reaches_into_another_blueprints_routes(module):
    package = module.rsplit(".", 1)[0]
    reached = [
        other
        for other in _own(module)
        if layer(other) == "view" and other.rsplit(".", 1)[0] != package
    ]

    assert reached == []


# Imported only when used: migrations and the geocoder cost a web worker some 20 MB of
# memory, the calendar parsers of the sync some 3 MB, and the QR code library 1 MB.
HEAVY_MODULES = ["flask_migrate", "alembic", "mako", "pygments", "geopy", "requests"]
HEAVY_MODULES += ["icalendar", "recurring_ical_events", "x_wr_timezone", "segno"]


def test_a_web_worker_loads_no_migrations_geocoder_calendar_parser_or_qr_library(tmp_path):
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
