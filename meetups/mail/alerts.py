"""Alerts: what volunteers are told about, recorded with the change that causes it.

A service: takes the session, never commits. It writes `PendingAlert` rows
only; `send-mail` turns them into messages (`meetups.mail.digests`), at once or
once a day as each volunteer chose, so an alert is never lost with a message
that failed to render or a mail server that was down.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from meetups.freshness import watching
from meetups.models import (
    WITH_DELETED,
    AlertFrequency,
    Meetup,
    PendingAlert,
    Revision,
    Role,
    User,
    Venue,
)

DIGEST_EVERY = timedelta(days=1)
REPORT = "report"
FIRST_EDIT = "first-edit"
UNCONFIRMED = "unconfirmed"
CHANGED = "changed"
DELETED = "deleted"
REPORTED = "reported"
ADDED = "added"
DATE_CANCELLED = "date-cancelled"
DATE_MOVED = "date-moved"
VENUE_CHANGED = "venue-changed"
VENUE_DELETED = "venue-deleted"
# Revision actions on a meetup told in words of their own; any other is "changed".
MEETUP_ACTIONS = {"create": ADDED, "cancel-date": DATE_CANCELLED, "move-date": DATE_MOVED}


def _moderators(session: Session) -> list[User]:
    return list(
        session.scalars(
            select(User).where(
                User.role == Role.MODERATOR,
                User.alerts != AlertFrequency.NEVER,
                User.email_confirmed_at.is_not(None),
            )
        )
    )


def _tell(
    users: Iterable[User], kind: str, params: dict[str, str], path: str
) -> list[PendingAlert]:
    return [PendingAlert(user_id=user.id, kind=kind, params=params, path=path) for user in users]


# Enough of a report's words for a moderator to judge it from the message.
REPORT_WORDS = 300


def report_filed(session: Session, meetup: Meetup, report_kind: str, message: str) -> None:
    """Moderators hear of every new report on a listing, with what the reporter wrote;
    the listing's watchers hear of it too, moderators among them only once."""
    moderators = _moderators(session)
    words = " ".join(message.split())
    if len(words) > REPORT_WORDS:
        words = words[: REPORT_WORDS - 1].rstrip() + "…"
    told = {"meetup": meetup.name, "report_kind": report_kind}
    session.add_all(_tell(moderators, REPORT, {**told, "words": words}, "/moderation/"))
    told_already = {user.id for user in moderators}
    recipients = [
        recipient
        for recipient in watching.audience(session, meetup, [meetup.venue], None)
        if recipient.user.id not in told_already
    ]
    session.add_all(_tell_watchers(recipients, REPORTED, told, f"/m/{meetup.slug}/"))


def first_edit(session: Session, author: User, item_name: str) -> None:
    """Moderators hear when a volunteer not yet trusted makes a first edit, to review it.
    Call it before adding the edit's revision."""
    if session.scalar(select(func.count(Revision.id)).where(Revision.user_id == author.id)):
        return
    session.add_all(
        _tell(
            _moderators(session),
            FIRST_EDIT,
            {"name": author.display_name, "item": item_name},
            "/moderation/",
        )
    )


def nobody_confirmed(session: Session, meetup_name: str, meetup_slug: str) -> None:
    """Moderators are asked about a listing whose watchers did not answer (or that has none)."""
    session.add_all(
        _tell(_moderators(session), UNCONFIRMED, {"meetup": meetup_name}, f"/m/{meetup_slug}/")
    )


def listing_changed(
    session: Session,
    item: Meetup | Venue,
    action: str,
    author: User | None,
    changes: Mapping[str, Any],
) -> None:
    """Watchers hear of an addition, an edit or a deletion by someone else ("still
    happening" aside): of a meetup, those of it, its venue and its city; of a venue, its own."""
    if action == "confirm":
        return
    deleted = item.is_deleted and "deleted_at" in changes
    if isinstance(item, Venue):
        kind = VENUE_DELETED if deleted else VENUE_CHANGED
        path = f"/v/{item.slug}/" if deleted else f"/v/{item.slug}/history"
        recipients = watching.audience(session, None, [item], author)
        session.add_all(_tell_watchers(recipients, kind, {"venue": item.name}, path))
        return
    kind = DELETED if deleted else MEETUP_ACTIONS.get(action, CHANGED)
    path = f"/m/{item.slug}/history" if kind == CHANGED else f"/m/{item.slug}/"
    recipients = watching.audience(session, item, _venues(session, item, changes), author)
    session.add_all(_tell_watchers(recipients, kind, {"meetup": item.name}, path))


def _venues(session: Session, meetup: Meetup, changes: Mapping[str, Any]) -> list[Venue]:
    """The meetup's venue, and the one it left when this change moved it."""
    ids = {meetup.venue_id, *changes.get("venue_id", ())} - {None}
    return list(
        session.scalars(select(Venue).where(Venue.id.in_(ids)), execution_options=WITH_DELETED)
    )


def _tell_watchers(
    recipients: Iterable[watching.Recipient], kind: str, params: dict[str, Any], path: str
) -> list[PendingAlert]:
    """One alert for each, naming the venue or city they watch when not the listing itself."""
    return [
        PendingAlert(
            user_id=recipient.user.id, kind=kind, params=_why(recipient, params), path=path
        )
        for recipient in recipients
    ]


def _why(recipient: watching.Recipient, params: dict[str, Any]) -> dict[str, Any]:
    if recipient.place is None:
        return params
    return {**params, "place": recipient.place, "city_id": recipient.city_id}


def due(session: Session, now: datetime) -> dict[int, list[PendingAlert]]:
    """Alerts to send now, by volunteer: all of those who want them at once, and those of a
    daily digest whose oldest alert waited a day."""
    alerts = session.scalars(
        select(PendingAlert).join(User, User.id == PendingAlert.user_id).order_by(PendingAlert.id)
    ).all()
    by_user: dict[int, list[PendingAlert]] = {}
    for alert in alerts:
        by_user.setdefault(alert.user_id, []).append(alert)
    return {
        user_id: found
        for user_id, found in by_user.items()
        if _due(session.get(User, user_id), found, now)
    }


def _due(user: User, alerts: list[PendingAlert], now: datetime) -> bool:
    if user.alerts == AlertFrequency.DAILY:
        return alerts[0].created_at <= now - DIGEST_EVERY
    return True


def take(session: Session, alerts: list[PendingAlert]) -> bool:
    """Remove alerts about to be sent; False when another worker took them first."""
    ids = [alert.id for alert in alerts]
    removed = session.execute(
        delete(PendingAlert)
        .where(PendingAlert.id.in_(ids))
        .execution_options(synchronize_session=False)
    )
    return removed.rowcount == len(ids)
