"""Production hardening: security headers and CSP, /healthz, and pools that survive restarts."""

from __future__ import annotations

import base64
import re
from importlib.metadata import version
from pathlib import Path
from urllib.error import HTTPError
from urllib.request import urlopen

import pytest
import sqlalchemy as sa
import tzdata
from bs4 import BeautifulSoup
from flask_limiter import Limit
from flask_limiter.util import get_remote_address

from meetups import create_app
from meetups.extensions import db, limiter
from meetups.web.security_headers import content_security_policy, tile_source
from tests.conftest import PASSWORD, PHONE, stamp_latest_migration

TEMPLATES = Path(__file__).resolve().parent.parent / "meetups" / "templates"
VENUE = "cafe-des-batisseurs-paris"
TILES = "https://tiles.example.test/{z}/{x}/{y}.png"
# A 1×1 transparent PNG, served in the browser for every tile of TILES.
TILE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture
def directory(make_city, make_venue, make_meetup, make_user) -> None:
    paris = make_city("Paris")
    venue = make_venue("Café des Bâtisseurs", city=paris, latitude=48.86, longitude=2.35)
    make_meetup("Open Coffee Paris", slug="open-coffee-paris", venue=venue, tags=["startups"])
    make_user()


def assert_security_headers(response, tiles: str = "https://tile.openstreetmap.org") -> None:
    assert response.headers["Content-Security-Policy"] == (
        f"default-src 'self'; img-src 'self' data: {tiles}; script-src 'self'; "
        "style-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


# --- Headers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status", "content_type"),
    [
        ("/", 200, "text/html"),
        ("/fr/paris/", 200, "text/html"),
        ("/m/open-coffee-paris/", 200, "text/html"),
        (f"/v/{VENUE}/", 200, "text/html"),
        ("/near?q=paris", 200, "text/html"),
        ("/account/sign-in", 200, "text/html"),
        ("/no/such/page/", 404, "text/html"),
        ("/m/no-such-meetup/", 404, "text/html"),
        ("/feeds/all.ics", 200, "text/calendar"),
        ("/feeds/meetup/open-coffee-paris.ics", 200, "text/calendar"),
        ("/feeds/meetup/no-such-meetup.ics", 404, "text/plain"),
        ("/changes.atom", 200, "application/atom+xml"),
        ("/static/style.css", 200, "text/css"),
        ("/healthz", 200, "application/json"),
    ],
)
def test_every_response_carries_the_security_headers(client, directory, path, status, content_type):
    with client.get(path) as response:
        assert response.status_code == status
        assert response.mimetype == content_type
        assert_security_headers(response)


def test_a_feeds_304_carries_nosniff_too(client, directory):
    etag = client.get("/feeds/all.ics").headers["ETag"]

    response = client.get("/feeds/all.ics", headers={"If-None-Match": etag})

    assert response.status_code == 304
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_policy_allows_images_from_the_configured_tile_server(app, client, directory):
    app.config["MAP_TILE_URL"] = "https://{s}.tiles.example.org:8443/{z}/{x}/{y}.png"
    assert_security_headers(client.get("/fr/paris/"), tiles="https://*.tiles.example.org:8443")

    app.config["MAP_TILE_URL"] = ""
    app.extensions["front_door"].clear()  # settings change with a restart
    policy = client.get("/fr/paris/").headers["Content-Security-Policy"]
    assert "img-src 'self' data:;" in policy


@pytest.mark.parametrize(
    ("tile_url", "source"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        (
            "https://{s}.tile.OpenStreetMap.fr/hot/{z}/{x}/{y}.png",
            "https://*.tile.openstreetmap.fr",
        ),
        ("http://127.0.0.1:8080/tiles/{z}/{x}/{y}{r}.png", "http://127.0.0.1:8080"),
        ("//tiles.example.org/{z}/{x}/{y}.png", "tiles.example.org"),
        ("/tiles/{z}/{x}/{y}.png", "'self'"),
        ("https://tiles-{s}.a.{s}.example.org/{z}/{x}/{y}.png", "https:"),
        ("", ""),
    ],
)
def test_the_tile_source_is_the_origin_of_the_tile_url_template(tile_url, source):
    assert tile_source(tile_url) == source


