"""Directory-wide coming dates ("happening this week"), cheap enough for the home page.

Expanding every series on each request costs seconds at 10,000 meetups. Here
the expansion reads plain rows (no ORM objects), and its result is kept per
data version and ten-minute bucket, so most requests cost no query at all (see `data_version`).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from meetups.data_version import DataVersion
from meetups.models import Meetup, MeetupChange, MeetupStatus, schedule_columns, stored_schedule
from meetups.schedule import Change, Occurrence, occurrences

BUCKET = timedelta(minutes=10)
_BATCH = 2000


@dataclass(frozen=True)
class Coming:
    """The soonest dates from `start`, and how many there are in all."""

    dates: tuple[tuple[int, Occurrence], ...]
    total: int


class ComingDates:
    """Remembers the expansions (one per span asked) until the data version or bucket moves."""

    def __init__(self, data_version: DataVersion, keep: int = 200) -> None:
        self.data_version = data_version
        self.keep = keep
        self._moment: tuple | None = None
        self._by_span: dict[timedelta, Coming] = {}
        self._lock = threading.Lock()

    def between(self, session: Session, now: datetime, span: timedelta) -> Coming:
        seconds = BUCKET.total_seconds()
        bucket = datetime.fromtimestamp(now.timestamp() // seconds * seconds, now.tzinfo)
        moment = (self.data_version.current(session), bucket)
        with self._lock:
            if moment != self._moment:
                self._by_span.clear()
                self._moment = moment
            value = self._by_span.get(span)
            if value is None:
                value = _expand(session, bucket, bucket + span + BUCKET, self.keep)
                self._by_span[span] = value
        dates = tuple((i, o) for i, o in value.dates if now <= o.start < now + span)
        return Coming(dates, value.total)


def _expand(session: Session, start: datetime, end: datetime, keep: int) -> Coming:
    changes = _changes_by_meetup(session, start - timedelta(days=1))
    query = select(Meetup.id, *schedule_columns()).where(
        Meetup.status == MeetupStatus.ACTIVE, Meetup.first_date < end.date()
    )
    # Streamed, keeping only the soonest: at 100,000 meetups, holding every row and
    # every date of the week grew each worker by some 60 MB.
    found: list[tuple[int, Occurrence]] = []
    total = 0
    for row in session.execute(query.execution_options(yield_per=_BATCH)):
        if row.end_date is not None and row.end_date < start.date() - timedelta(days=1):
            continue
        schedule = stored_schedule(row)
        for occurrence in occurrences(schedule, changes[row.id], start=start, end=end):
            found.append((row.id, occurrence))
            total += 1
        if len(found) > 2 * keep:
            found = _soonest(found, keep)
    return Coming(tuple(_soonest(found, keep)), total)


def _soonest(found: list[tuple[int, Occurrence]], keep: int) -> list[tuple[int, Occurrence]]:
    return sorted(found, key=lambda pair: (pair[1].start, pair[0]))[:keep]


def _changes_by_meetup(session: Session, since: datetime) -> dict[int, list[Change]]:
    """Changes that can matter from `since` on: past ones pile up over the years."""
    day = since.date()
    grouped: dict[int, list[Change]] = defaultdict(list)
    query = select(MeetupChange).where(
        or_(MeetupChange.original_date >= day, MeetupChange.new_date >= day)
    )
    for change in session.scalars(query):
        grouped[change.meetup_id].append(change.as_change())
    return grouped
