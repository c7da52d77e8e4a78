"""Travellers' pages: a trip planner with its own feed, and what happens directory-wide soon."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext

from meetups import queries
from meetups.extensions import db
from meetups.feeds import catalogue, ical
from meetups.feeds.subscribe import subscription_links
from meetups.models import City
from meetups.places import gazetteer
from meetups.slugs import name_key
from meetups.trips import itinerary
from meetups.web import page_cache
from meetups.web.i18n import (
    chosen_language,
    city_name,
    city_place,
    country_name,
    distance,
    near_city,
)

bp = Blueprint("travel", __name__)

CANONICAL_CITY = re.compile(r"^([a-z]{2})/([a-z0-9-]+)$")
# Blank rows the planner offers for more legs (a trip grows without JavaScript).
EXTRA_ROWS = 2
SOON = {"today": timedelta(days=1), "week": timedelta(days=7)}
SOON_DATES = 200


@bp.get("/trip")
@page_cache.for_visitors
def trip() -> str | Response | tuple[str, int]:
    rows = _rows()
    if not any(any(row) for row in rows):
        return render_template("trip.html", rows=_blank_rows(0), plans=None)
    try:
        legs = itinerary.read_legs(rows, find_city, city_name)
    except itinerary.TripError as error:
        choices = {row: _choices(cities) for row, cities in error.choices.items()}
        page = render_template(
            "trip.html", rows=_padded(rows), errors=error.messages, choices=choices
        )
        return page, 400
    canonical = _query(legs)
    # The page's own address keeps a language chosen in it; the feed's needs none.
    page_query = canonical + (f"&lang={chosen_language()}" if chosen_language() else "")
    if request.query_string.decode() != page_query:
        # Names typed by people become stable addresses, so a shared trip means the same later.
        return redirect(f"{url_for('.trip', lang=None)}?{page_query}")
    plans = itinerary.plan(legs, lambda city: queries.meetups_in_city(city))
    misses = itinerary.near_misses(plans, lambda city: queries.meetups_in_city(city))
    feed_url = f"{current_app.config['BASE_URL'].rstrip('/')}{url_for('.trip_feed')}?{canonical}"
    return render_template(
        "trip.html",
        rows=_padded([_typed(leg) for leg in legs]),
        plans=plans,
        misses=misses,
        places=queries.moved_to_venues(entry.meetup for plan in plans for entry in plan.entries),
        links=subscription_links(feed_url, gettext("My trip")),
    )


@bp.get("/trip.ics")
def trip_feed() -> Response:
    """Exactly the dates the trip page lists, as single events, one calendar per trip."""
    try:
        legs = itinerary.read_legs(_rows(), find_city)
    except itinerary.TripError as error:
        return Response(str(error) + "\n", status=400, mimetype="text/plain")
    site = catalogue.site_settings(current_app.config)
    plans = itinerary.plan(legs, lambda city: queries.meetups_in_city(city))
    info = ical.CalendarInfo(
        name=f"My trip · {site.name}",
        description="Meetups I can attend on my trip: " + ", ".join(p.leg.city.name for p in plans),
        url=f"{site.base_url}{url_for('.trip')}?{_query(legs)}",
        refresh=site.refresh,
    )
    dated = [
        (catalogue.series_record(entry.meetup, site), entry.occurrence)
        for plan in plans
        for entry in plan.entries
    ]
    return Response(
        ical.build_occurrences(info, dated, subscribable=True), content_type=ical.MEDIA_TYPE
    )


@bp.get("/dates")
@page_cache.for_visitors
def soon() -> str | tuple[str, int]:
    """Directory-wide: everything in the next 24 hours, or the next 7 days."""
    when = request.args.get("when", "week")
    span = SOON.get(when)
    if span is None:
        error = gettext("Choose today or this week.")
        return render_template("soon.html", error=error, when=None), 400
    now = datetime.now(UTC)
    coming = current_app.extensions["coming_dates"].between(db.session, now, span)
    shown = coming.dates[:SOON_DATES]
    meetups = queries.meetups_by_id({meetup_id for meetup_id, _ in shown})
    return render_template(
        "soon.html",
        when=when,
        dates=[(meetups[meetup_id], occurrence) for meetup_id, occurrence in shown],
        more=coming.total - len(shown),
    )


def find_city(text: str) -> City | list[City] | None:
    """A city from its address ("fr/paris") or as people type it ("Paris", "Paris, France",
    "Springfield, Illinois, United States"); the cities a name could mean when several
    have it and none stands out."""
    canonical = CANONICAL_CITY.match(text.strip().lower())
    if canonical:
        return queries.city(*canonical.groups())
    name, *places = (part.strip() for part in text.split(","))
    found = queries.find_cities(name, limit=20)
    if found.respelt:
        return None
    cities, named = [city for city, _ in found.cities], found.named
    wanted = {_place_key(place) for place in places if place}
    if wanted:
        cities, named = _placed(cities, wanted), _placed(named, wanted)
    elif found.landing:
        return found.landing
    if len(named) > 1:
        return named
    return (named or cities or [None])[0]


def _placed(cities: list[City], wanted: set[str]) -> list[City]:
    """The cities that are where the text after the name says: in a region or country, or,
    for namesakes nothing else tells apart, near a bigger city ("near Cascavel")."""
    placed = [city for city in cities if wanted <= _place_keys(city)]
    if len(placed) == 1 or not cities:
        return placed
    neighbours = queries.namesake_neighbours(placed or cities)
    nearby = [
        city
        for city in placed or cities
        if city.id in neighbours and wanted <= _place_keys(city) | _near_keys(neighbours[city.id])
    ]
    return nearby or placed


def _choices(cities: list[City]) -> list[tuple[str, str]]:
    """(address, label) per city a leg could mean, told apart by where the nearest
    meetups are: "Springfield, Illinois, United States: 1329 km from New York City"."""
    nearest = queries.nearest_cities_with_meetups(cities, limit=1)
    neighbours = queries.namesake_neighbours(cities)
    choices = []
    for city in cities:
        label = _full_name(city)
        if city.id in neighbours:
            label += ", " + near_city(neighbours[city.id])
        for other, _, km in nearest[city.id]:
            label = gettext(
                "%(city)s: %(distance)s from %(other)s",
                city=label,
                distance=distance(km),
                other=city_name(other),
            )
        choices.append((f"{city.country_code.lower()}/{city.slug}", label))
    return choices


def _full_name(city: City) -> str:
    """As the planner names a city: "Springfield, Illinois, United States"."""
    return f"{city_place(city)}, {country_name(city.country)}"


def _written(city: City) -> str:
    """A city as the planner writes it back into its form, in words that read back as
    that city (`find_city`): its full name, and the bigger city near it when another city
    has the same name, region and country ("Cafelândia, Brazil, near Cascavel")."""
    text = _full_name(city)
    found = find_city(text)
    if found == city:
        return text
    others = found if isinstance(found, list) else [found] if found else []
    alike = {other.id: other for other in [city, *others]}
    neighbour = queries.namesake_neighbours(alike.values()).get(city.id)
    if neighbour is None:
        return text
    return f"{text}, {near_city(neighbour)}"


def _place_keys(city: City) -> set[str]:
    """Where a city is, as people type it after its name: its region by name or code
    ("Missouri", "MO"), and its country by code or name in English or the page's language."""
    names = (
        city.region,
        gazetteer.region_code(city.country_code, city.region),
        city.country_code,
        city.country.name,
        country_name(city.country),
    )
    return {_place_key(name) for name in names if name}


