"""Public pages: browse countries, cities, venues and meetups. Parse, query, render."""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Hashable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple, TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, lazy_gettext
from markupsafe import Markup
from werkzeug.wrappers import Response

from meetups import queries
from meetups.agenda import DateRange, Entry, RangeError, moved_here, place_agenda
from meetups.extensions import db
from meetups.models import City, Meetup, MeetupStatus, Venue
from meetups.pages.next_dates import NextDates
from meetups.places import cities, geo
from meetups.places.geo import check_point
from meetups.places.towns import Town, TownIndex
from meetups.schedule import Occurrence, time_zone
from meetups.slugs import name_key
from meetups.web import page_cache
from meetups.web.http_cache import public_cache_control
from meetups.web.i18n import (
    by_city_name,
    by_country_name,
    chosen_language,
    city_name,
    country_name,
    language,
    near_city,
    translate,
)

bp = Blueprint("pages", __name__)
T = TypeVar("T")

NEXT_DATES = 8
HOME_DATES = 30
# The home page names the busiest cities; the rest are a country or a search away.
HOME_CITIES = 24
# A country's dates beyond these are a city page away.
COUNTRY_DATES = 300
WEEK = timedelta(days=7)
MAX_QUERY_LENGTH = 100
# A topic page lists this many meetups; its feed holds them all.
TOPIC_MEETUPS = 200
# The search box suggests this many cities, from this many found by their names.
SUGGESTIONS = 8
SUGGESTION_CANDIDATES = 50


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
        countries=by_country_name(_kept(("countries",), queries.listed_countries)),
        cities=_kept(("busiest cities",), lambda: queries.listed_cities(busiest=HOME_CITIES)),
        this_week=[Entry(meetups[meetup_id], occurrence) for meetup_id, occurrence in shown],
        places=queries.moved_to_venues(meetups.values()),
        more_this_week=len(coming.dates) > HOME_DATES,
    )


@bp.get("/search")
@page_cache.for_visitors
def search() -> tuple[str, int] | str | Response:
    text = request.args.get("q", "").strip()
    if len(text) > MAX_QUERY_LENGTH:
        message = gettext(
            "Please search with at most %(count)d characters.", count=MAX_QUERY_LENGTH
        )
        return render_template("search.html", query=text[:MAX_QUERY_LENGTH], error=message), 400
    if not text:
        return render_template("search.html", query=text)
    found = queries.find_cities(text)
    venues, meetups = queries.search_venues(text), queries.search_meetups(text)
    others = len(found.cities) > 1 or venues or meetups
    if not request.args.get("list"):
        if found.landing:
            return _to_city(found.landing, text if others else None)
        if len(found.cities) == 1 and not (found.respelt or others):
            return _to_city(found.cities[0][0], None)
    empty = [city for city, count in found.cities if not count]
    towns = _small_towns(text) if found.respelt or not found.cities else []
    return render_template(
        "search.html",
        query=text,
        cities=found.cities,
        respelt=found.respelt,
        nearest=queries.nearest_cities_with_meetups([*empty, *towns], limit=1),
        neighbours=queries.namesake_neighbours(city for city, _ in found.cities),
        towns=towns,
        venues=venues,
        meetups=meetups,
        # "cafe" finds cafés with meetups and towns without (Cafelândia): the cafés lead.
        listings_first=bool(venues or meetups)
        and not found.respelt
        and not any(count for _, count in found.cities),
    )


@bp.get("/suggest")
def suggest() -> Response:
    """The cities with meetups the search box offers while someone types, in the page's
    language ("Londres, Royaume-Uni"), worked out once per data version and language."""
    key = name_key(request.args.get("q", "").strip()[:MAX_QUERY_LENGTH])
    where = (key, language(), chosen_language(), request.script_root)
    response = jsonify(items=_kept(("suggestions", *where), lambda: _suggestions(key)))
    response.headers["Cache-Control"] = public_cache_control(
        current_app.config["PAGE_MAX_AGE"], current_app.config["PAGE_STALE_WHILE_REVALIDATE"]
    )
    return response


