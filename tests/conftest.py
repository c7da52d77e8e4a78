"""Fixtures: an app per database engine, a client, factories, a query counter.

Every test that uses `app` runs on SQLite and on PostgreSQL. PostgreSQL may be
absent on a laptop (those runs skip, saying why); with CI=true it must be there.
"""

from __future__ import annotations

import functools
import gc
import os
import secrets
import shutil
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from meetups import create_app
from meetups.accounts.passwords import hash_password
from meetups.extensions import db
from meetups.migration_heads import heads
from meetups.models import (
    City,
    CityName,
    CoordinateSource,
    Country,
    Meetup,
    MeetupChange,
    Role,
    Tag,
    User,
    Venue,
    utcnow,
)
from meetups.slugs import name_key, slugify
from tests.mailbox import Mailbox, link_in, queued_to

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_URL = os.environ.get(
    "MEETUPS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def require(available: bool, reason: str) -> None:
    """Skip on a developer's machine that lacks a service; fail in CI, where nothing skips."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: nothing may be skipped)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str | None]:
    """A database of this run's own on the configured server, dropped afterwards.

    Two test runs on one machine (two developers, or a helper beside you) would
    otherwise truncate each other's rows in the shared database.
    """
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    name = f"meetups_test_{os.getpid()}_{secrets.token_hex(3)}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError:
        admin.dispose()
        yield None
        return
    try:
        yield sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def stamp_latest_migration(engine: sa.Engine) -> None:
    """Tables made from the models are the latest migration's: say so, as `db upgrade` would."""
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "CREATE TABLE IF NOT EXISTS alembic_version "
                "(version_num VARCHAR(32) NOT NULL PRIMARY KEY)"
            )
        )
        connection.execute(sa.text("DELETE FROM alembic_version"))
        for head in heads():
            connection.execute(sa.text("INSERT INTO alembic_version VALUES (:v)"), {"v": head})


