"""Listings keep each meetup's next date until it begins or the meetup is edited."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pytest

from meetups.extensions import db
from meetups.models import Meetup, MeetupChange
from meetups.pages.next_dates import NextDates
from meetups.schedule import Occurrence

NOON = datetime(2026, 12, 9, 12, tzinfo=UTC)


def _date(start: datetime) -> Occurrence:
    return Occurrence(start.date(), start, start + timedelta(hours=2))


@dataclass
class _Series:
    """A meetup as `NextDates` reads it: its id, its edit stamp and its dates."""

    id: int
    starts: list[datetime]
    updated_at: datetime = NOON
    asked: list[datetime] = field(default_factory=list)

    def next_happening(self, after: datetime) -> Occurrence | None:
        self.asked.append(after)
        return next((_date(start) for start in self.starts if start >= after), None)


def test_the_next_date_is_worked_out_once_until_it_begins():
    series = _Series(1, [NOON + timedelta(hours=20), NOON + timedelta(days=7, hours=20)])
    kept = NextDates(10_000)

    first = kept.next_happening(series, NOON)
    same = kept.next_happening(series, NOON + timedelta(hours=20))
    after = kept.next_happening(series, NOON + timedelta(hours=20, seconds=1))

    assert first == same == _date(series.starts[0])
    assert after == _date(series.starts[1])
    assert len(series.asked) == 2


def test_an_earlier_instant_asks_again():
    series = _Series(1, [NOON - timedelta(hours=1), NOON + timedelta(hours=20)])
    kept = NextDates(10_000)
    kept.next_happening(series, NOON)

    assert kept.next_happening(series, NOON - timedelta(hours=2)) == _date(series.starts[0])


def test_an_edit_asks_again():
    series = _Series(1, [NOON + timedelta(hours=20)])
    kept = NextDates(10_000)
    kept.next_happening(series, NOON)

    series.starts = [NOON + timedelta(hours=44)]
    series.updated_at = NOON + timedelta(minutes=1)

    assert kept.next_happening(series, NOON) == _date(series.starts[0])


def test_each_meetup_has_its_own():
    one, other = _Series(1, [NOON + timedelta(hours=20)]), _Series(2, [NOON + timedelta(hours=5)])
    kept = NextDates(10_000)
    kept.next_happening(one, NOON)

    assert kept.next_happening(other, NOON) == _date(other.starts[0])


def test_a_series_with_no_more_dates_stays_without():
    series = _Series(1, [])
    kept = NextDates(10_000)
    kept.next_happening(series, NOON)

    assert kept.next_happening(series, NOON + timedelta(days=365)) is None
    assert len(series.asked) == 1


@pytest.fixture
def volunteer(app):
    """No cookie jar, so that its Cookie header is sent and the whole-page cache never answers."""
    return app.test_client(use_cookies=False)


def next_on_card(volunteer, path):
    page = volunteer.get(path, headers={"Cookie": "session=volunteer"}).text
    return page.split('<p class="next">', 1)[1].split("</p>", 1)[0]


@pytest.mark.parametrize("path", ["/fr/paris/", "/v/cafe-central-paris/", "/near?q=Paris"])
def test_a_cancelled_next_date_leaves_the_card_at_once(volunteer, make_meetup, clock, path):
    coffee = make_meetup("Open Coffee Paris")  # Thursdays at 09:00 in Paris
    assert "2026-12-10" in next_on_card(volunteer, path)

    coffee.changes.append(MeetupChange(original_date=date(2026, 12, 10), cancelled=True))
    db.session.commit()

    assert "2026-12-17" in next_on_card(volunteer, path)


def test_the_next_date_moves_on_once_it_began(volunteer, make_meetup, clock):
    make_meetup("Open Coffee Paris")
    clock.instant = datetime(2026, 12, 10, 7, 59, tzinfo=UTC)  # Thursday 08:59 in Paris
    before = next_on_card(volunteer, "/fr/paris/")

    clock.instant = datetime(2026, 12, 10, 8, 1, tzinfo=UTC)  # 09:01, the meetup began
    after = next_on_card(volunteer, "/fr/paris/")

    assert "2026-12-10" in before and "2026-12-17" in after


def test_the_near_page_finds_each_next_date_once_until_it_begins(
    volunteer, make_meetup, clock, monkeypatch
):
    make_meetup("Open Coffee Paris")
    asked = []
    monkeypatch.setattr(Meetup, "next_happening", lambda meetup, now: asked.append(now))

    for _ in range(3):
        volunteer.get("/near?q=Paris", headers={"Cookie": "session=volunteer"})
        volunteer.get("/near?q=Paris&sort=date", headers={"Cookie": "session=volunteer"})

    assert len(asked) == 1
