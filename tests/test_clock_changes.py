"""Dates around clock changes read the same, to the second, in every parser.

Pure: no Flask, no database. Each series below has dates that start in a
skipped or repeated hour, end in a repeated hour, or span a change of offset,
in zones with 30-minute daylight saving (Lord Howe), changes at midnight
(Santiago), irregular changes (Casablanca), a 45-minute offset (Kathmandu) and
southern-hemisphere seasons (Adelaide, Santiago). Every parser must give the
exact UTC instants of the schedule module, for the series' feed over two years,
for dates moved onto such hours, and for single-date downloads.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from meetups.feeds.ical import (
    CalendarInfo,
    Place,
    SeriesRecord,
    build_calendar,
    build_occurrences,
)
from meetups.schedule import Change, Occurrence, Rule, Schedule, occurrences
from tests.calendar_parsers import READERS, ParsedFeed, Window

WINDOW = Window(date(2026, 1, 1), date(2028, 1, 1))
INFO = CalendarInfo(name="Clock changes", description="Tricky hours", url="https://meetups.test/")
PLACE = Place("Café", "1 Main Street")
MONDAY, SATURDAY, SUNDAY = 0, 5, 6


def weekly(day: int, start: time, minutes: int, zone: str) -> Schedule:
    return Schedule(
        Rule("WEEKLY", (day,)), start, timedelta(minutes=minutes), zone, date(2025, 12, 1)
    )


SERIES: dict[str, tuple[Schedule, tuple[Change, ...]]] = {
    # Starts at 02:30: skipped in March, repeated in October; two dates moved onto those hours.
    "paris-last-sunday-0230": (
        Schedule(
            Rule("MONTHLY", (SUNDAY,), week_of_month=-1),
            time(2, 30),
            timedelta(minutes=20),
            "Europe/Paris",
            date(2025, 12, 1),
        ),
        (
            Change(date(2026, 5, 31), new_date=date(2026, 10, 25)),
            Change(date(2027, 1, 31), new_date=date(2027, 3, 28), new_start_time=time(2, 15)),
        ),
    ),
    # 01:30 repeated in November, and its end (02:30 summer time) spans the change.
    "new-york-every-other-sunday-0130": (
        Schedule(
            Rule("WEEKLY", (SUNDAY,), interval=2),
            time(1, 30),
            timedelta(hours=1),
            "America/New_York",
            date(2025, 12, 7),
        ),
        (),
    ),
    # 23:30-02:30 across both of London's changes.
    "london-saturday-night": (weekly(SATURDAY, time(23, 30), 180, "Europe/London"), ()),
    # Ends at 02:30 summer time, a time the autumn change repeats.
    "paris-sunday-0130-ends-in-the-repeated-hour": (
        weekly(SUNDAY, time(1, 30), 60, "Europe/Paris"),
        (),
    ),
    # Half-hour daylight saving: 01:45 repeated in April, spans the October change.
    "lord-howe-sunday-0145": (weekly(SUNDAY, time(1, 45), 30, "Australia/Lord_Howe"), ()),
    "lord-howe-sunday-0215": (weekly(SUNDAY, time(2, 15), 60, "Australia/Lord_Howe"), ()),
    # Chile changes at midnight: Saturday 23:30 is repeated in April, Sunday 00:30 skipped
    # in September.
    "santiago-saturday-2330": (weekly(SATURDAY, time(23, 30), 60, "America/Santiago"), ()),
    "santiago-sunday-0030": (weekly(SUNDAY, time(0, 30), 60, "America/Santiago"), ()),
    # Ramadan: 02:30 repeated in February and skipped in March; 01:30 repeated in September.
    "casablanca-sunday-0230": (weekly(SUNDAY, time(2, 30), 60, "Africa/Casablanca"), ()),
    "casablanca-sunday-0130": (weekly(SUNDAY, time(1, 30), 60, "Africa/Casablanca"), ()),
    "adelaide-sunday-0230": (weekly(SUNDAY, time(2, 30), 60, "Australia/Adelaide"), ()),
    "kathmandu-monday": (weekly(MONDAY, time(8, 30), 120, "Asia/Kathmandu"), ()),
}


def record(uid: str, schedule: Schedule, changes: tuple[Change, ...]) -> SeriesRecord:
    return SeriesRecord(
        uid=uid,
        sequence=0,
        summary=uid,
        description="",
        url=f"https://meetups.test/m/{uid}/",
        place=PLACE,
        categories=(),
        schedule=schedule,
        changes=changes,
        places={},
        created=datetime(2025, 11, 1, tzinfo=UTC),
        last_modified=datetime(2025, 11, 1, tzinfo=UTC),
    )


RECORDS = [record(uid, *series) for uid, series in SERIES.items()]


def expected(uid: str) -> list[Occurrence]:
    schedule, changes = SERIES[uid]
    return occurrences(schedule, changes, start=WINDOW.start, end=WINDOW.end)


def instants(items: list[Occurrence]) -> list[tuple[datetime, datetime]]:
    return [(item.start.astimezone(UTC), item.end.astimezone(UTC)) for item in items]


@pytest.fixture(scope="module", params=list(READERS))
def parsed(request: pytest.FixtureRequest) -> ParsedFeed:
    return READERS[request.param](build_calendar(INFO, RECORDS), WINDOW)


@pytest.fixture(scope="module", params=list(READERS))
def downloads(request: pytest.FixtureRequest) -> ParsedFeed:
    """Every date of every series in one file of single dates, as a trip's file holds them."""
    dated = [(item, occurrence) for item in RECORDS for occurrence in expected(item.uid)]
    return READERS[request.param](build_occurrences(INFO, dated), WINDOW)


