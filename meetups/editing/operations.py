"""What volunteers do to venues and meetups, each step recorded as a revision. No Flask here.

Every function changes the session and records history; the caller commits
once, so a failure leaves nothing half-written. Changes to an existing item
first lock its row (`locking.lock_row`), so that a save at the same moment
is neither lost nor misrecorded; creations are committed with
`locking.commit_creation`, which retries when a slug or tag is taken meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from meetups.editing import deletion, history
from meetups.editing.locking import lock_if_live, lock_row
from meetups.freshness import asking
from meetups.models import (
    WITH_DELETED,
    City,
    CoordinateSource,
    Meetup,
    MeetupChange,
    MeetupStatus,
    Revision,
    User,
    Venue,
    tags_named,
)
from meetups.places.geocoding import Geocoder, Location
from meetups.places.locating import locate_venue
from meetups.schedule import Change, Schedule, time_zone, validate_change
from meetups.slugs import unique_slug
from meetups.texts import N_


class EditConflict(Exception):
    """Someone saved this item after the editor opened it."""


@dataclass(frozen=True)
class VenueFields:
    """A venue as a volunteer describes it; `manual` holds coordinates they typed."""

    name: str
    address: str
    notes: str
    manual: tuple[float, float] | None = None


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


def version_token(item: Meetup | Venue) -> str:
    """What the editor saw; any later save changes it."""
    return f"{item.id}:{item.updated_at.isoformat()}"


def draft_venue(
    session: Session, city: City, fields: VenueFields, geocoder: Geocoder, now: datetime
) -> tuple[Venue, Location]:
    """A new venue, placed but not added: volunteers check where it lands before saving.

    Raises ValueError (a readable message) for coordinates no place has.
    """
    venue = Venue(
        city=city,
        name="",
        address="",
        notes="",
        timezone=city.timezone,
        coordinates_source=CoordinateSource.GAZETTEER,
    )
    _apply_venue(venue, fields)
    return venue, locate_venue(session, venue, geocoder, manual=fields.manual, now=now)


def create_venue(session: Session, venue: Venue, user: User) -> Venue:
    """Give a checked, not yet saved venue its address, and save it with its first revision."""
    venue.slug = unique_slug(
        f"{venue.name} {venue.city.name}", lambda s: _slug_taken(session, Venue, s), "venue"
    )
    session.add(venue)
    history.record(session, venue, "create", user, {})
    return venue


class NeedsConfirmation(Exception):
    """The change would shift subscribers' times; the volunteer must confirm it first."""

    def __init__(self, warnings: list[str]) -> None:
        super().__init__(" ".join(warnings))
        self.warnings = warnings


def update_venue(
    session: Session,
    venue: Venue,
    fields: VenueFields,
    user: User,
    seen_version: str,
    geocoder: Geocoder,
    now: datetime,
    unconfirmed: Callable[[Venue, str | None], list[str]] = lambda venue, old_zone: [],
) -> tuple[Revision | None, Location]:
    """Save the form over the venue and place it again, unless someone saved it meanwhile.

    `unconfirmed(venue, old_zone)` says what the new position would shift (far from the
    city, another time zone) that the volunteer has not confirmed: NeedsConfirmation then.
    Raises EditConflict, or ValueError for coordinates no place has; the caller rolls back.
    """
    lock_row(session, Venue, venue.id)
    if seen_version != version_token(venue):
        raise EditConflict(N_("Someone else saved this venue after you opened it."))
    before = history.snapshot(venue)
    held = {meetup.id: history.snapshot(meetup) for meetup in venue.meetups}
    _apply_venue(venue, fields)
    location = locate_venue(session, venue, geocoder, manual=fields.manual, now=now)
    warnings = unconfirmed(venue, before["timezone"])
    if warnings:
        raise NeedsConfirmation(warnings)
    return record_venue_edit(session, venue, user, before, held), location


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
    """A new meetup at a venue that stays live until this commits.

    Once the meetup is written, the venue's row is locked and checked: a deletion of
    the venue at the same moment either waits and then sees the meetup (and refuses),
    or has committed first, and this refuses. Written first, so that on SQLite the
    database's write lock is taken as late as it always was.
    """
    venue_id = venue.id
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
    _hold_live_venue(session, venue_id)
    return meetup


def update_meetup(
    session: Session, meetup: Meetup, fields: MeetupFields, user: User, seen_version: str
) -> Revision | None:
    """Save the form over the meetup, unless someone else saved it in the meantime."""
    lock_row(session, Meetup, meetup.id)
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
    lock_row(session, Meetup, meetup.id)
    existing = next((c for c in meetup.changes if c.original_date == original), None)
    before = history.snapshot(meetup)
    if change is None:
        if existing is None:
            return None
        meetup.changes.remove(existing)
        return history.record(session, meetup, "restore-date", user, before)
    if change.venue_id is not None:
        _hold_live_venue(session, change.venue_id)
    planned = _as_schedule_change(session, original, change)
    where = meetup.schedule.zone if planned.timezone is None else time_zone(planned.timezone)
    validate_change(meetup.schedule, planned, datetime.now(where).date())
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
    lock_row(session, Meetup, meetup.id)
    before = history.snapshot(meetup)
    meetup.last_confirmed = today
    return history.record(session, meetup, "confirm", user, before)