def test_a_configured_policy_never_allows_inline_code_or_other_sites_scripts():
    policy = content_security_policy("https://{s}.tile.example.org/{z}/{x}/{y}.png")

    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["script-src"] == directives["style-src"] == "'self'"


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: p.name)
def test_templates_hold_no_inline_script_or_style(template):
    """CSP without 'unsafe-inline' would block them: code and styles live in static/."""
    source = template.read_text(encoding="utf-8")

    scripts = re.findall(r"<script\b[^>]*>", source, re.I)
    assert all("src=" in tag or "application/ld+json" in tag for tag in scripts), scripts
    assert not re.search(r"<style\b", source, re.I)
    assert not re.search(r"\sstyle\s*=", source, re.I)
    assert not re.search(r"\son[a-z]+\s*=", source, re.I), "inline event handler"
    assert "javascript:" not in source.lower()


@pytest.mark.parametrize("path", ["/", "/fr/paris/", f"/v/{VENUE}/", "/near?q=paris"])
def test_rendered_pages_load_scripts_and_styles_from_our_static_folder(client, directory, path):
    soup = BeautifulSoup(client.get(path).text, "html5lib")

    assert not soup.select("style, [style]")
    for script in soup.select("script"):
        assert script.get("src", "").startswith("/static/") or (
            script.get("type") == "application/ld+json"
        )
    for sheet in soup.select("link[rel=stylesheet]"):
        assert sheet["href"].startswith("/static/")


# --- /healthz ------------------------------------------------------------------------------


def test_healthz_reports_the_database_version_and_time_zone_release(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "database": "ok",
        "version": version("meetups"),
        "time_zones": tzdata.IANA_VERSION,
    }
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_healthz_is_503_with_a_short_reason_when_the_database_is_down():
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": "postgresql+psycopg://postgres@127.0.0.1:1/none",
        }
    )
    # As in production: an unexpected exception would be a 500, not raised into the test.
    app.config["PROPAGATE_EXCEPTIONS"] = False

    response = app.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}
    assert "Traceback" not in response.text and "127.0.0.1" not in response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("at", [[], ["31af58f16b46"]], ids=["never migrated", "behind"])
def test_healthz_is_503_until_the_database_is_at_the_latest_migration(app, client, at):
    with db.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM alembic_version"))
        for revision in at:
            connection.execute(sa.text("INSERT INTO alembic_version VALUES (:v)"), {"v": revision})

    try:
        response = client.get("/healthz")
    finally:
        stamp_latest_migration(db.engine)  # PostgreSQL's database is shared by later tests

    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "not migrated"}


def test_healthz_is_never_rate_limited(client, monkeypatch):
    """Not even by site-wide limits, should some be set one day: probes come every few seconds."""
    everywhere = Limit("2 per minute", key_function=get_remote_address).bind(limiter)
    monkeypatch.setattr(limiter.limit_manager, "_default_limits", [everywhere])

    answers = [client.get("/healthz").status_code for _ in range(10)]

    assert answers == [200] * 10
    assert [client.get("/").status_code for _ in range(3)] == [200, 200, 429]


# --- Pooled connections --------------------------------------------------------------------


def test_only_server_databases_get_pre_ping_and_recycling(app):
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    pool = db.engine.pool

    if db.engine.dialect.name == "sqlite":
        assert options == {}
        assert not pool._pre_ping
    else:
        assert options["pool_pre_ping"] is True and 0 < options["pool_recycle"] <= 3600
        assert pool._pre_ping and pool._recycle == options["pool_recycle"]