def _suggestions(key: str) -> list[dict[str, str]]:
    """Those whose name in the page's language starts with what was typed first, then
    those an alternate name matched ("Londres" for London), biggest first."""
    found = queries.search_cities(key, SUGGESTION_CANDIDATES, with_meetups=True)
    shown = sorted(found, key=lambda city: not name_key(city_name(city)).startswith(key))
    shown = shown[:SUGGESTIONS]
    neighbours = queries.namesake_neighbours(shown)
    return [
        {
            "name": city_name(city),
            "where": ", ".join(_where(city, neighbours.get(city.id))),
            "url": url_for(".city", country_code=city.country.slug, slug=city.slug),
        }
        for city in shown
    ]


def _where(city: City, neighbour: City | None) -> list[str]:
    """Where a suggested city is: its region, its country, and for a namesake the bigger
    city near it."""
    return [
        part
        for part in (city.region, country_name(city.country), neighbour and near_city(neighbour))
        if part
    ]


def _small_towns(text: str) -> list[Town]:
    """Towns the directory has not loaded, to point a traveller to the nearest meetups;
    only once the file is built (by a volunteer's search or at deploy), never for a visitor."""
    index = TownIndex(current_app.config["TOWNS_INDEX"])
    return cities.towns_to_add(db.session, index, text, limit=3) if index.ready() else []


def _to_city(city: City, text: str | None) -> Response:
    """Straight to the city a search names; its page offers the other results, if any."""
    code = city.country_code.lower()
    return redirect(url_for(".city", country_code=code, slug=city.slug, q=text))


@bp.get("/<string(length=2):country_code>/")
@page_cache.for_visitors
def country(country_code: str) -> str | Response | tuple[str, int]:
    if country_code != country_code.lower():
        return redirect(url_for(".country", country_code=country_code.lower()), 301)
    found = queries.country(country_code) or abort(404)
    dates, error = _date_range(_now().date())
    cities = _kept(("cities", found.code), lambda: queries.listed_cities(found.code))
    shown_in = (found.code, language(), chosen_language())
    # The list of cities only changes with an edit: written once per data version and language.
    city_list = _kept(
        ("city list", *shown_in),
        lambda: Markup(_macros().city_columns(found, by_city_name(cities))),
    )
    dated, more_dates = _country_agenda(found.code, dates, shown_in) if dates else ("", 0)
    page = render_template(
        "country.html",
        country=found,
        cities=cities,
        city_list=city_list,
        dates=dates,
        dated=dated,
        more_dates=more_dates,
        range_error=error,
    )
    return (page, 400) if error else page


def _country_agenda(
    country_code: str, dates: DateRange, shown_in: tuple[str, str, str | None]
) -> tuple[Markup, int]:
    """The first dates of a country's agenda, written out; how many more there are.

    Series are expanded from plain rows, and only the meetups shown are loaded.
    The default week (no `from` or `to`) is written once per data version and
    language: a country has thousands of series, and its page is rendered again
    in every time bucket. Other ranges are worked out for each request.
    """
    if request.args.get("from") or request.args.get("to"):
        return _written_dates(country_code, dates)

    def packed() -> tuple[PackedHtml, int]:
        written, more = _written_dates(country_code, dates)
        return PackedHtml.of(written), more

    key = ("country dates", *shown_in, dates.first, dates.last)
    kept, more = _kept(key, packed)
    return kept.markup(), more


def _written_dates(country_code: str, dates: DateRange) -> tuple[Markup, int]:
    shown, total = _first_dates(country_code, dates)
    meetups = queries.meetups_by_id({meetup_id for meetup_id, _ in shown}, tags=False)
    entries = [Entry(meetups[meetup_id], occurrence) for meetup_id, occurrence in shown]
    places = queries.moved_to_venues(entry.meetup for entry in entries)
    return Markup(_macros().agenda_list(entries, places, show_city=True)), total - len(shown)


