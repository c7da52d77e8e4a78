"""What moderators look after: reports, newcomers, volunteers, duplicates, stale listings.

Every write here is one conditional UPDATE or INSERT, so two moderators acting on
the same item at once each get a clear answer and nothing is recorded twice.
The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from meetups.editing import duplicates
from meetups.models import Meetup, MeetupStatus, Report, ReportKind, Revision, Role, User, Venue

QUEUE_LIMIT = 200


@dataclass(frozen=True)
class Queue:
    """The moderators' dashboard, oldest first in each part."""

    reports: list[Report]
    newcomers: list[User]
    # Everyone a moderator may trust (or stop trusting), by name.
    volunteers: list[User]
    duplicates: list[tuple[Venue, Venue]]
    stale: list[Meetup]


def queue(session: Session, today: date, stale_after_days: int) -> Queue:
    stale_before = today - timedelta(days=stale_after_days)
    return Queue(
        # The join hides reports on deleted meetups until someone restores them.
        reports=list(
            session.scalars(
                select(Report)
                .join(Report.meetup)
                .where(Report.resolved_at.is_(None))
                .order_by(Report.id)
            )
        ),
        newcomers=list(
            session.scalars(select(User).where(User.reviewed.is_(False)).order_by(User.id))
        ),
        volunteers=list(
            session.scalars(
                select(User).where(User.role != Role.MODERATOR).order_by(User.display_name, User.id)
            )
        ),
        duplicates=duplicates.duplicate_pairs(session),
        stale=list(
            session.scalars(
                select(Meetup)
                .where(Meetup.status == MeetupStatus.ACTIVE)
                .where((Meetup.last_confirmed < stale_before) | Meetup.last_confirmed.is_(None))
                .order_by(Meetup.last_confirmed.is_(None).desc(), Meetup.last_confirmed)
                .limit(QUEUE_LIMIT)
            )
        ),
    )


def file_report(session: Session, meetup: Meetup, kind: ReportKind, message: str) -> Report:
    """Anyone may report a listing; no account, nothing about the reporter is kept."""
    report = Report(meetup=meetup, kind=kind, message=message)
    session.add(report)
    return report


def resolve_report(
    session: Session, report_id: int, moderator: User, resolution: str, now: datetime
) -> bool:
    """Close a report; False if another moderator closed it first (theirs stands)."""
    closed = session.execute(
        update(Report)
        .where(Report.id == report_id, Report.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by_id=moderator.id, resolution=resolution)
    )
    return closed.rowcount == 1


def mark_reviewed(session: Session, revision_id: int, moderator: User, now: datetime) -> bool:
    """A moderator looked at this edit; False if someone already had."""
    marked = session.execute(
        update(Revision)
        .where(Revision.id == revision_id, Revision.reviewed_at.is_(None))
        .values(reviewed_at=now, reviewed_by_id=moderator.id)
    )
    return marked.rowcount == 1


def trust_volunteer(session: Session, user_id: int) -> bool:
    """A newcomer whose edits look right: later edits skip the queue."""
    trusted = session.execute(update(User).where(User.id == user_id).values(reviewed=True))
    return trusted.rowcount == 1