def test_every_series_has_dates_on_clock_change_hours() -> None:
    """The cases are tricky on purpose: each zone but Kathmandu changes offset on their dates."""
    for uid in SERIES:
        offsets = {offset for item in expected(uid) for offset in _offsets(item)}
        assert (len(offsets) == 1) == (uid == "kathmandu-monday"), uid


@pytest.mark.parametrize("uid", list(SERIES))
def test_the_feed_gives_every_parser_the_schedule_modules_instants(
    parsed: ParsedFeed, uid: str
) -> None:
    read = parsed.by_uid(uid)
    assert [(item.start, item.end) for item in read] == instants(expected(uid))


@pytest.mark.parametrize("uid", list(SERIES))
def test_single_date_downloads_give_every_parser_the_same_instants(
    downloads: ParsedFeed, uid: str
) -> None:
    read = [item for item in downloads.instances if item.uid.endswith(f"-{uid}")]
    assert sorted((item.start, item.end) for item in read) == instants(expected(uid))


def test_a_start_in_the_repeated_hour_is_written_in_utc() -> None:
    """Where local time cannot say which 02:30 is meant, UTC says it."""
    schedule, changes = SERIES["paris-last-sunday-0230"]
    feed = build_calendar(INFO, [record("paris", schedule, changes)]).decode()
    assert "RECURRENCE-ID;TZID=Europe/Paris:20261025T023000\r\nDTSTART:20261025T003000Z\r\n" in feed
    # Skipped 02:30 is 03:30 summer time, which happens once: local time says it plainly.
    assert (
        "RECURRENCE-ID;TZID=Europe/Paris:20260329T023000\r\n"
        "DTSTART;TZID=Europe/Paris:20260329T033000\r\n"
    ) in feed


def test_plain_series_get_no_overrides() -> None:
    feed = build_calendar(INFO, [RECORDS[-1]]).decode()
    assert "RECURRENCE-ID" not in feed


def test_the_bytes_depend_only_on_the_records() -> None:
    assert build_calendar(INFO, RECORDS) == build_calendar(INFO, list(reversed(RECORDS)))


def _offsets(item: Occurrence) -> set[timedelta | None]:
    return {item.start.utcoffset(), item.end.utcoffset()}
