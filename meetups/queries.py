"""Reads for the public pages, each with a fixed number of queries (no N+1)."""

from __future__ import annotations

from collections import defaultdict, namedtuple
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    exists,
    func,
    inspect,
    or_,
    select,
)
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import instance_dict, set_committed_value

from meetups.agenda import DateRange
from meetups.extensions import db
from meetups.models import (
    INCLUDE_DELETED,
    WITH_DELETED,
    City,
    CityName,
    Country,
    Meetup,
    MeetupChange,
    MeetupStatus,
    Report,
    ReportKind,
    Revision,
    Tag,
    Venue,
    VenueRedirect,
    meetup_tags,
    schedule_columns,
    stored_change,
    stored_last_date,
    stored_schedule,
)
from meetups.places import city_search
from meetups.places.geo import bounding_boxes, distance_km
from meetups.places.names import other_names
from meetups.places.towns import Town
from meetups.schedule import Change, Schedule
from meetups.slugs import name_key

LISTED = (MeetupStatus.ACTIVE, MeetupStatus.PAUSED)


def _meetups_with_details(tags: bool = True, cities: bool = True) -> Select[tuple[Meetup]]:
    """Meetups with their venue, city and changes; with their tags unless the page shows none
    (a city's page and its dates do not: loading sixty meetups' tags was a tenth of it);
    without their city when the caller holds it (every venue then finds it in the session)."""
    venue = joinedload(Meetup.venue, innerjoin=True)
    details = [
        venue.joinedload(Venue.city, innerjoin=True) if cities else venue,
        selectinload(Meetup.changes).joinedload(MeetupChange.venue),
    ]
    if tags:
        details.append(selectinload(Meetup.tags))
    return select(Meetup).options(*details)


def demo_data_present() -> bool:
    return bool(db.session.scalar(select(exists().where(Meetup.is_demo))))


def countries_with_meetups() -> list[tuple[Country, int, int]]:
    """(country, cities, meetups) for every country with listed meetups, by name."""
    rows = db.session.execute(
        select(Country, func.count(func.distinct(City.id)), func.count(Meetup.id))
        .join(City, City.country_code == Country.code)
        .join(Venue, Venue.city_id == City.id)
        .join(Meetup, Meetup.venue_id == Venue.id)
        .where(Meetup.status.in_(LISTED))
        .group_by(Country.code, Country.name)
        .order_by(Country.name)
    )
    return [(country, cities, meetups) for country, cities, meetups in rows]


def cities_with_meetups(
    country_code: str | None = None, busiest: int | None = None
) -> list[tuple[City, int]]:
    """(city, meetups) for cities with listed meetups: by name, or the `busiest` few first."""
    count = func.count(Meetup.id)
    query = (
        select(City, count)
        .join(Venue, Venue.city_id == City.id)
        .join(Meetup, Meetup.venue_id == Venue.id)
        .where(Meetup.status.in_(LISTED))
        .group_by(City.id)
        .options(joinedload(City.country))
    )
    if country_code:
        query = query.where(City.country_code == country_code)
    if busiest:
        query = query.order_by(count.desc(), City.name).limit(busiest)
    else:
        query = query.order_by(City.name)
    return [(city, meetups) for city, meetups in db.session.execute(query)]


@dataclass(frozen=True)
class ListedCountry:
    """A country as lists name it: plain values, which a worker may keep between requests."""

    code: str
    name: str

    @property
    def slug(self) -> str:
        return self.code.lower()


@dataclass(frozen=True)
class ListedCity:
    """A city as lists name it: plain values, which a worker may keep between requests."""

    id: int
    name: str
    slug: str
    country: ListedCountry
    region: str = ""


def listed_countries() -> list[tuple[ListedCountry, int, int]]:
    """`countries_with_meetups` as plain values."""
    return [
        (ListedCountry(country.code, country.name), cities, meetups)
        for country, cities, meetups in countries_with_meetups()
    ]


def listed_cities(
    country_code: str | None = None, busiest: int | None = None
) -> list[tuple[ListedCity, int]]:
    """`cities_with_meetups` as plain values."""
    return [
        (
            ListedCity(
                city.id,
                city.name,
                city.slug,
                ListedCountry(city.country.code, city.country.name),
                city.region,
            ),
            meetups,
        )
        for city, meetups in cities_with_meetups(country_code, busiest)
    ]