class PackedHtml(NamedTuple):
    """HTML kept compressed while its data version lasts: a written agenda shrinks some
    six times, and a worker remembers one for every city and country visitors ask for."""

    compressed: bytes

    @classmethod
    def of(cls, html: str) -> PackedHtml:
        return cls(zlib.compress(html.encode()))

    def markup(self) -> Markup:
        return Markup(zlib.decompress(self.compressed).decode())


class CityDates(NamedTuple):
    """A city's dates written out, the zones their times are in, and which dates they are."""

    written: PackedHtml
    zones: frozenset[str]
    shown: frozenset[tuple[int, date]]


NO_DATES = CityDates(PackedHtml.of(""), frozenset(), frozenset())


def _city_agenda(
    city: City, meetups: list[Meetup], visiting: list[Meetup], here: set[int], dates: DateRange
) -> CityDates:
    """A city's dates, its own and those moved to its venues: the default week once per
    data version and language (the page is rendered again in every time bucket), other
    ranges for each request."""

    def written() -> CityDates:
        entries = place_agenda(meetups, visiting, here, dates.first, dates.last)
        places = queries.moved_to_venues([*meetups, *visiting])
        return CityDates(
            PackedHtml.of(_macros().agenda_list(entries, places, city=city)),
            _zones(entries),
            frozenset(_date_key(entry) for entry in entries),
        )

    if request.args.get("from") or request.args.get("to"):
        return written()
    key = ("city dates", city.id, language(), chosen_language(), dates.first, dates.last)
    return _kept(key, written)


def _macros() -> Any:
    return current_app.jinja_env.get_template("_macros.html").module


def _first_dates(country_code: str, dates: DateRange) -> tuple[list[tuple[int, Occurrence]], int]:
    """The first COUNTRY_DATES dates of a country's series (by meetup id), those of other
    countries' series moved to its venues included, and how many in all."""
    visiting, here = queries.series_visiting_country(country_code, dates)
    found = place_agenda(
        queries.series_in_country(country_code, dates), visiting, here, dates.first, dates.last
    )
    shown = [(entry.meetup.id, entry.occurrence) for entry in found[:COUNTRY_DATES]]
    return shown, len(found)


@bp.get("/<string(length=2):country_code>/<slug>/")
@page_cache.for_visitors
def city(country_code: str, slug: str) -> str | Response | tuple[str, int]:
    if country_code != country_code.lower():
        return redirect(url_for(".city", country_code=country_code.lower(), slug=slug), 301)
    found = queries.city(country_code, slug) or abort(404)
    meetups = queries.meetups_in_city(found, tags=False)
    visited = found.id in _kept("cities visited", queries.cities_visited)
    visiting = queries.meetups_visiting_city(found.id) if visited else []
    here = queries.venues_moved_to(visiting, found.id)
    now = _now()
    dates, error = _date_range(now.astimezone(time_zone(found.timezone)).date())
    listed = [m for m in meetups if m.status != MeetupStatus.ENDED]
    dated = _city_agenda(found, meetups, visiting, here, dates) if dates else NO_DATES
    later_here = [
        entry for entry in moved_here(visiting, here, now) if _date_key(entry) not in dated.shown
    ]
    page = render_template(
        "city.html",
        city=found,
        searched=request.args.get("q", "").strip()[:MAX_QUERY_LENGTH],
        nearest=[]
        if listed or visiting
        else queries.nearest_cities_with_meetups([found])[found.id],
        listed=listed,
        ended=[m for m in meetups if m.status == MeetupStatus.ENDED],
        next_dates=_next_dates(meetups, now),
        unconfirmed=_unconfirmed(meetups),
        markers=_city_markers(found, listed),
        dates=dates,
        dated=dated.written.markup(),
        moved_here=later_here,
        visited=bool(visiting),
        places=queries.moved_to_venues(visiting),
        other_zones=_other_zones(found, listed, dated.zones | _zones(later_here)),
        range_error=error,
    )
    return (page, 400) if error else page


