"""Public pages: browse countries, cities, venues and meetups. Parse, query, render."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from werkzeug.wrappers import Response

from meetups import queries
from meetups.agenda import DateRange, RangeError, agenda
from meetups.extensions import db
from meetups.models import Meetup, MeetupStatus, Venue
from meetups.places.geo import check_point
from meetups.schedule import Occurrence, time_zone
from meetups.web import page_cache
from meetups.web.i18n import by_city_name, by_country_name, city_name, country_name, translate

bp = Blueprint("pages", __name__)

NEXT_DATES = 8
HOME_DATES = 30
# The home page names the busiest cities; the rest are a country or a search away.
HOME_CITIES = 24
# A country's dates beyond these are a city page away.
COUNTRY_DATES = 300
WEEK = timedelta(days=7)
MAX_QUERY_LENGTH = 100
DEFAULT_RADIUS_KM = 5.0
MIN_RADIUS_KM = 0.1
MAX_RADIUS_KM = 300.0


def _now() -> datetime:
    return datetime.now(UTC)


@bp.get("/")
@page_cache.for_visitors
def index() -> str:
    coming = current_app.extensions["coming_dates"].between(db.session, _now(), WEEK)
    shown = coming.dates[:HOME_DATES]
    meetups = queries.meetups_by_id({meetup_id for meetup_id, _ in shown})
    return render_template(
        "index.html",
        countries=by_country_name(queries.countries_with_meetups()),
        cities=queries.cities_with_meetups(busiest=HOME_CITIES),
        this_week=[(meetups[meetup_id], occurrence) for meetup_id, occurrence in shown],
        more_this_week=len(coming.dates) > HOME_DATES,
    )


@bp.get("/search")
@page_cache.for_visitors
def search() -> tuple[str, int] | str:
    text = request.args.get("q", "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        message = gettext(
            "Please search with at most %(count)d characters.", count=MAX_QUERY_LENGTH
        )
        return render_template("search.html", query=text[:MAX_QUERY_LENGTH], error=message), 400
    if not text:
        return render_template("search.html", query=text)
    cities = queries.search_cities(text)
    return render_template(
        "search.html",
        query=text,
        cities=cities,
        venues=queries.search_venues(text),
        meetups=queries.search_meetups(text),
        counts=queries.meetup_counts(city.id for city in cities),
    )


@bp.get("/<string(length=2):country_code>/")
@page_cache.for_visitors
def country(country_code: str) -> str | Response | tuple[str, int]:
    if country_code != country_code.lower():
        return redirect(url_for(".country", country_code=country_code.lower()), 301)
    found = queries.country(country_code) or abort(404)
    dates, error = _date_range(_now().date())
    entries = []
    if dates:
        entries = agenda(queries.meetups_in_country(found.code, dates), dates.first, dates.last)
    page = render_template(
        "country.html",
        country=found,
        cities=by_city_name(queries.cities_with_meetups(found.code)),
        dates=dates,
        entries=entries[:COUNTRY_DATES],
        more_dates=len(entries) - COUNTRY_DATES,
        places=moved_to_venues(entry.meetup for entry in entries[:COUNTRY_DATES]),
        range_error=error,
    )
    return (page, 400) if error else page


@bp.get("/<string(length=2):country_code>/<slug>/")
@page_cache.for_visitors
def city(country_code: str, slug: str) -> str | Response | tuple[str, int]:
    if country_code != country_code.lower():
        return redirect(url_for(".city", country_code=country_code.lower(), slug=slug), 301)
    found = queries.city(country_code, slug) or abort(404)
    meetups = queries.meetups_in_city(found.id)
    now = _now()
    dates, error = _date_range(now.astimezone(time_zone(found.timezone)).date())
    page = render_template(
        "city.html",
        city=found,
        listed=[m for m in meetups if m.status != MeetupStatus.ENDED],
        ended=[m for m in meetups if m.status == MeetupStatus.ENDED],
        next_dates={m.id: _next_happening(m, now) for m in meetups},
        unconfirmed={m.id for m in meetups if not _confirmed_recently(m)},
        markers=_markers(m.venue for m in meetups if m.status != MeetupStatus.ENDED),
        dates=dates,
        entries=agenda(meetups, dates.first, dates.last) if dates else [],
        places=moved_to_venues(meetups),
        range_error=error,
    )
    return (page, 400) if error else page


def _date_range(today: date) -> tuple[DateRange | None, str | None]:
    """The dates asked for with `?from=&to=` (this week by default), or why they cannot be."""
    try:
        return DateRange.parse(request.args.get("from"), request.args.get("to"), today=today), None
    except RangeError as error:
        return None, translate(error)


def moved_to_venues(meetups: Iterable[Meetup]) -> dict[int, Venue]:
    """The venues dates were moved to, by id, for saying where a moved date happens."""
    return {c.venue_id: c.venue for m in meetups for c in m.changes if c.venue is not None}


@bp.get("/m/<slug>/")
@page_cache.for_visitors
def meetup(slug: str) -> str | tuple[str, int]:
    found = queries.meetup(slug, include_deleted=True) or abort(404)
    if found.is_deleted:
        return _deleted(found)
    return render_template(
        "meetup.html",
        meetup=found,
        dates=found.next_dates(_now(), NEXT_DATES),
        confirmed_recently=_confirmed_recently(found),
        venues={change.venue_id: change.venue for change in found.changes if change.venue},
        reported=queries.open_report_kinds(found.id),
    )


@bp.get("/v/<slug>/")
@page_cache.for_visitors
def venue(slug: str) -> str | Response | tuple[str, int]:
    found = queries.venue(slug, include_deleted=True)
    if found is None or found.is_deleted:
        merged_into = queries.venue_redirect(slug)
        if merged_into:
            return redirect(url_for(".venue", slug=merged_into), 301)
        return _deleted(found) if found else abort(404)
    now = _now()
    return render_template(
        "venue.html",
        venue=found,
        next_dates={m.id: _next_happening(m, now) for m in found.meetups},
        unconfirmed={m.id for m in found.meetups if not _confirmed_recently(m)},
        markers=_markers([found]),
    )


def _deleted(item: Meetup | Venue) -> tuple[str, int]:
    """Gone, and saying so: 410 tells search engines and calendar apps to stop asking."""
    revision = queries.deletion_of(item)
    return render_template("deleted.html", item=item, revision=revision), 410


def _confirmed_recently(meetup: Meetup) -> bool:
    """Confirmed within the configured span, counted in the meetup's own calendar."""
    today = datetime.now(time_zone(meetup.timezone)).date()
    stale_after = timedelta(days=current_app.config["STALE_AFTER_DAYS"])
    return meetup.confirmed_recently(today, stale_after)