def meetup_counts(city_ids: Iterable[int]) -> dict[int, int]:
    """Listed meetups per city, for the few cities a page shows."""
    ids = set(city_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Venue.city_id, func.count(Meetup.id))
        .join(Meetup, Meetup.venue_id == Venue.id)
        .where(Venue.city_id.in_(ids), Meetup.status.in_(LISTED))
        .group_by(Venue.city_id)
    )
    return {city_id: count for city_id, count in rows}


def country(code: str) -> Country | None:
    return db.session.get(Country, code.upper())


def city(country_code: str, slug: str) -> City | None:
    return db.session.scalar(_CITY, {"country_code": country_code.upper(), "slug": slug})


# Built once: building it and its cache key was over a quarter of the load.
_CITY = select(City).where(
    City.country_code == bindparam("country_code"), City.slug == bindparam("slug")
)


def nearest_city_in_zone(zone: str, latitude: float, longitude: float) -> City | None:
    """The closest city on the site whose clock is the zone's: a place people know that
    keeps the venue's time, when its own city does not (Lord Howe Island, off Sydney)."""
    cities = db.session.scalars(select(City).where(City.timezone == zone))
    return min(
        cities,
        key=lambda city: distance_km(latitude, longitude, city.latitude, city.longitude),
        default=None,
    )


def meetups_in_city(city: City, tags: bool = True) -> list[Meetup]:
    """The city's meetups with their venues and changes, but not the city again for each
    row: the caller holds it (a tenth of a city page).

    Their changes come from one plain query for the whole city rather than `selectinload`,
    whose machinery for sixty meetups (few with any change) cost a sixth of a rendered city
    page; the statements are built once. Collections the session already holds are kept,
    as eager loading would.
    """
    of_city = {"city_id": city.id}
    meetups = list(db.session.scalars(_CITY_MEETUPS[tags], of_city).unique())
    changes: defaultdict[int, list[MeetupChange]] = defaultdict(list)
    for change in db.session.scalars(_CITY_CHANGES, of_city):
        changes[change.meetup_id].append(change)
    for meetup in meetups:
        if "changes" not in instance_dict(meetup):
            set_committed_value(meetup, "changes", changes.get(meetup.id, []))
        # Its venue's city is the caller's: set, rather than found in the session by each.
        if "city" not in instance_dict(meetup.venue):
            set_committed_value(meetup.venue, "city", city)
    return meetups


# A city's meetups (with their tags or without) and their changes, by the city's id.
_IN_CITY = (
    select(Meetup)
    .options(joinedload(Meetup.venue, innerjoin=True))
    .join(Meetup.venue)
    .where(Venue.city_id == bindparam("city_id"))
    .order_by(Meetup.name)
)
_CITY_MEETUPS = {False: _IN_CITY, True: _IN_CITY.options(selectinload(Meetup.tags))}
_CITY_CHANGES = (
    select(MeetupChange)
    .options(joinedload(MeetupChange.venue))
    .join(Meetup, MeetupChange.meetup_id == Meetup.id)
    .join(Venue, Meetup.venue_id == Venue.id)
    .where(Venue.city_id == bindparam("city_id"))
    .order_by(MeetupChange.original_date)
)


def cities_visited() -> set[int]:
    """Cities with a venue some date was moved to: the only ones whose pages need
    `meetups_visiting_city` (kept once per data version by the caller)."""
    return set(
        db.session.scalars(
            select(Venue.city_id)
            .join(MeetupChange, MeetupChange.venue_id == Venue.id)
            .where(MeetupChange.cancelled.is_(False))
            .distinct()
        )
    )


