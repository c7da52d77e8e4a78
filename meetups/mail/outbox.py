"""The transactional outbox: messages are queued with the change that causes them.

A service: functions take the session and never commit. Workers claim due
messages (row locks, `FOR UPDATE SKIP LOCKED` on PostgreSQL, and a claim that
only one conditional UPDATE can win on any engine), send them after committing
the claim, and record the outcome; a failure is tried again later, each time
after a longer wait, so an outage of the mail server loses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from meetups.models import OutboxMessage

# Enough to ride out a mail server down for a day: the waits add up to about 26 hours.
MAX_ATTEMPTS = 12
LONGEST_WAIT = timedelta(hours=6)
# A worker that dies while sending leaves its claim; another takes the message after this.
CLAIM_LENGTH = timedelta(minutes=5)


def queue(
    session: Session,
    *,
    recipient: str,
    subject: str,
    text: str,
    html: str = "",
    headers: Mapping[str, str] | None = None,
) -> OutboxMessage:
    """Add a message to the outbox; it leaves only if the caller's transaction commits."""
    message = OutboxMessage(
        recipient=recipient,
        subject=subject,
        body_text=text,
        body_html=html,
        headers=dict(headers or {}),
        attempts=0,
        last_error="",
    )
    session.add(message)
    return message


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4… minutes after the 1st, 2nd, 3rd… failure, and at most 6 hours."""
    return min(timedelta(minutes=2 ** min(attempts - 1, 16)), LONGEST_WAIT)


def _claimable(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        OutboxMessage.sent_at.is_(None),
        OutboxMessage.gave_up_at.is_(None),
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    )


def claim_due(session: Session, now: datetime, limit: int) -> list[int]:
    """Claim up to `limit` due messages for this worker; the caller commits at once.

    Rows another worker is claiming are skipped (PostgreSQL), and each claim is a
    conditional UPDATE, so of two workers (or engines without row locks) one wins.
    """
    candidates = session.scalars(
        select(OutboxMessage.id)
        .where(*_claimable(now))
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    claimed = []
    for message_id in candidates:
        won = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, *_claimable(now))
            .values(claimed_until=now + CLAIM_LENGTH)
            .execution_options(synchronize_session=False)
        )
        if won.rowcount == 1:
            claimed.append(message_id)
    return claimed


def mark_sent(message: OutboxMessage, now: datetime) -> None:
    message.sent_at = now
    message.attempts += 1
    message.claimed_until = None
    message.last_error = ""


def mark_failed(message: OutboxMessage, now: datetime, error: str) -> None:
    """Try again later, or give up after MAX_ATTEMPTS (moderators see it on the dashboard)."""
    message.attempts += 1
    message.claimed_until = None
    message.last_error = error[:500]
    if message.attempts >= MAX_ATTEMPTS:
        message.gave_up_at = now
    else:
        message.next_attempt_at = now + retry_delay(message.attempts)


def release(session: Session, message_ids: list[int]) -> None:
    """Hand back claimed messages untried (the server went away before their turn)."""
    if message_ids:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(message_ids))
            .values(claimed_until=None)
            .execution_options(synchronize_session=False)
        )


def counts(session: Session) -> dict[str, int]:
    """Messages waiting to be sent and messages given up on, for the moderators."""
    waiting, failed = session.execute(
        select(
            func.count().filter(
                OutboxMessage.sent_at.is_(None), OutboxMessage.gave_up_at.is_(None)
            ),
            func.count().filter(OutboxMessage.gave_up_at.is_not(None)),
        )
    ).one()
    return {"waiting": waiting, "failed": failed}


def given_up(session: Session, limit: int) -> list[OutboxMessage]:
    """The latest messages no attempt could send, for the moderators to look into."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.gave_up_at.is_not(None))
            .order_by(OutboxMessage.gave_up_at.desc())
            .limit(limit)
        )
    )
