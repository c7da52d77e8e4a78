"""What volunteers do to venues and meetups, each step recorded as a revision. No Flask here.

Every function changes the session and records history; the caller commits
once, so a failure leaves nothing half-written. Changes to an existing item
first lock its row (`concurrency.lock_row`), so that a save at the same moment
is neither lost nor misrecorded; creations are committed with
`concurrency.commit_creation`, which retries when a slug or tag is taken meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from meetups.editing import deletion, history
from meetups.editing.locking import lock_row
from meetups.models import (
    WITH_DELETED,
    Meetup,
    MeetupChange,
    MeetupStatus,
    Revision,
    User,
    Venue,
    tags_named,
)
from meetups.schedule import Change, Schedule, validate_change
from meetups.slugs import unique_slug
from meetups.texts import N_


class EditConflict(Exception):
    """Someone saved this meetup after the editor opened it."""


@dataclass(frozen=True)
class MeetupFields:
    """A meetup as a volunteer describes it in the form."""

    name: str
    description: str
    schedule: Schedule
    tags: tuple[str, ...]
    languages: tuple[str, ...]
    url: str


@dataclass(frozen=True)
class DateChange:
    cancelled: bool = False
    new_date: date | None = None
    new_start_time: time | None = None
    new_duration_minutes: int | None = None
    venue_id: int | None = None
    note: str = ""


def version_token(meetup: Meetup) -> str:
    """What the editor saw; any later save changes it."""
    return f"{meetup.id}:{meetup.updated_at.isoformat()}"


def create_venue(session: Session, venue: Venue, user: User) -> Venue:
    """Give a checked, not yet saved venue its address, and save it with its first revision."""
    venue.slug = unique_slug(
        f"{venue.name} {venue.city.name}", lambda s: _slug_taken(session, Venue, s), "venue"
    )
    session.add(venue)
    history.record(session, venue, "create", user, {})
    return venue


def record_venue_edit(
    session: Session,
    venue: Venue,
    user: User,
    before: dict[str, Any],
    held_before: dict[int, dict[str, Any]],
) -> Revision | None:
    """Record a venue's edit, and a revision on each of its meetups that followed it into
    another time zone: their times moved for every subscriber, so each history says so."""
    for meetup in venue.meetups:
        if meetup.id in held_before:
            history.record(session, meetup, "edit", user, held_before[meetup.id])
    return history.record(session, venue, "edit", user, before)


def create_meetup(session: Session, venue: Venue, fields: MeetupFields, user: User) -> Meetup:
    meetup = Meetup(
        slug=unique_slug(fields.name, lambda s: _slug_taken(session, Meetup, s), "meetup"),
        venue=venue,
        timezone=venue.timezone,
    )
    session.add(meetup)
    with session.no_autoflush:
        _apply(session, meetup, fields)
    meetup.last_confirmed = datetime.now(fields.schedule.zone).date()
    history.record(session, meetup, "create", user, {})
    return meetup


def update_meetup(
    session: Session, meetup: Meetup, fields: MeetupFields, user: User, seen_version: str
) -> Revision | None:
    """Save the form over the meetup, unless someone else saved it in the meantime."""
    lock_row(session, meetup)
    if seen_version != version_token(meetup):
        raise EditConflict(N_("Someone else saved this meetup after you opened it."))
    before = history.snapshot(meetup)
    schedule = replace(fields.schedule, timezone=meetup.timezone)
    _apply(session, meetup, replace(fields, schedule=schedule))
    return history.record(session, meetup, "edit", user, before)


def change_date(
    session: Session, meetup: Meetup, original: date, change: DateChange | None, user: User
) -> Revision | None:
    """Cancel, move or (with None) restore one date of the series."""
    lock_row(session, meetup)
    existing = next((c for c in meetup.changes if c.original_date == original), None)
    before = history.snapshot(meetup)
    if change is None:
        if existing is None:
            return None
        meetup.changes.remove(existing)
        return history.record(session, meetup, "restore-date", user, before)
    validate_change(meetup.schedule, _as_schedule_change(original, change))
    target = existing or MeetupChange(original_date=original)
    for field in ("cancelled", "new_date", "new_start_time", "new_duration_minutes", "venue_id"):
        setattr(target, field, getattr(change, field))
    target.note = change.note
    if existing is None:
        meetup.changes.append(target)
    action = "cancel-date" if change.cancelled else "move-date"
    return history.record(session, meetup, action, user, before)


def confirm(session: Session, meetup: Meetup, user: User, today: date) -> Revision | None:
    """ "Still happening": one click, with who and when in the history."""
    lock_row(session, meetup)
    before = history.snapshot(meetup)
    meetup.last_confirmed = today
    return history.record(session, meetup, "confirm", user, before)


def set_status(
    session: Session, meetup: Meetup, status: MeetupStatus, user: User
) -> Revision | None:
    lock_row(session, meetup)
    before = history.snapshot(meetup)
    meetup.status = status
    return history.record(session, meetup, status.value, user, before)


def delete(session: Session, item: Venue | Meetup, user: User | None, now: datetime) -> Revision:
    """Hide a venue or meetup everywhere; its history keeps it, and `restore` brings it back."""
    lock_row(session, item)
    deletion.check_delete(session, item)
    before = history.snapshot(item)
    item.deleted_at = now
    return history.record(session, item, "delete", user, before)


def restore(session: Session, item: Venue | Meetup, user: User | None) -> Revision:
    lock_row(session, item)
    deletion.check_restore(session, item)
    before = history.snapshot(item)
    item.deleted_at = None
    if isinstance(item, Venue):
        deletion.forget_redirects(session, item)
    return history.record(session, item, "restore", user, before)


def _apply(session: Session, meetup: Meetup, fields: MeetupFields) -> None:
    schedule = fields.schedule
    meetup.name = fields.name.strip()
    meetup.description = fields.description.strip()
    meetup.rrule = schedule.rule.to_rrule()
    meetup.start_time = schedule.start_time
    meetup.duration_minutes = int(schedule.duration / timedelta(minutes=1))
    meetup.first_date = schedule.first_date
    meetup.end_date = schedule.end_date
    meetup.languages = ",".join(fields.languages)
    meetup.url = fields.url.strip()
    meetup.tags = tags_named(session, fields.tags)


def _as_schedule_change(original: date, change: DateChange) -> Change:
    duration = change.new_duration_minutes
    return Change(
        original_date=original,
        cancelled=change.cancelled,
        new_date=change.new_date,
        new_start_time=change.new_start_time,
        new_duration=None if duration is None else timedelta(minutes=duration),
        venue_id=change.venue_id,
        note=change.note,
    )


def _slug_taken(session: Session, model: type[Venue | Meetup], slug: str) -> bool:
    """Deleted items keep their address, so that restoring them keeps it too."""
    query = select(model.id).where(model.slug == slug).execution_options(**WITH_DELETED)
    return session.scalar(query) is not None