def meetups_visiting_city(city_id: int) -> list[Meetup]:
    """Series of other cities with a date moved to a venue of this one: the date happens
    here, so this city's page lists it (see `agenda.moved_to`)."""
    moved_here = (
        select(MeetupChange.meetup_id)
        .join(Venue, MeetupChange.venue_id == Venue.id)
        .where(Venue.city_id == city_id, MeetupChange.cancelled.is_(False))
    )
    return list(
        db.session.scalars(
            _meetups_with_details()
            .join(Meetup.venue)
            .where(Meetup.id.in_(moved_here), Venue.city_id != city_id)
            .where(Meetup.status.in_(LISTED))
            .order_by(Meetup.name)
        ).unique()
    )


def tag(slug: str) -> Tag | None:
    return db.session.scalar(select(Tag).where(Tag.slug == slug))


def meetups_with_tag(tag_id: int, limit: int) -> tuple[list[Meetup], int]:
    """Up to `limit` listed meetups on a topic, by country, city and name, and how many
    there are: a broad topic can span the world, and its feed holds them all."""
    listed = (
        select(Meetup.id)
        .join(meetup_tags, meetup_tags.c.meetup_id == Meetup.id)
        .where(meetup_tags.c.tag_id == tag_id, Meetup.status.in_(LISTED))
    )
    total = db.session.scalar(select(func.count()).select_from(listed.subquery())) or 0
    shown = db.session.scalars(
        _meetups_with_details()
        .join(Meetup.venue)
        .join(Venue.city)
        .where(Meetup.id.in_(listed))
        .order_by(City.country_code, City.name, Meetup.name)
        .limit(limit)
    ).unique()
    return list(shown), total


def venues_moved_to(visiting: Iterable[Meetup], city_id: int) -> set[int]:
    """The venues of this city that other cities' series moved dates to."""
    return {
        change.venue_id
        for meetup in visiting
        for change in meetup.changes
        if change.venue is not None and change.venue.city_id == city_id
    }


@dataclass(frozen=True)
class Series:
    """A meetup's dates as `agenda` reads them, from plain rows rather than a loaded meetup.

    A country page expands thousands of series for a week and shows 300 dates:
    loading every meetup with its venue, city, tags and changes cost most of it.
    """

    id: int
    slug: str
    name: str
    status: MeetupStatus
    schedule: Schedule
    last_date: date | None
    schedule_changes: tuple[Change, ...]
    venue_id: int

    @property
    def ever_happens(self) -> bool:
        return self.last_date is None or self.last_date >= self.schedule.first_date


def runs_until(day: date) -> ColumnElement[bool]:
    """Meetups whose dates do not stop before `day`: neither an end date nor a pause or end
    earlier (their dates stop the eve of that day, `stored_last_date`)."""
    return and_(
        or_(Meetup.end_date.is_(None), Meetup.end_date >= day),
        or_(
            Meetup.status == MeetupStatus.ACTIVE,
            Meetup.status_since.is_(None),
            Meetup.status_since >= day,
        ),
    )


def moved_between(first: date, last: date) -> ColumnElement[bool]:
    """Meetups with a date moved to a day from `first` to `last`, wherever their own
    dates stop."""
    return Meetup.id.in_(
        select(MeetupChange.meetup_id).where(MeetupChange.new_date.between(first, last))
    )


def series_in_country(country_code: str, dates: DateRange) -> list[Series]:
    """Listed series of a country that may have dates in `dates`, with the changes near them.

    Series that start after the range, or paused or ended before it, are left out unless
    a date moved into it: expanding them found nothing (a tenth of the bench directory's
    Chinese series).
    """
    margin = timedelta(days=2)
    first, last = dates.first - margin, dates.last + margin
    in_country = (
        select(Meetup.id)
        .join(Meetup.venue)
        .join(Venue.city)
        .where(City.country_code == country_code.upper(), Meetup.status.in_(LISTED))
        .where(or_(and_(Meetup.first_date <= last, runs_until(first)), moved_between(first, last)))
    )
    return series_between(in_country.order_by(Meetup.name), dates.first, dates.last)