def _other_zones(city: City, listed: list[Meetup], dated: frozenset[str]) -> list[str]:
    """The zones other than the city's that times on its page are in: a venue on an island
    that keeps its own clock, a date moved to another zone's venue."""
    zones = {meetup.timezone for meetup in listed} | dated
    return sorted(zones - {city.timezone})


def _zones(entries: list[Entry]) -> frozenset[str]:
    return frozenset(entry.occurrence.start.tzinfo.key for entry in entries)


def _date_key(entry: Entry) -> tuple[int, date]:
    return entry.meetup.id, entry.occurrence.original_date


def _kept(key: Hashable, count: Callable[[], T]) -> T:
    """Counts over the whole directory, which only an edit changes: once per data version."""
    return current_app.extensions["data_version"].memo(db.session, key, count)


def _date_range(today: date) -> tuple[DateRange | None, str | None]:
    """The dates asked for with `?from=&to=` (this week by default), or why they cannot be."""
    try:
        return DateRange.parse(request.args.get("from"), request.args.get("to"), today=today), None
    except RangeError as error:
        return None, translate(error)


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
        venues=queries.moved_to_venues([found]),
        zone_city=_zone_city(found),
        markers=_markers([found.venue]),
        reported=_kept("open reports", queries.open_report_kinds).get(found.id, []),
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
        next_dates=_next_dates(found.meetups, now),
        unconfirmed=_unconfirmed(found.meetups),
        markers=_markers([found]),
    )


@bp.get("/t/<slug>/")
@page_cache.for_visitors
def topic(slug: str) -> str:
    """A topic's meetups and its feed: the way in for people who follow a theme."""
    found = queries.tag(slug) or abort(404)
    meetups, total = queries.meetups_with_tag(found.id, TOPIC_MEETUPS)
    now = _now()
    return render_template(
        "topic.html",
        topic=found,
        meetups=meetups,
        total=total,
        next_dates=_next_dates(meetups, now),
        unconfirmed=_unconfirmed(meetups),
    )


def _zone_city(meetup: Meetup) -> City | None:
    """The city to name for the meetup's clock: its own, unless that keeps another time."""
    city = meetup.venue.city
    if city.timezone == meetup.timezone:
        return city
    venue = meetup.venue
    if venue.latitude is None or venue.longitude is None:
        return queries.nearest_city_in_zone(meetup.timezone, city.latitude, city.longitude)
    return queries.nearest_city_in_zone(meetup.timezone, venue.latitude, venue.longitude)


def _deleted(item: Meetup | Venue) -> tuple[str, int]:
    """Gone, and saying so: 410 tells search engines and calendar apps to stop asking."""
    revision = queries.deletion_of(item)
    return render_template("deleted.html", item=item, revision=revision), 410


def _confirmed_recently(meetup: Meetup) -> bool:
    """Confirmed within the configured span, counted in the meetup's own calendar."""
    today = datetime.now(time_zone(meetup.timezone)).date()
    stale_after = timedelta(days=current_app.config["STALE_AFTER_DAYS"])
    return meetup.confirmed_recently(today, stale_after)


def _unconfirmed(meetups: Iterable[Meetup]) -> set[int]:
    """The ids of those not `_confirmed_recently`, each zone's day looked up once."""
    stale_after = timedelta(days=current_app.config["STALE_AFTER_DAYS"])
    today: dict[str, date] = {}
    unconfirmed = set()
    for meetup in meetups:
        zone = meetup.timezone
        if zone not in today:
            today[zone] = datetime.now(time_zone(zone)).date()
        if not meetup.confirmed_recently(today[zone], stale_after):
            unconfirmed.add(meetup.id)
    return unconfirmed


def _next_dates(meetups: Iterable[Meetup], now: datetime) -> dict[int, Occurrence | None]:
    """Each meetup's next date people can go to, by id (kept until it begins)."""
    next_dates: NextDates = current_app.extensions["next_dates"]
    return next_dates.of(meetups, now)