def follow_calendar(
    session: Session, meetup: Meetup, take: dict[str, Any], source: str, user: User | None = None
) -> Revision | None:
    """Set what the meetup's own calendar changed (snapshot fields to JSON values), as one
    revision naming the calendar: by the sync (no user), or by the volunteer who chose the
    calendar's side of a conflict. The caller checked the values (`sync.mapping`)."""
    lock_row(session, Meetup, meetup.id)
    before = history.snapshot(meetup)
    for field, value in take.items():
        history.apply_value(session, meetup, field, value)
    return history.record(session, meetup, "sync", user, before, summary=source[:300])


def ask_confirmation(session: Session, meetup: Meetup, source: str) -> Revision | None:
    """The meetup's own calendar stopped listing it or went silent: ask its watchers again
    whether it still happens (the freshness loop), and show it unconfirmed until then.
    Nothing is deleted: only a person decides that."""
    lock_row(session, Meetup, meetup.id)
    before = history.snapshot(meetup)
    meetup.last_confirmed = None
    asking.ask_again(session, meetup)
    return history.record(session, meetup, "unconfirm", None, before, summary=source[:300])


def set_status(
    session: Session, meetup: Meetup, status: MeetupStatus, user: User
) -> Revision | None:
    lock_row(session, Meetup, meetup.id)
    before = history.snapshot(meetup)
    meetup.status = status
    return history.record(session, meetup, status.value, user, before)


def delete(session: Session, item: Venue | Meetup, user: User | None, now: datetime) -> Revision:
    """Hide a venue or meetup everywhere; its history keeps it, and `restore` brings it back."""
    lock_row(session, type(item), item.id)
    deletion.check_delete(session, item)
    before = history.snapshot(item)
    item.deleted_at = now
    return history.record(session, item, "delete", user, before)


def restore(session: Session, item: Venue | Meetup, user: User | None) -> Revision:
    lock_row(session, type(item), item.id)
    deletion.check_restore(session, item)
    before = history.snapshot(item)
    item.deleted_at = None
    if isinstance(item, Venue):
        deletion.forget_redirects(session, item)
    return history.record(session, item, "restore", user, before)


def _apply_venue(venue: Venue, fields: VenueFields) -> None:
    """Coordinates typed for the old address no longer hold once the address changes."""
    address = fields.address.strip()
    address_changed = venue.address != address
    venue.name = fields.name.strip()
    venue.address = address
    venue.notes = fields.notes.strip()
    moved = fields.manual is None and address_changed
    if moved and venue.coordinates_source == CoordinateSource.MANUAL:
        venue.coordinates_source = CoordinateSource.GAZETTEER


def _hold_live_venue(session: Session, venue_id: int) -> None:
    """Lock a venue's row until commit, and refuse if it was deleted meanwhile."""
    if not lock_if_live(session, Venue, venue_id):
        raise deletion.Refused(N_("This venue was deleted meanwhile: pick another one."))


def _apply(session: Session, meetup: Meetup, fields: MeetupFields) -> None:
    schedule = fields.schedule
    meetup.name = fields.name.strip()
    meetup.description = fields.description.strip()
    meetup.rrule = schedule.rule.to_rrule()
    meetup.start_time = schedule.start_time
    meetup.duration_minutes = int(schedule.duration / timedelta(minutes=1))
    meetup.first_date = schedule.first_date
    meetup.end_date = schedule.end_date
    meetup.languages = ",".join(_in_listed_order(meetup.language_list, fields.languages))
    meetup.url = fields.url.strip()
    meetup.tags = tags_named(session, fields.tags)


def _in_listed_order(listed: list[str], chosen: tuple[str, ...]) -> list[str]:
    """The chosen languages, those already listed first and in their order.

    The form offers languages alphabetically in the editor's own language: taking its
    order would record a change nobody made (and mail it to watchers) on every save.
    """
    return [code for code in listed if code in chosen] + [
        code for code in dict.fromkeys(chosen) if code not in listed
    ]


def _as_schedule_change(session: Session, original: date, change: DateChange) -> Change:
    duration = change.new_duration_minutes
    venue = None if change.venue_id is None else session.get(Venue, change.venue_id)
    return Change(
        original_date=original,
        cancelled=change.cancelled,
        new_date=change.new_date,
        new_start_time=change.new_start_time,
        new_duration=None if duration is None else timedelta(minutes=duration),
        venue_id=change.venue_id,
        note=change.note,
        timezone=None if venue is None else venue.timezone,
    )


def _slug_taken(session: Session, model: type[Venue | Meetup], slug: str) -> bool:
    """Deleted items keep their address, so that restoring them keeps it too."""
    query = select(model.id).where(model.slug == slug).execution_options(**WITH_DELETED)
    return session.scalar(query) is not None