@pytest.fixture(scope="session")
def postgres_engine(postgres_url: str | None) -> Iterator[sa.Engine | None]:
    if postgres_url is None:
        yield None
        return
    engine = sa.create_engine(postgres_url, poolclass=sa.pool.NullPool)
    db.metadata.create_all(engine)
    stamp_latest_migration(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        return
    engine = request.getfixturevalue("postgres_engine")
    require(engine is not None, f"PostgreSQL is not reachable at {POSTGRES_URL}")
    yield engine.url.render_as_string(hide_password=False)
    tables = ", ".join(table.name for table in db.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def towns_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the towns file goes: built once a session, by the first test that searches it."""
    return tmp_path_factory.mktemp("towns") / "towns.sqlite3"


@pytest.fixture
def app(database_url: str, towns_index: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "SITE_DOMAIN": "meetups.test",
            "TOWNS_INDEX": str(towns_index),
        }
    )
    with app.app_context():
        if database_url.startswith("sqlite"):
            db.create_all()
            stamp_latest_migration(db.engine)
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def live_server(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, _buffered(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


def _buffered(app: Flask) -> Callable[..., Any]:
    """Each answer read whole before it is sent: Werkzeug's test server does not close a
    file it was sending when the browser drops the connection (a closed page), which would
    surface as a ResourceWarning in some later test."""

    def wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        body = app(environ, start_response)
        try:
            return [b"".join(body)]
        finally:
            if hasattr(body, "close"):
                body.close()

    return wsgi


@pytest.fixture(scope="session")
def browser():
    require(shutil.which("chromium") is not None, "Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def count_queries(app: Flask) -> Callable[[Callable[[], Any]], int]:
    """Run a callable and return how many SQL statements it sent."""

    def count(action: Callable[[], Any]) -> int:
        statements: list[str] = []

        def record(*args: Any) -> None:
            statements.append(args[2])

        # The data version is reread every DATA_VERSION_SECONDS: on a loaded machine a slow
        # request would see it expire halfway and count one query more. Time stands still.
        versions = app.extensions["data_version"]
        clock, now = versions._clock, versions._clock()
        versions._clock = lambda: now
        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            action()
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)
            versions._clock = clock
        return len(statements)

    return count


@pytest.fixture
def make_city(app: Flask) -> Callable[..., City]:
    def make(
        name: str = "Paris",
        country_code: str = "FR",
        country_name: str = "France",
        timezone: str = "Europe/Paris",
        latitude: float = 48.8534,
        longitude: float = 2.3488,
        population: int = 2_000_000,
        alternate_names: tuple[str, ...] = (),
        **overrides: Any,
    ) -> City:
        if db.session.get(Country, country_code) is None:
            db.session.add(Country(code=country_code, name=country_name))
        city = City(
            id=overrides.pop("id", None) or _next_id(City),
            name=name,
            country_code=country_code,
            slug=overrides.pop("slug", slugify(name)),
            latitude=latitude,
            longitude=longitude,
            timezone=timezone,
            population=population,
            **overrides,
        )
        db.session.add(city)
        db.session.flush()
        for key in {name_key(n) for n in (name, *alternate_names)}:
            db.session.add(CityName(city_id=city.id, key=key))
        db.session.commit()
        return city

    return make


@pytest.fixture
def make_venue(app: Flask, make_city: Callable[..., City]) -> Callable[..., Venue]:
    def make(name: str = "Café Central", city: City | None = None, **overrides: Any) -> Venue:
        city = city or _default_city(make_city)
        venue = Venue(
            name=name,
            slug=overrides.pop("slug", slugify(f"{name} {city.name}")),
            address=overrides.pop("address", "1 Main Street"),
            city=city,
            latitude=overrides.pop("latitude", city.latitude),
            longitude=overrides.pop("longitude", city.longitude),
            coordinates_source=overrides.pop("coordinates_source", CoordinateSource.MANUAL),
            timezone=overrides.pop("timezone", city.timezone),
            **overrides,
        )
        db.session.add(venue)
        db.session.commit()
        return venue

    return make


@pytest.fixture
def make_meetup(app: Flask, make_venue: Callable[..., Venue]) -> Callable[..., Meetup]:
    """A weekly Thursday 09:00–11:00 meetup unless told otherwise."""

    def make(name: str = "Open Coffee", venue: Venue | None = None, **overrides: Any) -> Meetup:
        venue = venue or _default_venue(make_venue)
        tags = [_tag(slug) for slug in overrides.pop("tags", ())]
        changes = [MeetupChange(**change) for change in overrides.pop("changes", ())]
        meetup = Meetup(
            name=name,
            slug=overrides.pop("slug", slugify(name)),
            venue=venue,
            rrule=overrides.pop("rrule", "FREQ=WEEKLY;BYDAY=TH"),
            start_time=overrides.pop("start_time", time(9)),
            duration_minutes=overrides.pop("duration_minutes", 120),
            timezone=overrides.pop("timezone", venue.timezone),
            first_date=overrides.pop("first_date", date(2024, 1, 1)),
            tags=tags,
            changes=changes,
            **overrides,
        )
        db.session.add(meetup)
        db.session.commit()
        return meetup

    return make


def _default_city(make_city: Callable[..., City]) -> City:
    existing = db.session.scalar(sa.select(City).where(City.slug == "paris"))
    return existing or make_city()


def _default_venue(make_venue: Callable[..., Venue]) -> Venue:
    existing = db.session.scalar(sa.select(Venue).where(Venue.slug == "cafe-central-paris"))
    return existing or make_venue()


def _tag(slug: str) -> Tag:
    return db.session.scalar(sa.select(Tag).where(Tag.slug == slug)) or Tag(slug=slug, name=slug)


def _next_id(model: type) -> int:
    return (db.session.scalar(sa.select(sa.func.max(model.id))) or 0) + 1


# The password of every `make_user` account unless a test says otherwise.
PASSWORD = "correct horse battery staple"
# scrypt is slow on purpose; one hash per distinct password keeps the suite quick.
_test_hash = functools.cache(hash_password)


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """A volunteer who signs in with PASSWORD unless told otherwise."""

    def make(
        email: str = "volunteer@example.org",
        display_name: str = "Val Volunteer",
        role: Role = Role.VOLUNTEER,
        password: str = PASSWORD,
        **overrides: Any,
    ) -> User:
        user = User(
            email=email,
            display_name=display_name,
            role=role,
            password_hash=_test_hash(password),
            failed_sign_ins=overrides.pop("failed_sign_ins", 0),
            email_confirmed_at=overrides.pop("email_confirmed_at", utcnow()),
            **overrides,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


class AuthActions:
    """Signs a test client in and out through the real forms, with CSRF tokens."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def csrf_token(self) -> str:
        """The session's token, from a page with a form (empty while CSRF is off)."""
        page = BeautifulSoup(self.client.get("/account/sign-in").text, "html5lib")
        field = page.select_one("input[name=csrf_token]")
        return field["value"] if field else ""

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> TestResponse:
        """POST as a browser would: with the session's CSRF token."""
        return self.client.post(
            url, data={"csrf_token": self.csrf_token(), **(data or {})}, **kwargs
        )

    def sign_in(
        self,
        email: str = "volunteer@example.org",
        password: str = PASSWORD,
        *,
        remember: bool = False,
        next: str | None = None,
    ) -> TestResponse:
        data = {"email": email, "password": password, "next": next or ""}
        if remember:
            data["remember"] = "y"
        return self.post("/account/sign-in", data)

    def sign_out(self) -> TestResponse:
        return self.post("/account/sign-out")

    def confirm_from_mail(self, email: str) -> TestResponse:
        """Follow the confirmation link last queued for `email`, and press its button."""
        return self.post(link_in(queued_to(email)[-1].body_text, "/account/confirm/"))


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    """`auth.sign_in()` as the `make_user()` volunteer; `auth.post(url, data)` for any form."""
    return AuthActions(client)


@pytest.fixture
def mailbox(app: Flask) -> Iterator[Mailbox]:
    """A real SMTP server on loopback, and the app configured to send through it."""
    box = Mailbox()
    box.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=box.port)
    yield box
    box.stop()


class PageClock(datetime):
    """`datetime` whose `now` is the instant a test sets."""

    instant = datetime(2026, 12, 9, 11, tzinfo=UTC)

    @classmethod
    def now(cls, tz=None):
        return cls.instant.astimezone(tz)


@pytest.fixture
def clock(monkeypatch) -> type[PageClock]:
    """The instant pages, their dates and their "Today" are worked out at."""
    from meetups.pages import routes
    from meetups.web import fragments, i18n

    for module in (routes, i18n, fragments):
        monkeypatch.setattr(module, "datetime", PageClock)
    monkeypatch.setattr(PageClock, "instant", PageClock.instant)
    return PageClock


@pytest.fixture
def still_clock(monkeypatch) -> None:
    """Time stands still for the page cache: an answer and its repeat state the same
    lifetime left."""
    from meetups.web import page_cache

    now = page_cache.time.time()
    monkeypatch.setattr(page_cache.time, "time", lambda: now)


@pytest.fixture
def through_flask(app) -> Callable[[Callable[[], object]], int]:
    """How many requests an action sent through Flask's request cycle (none: the front
    door answered them all)."""
    from flask import request_started

    def count(action: Callable[[], object]) -> int:
        seen: list[object] = []

        def note(sender, **extra):
            seen.append(sender)

        request_started.connect(note, app)
        try:
            action()
        finally:
            request_started.disconnect(note, app)
        return len(seen)

    return count


@pytest.fixture
def counted_and_freed() -> Callable[[Callable[[], object], Any], tuple[int, int]]:
    """After `fill`, the bytes a cache counts itself at, and the memory emptying it frees."""

    def measure(fill: Callable[[], object], cache: Any) -> tuple[int, int]:
        tracemalloc.start()
        try:
            fill()
            counted = cache.held_bytes
            gc.collect()
            before = tracemalloc.get_traced_memory()[0]
            cache.clear()
            gc.collect()
            return counted, before - tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()

    return measure