def _markers(venues: Iterable[Venue]) -> list[dict[str, object]]:
    """Map pins for venues with coordinates, each once."""
    seen: dict[int, dict[str, object]] = {}
    for venue in venues:
        if venue.id not in seen and venue.latitude is not None and venue.longitude is not None:
            seen[venue.id] = {
                "name": venue.name,
                "lat": venue.latitude,
                "lon": venue.longitude,
                "url": url_for(".venue", slug=venue.slug),
            }
    return list(seen.values())


def _next_happening(meetup: Meetup, now: datetime) -> Occurrence | None:
    """The next date people can actually go to (a cancelled one is skipped)."""
    return next((o for o in meetup.next_dates(now, NEXT_DATES) if not o.cancelled), None)


@bp.get("/near")
@page_cache.for_visitors
def near() -> tuple[str, int] | str:
    """Meetups by distance from a point (from the browser) or a city typed in the box."""
    form = request.args
    if not any(form.get(key) for key in ("lat", "lon", "q")):
        return render_template("near.html", form=form, radius=DEFAULT_RADIUS_KM)
    try:
        point = _point_from(form)
        radius = _radius_from(form)
    except ValueError as error:
        return render_template("near.html", form=form, error=translate(error), radius=None), 400
    latitude, longitude, place = point
    found = queries.meetups_near(latitude, longitude, radius)
    now = _now()
    return render_template(
        "near.html",
        form=form,
        radius=radius,
        place=place,
        point=(latitude, longitude),
        results=[(m, distance, _next_happening(m, now)) for m, distance in found],
        markers=_markers(m.venue for m, _ in found),
    )


def _point_from(form: Mapping[str, str]) -> tuple[float, float, str]:
    if form.get("lat") or form.get("lon"):
        latitude = _number(form.get("lat", ""), "latitude")
        longitude = _number(form.get("lon", ""), "longitude")
        check_point(latitude, longitude)
        return latitude, longitude, f"{latitude:.4f}, {longitude:.4f}"
    text = form.get("q", "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        raise ValueError(
            gettext("Please type at most %(count)d characters.", count=MAX_QUERY_LENGTH)
        )
    cities = queries.search_cities(text, limit=1)
    if not cities:
        raise ValueError(
            gettext(
                "No city called “%(name)s”. Try its name in English or its own language.", name=text
            )
        )
    city = cities[0]
    place = f"{city_name(city)}, {country_name(city.country)}"
    return city.latitude, city.longitude, place


def _radius_from(form: Mapping[str, str]) -> float:
    text = form.get("km", "").strip()
    radius = _number(text, "distance") if text else DEFAULT_RADIUS_KM
    if not MIN_RADIUS_KM <= radius <= MAX_RADIUS_KM:
        raise ValueError(
            gettext(
                "Distance must be between %(least)s and %(most)s km.",
                least=f"{MIN_RADIUS_KM:g}",
                most=f"{MAX_RADIUS_KM:g}",
            )
        )
    return radius


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(str(_NOT_A_NUMBER[what]) % {"text": text[:20]}) from None
    if not math.isfinite(value):
        raise ValueError(str(_NOT_FINITE[what]))
    return value


# Whole sentences per field, so that each language can phrase them its own way.
_NOT_A_NUMBER = {
    "latitude": lazy_gettext("Latitude must be a number, not “%(text)s”."),
    "longitude": lazy_gettext("Longitude must be a number, not “%(text)s”."),
    "distance": lazy_gettext("Distance must be a number, not “%(text)s”."),
}
_NOT_FINITE = {
    "latitude": lazy_gettext("Latitude must be a finite number."),
    "longitude": lazy_gettext("Longitude must be a finite number."),
    "distance": lazy_gettext("Distance must be a finite number."),
}