def series_visiting_country(country_code: str, dates: DateRange) -> tuple[list[Series], set[int]]:
    """Listed series of other countries with a date moved near `dates` to a venue of this
    one, and those venues: the country's page lists the dates that happen there."""
    margin = timedelta(days=2)
    moved_here = (
        select(MeetupChange.meetup_id, MeetupChange.venue_id)
        .join(Venue, MeetupChange.venue_id == Venue.id)
        .join(City, Venue.city_id == City.id)
        .where(City.country_code == country_code.upper(), MeetupChange.cancelled.is_(False))
        .where(
            func.coalesce(MeetupChange.new_date, MeetupChange.original_date).between(
                dates.first - margin, dates.last + margin
            )
        )
    )
    found = db.session.execute(moved_here).all()
    if not found:
        return [], set()
    visiting = (
        select(Meetup.id)
        .join(Meetup.venue)
        .join(Venue.city)
        .where(Meetup.id.in_({meetup_id for meetup_id, _ in found}))
        .where(City.country_code != country_code.upper(), Meetup.status.in_(LISTED))
        .order_by(Meetup.name)
    )
    return series_between(visiting, dates.first, dates.last), {venue_id for _, venue_id in found}


def series_between(meetup_ids: Select[tuple[int]], first: date, last: date) -> list[Series]:
    """The series `meetup_ids` selects (in its order), as plain rows, with every change that
    can move a date into or out of `first` to `last`: two queries, however many series."""
    margin = timedelta(days=2)
    near = MeetupChange.original_date.between(first - margin, last + margin)
    moved_in = MeetupChange.new_date.between(first - margin, last + margin)
    changes: dict[int, list[Change]] = defaultdict(list)
    change_rows = db.session.execute(
        select(
            MeetupChange.meetup_id,
            MeetupChange.original_date,
            MeetupChange.cancelled,
            MeetupChange.new_date,
            MeetupChange.new_start_time,
            MeetupChange.new_duration_minutes,
            MeetupChange.venue_id,
            MeetupChange.note,
            Venue.timezone.label("venue_timezone"),
        )
        .outerjoin(Venue, MeetupChange.venue_id == Venue.id)
        .where(
            MeetupChange.meetup_id.in_(meetup_ids.order_by(None).scalar_subquery()),
            or_(near, moved_in),
        )
        .order_by(MeetupChange.meetup_id, MeetupChange.original_date)
    )
    for row in change_rows:
        changes[row.meetup_id].append(stored_change(row))
    rows = db.session.execute(
        meetup_ids.add_columns(
            Meetup.slug,
            Meetup.name,
            Meetup.status,
            Meetup.status_since,
            Meetup.venue_id,
            *schedule_columns(),
        )
    )
    return [
        Series(
            row.id,
            row.slug,
            row.name,
            row.status,
            stored_schedule(row),
            stored_last_date(row),
            tuple(changes.get(row.id, ())),
            row.venue_id,
        )
        for row in map(_plain_row(tuple(rows.keys()))._make, rows)
    ]


@lru_cache(maxsize=32)
def _plain_row(fields: tuple[str, ...]) -> Any:
    """A namedtuple of these columns: a country's page reads a dozen of each of its
    thousands of series, and a Row's attribute costs ten times a tuple's."""
    return namedtuple("PlainRow", fields)


def meetups_by_id(ids: set[int], tags: bool = True) -> dict[int, Meetup]:
    """Meetups with what their listing shows, for a known handful of ids."""
    if not ids:
        return {}
    found = db.session.scalars(_meetups_with_details(tags).where(Meetup.id.in_(ids))).unique()
    return {meetup.id: meetup for meetup in found}


# One meetup with its venue and city; its changes (with the venues dates moved to) and tags.
# Whole statements with bound parameters, built once: building them, and their cache keys,
# for every call was a fifth of the load.
_MEETUP = (
    select(Meetup)
    .options(joinedload(Meetup.venue, innerjoin=True).joinedload(Venue.city, innerjoin=True))
    .where(Meetup.slug == bindparam("slug"))
)
_CHANGES = (
    select(MeetupChange)
    .options(joinedload(MeetupChange.venue))
    .where(MeetupChange.meetup_id == bindparam("meetup_id"))
    .order_by(MeetupChange.original_date)
)
_TAGS = (
    select(Tag)
    .join(meetup_tags, meetup_tags.c.tag_id == Tag.id)
    .where(meetup_tags.c.meetup_id == bindparam("meetup_id"))
    .order_by(Tag.name)
)


