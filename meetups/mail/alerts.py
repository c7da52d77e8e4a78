"""Alerts: what volunteers are told about, recorded with the change that causes it.

A service: takes the session, never commits. It writes `PendingAlert` rows
only; `send-mail` turns them into messages (`meetups.mail.digests`), at once or
once a day as each volunteer chose, so an alert is never lost with a message
that failed to render or a mail server that was down.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from meetups.freshness import asking
from meetups.models import AlertFrequency, Meetup, PendingAlert, Revision, Role, User

DIGEST_EVERY = timedelta(days=1)
REPORT = "report"
FIRST_EDIT = "first-edit"
UNCONFIRMED = "unconfirmed"
CHANGED = "changed"
DELETED = "deleted"
REPORTED = "reported"


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


def report_filed(session: Session, meetup_name: str, report_kind: str) -> None:
    """Moderators hear of every new report on a listing."""
    session.add_all(
        _tell(
            _moderators(session),
            REPORT,
            {"meetup": meetup_name, "report_kind": report_kind},
            "/moderation/",
        )
    )


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


def listing_changed(session: Session, meetup: Meetup, action: str, author: User | None) -> None:
    """Watchers hear of an edit or a deletion by someone else ("still happening" aside)."""
    if action == "confirm":
        return
    deleted = action == "delete"
    session.add_all(
        _tell(
            _watchers_but(session, meetup, author),
            DELETED if deleted else CHANGED,
            {"meetup": meetup.name},
            f"/m/{meetup.slug}/" if deleted else f"/m/{meetup.slug}/history",
        )
    )


def listing_reported(session: Session, meetup: Meetup, report_kind: str) -> None:
    session.add_all(
        _tell(
            _watchers_but(session, meetup, None),
            REPORTED,
            {"meetup": meetup.name, "report_kind": report_kind},
            f"/m/{meetup.slug}/",
        )
    )


def _watchers_but(session: Session, meetup: Meetup, author: User | None) -> list[User]:
    return [
        user for user in asking.watchers(session, meetup) if author is None or user.id != author.id
    ]


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
