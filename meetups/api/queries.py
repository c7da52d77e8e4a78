"""Reads for the open-data API, each a fixed number of queries whatever the page size.

Lists are counted and paged in SQL, ordered on a unique key so that pages
never overlap. Deleted venues and meetups are left out by the models' global
rule, like everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased, contains_eager, selectinload

from meetups import queries
from meetups.models import (
    City,
    CityName,
    Meetup,
    MeetupChange,
    Tag,
    Venue,
    meetup_tags,
)
from meetups.queries import LISTED, Series, _starts_with
from meetups.slugs import name_key


@dataclass(frozen=True)
class MeetupFilters:
    country: str | None = None
    city: str | None = None
    venue: str | None = None
    tag: str | None = None
    status: str | None = None

    @property
    def asks_place(self) -> bool:
        """Whether a country, city or venue is asked for."""
        return bool(self.country or self.city or self.venue)


def _listed_counts() -> Any:
    """Listed (active or paused) meetups per city."""
    return (
        select(Venue.city_id.label("city_id"), func.count(Meetup.id).label("meetups"))
        .join(Meetup, Meetup.venue_id == Venue.id)
        .where(Meetup.status.in_(LISTED))
        .group_by(Venue.city_id)
        .subquery()
    )


def cities(
    session: Session, country: str | None, text: str, offset: int, limit: int
) -> tuple[list[tuple[City, int]], int]:
    """Cities with listed meetups, by name; `text` matches the start of any of their names."""
    counts = _listed_counts()
    conditions: list[ColumnElement[bool]] = []
    if country:
        conditions.append(City.country_code == country)
    key = name_key(text)
    if key:
        conditions.append(
            City.id.in_(select(CityName.city_id).where(_starts_with(CityName.key, key)))
        )
    query = select(City, counts.c.meetups).join(counts, counts.c.city_id == City.id)
    total = session.scalar(
        select(func.count(City.id)).join(counts, counts.c.city_id == City.id).where(*conditions)
    )
    rows = session.execute(
        query.where(*conditions).order_by(City.name, City.id).offset(offset).limit(limit)
    )
    return [(city, meetups) for city, meetups in rows], total or 0


def city(session: Session, country: str, slug: str) -> tuple[City, int] | None:
    """Any city of the gazetteer, with its number of listed meetups (perhaps none)."""
    found = session.scalar(
        select(City).where(City.country_code == country.upper(), City.slug == slug)
    )
    if found is None:
        return None
    meetups = session.scalar(
        select(func.count(Meetup.id))
        .join(Venue, Meetup.venue_id == Venue.id)
        .where(Venue.city_id == found.id, Meetup.status.in_(LISTED))
    )
    return found, meetups or 0


def venues(
    session: Session, country: str | None, city_slug: str | None, offset: int, limit: int
) -> tuple[list[Venue], int]:
    conditions: list[ColumnElement[bool]] = []
    if country:
        conditions.append(City.country_code == country)
    if city_slug:
        conditions.append(City.slug == city_slug)
    total = session.scalar(select(func.count(Venue.id)).join(Venue.city).where(*conditions))
    found = session.scalars(
        select(Venue)
        .join(Venue.city)
        .options(contains_eager(Venue.city))
        .where(*conditions)
        .order_by(Venue.name, Venue.id)
        .offset(offset)
        .limit(limit)
    )
    return list(found), total or 0


def _place_conditions(
    filters: MeetupFilters, venue: Any = Venue, city: Any = City
) -> list[ColumnElement[bool]]:
    """Where: on a venue joined to its city (or on aliases of them)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.country:
        conditions.append(city.country_code == filters.country)
    if filters.city:
        conditions.append(city.slug == filters.city)
    if filters.venue:
        conditions.append(venue.slug == filters.venue)
    return conditions


def _meetup_conditions(filters: MeetupFilters) -> list[ColumnElement[bool]]:
    return [*_place_conditions(filters), *_series_conditions(filters)]


def _series_conditions(filters: MeetupFilters) -> list[ColumnElement[bool]]:
    """What a series is, wherever its dates happen."""
    conditions: list[ColumnElement[bool]] = []
    if filters.status:
        conditions.append(Meetup.status == filters.status)
    if filters.tag:
        tagged = select(meetup_tags.c.meetup_id).join(Tag).where(Tag.slug == filters.tag)
        conditions.append(Meetup.id.in_(tagged))
    return conditions


def _meetups_at_venues(query: Select) -> Select:
    """Meetups joined to their venue and city, which every record shows, and their tags."""
    return (
        query.join(Meetup.venue)
        .join(Venue.city)
        .options(
            contains_eager(Meetup.venue).contains_eager(Venue.city),
            selectinload(Meetup.tags),
        )
    )


def meetups(
    session: Session, filters: MeetupFilters, offset: int, limit: int
) -> tuple[list[Meetup], int]:
    conditions = _meetup_conditions(filters)
    total = session.scalar(
        select(func.count(Meetup.id)).join(Meetup.venue).join(Venue.city).where(*conditions)
    )
    found = session.scalars(
        _meetups_at_venues(select(Meetup))
        .where(*conditions)
        .order_by(Meetup.name, Meetup.id)
        .offset(offset)
        .limit(limit)
    )
    return list(found), total or 0


def series_between(
    session: Session, filters: MeetupFilters, first: date, last: date
) -> list[Series]:
    """Series that may have a date from `first` to `last` (local days), as plain rows.

    The series' own bounds, a pause or end included, prefilter; a date moved into
    the window from outside them keeps its meetup in. The schedule decides the
    rest. Asked for a place, a series elsewhere with a date moved there is in too
    (`venues_at` then keeps its dates that happen there). A month of a whole
    directory is thousands of series of which a page shows fifty: only those are
    loaded in full (`meetups_with_places`).
    """
    margin = timedelta(days=2)
    moved_in = queries.moved_between(first - margin, last + margin)
    in_bounds = and_(Meetup.first_date <= last + margin, queries.runs_until(first - margin))
    conditions = _series_conditions(filters)
    places = _place_conditions(filters)
    if places:
        venue, city = aliased(Venue), aliased(City)
        moved_here = (
            select(MeetupChange.meetup_id)
            .join(venue, MeetupChange.venue_id == venue.id)
            .join(city, venue.city_id == city.id)
            .where(MeetupChange.cancelled.is_(False), *_place_conditions(filters, venue, city))
        )
        conditions.append(or_(and_(*places), Meetup.id.in_(moved_here)))
    chosen = (
        select(Meetup.id)
        .join(Meetup.venue)
        .join(Venue.city)
        .where(*conditions, or_(in_bounds, moved_in))
        .order_by(Meetup.id)
    )
    return queries.series_between(chosen, first, last)


def venues_at(session: Session, filters: MeetupFilters, venue_ids: set[int]) -> set[int]:
    """Which of these venues are where the filters ask: all of them when none is asked."""
    places = _place_conditions(filters)
    if not places or not venue_ids:
        return set(venue_ids)
    return set(
        session.scalars(select(Venue.id).join(Venue.city).where(Venue.id.in_(venue_ids), *places))
    )


def meetups_with_places(session: Session, ids: set[int]) -> dict[int, Meetup]:
    """Meetups by id with everything an occurrence record shows, moved-to venues included."""
    if not ids:
        return {}
    found = session.scalars(
        _meetups_at_venues(select(Meetup))
        .where(Meetup.id.in_(ids))
        .options(selectinload(Meetup.changes).joinedload(MeetupChange.venue).joinedload(Venue.city))
    ).unique()
    return {meetup.id: meetup for meetup in found}
