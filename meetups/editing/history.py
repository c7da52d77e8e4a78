"""Revisions: every change to a venue or meetup, field by field, and how to undo one.

A revision stores {field: [before, after]} in JSON-ready values. Reverting
applies the "before" values, but only where nobody has changed the field
since: otherwise it refuses and names the fields, so no later edit is lost.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from meetups.editing import deletion
from meetups.editing.locking import lock_row
from meetups.freshness import watching
from meetups.mail import alerts
from meetups.models import (
    WITH_DELETED,
    Meetup,
    MeetupChange,
    Revision,
    User,
    Venue,
    tags_named,
    utcnow,
)
from meetups.texts import N_

VENUE_FIELDS = (
    "name",
    "address",
    "city_id",
    "latitude",
    "longitude",
    "coordinates_source",
    "timezone",
    "notes",
    "deleted_at",
)
MEETUP_FIELDS = (
    "name",
    "description",
    "venue_id",
    "rrule",
    "start_time",
    "duration_minutes",
    "timezone",
    "first_date",
    "end_date",
    "status",
    "status_since",
    "languages",
    "url",
    "last_confirmed",
    "deleted_at",
)
DATE_FIELD_PREFIX = "date:"
CHANGE_FIELDS = ("cancelled", "new_date", "new_start_time", "new_duration_minutes", "venue_id")


class RevertConflict(Exception):
    """A later edit changed the same fields; the message names them."""


def entity_name(item: Venue | Meetup) -> str:
    return "venue" if isinstance(item, Venue) else "meetup"


def snapshot(item: Venue | Meetup) -> dict[str, Any]:
    """The state that revisions compare, as JSON-ready values."""
    if isinstance(item, Venue):
        return {field: _plain(getattr(item, field)) for field in VENUE_FIELDS}
    state = {field: _plain(getattr(item, field)) for field in MEETUP_FIELDS}
    state["tags"] = sorted(tag.slug for tag in item.tags)
    for change in item.changes:
        state[DATE_FIELD_PREFIX + change.original_date.isoformat()] = _change_state(change)
    return state


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Fields whose value differs, as {field: [before, after]}; absent counts as None."""
    fields = sorted(set(before) | set(after))
    return {
        field: [before.get(field), after.get(field)]
        for field in fields
        if before.get(field) != after.get(field)
    }


def record(
    session: Session,
    item: Venue | Meetup,
    action: str,
    user: User | None,
    before: Mapping[str, Any],
    reverts: Revision | None = None,
    summary: str = "",
) -> Revision | None:
    """Add a revision for what changed since `before`; None when nothing did."""
    session.flush()
    changes = diff(before, snapshot(item))
    if not changes and action in ("edit", "restore-version"):
        return None
    revision = Revision(
        entity=entity_name(item),
        entity_id=item.id,
        action=action,
        user_id=user.id if user else None,
        changes=changes,
        reverts_id=reverts.id if reverts else None,
        summary=summary,
        reviewed_at=utcnow() if user is None or user.reviewed or user.is_moderator else None,
    )
    if user is not None and revision.reviewed_at is None:
        alerts.first_edit(session, user, str(getattr(item, "name", "")))
    alerts.listing_changed(session, item, action, user, changes)
    if user is not None and not item.is_deleted:
        watching.follow_own_edit(session, user, item)
    session.add(revision)
    return revision


def revert(session: Session, revision: Revision, user: User | None) -> Revision | None:
    """Put back what `revision` changed, recorded as a revision of its own."""
    item = _load(session, revision)
    if item is None:
        raise RevertConflict(N_("This venue or meetup no longer exists."))
    lock_row(session, type(item), item.id)
    if revision.action == "create":
        return _undo_creation(session, item, revision, user)
    if item.is_deleted and "deleted_at" not in revision.changes:
        raise RevertConflict(N_("%(name)s is deleted: restore it first.", name=item.name))
    current = snapshot(item)
    conflicts = [f for f, (_, after) in revision.changes.items() if current.get(f) != after]
    if conflicts:
        raise RevertConflict(
            N_(
                "Changed again since this revision: %(fields)s",
                fields=", ".join(_label(f) for f in conflicts),
            )
        )
    if "deleted_at" in revision.changes:
        _check_deletion_undone(session, item, restoring=revision.changes["deleted_at"][0] is None)
    before = current
    for field, (old, _) in revision.changes.items():
        apply_value(session, item, field, old)
    if isinstance(item, Meetup) and not item.is_deleted:
        _check_venues_live(session, item)
    return record(session, item, "revert", user, before, reverts=revision)


