"""Stamps, the sum behind data versions and feed ETags: whole milliseconds on every engine."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from meetups.extensions import db
from meetups.models import Meetup
from meetups.stamps import epoch_milliseconds, stamp_sum


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=UTC),  # a microsecond before a second
        datetime(2026, 12, 3, 10, 11, 12, 500, tzinfo=UTC),
        datetime(1999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(2099, 12, 31, 23, 59, 59, 123456, tzinfo=UTC),
    ],
)
def test_a_stamp_is_the_stored_time_in_whole_milliseconds(app, make_meetup, moment):
    meetup = make_meetup("Stamped")
    db.session.execute(update(Meetup).where(Meetup.id == meetup.id).values(updated_at=moment))
    db.session.commit()

    stamp = db.session.scalar(select(epoch_milliseconds(Meetup.updated_at)))

    # Rounded (SQLite) or truncated (PostgreSQL) to the millisecond, never a second off.
    assert abs(stamp - moment.timestamp() * 1000) <= 1


def test_the_stamp_sum_adds_every_rows_stamp(app, make_meetup):
    first, second = make_meetup("First"), make_meetup("Second")
    stamps = db.session.scalars(select(epoch_milliseconds(Meetup.updated_at))).all()

    total = db.session.scalar(select(stamp_sum(Meetup.updated_at)))

    assert len(stamps) == 2 and first.id != second.id
    assert total == sum(stamps)
