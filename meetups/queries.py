"""Reads for the public pages, each with a fixed number of queries (no N+1)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from meetups.agenda import DateRange
from meetups.extensions import db
from meetups.models import (
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
    Venue,
    VenueRedirect,
)
from meetups.places.geo import bounding_boxes, distance_km
from meetups.slugs import name_key

LISTED = (MeetupStatus.ACTIVE, MeetupStatus.PAUSED)


def _meetups_with_details() -> Select[tuple[Meetup]]:
    return select(Meetup).options(
        joinedload(Meetup.venue, innerjoin=True).joinedload(Venue.city, innerjoin=True),
        selectinload(Meetup.tags),
        selectinload(Meetup.changes).joinedload(MeetupChange.venue),
    )


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
    return db.session.scalar(
        select(City).where(City.country_code == country_code.upper(), City.slug == slug)
    )


def meetups_in_city(city_id: int) -> list[Meetup]:
    return list(
        db.session.scalars(
            _meetups_with_details()
            .join(Meetup.venue)
            .where(Venue.city_id == city_id)
            .order_by(Meetup.name)
        ).unique()
    )


def meetups_in_country(country_code: str, dates: DateRange) -> list[Meetup]:
    """Listed meetups of a country whose series may have dates in `dates` (the schedule decides)."""
    margin = timedelta(days=2)
    return list(
        db.session.scalars(
            _meetups_with_details()
            .join(Meetup.venue)
            .join(Venue.city)
            .where(City.country_code == country_code.upper(), Meetup.status.in_(LISTED))
            .where(Meetup.first_date <= dates.last + margin)
            .order_by(Meetup.name)
        ).unique()
    )


def meetups_by_id(ids: set[int]) -> dict[int, Meetup]:
    """Meetups with what their listing shows, for a known handful of ids."""
    if not ids:
        return {}
    found = db.session.scalars(_meetups_with_details().where(Meetup.id.in_(ids))).unique()
    return {meetup.id: meetup for meetup in found}


def meetup(slug: str, include_deleted: bool = False) -> Meetup | None:
    """A meetup by address; a deleted one only when asked (to say it was deleted, or restore it)."""
    query = _meetups_with_details().where(Meetup.slug == slug)
    query = query.execution_options(include_deleted=include_deleted)
    return db.session.scalars(query).unique().first()


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


def search_cities(text: str, limit: int = 20) -> list[City]:
    """Cities whose name or any alternate name starts with the folded query, biggest first."""
    key = name_key(text)
    if not key:
        return []
    matching = select(CityName.city_id).where(_starts_with(CityName.key, key))
    return list(
        db.session.scalars(
            select(City)
            .where(City.id.in_(matching))
            .order_by(City.population.desc(), City.id)
            .limit(limit)
        )
    )


def meetups_near(latitude: float, longitude: float, radius_km: float) -> list[tuple[Meetup, float]]:
    """Listed meetups within the radius, nearest first: a box on the index, then exact distance."""
    boxes = [
        and_(
            Venue.latitude.between(box.south, box.north),
            Venue.longitude.between(box.west, box.east),
        )
        for box in bounding_boxes(latitude, longitude, radius_km)
    ]
    candidates = db.session.scalars(
        _meetups_with_details().join(Meetup.venue).where(or_(*boxes), Meetup.status.in_(LISTED))
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


def open_report_kinds(meetup_id: int) -> list[str]:
    """What open reports say is wrong with a meetup, each kind once ("other" aside: its
    message may be anything, and only moderators read it)."""
    query = (
        select(Report.kind)
        .where(Report.meetup_id == meetup_id, Report.resolved_at.is_(None))
        .where(Report.kind != ReportKind.OTHER)
        .distinct()
    )
    return sorted(kind.value for kind in db.session.scalars(query))


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