def test_settings_override_the_engine_options():
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": "postgresql://u@h/db?connect_timeout=3",
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_recycle": 300, "pool_size": 2},
        }
    )

    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "pool_pre_ping": True,
        "pool_recycle": 300,
        "pool_size": 2,
    }


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_site_recovers_by_itself_after_postgresql_drops_its_connections(live_server, directory):
    """As after a PostgreSQL restart or failover: the pooled connections are dead, yet no 500.

    Through a real server, so that each request ends as in production and gives its
    connection back to the pool.
    """
    assert _status(live_server + "/fr/paris/") == 200
    assert db.engine.pool.checkedin() >= 1  # kept for the next request

    admin = sa.create_engine(db.engine.url, poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        ended = connection.execute(
            sa.text(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()) AS ended"
            )
        ).scalar_one()
    admin.dispose()

    assert ended >= 1
    assert _status(live_server + "/fr/paris/") == 200
    assert _status(live_server + "/healthz") == 200


def _status(url: str) -> int:
    try:
        with urlopen(url, timeout=30) as response:
            return response.status
    except HTTPError as error:
        error.close()
        return error.code


# --- In Chromium ---------------------------------------------------------------------------


class PageWatch:
    """Console messages, uncaught errors and CSP violations on every page of a context."""

    def __init__(self, context) -> None:
        self.problems: list[str] = []
        context.expose_function("reportViolation", lambda text: self.problems.append(text))
        context.add_init_script(
            "document.addEventListener('securitypolicyviolation', function (e) {"
            "  window.reportViolation('CSP: ' + e.violatedDirective + ' blocked ' + e.blockedURI"
            "    + ' at ' + e.sourceFile + ':' + e.lineNumber);"
            "});"
        )

    def watch(self, page) -> None:
        page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}"))
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))


@pytest.fixture
def tiles(app):
    """Map tiles from another origin (answered inside the browser), as in production."""
    app.config["MAP_TILE_URL"] = TILES


def open_maps(page) -> int:
    """Press every "Show map" on the page and wait for Leaflet to draw markers and tiles."""
    buttons = page.get_by_role("button", name="Show map")
    count = buttons.count()
    for index in range(count):
        buttons.nth(index).click()
    if count:
        page.wait_for_selector(".leaflet-marker-icon")
        page.wait_for_selector(".leaflet-tile-loaded")
    return count


@pytest.mark.browser
def test_pages_run_in_chromium_without_console_messages_or_policy_violations(
    browser, live_server, directory, tiles
):
    context = browser.new_context(viewport=PHONE)
    context.route(
        "https://tiles.example.test/**",
        lambda route: route.fulfill(status=200, content_type="image/png", body=TILE_PNG),
    )
    watch = PageWatch(context)
    page = context.new_page()
    watch.watch(page)
    maps = 0

    for path in ["/", "/fr/paris/", "/m/open-coffee-paris/", f"/v/{VENUE}/", "/near?q=paris"]:
        response = page.goto(live_server + path)
        assert response is not None and response.status == 200, path
        maps += open_maps(page)
        page.wait_for_load_state("networkidle")
        page.evaluate("new Promise(requestAnimationFrame)")  # let queued violation events fire

    page.goto(live_server + "/account/sign-in?next=/m/open-coffee-paris/edit")
    page.get_by_label("Email").fill("volunteer@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(live_server + "/m/open-coffee-paris/edit")
    page.goto(live_server + f"/v/{VENUE}/edit")
    page.wait_for_load_state("networkidle")
    page.evaluate("new Promise(requestAnimationFrame)")

    assert maps >= 3, "the city, venue and near pages show a map"
    assert watch.problems == []
    context.close()


@pytest.mark.browser
def test_the_watch_sees_a_violation(browser, live_server, directory):
    """The check above would pass vacuously if violations went unseen: inject one."""
    context = browser.new_context(viewport=PHONE)
    watch = PageWatch(context)
    page = context.new_page()
    watch.watch(page)
    page.goto(live_server + "/")

    page.evaluate(
        "var s = document.createElement('script'); s.textContent = 'void 0';"
        "document.body.appendChild(s);"
    )
    page.evaluate("new Promise(requestAnimationFrame)")

    assert any(p.startswith("CSP: script-src") for p in watch.problems), watch.problems
    assert any("Content Security Policy" in p for p in watch.problems), watch.problems
    context.close()


def test_hsts_is_sent_only_when_the_site_is_served_over_https(app, client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers

    app.config["HTTPS"] = True

    assert client.get("/healthz").headers["Strict-Transport-Security"] == "max-age=31536000"