def _near_keys(neighbour: City) -> set[str]:
    """A namesake told apart by the bigger city near it, as written ("near Cascavel"), or
    that city's name alone."""
    return {_place_key(near_city(neighbour)), _place_key(city_name(neighbour))}


def _place_key(text: str) -> str:
    """`name_key`, with an abbreviation's letters together: "D.C." and "DC" are one."""
    key = name_key(text)
    words = key.split()
    return "".join(words) if len(words) > 1 and all(len(word) == 1 for word in words) else key


def _rows() -> list[tuple[str, str, str]]:
    cities = request.args.getlist("city")
    arrivals = request.args.getlist("arrive")
    departures = request.args.getlist("leave")
    # Enough to tell someone with too many legs so; not so many that a long URL costs much.
    count = min(max(len(cities), len(arrivals), len(departures)), 5 * itinerary.MAX_LEGS)
    return [(_at(cities, i), _at(arrivals, i), _at(departures, i)) for i in range(count)]


def _at(values: list[str], index: int) -> str:
    return values[index][:200] if index < len(values) else ""


def _typed(leg: itinerary.Leg) -> tuple[str, str, str]:
    return (
        _written(leg.city),
        leg.arrive.isoformat(),
        leg.leave.isoformat(),
    )


def _query(legs: list[itinerary.Leg]) -> str:
    pairs = []
    for leg in legs:
        city = f"{leg.city.country_code.lower()}/{leg.city.slug}"
        pairs += [
            ("city", city),
            ("arrive", leg.arrive.isoformat()),
            ("leave", leg.leave.isoformat()),
        ]
    return urlencode(pairs, safe="/")


def _padded(rows: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """The rows as typed, for the form again; a date field can hold only a date, so a
    malformed one comes back blank (the error above it quotes what was typed)."""
    kept = [(city, _date_or_blank(arrive), _date_or_blank(leave)) for city, arrive, leave in rows]
    return kept + _blank_rows(len(rows))


def _date_or_blank(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        return ""


def _blank_rows(filled: int) -> list[tuple[str, str, str]]:
    wanted = max(0, min(itinerary.MAX_LEGS - filled, EXTRA_ROWS if filled else 3))
    return [("", "", "")] * wanted