def meetup(slug: str, include_deleted: bool = False) -> Meetup | None:
    """A meetup by address; a deleted one only when asked (to say it was deleted, or restore it).

    Its changes and tags come from two plain queries rather than `selectinload`, whose
    machinery cost more than the queries for a single meetup (a meetup page's load
    1.24 -> 0.73 ms). Collections the session already holds are kept, as eager loading
    would.
    """
    seen = {INCLUDE_DELETED: include_deleted}
    found = db.session.scalars(_MEETUP, {"slug": slug}, execution_options=seen).first()
    if found is None:
        return None
    unloaded = inspect(found).unloaded
    of_it = {"meetup_id": found.id}
    if "changes" in unloaded:
        changes = db.session.scalars(_CHANGES, of_it, execution_options=seen).all()
        set_committed_value(found, "changes", changes)
    if "tags" in unloaded:
        set_committed_value(found, "tags", db.session.scalars(_TAGS, of_it).all())
    return found


def venue(slug: str, include_deleted: bool = False) -> Venue | None:
    query = (
        select(Venue)
        .where(Venue.slug == slug)
        .options(
            joinedload(Venue.city),
            selectinload(Venue.meetups).selectinload(Meetup.changes),
            selectinload(Venue.meetups).selectinload(Meetup.tags),
        )
    )
    return db.session.scalar(query.execution_options(include_deleted=include_deleted))


def _like_pattern(key: str) -> str:
    return key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def venue_redirect(slug: str) -> str | None:
    """The slug a merged venue's old address now leads to."""
    return db.session.scalar(
        select(Venue.slug).join(VenueRedirect).where(VenueRedirect.old_slug == slug)
    )


def _starts_with(column: Any, key: str) -> Any:
    """A prefix match that uses the index on every engine.

    SQLite's LIKE ignores case and so cannot use a plain index; a range on the
    (already folded) keys can. PostgreSQL's index is built for LIKE prefixes.
    """
    if db.session.get_bind().dialect.name == "sqlite":
        return and_(column >= key, column < key + "\U0010ffff")
    return column.like(_like_pattern(key) + "%", escape="\\")


def _contains(column: Any, text: str) -> Any:
    """An accent-insensitive substring match on a folded key column; None for empty text."""
    key = name_key(text)
    if not key:
        return None
    return column.like(f"%{_like_pattern(key)}%", escape="\\")


def search_cities(text: str, limit: int = 20, with_meetups: bool = False) -> list[City]:
    """Cities whose name or any alternate name starts with the folded query, biggest first;
    `with_meetups`: only those with listed meetups (what the search box suggests)."""
    key = name_key(text)
    if not key:
        return []
    conditions = [City.id.in_(select(CityName.city_id).where(_starts_with(CityName.key, key)))]
    if with_meetups:
        listed = (
            select(Venue.city_id)
            .join(Meetup, Meetup.venue_id == Venue.id)
            .where(Meetup.status.in_(LISTED))
        )
        conditions.append(City.id.in_(listed))
    return list(
        db.session.scalars(
            select(City).where(*conditions).order_by(City.population.desc(), City.id).limit(limit)
        )
    )


def venues_in_boxes(latitude: float, longitude: float, radius_km: float) -> ColumnElement[bool]:
    """Venues in the boxes around a circle: a cheap prefilter on the coordinates' index."""
    return or_(
        *(
            and_(
                Venue.latitude.between(box.south, box.north),
                Venue.longitude.between(box.west, box.east),
            )
            for box in bounding_boxes(latitude, longitude, radius_km)
        )
    )


# Enough candidates that the noise a search drops still leaves a page of cities.
CANDIDATES = 60


@dataclass
class CityFinding:
    """The cities a search means, best first, with their listed meetups."""

    cities: list[tuple[City, int]] = field(default_factory=list)
    # The one city it names, to go straight to.
    landing: City | None = None
    # Nothing is called that: these are names spelt like it.
    respelt: bool = False
    # Every city with exactly that name, when several have it ("Springfield").
    named: list[City] = field(default_factory=list)


