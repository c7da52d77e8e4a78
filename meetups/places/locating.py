"""Placing venues: the geocoding chain applied to saved venues, with its answers in the database.

No Flask here: callers pass the session and the configuration, and commit.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from meetups.config import DEFAULTS, check_geocoder
from meetups.models import City, CoordinateSource, GeocodeAnswer, Venue, utcnow
from meetups.places.geocoding import (
    Answer,
    CityCentre,
    Geocoder,
    GeocoderSettings,
    Location,
    resolve,
    timezone_at,
)

# Both support INSERT … ON CONFLICT DO NOTHING, which never aborts the surrounding transaction.
_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
_DISPLAY_NAME_LENGTH = GeocodeAnswer.__table__.c.display_name.type.length
_PROVIDER_LENGTH = GeocodeAnswer.__table__.c.provider.type.length


class DatabaseCache:
    """Geocoder answers in the `geocode_answers` table, shared by every worker and run."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str) -> Answer | None:
        row = self.session.scalar(select(GeocodeAnswer).where(GeocodeAnswer.query_key == key))
        if row is None:
            return None
        return Answer(row.found, row.latitude, row.longitude, row.display_name, row.provider)

    def put(self, key: str, answer: Answer) -> None:
        """Keep an answer; if a parallel worker kept one for the same key first, keep theirs."""
        insert = _INSERTS[self.session.get_bind().dialect.name]
        statement = (
            insert(GeocodeAnswer)
            .values(
                query_key=key,
                found=answer.found,
                latitude=answer.latitude,
                longitude=answer.longitude,
                display_name=answer.display_name[:_DISPLAY_NAME_LENGTH],
                provider=answer.provider[:_PROVIDER_LENGTH],
                created_at=utcnow(),
            )
            .on_conflict_do_nothing(index_elements=["query_key"])
        )
        self.session.execute(statement)


def settings_from_config(config: Mapping[str, Any]) -> GeocoderSettings:
    """Geocoder settings from the app's configuration (MEETUPS_GEOCODER_*), checked."""
    merged = ChainMap(config, DEFAULTS)
    check_geocoder(merged)
    return GeocoderSettings(
        enabled=bool(merged["GEOCODER_ENABLED"]),
        provider=merged["GEOCODER_PROVIDER"],
        domain=merged["GEOCODER_DOMAIN"],
        scheme=merged["GEOCODER_SCHEME"],
        user_agent=merged["GEOCODER_USER_AGENT"].strip(),
        timeout=float(merged["GEOCODER_TIMEOUT"]),
        min_delay_seconds=float(merged["GEOCODER_MIN_DELAY"]),
        api_key=merged["GEOCODER_API_KEY"],
    )


@cache
def shared_geocoder(settings: GeocoderSettings) -> Geocoder:
    """One geocoder per process and settings, so the rate limit spans every request it serves."""
    return Geocoder(settings)


def city_centre(city: City) -> CityCentre:
    return CityCentre(
        city.name, city.country_code, city.country.name, city.latitude, city.longitude
    )


def locate_venue(
    session: Session,
    venue: Venue,
    geocoder: Geocoder,
    *,
    manual: tuple[float, float] | None = None,
    now: datetime,
) -> Location:
    """Place a venue and set its time zone (and its meetups'); the caller commits.

    Coordinates a volunteer typed are kept until new ones are typed: neither a
    re-geocode nor the gazetteer replaces them. Raises ValueError for manual
    coordinates no place has.
    """
    if manual is None and _has_manual_coordinates(venue):
        location = Location(venue.latitude, venue.longitude, "manual")
    else:
        location = resolve(
            manual, venue.address, city_centre(venue.city), geocoder, DatabaseCache(session)
        )
        _place(venue, location, now)
    _follow_zone(venue, _zone_for(location, venue.city))
    return location


def venues_to_geocode(session: Session, limit: int | None = None) -> list[int]:
    """Ids of venues with missing or approximate coordinates, never manual ones, in id order."""
    query = (
        select(Venue.id)
        .where(
            Venue.coordinates_source != CoordinateSource.MANUAL,
            or_(
                Venue.latitude.is_(None),
                Venue.longitude.is_(None),
                Venue.coordinates_source == CoordinateSource.GAZETTEER,
            ),
        )
        .order_by(Venue.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def _has_manual_coordinates(venue: Venue) -> bool:
    return (
        venue.coordinates_source == CoordinateSource.MANUAL
        and venue.latitude is not None
        and venue.longitude is not None
    )


def _place(venue: Venue, location: Location, now: datetime) -> None:
    """Record the coordinates and their source; the date only when something changed."""
    source = CoordinateSource(location.source)
    if (venue.latitude, venue.longitude, venue.coordinates_source) == (
        location.latitude,
        location.longitude,
        source,
    ):
        return
    venue.latitude, venue.longitude = location.latitude, location.longitude
    venue.coordinates_source = source
    venue.coordinates_updated_at = now


def _zone_for(location: Location, city: City) -> str:
    """The zone at the coordinates; an approximate point (the city centre) decides nothing."""
    if location.is_approximate:
        return city.timezone
    return timezone_at(location.latitude, location.longitude, city.timezone)


def _follow_zone(venue: Venue, zone: str) -> None:
    """Meetups keep their local wall-clock time, in their venue's zone."""
    if venue.timezone != zone:
        venue.timezone = zone
    for meetup in venue.meetups:
        if meetup.timezone != zone:
            meetup.timezone = zone