def restore_version(session: Session, revision: Revision, user: User | None) -> Revision | None:
    """Put the item back as it was just after `revision`, as one new revision (None if it
    already is). Later revisions are unwound field by field, newest first; a deleted item
    must be restored first, and a meetup cannot go back to a venue deleted since."""
    item = _load(session, revision)
    if item is None:
        raise RevertConflict(N_("This venue or meetup no longer exists."))
    lock_row(session, type(item), item.id)
    if item.is_deleted:
        raise RevertConflict(N_("%(name)s is deleted: restore it first.", name=item.name))
    before = snapshot(item)
    target = dict(before)
    for later in session.scalars(
        select(Revision)
        .where(Revision.entity == revision.entity, Revision.entity_id == revision.entity_id)
        .where(Revision.id > revision.id)
        .order_by(Revision.id.desc())
    ):
        target.update({field: old for field, (old, _) in later.changes.items()})
    for field in diff(before, target):
        if field != "deleted_at":
            apply_value(session, item, field, target.get(field))
    if isinstance(item, Meetup):
        _check_venues_live(session, item)
    return record(session, item, "restore-version", user, before, reverts=revision)


def _check_venues_live(session: Session, meetup: Meetup) -> None:
    """An undo never sends a listed meetup (or one of its dates) back to a deleted venue."""
    try:
        deletion.check_venues_live(session, meetup)
    except deletion.Refused as refused:
        raise RevertConflict(*refused.args) from refused


def _undo_creation(
    session: Session, item: Venue | Meetup, revision: Revision, user: User | None
) -> Revision | None:
    """Undoing a creation deletes the item (restorably), under the rules of any deletion."""
    _check_deletion_undone(session, item, restoring=False)
    before = snapshot(item)
    item.deleted_at = utcnow()
    return record(session, item, "revert", user, before, reverts=revision)


def _check_deletion_undone(session: Session, item: Venue | Meetup, restoring: bool) -> None:
    """Undoing a deletion is a restore, and undoing a restore a deletion: same rules apply."""
    try:
        (deletion.check_restore if restoring else deletion.check_delete)(session, item)
    except deletion.Refused as refused:
        raise RevertConflict(*refused.args) from refused
    if restoring and isinstance(item, Venue):
        deletion.forget_redirects(session, item)


def _load(session: Session, revision: Revision) -> Venue | Meetup | None:
    model = Venue if revision.entity == "venue" else Meetup
    return session.get(model, revision.entity_id, execution_options=WITH_DELETED)


def apply_value(session: Session, item: Venue | Meetup, field: str, value: Any) -> None:
    """Set one snapshot field (a column, the tags or one date's change) to a JSON value."""
    if field == "tags":
        item.tags = tags_named(session, value or [])
    elif field.startswith(DATE_FIELD_PREFIX):
        _apply_date_change(item, date.fromisoformat(field[len(DATE_FIELD_PREFIX) :]), value)
    else:
        column = type(item).__table__.columns[field]
        setattr(item, field, _typed(column.type.python_type, value))


def _apply_date_change(meetup: Meetup, day: date, state: Mapping[str, Any] | None) -> None:
    existing = next((c for c in meetup.changes if c.original_date == day), None)
    if state is None:
        if existing is not None:
            meetup.changes.remove(existing)
        return
    change = existing or MeetupChange(original_date=day)
    for field in CHANGE_FIELDS:
        column = MeetupChange.__table__.columns[field]
        setattr(change, field, _typed(column.type.python_type, state.get(field)))
    change.note = state.get("note", "")
    if existing is None:
        meetup.changes.append(change)


def _change_state(change: MeetupChange) -> dict[str, Any]:
    state = {field: _plain(getattr(change, field)) for field in CHANGE_FIELDS}
    state["note"] = change.note
    return state


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (date, time, datetime)):
        return value.isoformat()
    return value


_PARSERS: dict[type, Callable[[Any], Any]] = {
    date: date.fromisoformat,
    time: time.fromisoformat,
    datetime: datetime.fromisoformat,
}


def _typed(python_type: type, value: Any) -> Any:
    if value is None:
        return None
    parser = _PARSERS.get(python_type)
    if parser is not None:
        return parser(value)
    if isinstance(python_type, type) and issubclass(python_type, enum.Enum):
        return python_type(value)
    return value


def _label(field: str) -> str:
    if field.startswith(DATE_FIELD_PREFIX):
        return "the change on " + field[len(DATE_FIELD_PREFIX) :]
    return field.replace("_", " ")