def find_cities(text: str, limit: int = 20) -> CityFinding:
    """The cities a search means (see `city_search`); near spellings when none is called so."""
    key = name_key(text)
    if not key:
        return CityFinding()
    found = _ranked_cities(_starts_with(CityName.key, key), key, limit)
    if found.cities:
        return found
    length = func.length(CityName.key)
    lookalikes = db.session.scalars(
        select(CityName.key)
        .where(_starts_with(CityName.key, key[:2]), length.between(len(key) - 2, len(key) + 2))
        .limit(20_000)
    )
    spellings = city_search.close_spellings(key, lookalikes)
    if not spellings:
        return CityFinding()
    respelt = _ranked_cities(CityName.key.in_(spellings), spellings[0], limit)
    return CityFinding(cities=respelt.cities, respelt=True)


def _ranked_cities(names: Any, key: str, limit: int) -> CityFinding:
    matching = select(CityName.city_id).where(names)
    # Only the matching cities' meetups counted: grouping the whole directory's was 7 of a
    # near search's 12 ms at 10,000 meetups, and grew with the directory.
    counts = (
        select(Venue.city_id.label("city_id"), func.count(Meetup.id).label("meetups"))
        .join(Meetup, Meetup.venue_id == Venue.id)
        .where(Meetup.status.in_(LISTED), Venue.city_id.in_(matching))
        .group_by(Venue.city_id)
        .subquery()
    )
    exact = City.id.in_(select(CityName.city_id).where(CityName.key == key))
    rows = db.session.execute(
        select(City, func.coalesce(counts.c.meetups, 0))
        .outerjoin(counts, counts.c.city_id == City.id)
        .where(City.id.in_(matching))
        .order_by(
            case((exact, 0), else_=1),
            case((counts.c.meetups.is_(None), 1), else_=0),
            City.population.desc(),
            City.id,
        )
        .limit(CANDIDATES)
    ).all()
    matched: dict[int, list[str]] = {}
    for city_id, matched_key in db.session.execute(
        select(CityName.city_id, CityName.key).where(
            CityName.city_id.in_([city.id for city, _ in rows]), names
        )
    ):
        matched.setdefault(city_id, []).append(matched_key)
    by_id = {city.id: (city, meetups) for city, meetups in rows}
    candidates = [
        city_search.Candidate(
            id=city.id,
            own_keys=tuple(name_key(name) for name in (city.name, *other_names(city.id))),
            matched_keys=tuple(matched.get(city.id, ())),
            population=city.population,
            meetups=meetups,
            latitude=city.latitude,
            longitude=city.longitude,
        )
        for city, meetups in rows
    ]
    ranked = city_search.rank(candidates, key)[:limit]
    landing = city_search.landing(ranked, key)
    return CityFinding(
        cities=[by_id[candidate.id] for candidate in ranked],
        landing=by_id[landing.id][0] if landing else None,
        named=[by_id[candidate.id][0] for candidate in ranked if candidate.is_exact(key)],
    )


def nearest_cities_with_meetups(
    cities: Iterable[City | Town], limit: int = 5
) -> dict[int, list[tuple[City, int, float]]]:
    """By city (or town) id: (city, meetups, km) for the cities with meetups closest to it,
    itself left out, so that a town without any points to where there are some."""
    with_meetups = cities_with_meetups()
    nearest: dict[int, list[tuple[City, int, float]]] = {}
    for city in cities:
        others = [
            (pair, c.latitude, c.longitude) for pair in with_meetups if (c := pair[0]) != city
        ]
        found = city_search.nearest(city.latitude, city.longitude, others, limit)
        nearest[city.id] = [(other, meetups, km) for (other, meetups), km in found]
    return nearest


# Namesakes of one country and region are told apart by a bigger city this close.
NEIGHBOUR_KM = 150.0


def namesake_neighbours(cities: Iterable[City]) -> dict[int, City]:
    """By city id: for cities whose name, region and country read the same as another's
    ("Cafelândia, Brazil", twice), the nearest bigger city within NEIGHBOUR_KM."""
    cities = list(cities)
    alike: defaultdict[tuple[str, str, str], list[City]] = defaultdict(list)
    for city in cities:
        alike[city.name, city.region, city.country_code].append(city)
    neighbours = {}
    for city in (city for group in alike.values() if len(group) > 1 for city in group):
        bigger = _nearest_bigger_city(city)
        if bigger is not None:
            neighbours[city.id] = bigger
    return neighbours


