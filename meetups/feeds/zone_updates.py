"""A tzdata upgrade re-dates the series it moves, and only those.

A new IANA release can move the instants of every meetup in a zone (Vancouver
keeping summer time from November 2026, say). Calendar apps replace a stored
event only when its SEQUENCE grows, and caches keep a feed while its ETag
stands, so each series in a changed zone gets its SEQUENCE bumped and
`updated_at` touched, which changes the ETag of every feed holding it. Series
elsewhere keep their bytes, SEQUENCE and ETags.

A service: it takes the session and never commits.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from meetups import zone_database
from meetups.feeds import ical
from meetups.models import Meetup, MeetupChange, Venue, ZoneRules
from meetups.schedule import time_zone


@dataclass(frozen=True)
class ReleaseApplied:
    """What applying the release in use changed."""

    release: str
    zones: list[str]
    series: int


def apply_release(session: Session, now: datetime) -> ReleaseApplied:
    """Compare each zone's rules with those recorded, re-date the series of changed zones,
    and record the new rules.

    With nothing recorded yet, the baseline is the operating system's database:
    every process read it before the tzdata package was made the only source.
    """
    recorded = dict(session.execute(select(ZoneRules.zone, ZoneRules.digest)).all())
    changed = []
    for zone in sorted(zoneinfo.available_timezones()):
        digest = _digest(zone)
        before = recorded.get(zone) if recorded else _system_digest(zone)
        if before is not None and before != digest:
            changed.append(zone)
        if zone not in recorded:
            session.add(ZoneRules(zone=zone, digest=digest))
        elif recorded[zone] != digest:
            session.get(ZoneRules, zone).digest = digest
    series = _redate(session, changed, now) if changed else 0
    return ReleaseApplied(zone_database.release(), changed, series)


def _redate(session: Session, zones: list[str], now: datetime) -> int:
    """Bump SEQUENCE and touch `updated_at` of every series in `zones`, or with a date moved
    to a venue there; their count."""
    moved_there = (
        select(MeetupChange.meetup_id)
        .join(Venue, MeetupChange.venue_id == Venue.id)
        .where(Venue.timezone.in_(zones))
    )
    result = session.execute(
        update(Meetup)
        .where(or_(Meetup.timezone.in_(zones), Meetup.id.in_(moved_there)))
        .values(sequence=Meetup.sequence + 1, updated_at=now)
    )
    return result.rowcount


@lru_cache(maxsize=1024)
def _digest(zone: str) -> str:
    """Cached: one release per process, and every export run asks again."""
    return ical.zone_rules_digest(time_zone(zone))


@lru_cache(maxsize=1024)
def _system_digest(zone: str) -> str | None:
    tz = zone_database.system_zone(zone)
    return None if tz is None else ical.zone_rules_digest(tz)
