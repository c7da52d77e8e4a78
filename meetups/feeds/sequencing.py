"""SEQUENCE and LAST-MODIFIED follow every change a calendar app must notice.

RFC 5545 clients only replace a stored event when its SEQUENCE grows, so any
change of time, date, place or status of a series (including one date's
cancellation or move, and an edit of its venue's address) bumps it, and
touches `updated_at`, from which feed ETags are derived.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect, select
from sqlalchemy.orm import Session

from meetups.models import Meetup, MeetupChange, Venue, utcnow
from meetups.schedule import time_zone

SCHEDULE_FIELDS = (
    "rrule",
    "start_time",
    "duration_minutes",
    "timezone",
    "first_date",
    "end_date",
    "venue_id",
    "venue",
    "status",
    "status_since",
)
PLACE_FIELDS = ("name", "address", "latitude", "longitude", "timezone", "city_id", "city")


def _changed(instance: Any, fields: tuple[str, ...]) -> bool:
    state = inspect(instance)
    return any(state.attrs[field].history.has_changes() for field in fields)


def _bump(meetup: Meetup, bumped: set[int]) -> None:
    if id(meetup) in bumped:
        return
    bumped.add(id(meetup))
    meetup.sequence = (meetup.sequence or 0) + 1
    meetup.updated_at = utcnow()


def _meetups_using(session: Session, venue: Venue) -> list[Meetup]:
    """Series held at the venue, and those with a date moved there (its LOCATION too)."""
    with session.no_autoflush:
        moved_here = session.scalars(
            select(Meetup).join(MeetupChange).where(MeetupChange.venue_id == venue.id)
        )
        return [*venue.meetups, *moved_here]


def _stamp_status_change(meetup: Meetup) -> None:
    """Pausing or ending a series dates it (in its own zone) unless the editor chose a day."""
    if _changed(meetup, ("status",)) and not _changed(meetup, ("status_since",)):
        meetup.status_since = datetime.now(time_zone(meetup.timezone)).date()


def register() -> None:
    """Listen on every session, once, however many apps are created."""
    if not event.contains(Session, "before_flush", _bump_sequences):
        event.listen(Session, "before_flush", _bump_sequences)


def _bump_sequences(session: Session, flush_context: Any, instances: Any) -> None:
    bumped: set[int] = set()
    for instance in session.dirty:
        if isinstance(instance, Meetup) and _changed(instance, SCHEDULE_FIELDS):
            _stamp_status_change(instance)
            _bump(instance, bumped)
        elif isinstance(instance, Meetup) and _changed(instance, ("tags",)):
            # CATEGORIES change the feed's bytes, though not the event's time or place.
            instance.updated_at = utcnow()
        elif isinstance(instance, Venue) and _changed(instance, PLACE_FIELDS):
            for meetup in _meetups_using(session, instance):
                _bump(meetup, bumped)
        elif isinstance(instance, MeetupChange) and session.is_modified(instance):
            _bump_parent(session, instance, bumped)
    for instance in (*session.new, *session.deleted):
        if isinstance(instance, MeetupChange):
            _bump_parent(session, instance, bumped)


def _bump_parent(session: Session, change: MeetupChange, bumped: set[int]) -> None:
    """The series a date change belongs to, or belonged to before it was removed from it."""
    meetup = change.meetup
    if meetup is None and change.meetup_id is not None:
        with session.no_autoflush:
            meetup = session.get(Meetup, change.meetup_id)
    if meetup is not None and inspect(meetup).persistent:
        _bump(meetup, bumped)