def _nearest_bigger_city(city: City) -> City | None:
    boxes = [
        and_(City.latitude.between(b.south, b.north), City.longitude.between(b.west, b.east))
        for b in bounding_boxes(city.latitude, city.longitude, NEIGHBOUR_KM)
    ]
    around = db.session.scalars(
        select(City).where(
            or_(*boxes), City.country_code == city.country_code, City.population > city.population
        )
    )
    found = [
        (km, other.id, other)
        for other in around
        if (km := distance_km(city.latitude, city.longitude, other.latitude, other.longitude))
        <= NEIGHBOUR_KM
    ]
    return min(found)[2] if found else None


# A position further than this from any city is named "you", not after a city.
NEAR_A_CITY_KM = 30.0
# Within this, the biggest city names a position: "near Paris", not its arrondissement.
IN_A_CITY_KM = 10.0


def nearest_city(latitude: float, longitude: float) -> City | None:
    """The city a point is in or near, if any: to say "near Lille" rather than coordinates."""
    boxes = [
        and_(City.latitude.between(b.south, b.north), City.longitude.between(b.west, b.east))
        for b in bounding_boxes(latitude, longitude, NEAR_A_CITY_KM)
    ]
    around = [
        (distance_km(latitude, longitude, c.latitude, c.longitude), c)
        for c in db.session.scalars(select(City).where(or_(*boxes)))
    ]
    inside = [city for km, city in around if km <= IN_A_CITY_KM]
    if inside:
        return max(inside, key=lambda city: (city.population, -city.id))
    near = [(km, city.id, city) for km, city in around if km <= NEAR_A_CITY_KM]
    return min(near)[2] if near else None


def meetups_near(latitude: float, longitude: float, radius_km: float) -> list[tuple[Meetup, float]]:
    """Listed meetups within the radius, nearest first: a box on the index, then exact distance."""
    nearby = venues_in_boxes(latitude, longitude, radius_km)
    candidates = db.session.scalars(
        _meetups_with_details().join(Meetup.venue).where(nearby, Meetup.status.in_(LISTED))
    ).unique()
    found = [
        (meetup, distance_km(latitude, longitude, meetup.venue.latitude, meetup.venue.longitude))
        for meetup in candidates
    ]
    return sorted(
        ((m, d) for m, d in found if d <= radius_km), key=lambda pair: (pair[1], pair[0].name)
    )


def search_venues(text: str, limit: int = 20) -> list[Venue]:
    """Venues whose folded name or address contains the folded query."""
    matching = _contains(Venue.search_key, text)
    if matching is None:
        return []
    return list(
        db.session.scalars(
            select(Venue)
            .where(matching)
            .options(joinedload(Venue.city))
            .order_by(Venue.name, Venue.id)
            .limit(limit)
        )
    )


def venues_in_city(city_id: int, text: str = "", limit: int = 50) -> list[Venue]:
    """A city's venues by name, those whose name or address contains `text` if given."""
    query = select(Venue).where(Venue.city_id == city_id)
    matching = _contains(Venue.search_key, text)
    if matching is not None:
        query = query.where(matching)
    return list(db.session.scalars(query.order_by(Venue.name, Venue.id).limit(limit)))


def venues_named(city_id: int, name: str) -> list[Venue]:
    """A city's venues whose name is `name`, accents and case aside."""
    key = name_key(name)
    candidates = venues_in_city(city_id, name) if key else []
    return [venue for venue in candidates if name_key(venue.name) == key]


def open_report_kinds() -> dict[int, list[str]]:
    """What open reports say is wrong, by meetup, each kind once ("other" aside: its message
    may be anything, and only moderators read it). For every meetup at once: callers keep it
    per data version, which reports are part of, so a meetup page asks no query for it."""
    rows = db.session.execute(
        select(Report.meetup_id, Report.kind)
        .where(Report.resolved_at.is_(None), Report.kind != ReportKind.OTHER)
        .distinct()
    )
    kinds: dict[int, list[str]] = defaultdict(list)
    for meetup_id, kind in rows:
        kinds[meetup_id].append(kind.value)
    return {meetup_id: sorted(found) for meetup_id, found in kinds.items()}


