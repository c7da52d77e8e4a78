"""Who watches what, and which listings are due a question. A service: takes the session,
never commits.

A meetup not confirmed for `confirm_after` days is due: its watchers are asked
once (a `ConfirmationRequest` row remembers when), and asked again only after
someone confirmed it and it went stale again. When nobody confirmed it
`escalate_after` days after asking (or nobody watches it), moderators are asked,
once. Nothing here takes a listing out of feeds: only a person decides that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from meetups.models import (
    AlertFrequency,
    ConfirmationRequest,
    Meetup,
    MeetupStatus,
    User,
    Watch,
)


def watchers(session: Session, meetup: Meetup) -> list[User]:
    """Watchers who can be asked: their address confirmed, and not asking for no mail."""
    return list(
        session.scalars(
            select(User)
            .join(Watch, Watch.user_id == User.id)
            .where(
                Watch.meetup_id == meetup.id,
                User.email_confirmed_at.is_not(None),
                User.alerts != AlertFrequency.NEVER,
            )
            .order_by(User.id)
        )
    )


@dataclass
class Due:
    ask: list[Meetup]
    escalate: list[Meetup]


def due(
    session: Session, now: datetime, confirm_after: timedelta, escalate_after: timedelta
) -> Due:
    """Active meetups whose watchers are to be asked now, and those to escalate now."""
    stale_before = now.date() - confirm_after
    rows = session.execute(
        select(Meetup, ConfirmationRequest)
        .outerjoin(ConfirmationRequest, ConfirmationRequest.meetup_id == Meetup.id)
        .where(Meetup.status == MeetupStatus.ACTIVE, Meetup.is_demo.is_(False))
        .where(Meetup.last_confirmed.is_(None) | (Meetup.last_confirmed <= stale_before))
        .order_by(Meetup.id)
        .with_for_update(of=Meetup)
    ).all()
    found = Due(ask=[], escalate=[])
    for meetup, request in rows:
        if request is None or _confirmed_since(meetup, request.asked_at):
            found.ask.append(meetup)
        elif request.escalated_at is None and request.asked_at <= now - escalate_after:
            found.escalate.append(meetup)
    return found


def _confirmed_since(meetup: Meetup, asked_at: datetime) -> bool:
    return meetup.last_confirmed is not None and meetup.last_confirmed >= asked_at.date()


def asked(session: Session, meetup: Meetup, now: datetime) -> ConfirmationRequest:
    request = session.get(ConfirmationRequest, meetup.id)
    if request is None:
        request = ConfirmationRequest(meetup_id=meetup.id)
        session.add(request)
    request.asked_at = now
    request.escalated_at = None
    return request


def ask_again(session: Session, meetup: Meetup) -> None:
    """Forget that watchers were asked, so the next round asks them afresh."""
    session.execute(
        delete(ConfirmationRequest)
        .where(ConfirmationRequest.meetup_id == meetup.id)
        .execution_options(synchronize_session=False)
    )


def escalated(session: Session, meetup: Meetup, now: datetime) -> None:
    request = session.get(ConfirmationRequest, meetup.id) or asked(session, meetup, now)
    request.escalated_at = now
