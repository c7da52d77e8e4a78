"""Schedules as people and calendar apps see them: dates, local times, exceptions, words.

Pure tests: no Flask, no database. Dates are checked in the meetup's local time,
with the UTC offset wherever daylight saving time could make it go wrong.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from meetups import schedule as schedule_module
from meetups.schedule import (
    Change,
    Occurrence,
    Rule,
    Schedule,
    ScheduleError,
    describe,
    first_occurrence_date,
    local_datetime,
    next_occurrences,
    occurrences,
    validate_change,
)

MO, TU, WE, TH, FR, SA, SU = range(7)
PARIS = "Europe/Paris"


def weekly(*days: int, interval: int = 1) -> Rule:
    return Rule("WEEKLY", days, interval)


def monthly(day: int, nth: int) -> Rule:
    return Rule("MONTHLY", (day,), 1, nth)


def series(
    rule: Rule,
    first: date = date(2026, 1, 1),
    end: date | None = None,
    at: time = time(9),
    hours: float = 2,
    zone: str = PARIS,
) -> Schedule:
    return Schedule(rule, at, timedelta(hours=hours), zone, first, end)


def local_window(
    schedule: Schedule, first: date, last: date, changes: tuple[Change, ...] = (), **options: bool
) -> list[Occurrence]:
    """Occurrences from local midnight of `first` to local midnight after `last`."""
    zone = ZoneInfo(schedule.timezone)
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(last + timedelta(days=1), time(), zone)
    return occurrences(schedule, changes, start=start, end=end, **options)


def dates(items: list[Occurrence]) -> list[date]:
    return [item.start.date() for item in items]


def starts(items: list[Occurrence]) -> list[str]:
    return [item.start.isoformat(timespec="minutes") for item in items]


# --- Daylight saving time -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "before", "after", "offset_before", "offset_after"),
    [
        pytest.param(PARIS, date(2026, 3, 26), date(2026, 4, 2), 1, 2, id="paris-spring"),
        pytest.param(PARIS, date(2026, 10, 22), date(2026, 10, 29), 2, 1, id="paris-autumn"),
        pytest.param(
            "America/New_York", date(2026, 3, 5), date(2026, 3, 12), -5, -4, id="ny-spring"
        ),
        pytest.param(
            "America/New_York", date(2026, 10, 29), date(2026, 11, 5), -4, -5, id="ny-autumn"
        ),
        pytest.param(
            "Australia/Sydney",
            date(2026, 4, 2),
            date(2026, 4, 9),
            11,
            10,
            id="sydney-dst-ends-april",
        ),
        pytest.param(
            "Australia/Sydney",
            date(2026, 10, 1),
            date(2026, 10, 8),
            10,
            11,
            id="sydney-dst-starts-october",
        ),
    ],
)
def test_weekly_meetup_keeps_its_local_time_across_a_dst_change(
    zone: str, before: date, after: date, offset_before: int, offset_after: int
) -> None:
    meetup = series(weekly(TH), zone=zone)

    found = local_window(meetup, before, after)

    assert dates(found) == [before, after]
    assert [item.start.time() for item in found] == [time(9), time(9)]
    assert [item.start.utcoffset() for item in found] == [
        timedelta(hours=offset_before),
        timedelta(hours=offset_after),
    ]
    assert all(item.start.tzinfo == ZoneInfo(zone) for item in found)


@pytest.mark.parametrize(
    ("zone", "sunday", "expected"),
    [
        pytest.param(PARIS, date(2026, 3, 29), "2026-03-29T09:00+02:00", id="paris-spring"),
        pytest.param(PARIS, date(2026, 10, 25), "2026-10-25T09:00+01:00", id="paris-autumn"),
        pytest.param(
            "America/New_York", date(2026, 3, 8), "2026-03-08T09:00-04:00", id="ny-spring"
        ),
        pytest.param(
            "America/New_York", date(2026, 11, 1), "2026-11-01T09:00-05:00", id="ny-autumn"
        ),
        pytest.param(
            "Australia/Sydney", date(2026, 4, 5), "2026-04-05T09:00+10:00", id="sydney-april"
        ),
        pytest.param(
            "Australia/Sydney", date(2026, 10, 4), "2026-10-04T09:00+11:00", id="sydney-october"
        ),
    ],
)
def test_meetup_on_the_day_of_the_change_uses_the_new_offset(
    zone: str, sunday: date, expected: str
) -> None:
    assert starts(local_window(series(weekly(SU), zone=zone), sunday, sunday)) == [expected]


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected"),
    [
        pytest.param(
            PARIS, date(2026, 3, 29), time(2, 30), "2026-03-29T03:30+02:00", id="paris-gap"
        ),
        pytest.param(
            PARIS, date(2026, 10, 25), time(2, 30), "2026-10-25T02:30+02:00", id="paris-fold"
        ),
        pytest.param(
            "America/New_York", date(2026, 3, 8), time(2, 30), "2026-03-08T03:30-04:00", id="ny-gap"
        ),
        pytest.param(
            "America/New_York",
            date(2026, 11, 1),
            time(1, 30),
            "2026-11-01T01:30-04:00",
            id="ny-fold",
        ),
        pytest.param(
            "Australia/Sydney",
            date(2026, 10, 4),
            time(2, 30),
            "2026-10-04T03:30+11:00",
            id="sydney-gap",
        ),
        pytest.param(
            "Australia/Sydney",
            date(2026, 4, 5),
            time(2, 30),
            "2026-04-05T02:30+11:00",
            id="sydney-fold",
        ),
        pytest.param(
            PARIS, date(2026, 3, 28), time(2, 30), "2026-03-28T02:30+01:00", id="ordinary"
        ),
    ],
)
def test_local_datetime_resolves_gaps_forward_and_folds_to_the_first_instant(
    zone: str, day: date, at: time, expected: str
) -> None:
    resolved = local_datetime(day, at, zone)

    assert resolved.isoformat(timespec="minutes") == expected
    assert local_datetime(day, at, ZoneInfo(zone)) == resolved


def test_local_datetime_ignores_a_fold_flag_on_the_time() -> None:
    resolved = local_datetime(date(2026, 10, 25), time(2, 30, fold=1), PARIS)

    assert resolved.isoformat(timespec="minutes") == "2026-10-25T02:30+02:00"


@pytest.mark.parametrize(
    ("first", "expected"),
    [
        pytest.param(
            date(2026, 3, 22),
            ["2026-03-22T02:30+01:00", "2026-03-29T03:30+02:00", "2026-04-05T02:30+02:00"],
            id="spring-gap",
        ),
        pytest.param(
            date(2026, 10, 18),
            ["2026-10-18T02:30+02:00", "2026-10-25T02:30+02:00", "2026-11-01T02:30+01:00"],
            id="autumn-fold",
        ),
    ],
)
def test_meetup_at_half_past_two_on_paris_change_nights(first: date, expected: list[str]) -> None:
    meetup = series(weekly(SU), first=first, at=time(2, 30))

    assert starts(local_window(meetup, first, first + timedelta(days=14))) == expected


@pytest.mark.parametrize(
    ("day", "at", "hours", "expected_end", "elapsed"),
    [
        pytest.param(date(2026, 3, 26), time(9), 2, "2026-03-26T11:00+01:00", 2, id="ordinary-day"),
        # 01:00 to 03:00 on the night the clocks skip 02:00-03:00: one hour.
        pytest.param(date(2026, 3, 29), time(1), 2, "2026-03-29T03:00+02:00", 1, id="spring"),
        # 01:30 to 03:30 on the night 02:00-03:00 comes twice: three hours.
        pytest.param(date(2026, 10, 25), time(1, 30), 2, "2026-10-25T03:30+01:00", 3, id="autumn"),
        pytest.param(
            date(2026, 3, 27), time(22), 3, "2026-03-28T01:00+01:00", 3, id="past-midnight"
        ),
        pytest.param(
            date(2026, 3, 28), time(23), 24, "2026-03-29T23:00+02:00", 23, id="a-whole-day"
        ),
        # An end the gap skips is read as RFC 5545 reads any local time: 02:30 is 03:30.
        pytest.param(
            date(2026, 3, 29), time(1), 1.5, "2026-03-29T03:30+02:00", 1.5, id="end-in-the-gap"
        ),
        # An end the change repeats is its first pass, in summer time.
        pytest.param(
            date(2026, 10, 25), time(1), 1.5, "2026-10-25T02:30+02:00", 1.5, id="end-repeated"
        ),
        # 02:30 to 03:00: the gap moves the start to 03:30, so the date lasts its 30 minutes.
        pytest.param(
            date(2026, 3, 29), time(2, 30), 0.5, "2026-03-29T04:00+02:00", 0.5, id="both-moved"
        ),
    ],
)
def test_end_is_the_wall_clock_time_the_length_after_the_start(
    day: date, at: time, hours: float, expected_end: str, elapsed: float
) -> None:
    meetup = series(weekly(day.weekday()), first=day, at=at, hours=hours)

    [found] = local_window(meetup, day, day)

    assert found.end.isoformat(timespec="minutes") == expected_end
    assert found.end.astimezone(UTC) - found.start.astimezone(UTC) == timedelta(hours=elapsed)


# --- Which dates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "month", "expected"),
    [
        pytest.param(
            monthly(FR, -1), date(2026, 1, 1), date(2026, 1, 30), id="last-is-fifth-friday"
        ),
        pytest.param(
            monthly(FR, -1), date(2026, 2, 1), date(2026, 2, 27), id="last-is-fourth-friday"
        ),
        pytest.param(monthly(TH, 4), date(2026, 1, 1), date(2026, 1, 22), id="fourth-not-fifth"),
        pytest.param(monthly(TH, 1), date(2026, 1, 1), date(2026, 1, 1), id="first-on-the-1st"),
        pytest.param(monthly(SU, -1), date(2026, 5, 1), date(2026, 5, 31), id="last-on-the-31st"),
        pytest.param(monthly(MO, 2), date(2026, 2, 1), date(2026, 2, 9), id="second-monday"),
        pytest.param(monthly(WE, 3), date(2026, 2, 1), date(2026, 2, 18), id="third-wednesday"),
        pytest.param(monthly(TU, -1), date(2028, 2, 1), date(2028, 2, 29), id="last-tuesday-leap"),
        pytest.param(
            monthly(TU, -1), date(2027, 2, 1), date(2027, 2, 23), id="last-tuesday-common"
        ),
    ],
)
def test_monthly_meetup_falls_on_the_right_day(rule: Rule, month: date, expected: date) -> None:
    month_end = (month + timedelta(days=31)).replace(day=1) - timedelta(days=1)

    assert dates(local_window(series(rule), month, month_end)) == [expected]


def test_weekly_meetup_happens_on_february_29() -> None:
    meetup = series(weekly(TU))

    assert dates(local_window(meetup, date(2028, 2, 26), date(2028, 3, 8))) == [
        date(2028, 2, 29),
        date(2028, 3, 7),
    ]


@pytest.mark.parametrize(
    ("rule", "first", "until", "expected"),
    [
        pytest.param(
            weekly(WE, interval=2),
            date(2026, 12, 23),
            date(2027, 1, 31),
            [date(2026, 12, 23), date(2027, 1, 6), date(2027, 1, 20)],
            id="biweekly-from-a-wednesday",
        ),
        pytest.param(
            weekly(WE, interval=2),
            date(2026, 12, 24),
            date(2027, 1, 31),
            [date(2026, 12, 30), date(2027, 1, 13), date(2027, 1, 27)],
            id="biweekly-from-a-thursday",
        ),
        pytest.param(
            weekly(MO, TH, interval=2),
            date(2026, 12, 23),
            date(2027, 1, 21),
            [
                date(2026, 12, 24),
                date(2027, 1, 4),
                date(2027, 1, 7),
                date(2027, 1, 18),
                date(2027, 1, 21),
            ],
            id="biweekly-two-days-from-mid-week",
        ),
        pytest.param(
            weekly(TU, interval=3),
            date(2026, 12, 29),
            date(2027, 2, 9),
            [date(2026, 12, 29), date(2027, 1, 19), date(2027, 2, 9)],
            id="every-three-weeks",
        ),
        pytest.param(
            weekly(MO, WE, FR),
            date(2026, 1, 7),
            date(2026, 1, 12),
            [date(2026, 1, 7), date(2026, 1, 9), date(2026, 1, 12)],
            id="three-days-from-a-wednesday",
        ),
        pytest.param(
            weekly(MO, WE, FR),
            date(2026, 1, 10),
            date(2026, 1, 14),
            [date(2026, 1, 12), date(2026, 1, 14)],
            id="three-days-from-a-saturday",
        ),
    ],
)
def test_series_starts_at_its_first_matching_date_and_counts_weeks_from_it(
    rule: Rule, first: date, until: date, expected: list[date]
) -> None:
    meetup = series(rule, first=first)

    assert first_occurrence_date(meetup) == expected[0]
    assert dates(local_window(meetup, first - timedelta(days=30), until)) == expected


PATTERNS = [
    weekly(TH),
    weekly(MO, TH),
    weekly(MO, WE, FR),
    weekly(SA, SU),
    weekly(WE, interval=2),
    weekly(MO, TH, interval=2),
    weekly(TU, interval=3),
    weekly(SU, interval=12),
    monthly(TU, 1),
    monthly(MO, 2),
    monthly(WE, 3),
    monthly(TH, 4),
    monthly(FR, -1),
]


@pytest.mark.parametrize("rule", PATTERNS, ids=lambda rule: rule.to_rrule())
@pytest.mark.parametrize("first", [date(2026, 12, 21), date(2026, 12, 24), date(2027, 1, 3)])
def test_dates_match_what_a_calendar_app_computes_from_the_exported_rule(
    rule: Rule, first: date
) -> None:
    """Calendar apps get DTSTART = first occurrence and our RRULE; they must find our dates."""
    meetup = series(rule, first=first)
    dtstart = first_occurrence_date(meetup)
    assert dtstart is not None
    calendar_app = rrulestr(f"DTSTART:{dtstart:%Y%m%d}T000000\nRRULE:{rule.to_rrule()}")
    expected = [
        moment.date()
        for moment in calendar_app.between(datetime(2026, 12, 1), datetime(2030, 1, 1))
    ]

    assert dates(local_window(meetup, date(2026, 12, 1), date(2029, 12, 31))) == expected


@pytest.mark.parametrize("rule", PATTERNS, ids=lambda rule: rule.to_rrule())
def test_next_dates_match_what_a_calendar_app_computes_far_past_the_first(rule: Rule) -> None:
    """Forty dates on reach years ahead, however the dates are computed stretch by stretch."""
    meetup = series(rule, first=date(2026, 12, 24))
    dtstart = first_occurrence_date(meetup)
    assert dtstart is not None
    calendar_app = rrulestr(f"DTSTART:{dtstart:%Y%m%d}T000000\nRRULE:{rule.to_rrule()}")
    after = datetime(2027, 2, 10, tzinfo=UTC)
    expected = [
        moment.date() for moment in calendar_app.xafter(datetime(2027, 2, 10), count=40, inc=True)
    ]

    assert dates(next_occurrences(meetup, after=after, limit=40)) == expected


def test_end_date_is_the_last_possible_date() -> None:
    meetup = series(weekly(TH), end=date(2026, 1, 22))

    assert dates(local_window(meetup, date(2026, 1, 1), date(2026, 3, 31))) == [
        date(2026, 1, 1),
        date(2026, 1, 8),
        date(2026, 1, 15),
        date(2026, 1, 22),
    ]


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        pytest.param(date(2026, 1, 20), [date(2026, 1, 22)], id="one-left"),
        pytest.param(date(2026, 1, 23), [], id="over"),
        pytest.param(date(2040, 1, 1), [], id="long-over"),
    ],
)
def test_next_dates_of_an_ended_series_stop_at_its_end(after: date, expected: list[date]) -> None:
    meetup = series(weekly(TH), end=date(2026, 1, 22))
    moment = datetime.combine(after, time(), ZoneInfo(PARIS))

    assert dates(next_occurrences(meetup, after=moment, limit=10)) == expected


def test_series_ending_before_its_first_matching_date_has_no_dates() -> None:
    meetup = series(weekly(TH), first=date(2026, 1, 2), end=date(2026, 1, 7))

    assert first_occurrence_date(meetup) is None
    assert local_window(meetup, date(2026, 1, 1), date(2026, 12, 31)) == []
    assert next_occurrences(meetup, after=datetime(2026, 1, 1, tzinfo=UTC), limit=3) == []


def test_nothing_before_the_first_date() -> None:
    meetup = series(weekly(TH), first=date(2026, 1, 15))

    assert dates(local_window(meetup, date(2025, 12, 1), date(2026, 1, 22))) == [
        date(2026, 1, 15),
        date(2026, 1, 22),
    ]


# --- Windows and "next" ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(
            datetime(2026, 1, 15, 8, tzinfo=UTC),
            datetime(2026, 1, 22, 8, tzinfo=UTC),
            [date(2026, 1, 15)],
            id="start-inclusive-end-exclusive",
        ),
        pytest.param(
            datetime(2026, 1, 15, 8, 1, tzinfo=UTC),
            datetime(2026, 1, 22, 8, 1, tzinfo=UTC),
            [date(2026, 1, 22)],
            id="started-a-minute-ago",
        ),
        pytest.param(
            datetime(2026, 1, 15, 17, tzinfo=ZoneInfo("Asia/Tokyo")),
            datetime(2026, 1, 15, 17, 1, tzinfo=ZoneInfo("Asia/Tokyo")),
            [date(2026, 1, 15)],
            id="window-in-another-zone",
        ),
        pytest.param(
            datetime(2026, 1, 22, tzinfo=UTC),
            datetime(2026, 1, 15, tzinfo=UTC),
            [],
            id="empty-window",
        ),
    ],
)
def test_window_holds_occurrences_whose_start_instant_is_in_it(
    start: datetime, end: datetime, expected: list[date]
) -> None:
    found = occurrences(series(weekly(TH)), start=start, end=end)

    assert dates(found) == expected
    assert all(item.start.tzinfo == ZoneInfo(PARIS) for item in found)


def test_next_occurrences_start_at_or_after_the_moment() -> None:
    meetup = series(weekly(MO, TH))
    after = datetime(2026, 1, 15, 8, tzinfo=UTC)

    assert dates(next_occurrences(meetup, after=after, limit=3)) == [
        date(2026, 1, 15),
        date(2026, 1, 19),
        date(2026, 1, 22),
    ]
    assert next_occurrences(meetup, after=after, limit=0) == []


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(
            lambda meetup: occurrences(
                meetup, start=datetime(2026, 1, 1), end=datetime(2026, 2, 1, tzinfo=UTC)
            ),
            id="occurrences-start",
        ),
        pytest.param(
            lambda meetup: occurrences(
                meetup, start=datetime(2026, 1, 1, tzinfo=UTC), end=datetime(2026, 2, 1)
            ),
            id="occurrences-end",
        ),
        pytest.param(
            lambda meetup: next_occurrences(meetup, after=datetime(2026, 1, 1), limit=3),
            id="next-occurrences",
        ),
    ],
)
def test_naive_moments_are_refused(call) -> None:
    with pytest.raises(ScheduleError, match="aware"):
        call(series(weekly(TH)))


# --- Cancelled and moved dates --------------------------------------------------------------


def test_cancelled_date_is_absent_unless_asked_for() -> None:
    meetup = series(weekly(TH))
    cancelled = (Change(date(2026, 1, 15), cancelled=True, note="Café closed"),)

    assert dates(local_window(meetup, date(2026, 1, 12), date(2026, 1, 25), cancelled)) == [
        date(2026, 1, 22)
    ]
    shown = local_window(
        meetup, date(2026, 1, 12), date(2026, 1, 25), cancelled, include_cancelled=True
    )
    assert [
        (item.start.isoformat(timespec="minutes"), item.cancelled, item.note) for item in shown
    ] == [
        ("2026-01-15T09:00+01:00", True, "Café closed"),
        ("2026-01-22T09:00+01:00", False, ""),
    ]


def test_next_occurrences_show_cancelled_dates_by_default() -> None:
    meetup = series(weekly(TH))
    cancelled = (Change(date(2026, 1, 15), cancelled=True),)
    after = datetime(2026, 1, 12, tzinfo=UTC)

    shown = next_occurrences(meetup, cancelled, after=after, limit=2)
    hidden = next_occurrences(meetup, cancelled, after=after, limit=2, include_cancelled=False)

    assert [(item.start.date(), item.cancelled) for item in shown] == [
        (date(2026, 1, 15), True),
        (date(2026, 1, 22), False),
    ]
    assert dates(hidden) == [date(2026, 1, 22), date(2026, 1, 29)]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            Change(date(2026, 1, 15), new_start_time=time(18)),
            [("2026-01-15", "2026-01-15T18:00+01:00", "2026-01-15T20:00+01:00", True, None)],
            id="later-same-day",
        ),
        pytest.param(
            Change(date(2026, 1, 15), new_date=date(2026, 1, 16)),
            [("2026-01-15", "2026-01-16T09:00+01:00", "2026-01-16T11:00+01:00", True, None)],
            id="next-day-in-window",
        ),
        pytest.param(
            Change(date(2026, 1, 22), new_date=date(2026, 1, 17), new_start_time=time(10)),
            [
                ("2026-01-15", "2026-01-15T09:00+01:00", "2026-01-15T11:00+01:00", False, None),
                ("2026-01-22", "2026-01-17T10:00+01:00", "2026-01-17T12:00+01:00", True, None),
            ],
            id="moved-into-window",
        ),
        pytest.param(
            Change(date(2026, 1, 15), new_date=date(2026, 1, 23)),
            [],
            id="moved-out-of-window",
        ),
        pytest.param(
            Change(date(2026, 1, 15), venue_id=7, note="At the library this time"),
            [("2026-01-15", "2026-01-15T09:00+01:00", "2026-01-15T11:00+01:00", True, 7)],
            id="other-venue",
        ),
        pytest.param(
            Change(date(2026, 1, 15), new_duration=timedelta(hours=3)),
            [("2026-01-15", "2026-01-15T09:00+01:00", "2026-01-15T12:00+01:00", True, None)],
            id="longer",
        ),
    ],
)
def test_moved_date_appears_where_it_went(
    change: Change, expected: list[tuple[str, str, str, bool, int | None]]
) -> None:
    found = local_window(series(weekly(TH)), date(2026, 1, 12), date(2026, 1, 18), (change,))

    assert [
        (
            item.original_date.isoformat(),
            item.start.isoformat(timespec="minutes"),
            item.end.isoformat(timespec="minutes"),
            item.moved,
            item.venue_id,
        )
        for item in found
    ] == expected


def test_moved_date_keeps_its_note() -> None:
    change = Change(date(2026, 1, 15), venue_id=7, note="At the library this time")

    [found] = local_window(series(weekly(TH)), date(2026, 1, 15), date(2026, 1, 15), (change,))

    assert found.note == "At the library this time"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param(
            Change(date(2026, 6, 4), new_date=date(2026, 1, 16)),
            [date(2026, 1, 15), date(2026, 1, 16), date(2026, 1, 22)],
            id="from-far-ahead",
        ),
        pytest.param(
            Change(date(2026, 1, 8), new_date=date(2026, 1, 20)),
            [date(2026, 1, 15), date(2026, 1, 20), date(2026, 1, 22)],
            id="from-the-past",
        ),
        pytest.param(
            Change(date(2026, 1, 15), new_date=date(2026, 1, 10)),
            [date(2026, 1, 22), date(2026, 1, 29), date(2026, 2, 5)],
            id="to-the-past",
        ),
    ],
)
def test_next_occurrences_place_moved_dates_by_their_new_start(
    change: Change, expected: list[date]
) -> None:
    after = datetime(2026, 1, 14, tzinfo=UTC)

    assert dates(next_occurrences(series(weekly(TH)), (change,), after=after, limit=3)) == expected


NOT_A_DATE_OF_THE_SERIES = [
    pytest.param(date(2026, 1, 14), id="wrong-weekday"),
    pytest.param(date(2025, 12, 25), id="before-first-date"),
    pytest.param(date(2026, 2, 5), id="after-end-date"),
    pytest.param(date(2026, 1, 8), id="off-week"),
]


@pytest.mark.parametrize("day", NOT_A_DATE_OF_THE_SERIES)
def test_changes_on_other_dates_are_ignored(day: date) -> None:
    meetup = series(weekly(TH, interval=2), end=date(2026, 1, 29))
    changes = (
        Change(day, cancelled=True),
        Change(day, new_date=date(2026, 1, 16), venue_id=3),
    )

    found = local_window(
        meetup, date(2025, 12, 1), date(2026, 2, 28), changes, include_cancelled=True
    )

    assert [(item.start.date(), item.cancelled, item.moved) for item in found] == [
        (date(2026, 1, 1), False, False),
        (date(2026, 1, 15), False, False),
        (date(2026, 1, 29), False, False),
    ]


@pytest.mark.parametrize("day", NOT_A_DATE_OF_THE_SERIES)
def test_changes_on_other_dates_are_refused(day: date) -> None:
    meetup = series(weekly(TH, interval=2), end=date(2026, 1, 29))

    with pytest.raises(ScheduleError, match="not a date of this meetup"):
        validate_change(meetup, Change(day, cancelled=True))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param(Change(date(2026, 1, 15)), "keeps the same", id="nothing"),
        pytest.param(Change(date(2026, 1, 15), note="Hello"), "keeps the same", id="note-only"),
        pytest.param(
            Change(date(2026, 1, 15), new_date=date(2026, 1, 15), new_start_time=time(9)),
            "keeps the same",
            id="same-date-and-time",
        ),
        pytest.param(
            Change(date(2026, 1, 15), new_duration=timedelta(hours=2)),
            "keeps the same",
            id="same-length",
        ),
        pytest.param(
            Change(date(2026, 1, 15), cancelled=True, new_date=date(2026, 1, 16)),
            "cannot also be moved",
            id="cancelled-and-moved",
        ),
        pytest.param(
            Change(date(2026, 1, 15), cancelled=True, venue_id=4),
            "cannot also be moved",
            id="cancelled-elsewhere",
        ),
        pytest.param(
            Change(date(2026, 1, 15), new_duration=timedelta(0)), "24 hours", id="zero-length"
        ),
        pytest.param(
            Change(date(2026, 1, 15), new_duration=timedelta(hours=-1)), "24 hours", id="negative"
        ),
        pytest.param(
            Change(date(2026, 1, 15), new_duration=timedelta(hours=25)), "24 hours", id="too-long"
        ),
        pytest.param(
            Change(date(2026, 1, 15), new_start_time=time(10, tzinfo=UTC)),
            "wall-clock",
            id="time-with-zone",
        ),
    ],
)
def test_pointless_or_contradictory_changes_are_refused(change: Change, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        validate_change(series(weekly(TH)), change)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(Change(date(2026, 1, 15), cancelled=True), id="cancel"),
        pytest.param(
            Change(date(2026, 1, 15), cancelled=True, note="Holidays"), id="cancel-with-note"
        ),
        pytest.param(Change(date(2026, 1, 15), new_start_time=time(10)), id="time"),
        pytest.param(Change(date(2026, 1, 15), new_date=date(2026, 1, 14)), id="date"),
        pytest.param(Change(date(2026, 1, 15), venue_id=4), id="venue"),
        pytest.param(Change(date(2026, 1, 15), new_duration=timedelta(hours=24)), id="a-whole-day"),
    ],
)
def test_sensible_changes_are_accepted(change: Change) -> None:
    validate_change(series(weekly(TH)), change)


# --- RRULE text -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "text"),
    [
        (weekly(TH), "FREQ=WEEKLY;BYDAY=TH"),
        (weekly(MO, TH), "FREQ=WEEKLY;BYDAY=MO,TH"),
        (weekly(MO, WE, FR), "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
        (weekly(*range(7)), "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU"),
        (weekly(WE, interval=2), "FREQ=WEEKLY;INTERVAL=2;BYDAY=WE;WKST=MO"),
        (weekly(TU, interval=3), "FREQ=WEEKLY;INTERVAL=3;BYDAY=TU;WKST=MO"),
        (weekly(SA, SU, interval=12), "FREQ=WEEKLY;INTERVAL=12;BYDAY=SA,SU;WKST=MO"),
        (monthly(TU, 1), "FREQ=MONTHLY;BYDAY=1TU"),
        (monthly(MO, 2), "FREQ=MONTHLY;BYDAY=2MO"),
        (monthly(WE, 3), "FREQ=MONTHLY;BYDAY=3WE"),
        (monthly(TH, 4), "FREQ=MONTHLY;BYDAY=4TH"),
        (monthly(FR, -1), "FREQ=MONTHLY;BYDAY=-1FR"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_rule_round_trips_through_rrule_text(rule: Rule, text: str) -> None:
    assert rule.to_rrule() == text
    assert Rule.from_rrule(text) == rule


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("RRULE:FREQ=WEEKLY;BYDAY=TH", weekly(TH)),
        ("rrule:freq=weekly;byday=th", weekly(TH)),
        ("BYDAY=TH;FREQ=WEEKLY", weekly(TH)),
        ("FREQ=WEEKLY;BYDAY=TH;WKST=MO", weekly(TH)),
        ("FREQ=WEEKLY;INTERVAL=1;BYDAY=TH", weekly(TH)),
        ("FREQ=WEEKLY;BYDAY=TH,MO", weekly(MO, TH)),
        ("WKST=MO;BYDAY=WE;INTERVAL=2;FREQ=WEEKLY", weekly(WE, interval=2)),
        ("FREQ=MONTHLY;BYDAY=+1TU", monthly(TU, 1)),
        (" FREQ=MONTHLY ; BYDAY=-1FR ", monthly(FR, -1)),
    ],
)
def test_equivalent_rrule_spellings_are_read(text: str, rule: Rule) -> None:
    assert Rule.from_rrule(text) == rule


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("FREQ=DAILY", "DAILY"),
        ("FREQ=YEARLY;BYDAY=TH", "YEARLY"),
        ("FREQ=WEEKLY;BYDAY=TH;COUNT=10", "COUNT"),
        ("FREQ=WEEKLY;BYDAY=TH;UNTIL=20270101T000000Z", "UNTIL"),
        ("FREQ=MONTHLY;BYMONTHDAY=15", "BYMONTHDAY"),
        ("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=1", "BYSETPOS"),
        ("FREQ=WEEKLY;BYDAY=TH;BYHOUR=9", "BYHOUR"),
        ("FREQ=MONTHLY;BYDAY=5TU", "fourth"),
        ("FREQ=MONTHLY;BYDAY=-2TU", "fourth"),
        ("FREQ=MONTHLY;BYDAY=0TU", "fourth"),
        ("FREQ=MONTHLY;BYDAY=TU", "one numbered day"),
        ("FREQ=MONTHLY;BYDAY=1TU,3TU", "one numbered day"),
        ("FREQ=MONTHLY;INTERVAL=2;BYDAY=1TU", "every month"),
        ("FREQ=WEEKLY;BYDAY=1TH", "cannot number"),
        ("FREQ=WEEKLY;BYDAY=TH;WKST=SU", "Monday"),
        ("FREQ=WEEKLY;BYDAY=", "BYDAY"),
        ("FREQ=WEEKLY", "BYDAY"),
        ("FREQ=WEEKLY;BYDAY=XX", "XX"),
        ("FREQ=WEEKLY;BYDAY=TH,,FR", "BYDAY item"),
        ("FREQ=WEEKLY;FREQ=WEEKLY;BYDAY=TH", "twice"),
        ("FREQ=WEEKLY;BYDAY=TH;BYDAY=FR", "twice"),
        ("FREQ=WEEKLY;INTERVAL=0;BYDAY=TH", "between 1 and 12"),
        ("FREQ=WEEKLY;INTERVAL=13;BYDAY=TH", "between 1 and 12"),
        ("FREQ=WEEKLY;INTERVAL=-1;BYDAY=TH", "whole number"),
        ("FREQ=WEEKLY;INTERVAL=2.5;BYDAY=TH", "whole number"),
        ("FREQ=WEEKLY;INTERVAL=\N{FULLWIDTH DIGIT TWO};BYDAY=TH", "whole number"),
        ("FREQ=WEEKLY;BYDAY=TH;", "Cannot read"),
        ("RRULE:RRULE:FREQ=WEEKLY;BYDAY=TH", "RRULE:FREQ"),
        ("every thursday", "Cannot read"),
        ("", "Cannot read"),
    ],
)
def test_unsupported_rrules_are_refused_with_a_reason(text: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        Rule.from_rrule(text)


@pytest.mark.parametrize(
    "build",
    [
        pytest.param(lambda: Rule("WEEKLY", (TH,), 0), id="interval-0"),
        pytest.param(lambda: Rule("WEEKLY", (TH,), 13), id="interval-13"),
        pytest.param(lambda: Rule("WEEKLY", (TH,), 2.0), id="interval-not-whole"),
        pytest.param(lambda: Rule("WEEKLY", ()), id="no-weekday"),
        pytest.param(lambda: Rule("WEEKLY", (7,)), id="weekday-7"),
        pytest.param(lambda: Rule("WEEKLY", (-1,)), id="weekday-negative"),
        pytest.param(lambda: Rule("WEEKLY", (TH,), 1, 1), id="weekly-with-week-of-month"),
        pytest.param(lambda: Rule("MONTHLY", (MO, TH), 1, 1), id="monthly-two-weekdays"),
        pytest.param(lambda: Rule("MONTHLY", (TH,), 1, 5), id="monthly-fifth"),
        pytest.param(lambda: Rule("MONTHLY", (TH,), 1, 0), id="monthly-zeroth"),
        pytest.param(lambda: Rule("MONTHLY", (TH,), 1, None), id="monthly-without-week"),
        pytest.param(lambda: Rule("MONTHLY", (TH,), 2, 1), id="monthly-every-other"),
        pytest.param(lambda: Rule("DAILY", (TH,)), id="daily"),
    ],
)
def test_rules_outside_the_subset_cannot_be_built(build) -> None:
    with pytest.raises(ScheduleError):
        build()


def test_rule_weekdays_are_sorted_and_unique() -> None:
    rule = Rule("WEEKLY", (TH, MO, TH))

    assert rule.weekdays == (MO, TH)
    assert rule == weekly(MO, TH)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        pytest.param({"timezone": "Mars/Olympus_Mons"}, "time zone", id="unknown-zone"),
        pytest.param({"timezone": "Europe"}, "time zone", id="zone-folder"),
        pytest.param({"timezone": "../../etc/passwd"}, "time zone", id="zone-path"),
        pytest.param({"timezone": ""}, "time zone", id="no-zone"),
        pytest.param({"duration": timedelta(0)}, "24 hours", id="zero-length"),
        pytest.param({"duration": timedelta(minutes=-30)}, "24 hours", id="negative-length"),
        pytest.param({"duration": timedelta(hours=24, minutes=1)}, "24 hours", id="too-long"),
        pytest.param({"end_date": date(2025, 12, 31)}, "end date", id="ends-before-it-starts"),
        pytest.param({"start_time": time(9, tzinfo=UTC)}, "wall-clock", id="time-with-zone"),
    ],
)
def test_impossible_schedules_are_refused(changes: dict[str, object], message: str) -> None:
    fields = {
        "rule": weekly(TH),
        "start_time": time(9),
        "duration": timedelta(hours=2),
        "timezone": PARIS,
        "first_date": date(2026, 1, 1),
    }
    with pytest.raises(ScheduleError, match=message):
        Schedule(**(fields | changes))


# --- Words ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "at", "hours", "expected"),
    [
        (weekly(TH), time(9), 2, "Every Thursday, 09:00\N{EN DASH}11:00"),
        (weekly(MO, TH), time(8, 30), 1.5, "Every Monday and Thursday, 08:30\N{EN DASH}10:00"),
        (
            weekly(MO, WE, FR),
            time(7),
            1,
            "Every Monday, Wednesday and Friday, 07:00\N{EN DASH}08:00",
        ),
        (weekly(*range(7)), time(8), 2, "Every day, 08:00\N{EN DASH}10:00"),
        (weekly(WE, interval=2), time(18), 2, "Every other Wednesday, 18:00\N{EN DASH}20:00"),
        (weekly(TU, interval=3), time(12), 1, "Every 3 weeks on Tuesday, 12:00\N{EN DASH}13:00"),
        (monthly(TU, 1), time(18, 30), 2, "First Tuesday of the month, 18:30\N{EN DASH}20:30"),
        (monthly(MO, 2), time(9), 1, "Second Monday of the month, 09:00\N{EN DASH}10:00"),
        (monthly(WE, 3), time(9), 1, "Third Wednesday of the month, 09:00\N{EN DASH}10:00"),
        (monthly(TH, 4), time(9), 1, "Fourth Thursday of the month, 09:00\N{EN DASH}10:00"),
        (monthly(FR, -1), time(17), 2, "Last Friday of the month, 17:00\N{EN DASH}19:00"),
        (weekly(FR), time(22), 3, "Every Friday, 22:00\N{EN DASH}01:00"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_schedule_in_words(rule: Rule, at: time, hours: float, expected: str) -> None:
    assert describe(series(rule, at=at, hours=hours)) == expected


# --- Structure ------------------------------------------------------------------------------


def test_schedule_module_pulls_in_neither_flask_nor_the_rest_of_the_app() -> None:
    script = (
        "import sys, meetups.schedule; "
        "print(','.join(sorted(n for n in sys.modules if n.split('.')[0] in ('flask', 'meetups'))))"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )

    # meetups.texts: the marker for words people read; meetups.zone_database: the package
    # itself points zoneinfo at the tzdata package first. Both pure.
    assert result.stdout.strip() == ("meetups,meetups.schedule,meetups.texts,meetups.zone_database")


def _lines_run_in_schedule_module(compute) -> int:
    """How many lines of meetups/schedule.py a call executes: a cost that ignores machine speed."""
    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if frame.f_code.co_filename != schedule_module.__file__:
            return None
        if event == "line":
            count += 1
        return tracer

    # The computation itself, not the answers kept from earlier tests.
    schedule_module._ruled.cache_clear()
    schedule_module._resolved.cache_clear()
    previous = sys.gettrace()
    sys.settrace(tracer)
    try:
        compute()
    finally:
        sys.settrace(previous)
    return count


@pytest.mark.parametrize("rule", PATTERNS, ids=lambda rule: rule.to_rrule())
def test_a_window_decades_ahead_costs_no_more_than_one_next_year(rule: Rule) -> None:
    meetup = series(rule, first=date(2026, 1, 1))
    changes = (Change(date(2026, 1, 1), cancelled=True),)

    def week_of(year: int):
        start = datetime(year, 3, 2, tzinfo=UTC)
        return lambda: occurrences(meetup, changes, start=start, end=start + timedelta(days=7))

    def next_after(year: int):
        return lambda: next_occurrences(
            meetup, changes, after=datetime(year, 3, 2, tzinfo=UTC), limit=5
        )

    # 2083 has 2027's calendar and an even number of weeks on (56 years): both windows
    # hold the same dates of every rule, so only the distance can make them cost more.
    for near, far in ((week_of(2027), week_of(2083)), (next_after(2027), next_after(2083))):
        assert _lines_run_in_schedule_module(far) <= _lines_run_in_schedule_module(near) * 1.2


def test_every_other_week_stays_aligned_thirty_years_ahead() -> None:
    first = date(2026, 12, 23)
    meetup = series(weekly(WE, interval=2), first=first)

    found = local_window(meetup, date(2056, 1, 1), date(2056, 12, 31))

    assert len(found) == 26
    assert all((item.start.date() - first).days % 14 == 0 for item in found)


def test_an_occurrence_holds_no_instance_dict_and_knows_its_instant() -> None:
    start = datetime(2027, 3, 28, 19, 0, tzinfo=ZoneInfo(PARIS))
    found = Occurrence(date(2027, 3, 28), start, start + timedelta(hours=2))
    cancelled = replace(found, cancelled=True)

    # A worker keeps tens of thousands of these (the rule dates' memo): no dict each.
    assert not hasattr(found, "__dict__")
    assert found.instant == cancelled.instant == start.timestamp()
    assert cancelled == replace(found, cancelled=True) and cancelled != found