def open_moderation_items() -> int:
    """What waits for a moderator: open reports on listed meetups, and edits to review."""
    reports = select(func.count(Report.id)).join(Report.meetup).where(Report.resolved_at.is_(None))
    waiting = select(func.count(Revision.id)).where(Revision.reviewed_at.is_(None))
    return (db.session.scalar(reports) or 0) + (db.session.scalar(waiting) or 0)


def search_meetups(text: str, limit: int = 20) -> list[Meetup]:
    """Listed meetups whose folded name contains the folded query."""
    matching = _contains(Meetup.search_key, text)
    if matching is None:
        return []
    return list(
        db.session.scalars(
            _meetups_with_details()
            .where(matching, Meetup.status.in_(LISTED))
            .order_by(Meetup.name, Meetup.id)
            .limit(limit)
        ).unique()
    )


def _revisions_with_authors() -> Select[tuple[Revision]]:
    """Revisions with who made them and, for an undo, whose change it undid."""
    return select(Revision).options(
        joinedload(Revision.user), selectinload(Revision.reverts).joinedload(Revision.user)
    )


def revisions(entity: str, entity_id: int) -> list[Revision]:
    """One item's history, newest first."""
    return list(
        db.session.scalars(
            _revisions_with_authors()
            .where(Revision.entity == entity, Revision.entity_id == entity_id)
            .order_by(Revision.id.desc())
        )
    )


def venues_by_id(ids: set[int]) -> dict[int, Venue]:
    """Venues a history names by id, deleted ones too (it still names them)."""
    if not ids:
        return {}
    query = select(Venue).where(Venue.id.in_(ids)).execution_options(**WITH_DELETED)
    return {venue.id: venue for venue in db.session.scalars(query)}


def cities_by_id(ids: set[int]) -> dict[int, City]:
    if not ids:
        return {}
    return {city.id: city for city in db.session.scalars(select(City).where(City.id.in_(ids)))}


def deletion_of(item: Venue | Meetup) -> Revision | None:
    """The revision that deleted this item (a delete, a merge or an undone restore)."""
    entity = "venue" if isinstance(item, Venue) else "meetup"
    return next(
        (
            revision
            for revision in revisions(entity, item.id)
            if (revision.changes.get("deleted_at") or [None, None])[1] is not None
        ),
        None,
    )


def recent_revisions(limit: int = 100) -> list[tuple[Revision, Venue | Meetup | None]]:
    """The latest changes across the directory, each with the item it changed (if it exists)."""
    return with_items(
        db.session.scalars(_revisions_with_authors().order_by(Revision.id.desc()).limit(limit))
    )


def unreviewed_revisions(limit: int = 200) -> list[tuple[Revision, Venue | Meetup | None]]:
    """Edits by new volunteers that no moderator has looked at yet, oldest first."""
    query = _revisions_with_authors().where(Revision.reviewed_at.is_(None))
    return with_items(db.session.scalars(query.order_by(Revision.id).limit(limit)))


def with_items(revisions: Iterable[Revision]) -> list[tuple[Revision, Venue | Meetup | None]]:
    """Each revision with the item it changed, deleted ones included (two queries in all)."""
    found = list(revisions)
    items: dict[tuple[str, int], Venue | Meetup] = {}
    for entity, model in (("venue", Venue), ("meetup", Meetup)):
        ids = {r.entity_id for r in found if r.entity == entity}
        if ids:
            query = select(model).where(model.id.in_(ids)).execution_options(**WITH_DELETED)
            for item in db.session.scalars(query):
                items[entity, item.id] = item
    return [(revision, items.get((revision.entity, revision.entity_id))) for revision in found]


def moved_to_venues(meetups: Iterable[Meetup]) -> dict[int, Venue]:
    """The venues dates were moved to, by id, for saying where a moved date happens."""
    return {c.venue_id: c.venue for m in meetups for c in m.changes if c.venue is not None}
