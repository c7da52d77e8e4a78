"""Public pages: browse countries, cities, venues and meetups. Parse, query, render."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from . import queries
from .models import Meetup, MeetupStatus
from .schedule import Occurrence

bp = Blueprint("pages", __name__)

NEXT_DATES = 8
WEEK = timedelta(days=7)
MAX_QUERY_LENGTH = 100


def _now() -> datetime:
    return datetime.now(UTC)


@bp.get("/")
def index() -> str:
    return render_template(
        "index.html",
        countries=queries.countries_with_meetups(),
        cities=queries.cities_with_meetups(),
        this_week=_happening(queries.listed_meetups(), _now(), WEEK),
    )


@bp.get("/search")
def search() -> tuple[str, int] | str:
    text = request.args.get("q", "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        message = f"Please search with at most {MAX_QUERY_LENGTH} characters."
        return render_template("search.html", query=text[:MAX_QUERY_LENGTH], error=message), 400
    cities = queries.search_cities(text) if text else []
    counts = {city.id: count for city, count in queries.cities_with_meetups()}
    return render_template("search.html", query=text, cities=cities, counts=counts)


@bp.get("/<string(length=2):country_code>/")
def country(country_code: str) -> str | Response:
    if country_code != country_code.lower():
        return redirect(url_for(".country", country_code=country_code.lower()), 301)
    found = queries.country(country_code) or abort(404)
    return render_template(
        "country.html", country=found, cities=queries.cities_with_meetups(found.code)
    )


@bp.get("/<string(length=2):country_code>/<slug>/")
def city(country_code: str, slug: str) -> str | Response:
    if country_code != country_code.lower():
        return redirect(url_for(".city", country_code=country_code.lower(), slug=slug), 301)
    found = queries.city(country_code, slug) or abort(404)
    meetups = queries.meetups_in_city(found.id)
    now = _now()
    return render_template(
        "city.html",
        city=found,
        listed=[m for m in meetups if m.status != MeetupStatus.ENDED],
        ended=[m for m in meetups if m.status == MeetupStatus.ENDED],
        next_dates={m.id: _next_happening(m, now) for m in meetups},
    )


@bp.get("/m/<slug>/")
def meetup(slug: str) -> str:
    found = queries.meetup(slug) or abort(404)
    today = datetime.now(ZoneInfo(found.timezone)).date()
    stale_after = timedelta(days=current_app.config["STALE_AFTER_DAYS"])
    return render_template(
        "meetup.html",
        meetup=found,
        dates=found.next_dates(_now(), NEXT_DATES),
        confirmed_recently=found.confirmed_recently(today, stale_after),
        venues={change.venue_id: change.venue for change in found.changes if change.venue},
    )


@bp.get("/v/<slug>/")
def venue(slug: str) -> str:
    found = queries.venue(slug) or abort(404)
    now = _now()
    return render_template(
        "venue.html",
        venue=found,
        next_dates={m.id: _next_happening(m, now) for m in found.meetups},
    )


def _next_happening(meetup: Meetup, now: datetime) -> Occurrence | None:
    """The next date people can actually go to (a cancelled one is skipped)."""
    return next((o for o in meetup.next_dates(now, NEXT_DATES) if not o.cancelled), None)


def _happening(
    meetups: list[Meetup], now: datetime, span: timedelta
) -> list[tuple[Meetup, Occurrence]]:
    """Every date in the coming span across the directory, soonest first."""
    dated = [(m, o) for m in meetups for o in m.dates_between(now, now + span)]
    return sorted(dated, key=lambda pair: (pair[1].start, pair[0].name))
