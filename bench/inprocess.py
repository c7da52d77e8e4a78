"""Measurements inside the benchmark's own process: SQL per request, renders, exports.

These need no server: they call the app (through its test client, the feed
catalogue or the `export-feeds` command) and time or count what it does.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event, func, select

from meetups.extensions import db
from meetups.feeds import catalogue
from meetups.models import City, Meetup, MeetupStatus, Venue

from .floor import FLOOR_PATH, create_floor_app
from .generate import most_populous_first

# Enough requests to the floor app for a steady median: some 30 ms of CPU.
FLOOR_REQUESTS = 200


class MeasureError(RuntimeError):
    """The app did not answer as the measurement expects."""


@dataclass(frozen=True)
class Sample:
    """What the benchmark drives: the most populous city with meetups, and one of its meetups."""

    country: str
    city: str
    city_meetups: int
    meetup: str


@dataclass(frozen=True)
class Export:
    seconds: float
    written: list[str]


def pick_sample(app: Flask) -> Sample:
    """The most populous city with meetups, and one of its active meetups.

    Not the busiest city: the generator gives the most populous one the same
    number of meetups at any size, so its page can be compared across sizes.
    """
    with app.app_context():
        count = func.count(Meetup.id)
        city_id, country, city, meetups = db.session.execute(
            select(City.id, City.country_code, City.slug, count)
            .join(Venue, Venue.city_id == City.id)
            .join(Meetup, Meetup.venue_id == Venue.id)
            .group_by(City.id, City.country_code, City.slug, City.population)
            .order_by(*most_populous_first())
            .limit(1)
        ).one()
        meetup = db.session.scalar(
            select(Meetup.slug)
            .join(Venue, Meetup.venue_id == Venue.id)
            .where(Venue.city_id == city_id, Meetup.status == MeetupStatus.ACTIVE)
            .order_by(Meetup.id)
            .limit(1)
        )
    if meetup is None:
        raise MeasureError(f"{city} has no active meetup")
    return Sample(country.lower(), city, meetups, meetup)


def etag(app: Flask, path: str) -> str:
    """The ETag a plain (not gzipped) GET of `path` gets, for conditional requests."""
    response = app.test_client().get(path)
    if response.status_code != 200 or "ETag" not in response.headers:
        raise MeasureError(f"{path} answered {response.status_code} without an ETag")
    return response.headers["ETag"]


def queries_per_request(app: Flask, path: str, headers: Mapping[str, str], status: int) -> int:
    """SQL statements of one request to a warm app: the second of two, as under load.

    The client keeps no cookie jar: with one, Werkzeug replaces the request's
    Cookie header with the jar's (none), and a "rendered" target would count
    the page cache's answer.
    """
    client = app.test_client(use_cookies=False)
    client.get(path, headers=dict(headers))
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(path, headers=dict(headers))
    finally:
        event.remove(engine, "before_cursor_execute", record)
    if response.status_code != status:
        raise MeasureError(f"answered {response.status_code}, expected {status}")
    return len(statements)


def cpu_ms(app: Flask, path: str, headers: Mapping[str, str], times: int) -> float:
    """Median CPU time of one request to a warm app, in ms.

    CPU time, not wall time: other processes' work is not counted. This machine's own
    pace still swings, minutes apart (see `floor_cpu_ms`).
    """
    client = app.test_client(use_cookies=False)
    client.get(path, headers=dict(headers))
    timings = []
    for _ in range(times):
        started = time.process_time()
        client.get(path, headers=dict(headers))
        timings.append(time.process_time() - started)
    return statistics.median(timings) * 1e3


def floor_cpu_ms() -> float:
    """CPU time of one request to the floor app, in-process, in ms: this machine's pace now.

    It swings between two paces minutes apart: a floor request took 150 or 250 µs, a
    rendered city page 6.5 or 11 ms, and the page always some 43 times the floor request
    (six measurements a few seconds apart). So each in-process measure is given with its
    multiple of a floor request measured just before it, which does not swing.
    """
    return cpu_ms(create_floor_app(), FLOOR_PATH, {}, FLOOR_REQUESTS)


def api_miss_cpu_ms(app: Flask, path: str, times: int) -> float:
    """Median CPU time of an API request its answer cache cannot help: each one meets an
    empty cache, front door and no shared cache, as the first request after an edit does."""
    client = app.test_client(use_cookies=False)
    caches = [app.extensions["api_answers"], app.extensions.get("front_door")]
    shared, app.extensions["shared_cache"] = app.extensions["shared_cache"], None
    timings = []
    try:
        for _ in range(times + 1):
            for cache in filter(None, caches):
                cache.clear()
            started = time.process_time()
            response = client.get(path)
            timings.append(time.process_time() - started)
            if response.status_code != 200:
                raise MeasureError(f"{path} answered {response.status_code}")
    finally:
        app.extensions["shared_cache"] = shared
    return statistics.median(timings[1:]) * 1e3


def render_seconds(app: Flask, kind: str, slugs: tuple[str, ...], times: int) -> list[float]:
    """How long `catalogue.render` takes, each time in a fresh session (nothing loaded yet)."""
    timings = []
    with app.app_context():
        site = catalogue.site_settings(current_app.config)
        feed = catalogue.find(db.session, kind, slugs)
        if feed is None:
            raise MeasureError(f"no {kind} feed {'/'.join(slugs)}")
        for _ in range(times):
            db.session.remove()
            started = time.perf_counter()
            catalogue.render(db.session, feed, site)
            timings.append(time.perf_counter() - started)
    return timings


def export_feeds(app: Flask, directory: Path) -> Export:
    """Run `flask --app meetups export-feeds DIRECTORY`, as cron would; time it."""
    runner = app.test_cli_runner()
    with app.app_context():
        started = time.perf_counter()
        result = runner.invoke(args=["export-feeds", str(directory)])
        seconds = time.perf_counter() - started
    if result.exit_code != 0:
        raise MeasureError(f"export-feeds failed: {result.output}{result.exception or ''}")
    written = [
        line.split(maxsplit=1)[1]
        for line in result.output.splitlines()
        if line.startswith("wrote ")
    ]
    return Export(seconds, written)


def move_start_time(app: Flask, slug: str) -> list[str]:
    """Start one meetup 30 minutes later, as a volunteer would; the feeds that must change."""
    with app.app_context():
        meetup = db.session.scalar(select(Meetup).where(Meetup.slug == slug))
        if meetup is None:
            raise MeasureError(f"no meetup {slug}")
        later = datetime.combine(meetup.first_date, meetup.start_time) + timedelta(minutes=30)
        meetup.start_time = later.time()
        city = meetup.venue.city
        code = city.country_code.lower()
        feeds = [
            ("all", ()),
            ("country", (code,)),
            ("city", (code, city.slug)),
            ("venue", (meetup.venue.slug,)),
            ("meetup", (meetup.slug,)),
            *(("tag", (tag.slug,)) for tag in meetup.tags),
        ]
        db.session.commit()
    return sorted(catalogue.Feed(kind, slugs, "", "").path for kind, slugs in feeds)