def _city_markers(city: City, listed: list[Meetup]) -> list[dict[str, object]]:
    """The pins of a city's listed meetups' venues, once per data version: each needs a
    link, and a busy city's links were a fifteenth of its page. The links carry the
    language the address chose and start at the site's root."""
    key = ("city markers", city.id, chosen_language(), request.script_root)
    return _kept(key, lambda: _markers(meetup.venue for meetup in listed))


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


@bp.get("/near")
@page_cache.for_visitors
def near() -> tuple[str, int] | str:
    """Meetups by distance from a point (from the browser) or a city typed in the box.

    The form carries the point on, so that a new distance or order keeps it.
    """
    form = request.args
    if not any(form.get(key) for key in ("lat", "lon", "q", "km", "sort")):
        return render_template(
            "near.html", form=form, radius=geo.DEFAULT_RADIUS_KM, sort="distance"
        )
    try:
        latitude, longitude, place, located = _point_from(form)
        radius = _radius_from(form)
        sort = _sort_from(form)
    except ValueError as error:
        return render_template("near.html", form=form, error=translate(error), radius=None), 400
    found = queries.meetups_near(latitude, longitude, radius)
    now = _now()
    next_dates = _next_dates((m for m, _ in found), now)
    results = [(m, distance, next_dates[m.id]) for m, distance in found]
    if sort == "date":
        results.sort(key=_by_next_date)
    return render_template(
        "near.html",
        form=form,
        radius=radius,
        sort=sort,
        place=place,
        located=located,
        point=(latitude, longitude),
        results=results,
        markers=_markers(m.venue for m, _ in found),
    )


NEAR_ORDERS = ("distance", "date")
# Far in the future: meetups with no coming date go last when sorted by date.
NEVER = datetime.max.replace(tzinfo=UTC)


def _by_next_date(result: tuple[Meetup, float, Occurrence | None]) -> tuple[datetime, float]:
    _, distance, next_date = result
    return (next_date.start if next_date else NEVER, distance)


def _sort_from(form: Mapping[str, str]) -> str:
    sort = form.get("sort", "").strip() or "distance"
    if sort not in NEAR_ORDERS:
        raise ValueError(gettext("Sort by distance or by next date."))
    return sort


def _point_from(form: Mapping[str, str]) -> tuple[float, float, str, bool]:
    """(latitude, longitude, place name, whether it is the visitor's own position).

    A city typed in the box wins over a position carried on from before.
    """
    text = form.get("q", "").strip()
    if not text and (form.get("lat") or form.get("lon")):
        latitude = _number(form.get("lat", ""), "latitude")
        longitude = _number(form.get("lon", ""), "longitude")
        check_point(latitude, longitude)
        around = queries.nearest_city(latitude, longitude)
        return latitude, longitude, city_name(around) if around else "", True
    if not text:
        raise ValueError(gettext("Type a city, or use your location, to look around it."))
    if len(text) > MAX_QUERY_LENGTH:
        raise ValueError(
            gettext("Please type at most %(count)d characters.", count=MAX_QUERY_LENGTH)
        )
    found = queries.find_cities(text, limit=1)
    if not found.cities or found.respelt:
        raise ValueError(
            gettext(
                "No city called “%(name)s”. Try its name in English or its own language.", name=text
            )
        )
    city = found.landing or found.cities[0][0]
    place = f"{city_name(city)}, {country_name(city.country)}"
    return city.latitude, city.longitude, place, False


def _radius_from(form: Mapping[str, str]) -> float:
    text = form.get("km", "").strip()
    radius = _number(text, "distance") if text else geo.DEFAULT_RADIUS_KM
    if not geo.MIN_RADIUS_KM <= radius <= geo.MAX_RADIUS_KM:
        raise ValueError(
            gettext(
                "Distance must be between %(least)s and %(most)s km.",
                least=f"{geo.MIN_RADIUS_KM:g}",
                most=f"{geo.MAX_RADIUS_KM:g}",
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
