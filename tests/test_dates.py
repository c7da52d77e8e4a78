"""Dates as people read them: under their day, "Today" and "Tomorrow", the year only when
it is not this one, each day counted in the meetup's own zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from meetups.agenda import by_local_day
from meetups.web import display
from meetups.web.i18n import day_heading

PARIS = ZoneInfo("Europe/Paris")
SYDNEY = ZoneInfo("Australia/Sydney")
NEW_YORK = ZoneInfo("America/New_York")


def at_nine(zone: ZoneInfo, days_from_today: int) -> datetime:
    today = datetime.now(zone).date() + timedelta(days=days_from_today)
    return datetime(today.year, today.month, today.day, 9, tzinfo=zone)


@pytest.mark.parametrize(
    ("language", "today", "tomorrow"),
    [("en", "Today", "Tomorrow"), ("fr", "Aujourd’hui", "Demain")],
)
def test_today_and_tomorrow_are_named(app, language, today, tomorrow):
    with app.test_request_context(f"/?lang={language}"):
        assert day_heading(at_nine(SYDNEY, 0)) == today
        assert day_heading(at_nine(NEW_YORK, 1)) == tomorrow


def test_a_later_date_has_its_year_only_when_it_is_not_this_one(app):
    this_year = datetime.now(PARIS).year
    later = datetime(this_year + 1, 1, 14, 9, tzinfo=PARIS)
    in_two_days = at_nine(PARIS, 2)

    with app.test_request_context("/"):
        assert day_heading(later) == display.long_date(later.date())
        if in_two_days.year == this_year:
            assert day_heading(in_two_days) == display.day_in_year(in_two_days.date())


@pytest.mark.parametrize(
    ("language", "text"), [("en", "Thursday 10 December"), ("fr", "jeudi 10 décembre")]
)
def test_a_day_of_this_year_reads_without_its_year(language, text):
    assert display.day_in_year(date(2026, 12, 10), language) == text


def test_dates_from_several_zones_fall_under_their_own_local_day():
    # Sorted by instant: Sydney's Wednesday 07:30 is Tuesday 20:30 UTC, before New York's
    # Tuesday 18:00 (23:00 UTC).
    paris_tuesday = datetime(2026, 12, 8, 9, tzinfo=PARIS)
    sydney_wednesday = datetime(2026, 12, 9, 7, 30, tzinfo=SYDNEY)
    new_york_tuesday = datetime(2026, 12, 8, 18, tzinfo=NEW_YORK)
    starts = sorted(
        [paris_tuesday, sydney_wednesday, new_york_tuesday], key=lambda s: s.astimezone(UTC)
    )

    days = by_local_day(starts, lambda start: start)

    assert days == [
        (date(2026, 12, 8), [paris_tuesday, new_york_tuesday]),
        (date(2026, 12, 9), [sydney_wednesday]),
    ]
