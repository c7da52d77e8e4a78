"""iCalendar feeds read the same, and right, in four independent parsers.

Pure: no Flask, no database. A subscriber's calendar must show every meetup at
its local wall-clock time for years, across daylight-saving changes, without
cancelled dates and with moved dates moved; so every check runs through
icalendar + recurring-ical-events, ical, ical.js (Thunderbird's parser) and
libical (Evolution's), the last two reading the feed's own VTIMEZONEs, and is
compared with the schedule module.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from meetups.feeds import ical
from meetups.feeds.ical import (
    CalendarInfo,
    Place,
    SeriesRecord,
    build_calendar,
    build_occurrence_event,
)
from meetups.schedule import Change, Occurrence, Rule, Schedule, occurrences
from tests.calendar_parsers import READERS, Instance, ParsedFeed, Window

WINDOW = Window(date(2026, 1, 1), date(2028, 1, 1))
INFO = CalendarInfo(
    name="Open Coffee: everywhere",
    description="Every Open Coffee meetup in the directory",
    url="https://meetups.test/feeds/all.ics",
)
OTHER_VENUE = 2
CREATED = datetime(2025, 5, 1, 10, 0, tzinfo=UTC)
LAST_MODIFIED = datetime(2026, 1, 2, 9, 15, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    """A series with one cancelled date, one date moved in time, one moved in day and venue."""

    id: str
    schedule: Schedule
    cancelled: date
    moved_in_time: Change
    moved_elsewhere: Change
    place: Place
    other_place: Place

    @property
    def uid(self) -> str:
        return f"{self.id}@meetups.test"

    @property
    def changes(self) -> tuple[Change, ...]:
        return (Change(self.cancelled, cancelled=True), self.moved_in_time, self.moved_elsewhere)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.schedule.timezone)

    def record(self, **edits: Any) -> SeriesRecord:
        """The series as the feed builder receives it, with any field edited."""
        record = SeriesRecord(
            uid=self.uid,
            sequence=3,
            summary=f"Open Coffee ({self.id})",
            description="Entrepreneurs, investors and the curious, with a coffee.",
            url=f"https://meetups.test/meetups/{self.id}",
            place=self.place,
            categories=("startups", "coffee"),
            schedule=self.schedule,
            changes=self.changes,
            places={OTHER_VENUE: self.other_place},
            created=CREATED,
            last_modified=LAST_MODIFIED,
        )
        return replace(record, **edits)

    def expected_local_start(self, original: date) -> datetime:
        """Where the wall clock should stand for a date of the series: moved, or as ruled."""
        for change in (self.moved_in_time, self.moved_elsewhere):
            if change.original_date == original:
                return datetime.combine(
                    change.new_date or original, change.new_start_time or self.schedule.start_time
                )
        return datetime.combine(original, self.schedule.start_time)


CASES = [
    Case(
        id="paris-weekly",
        schedule=Schedule(
            Rule("WEEKLY", (3,)), time(8, 30), timedelta(hours=2), "Europe/Paris", date(2025, 9, 1)
        ),
        cancelled=date(2026, 10, 29),  # the Thursday after clocks go back
        moved_in_time=Change(date(2026, 3, 26), new_start_time=time(10)),
        # From a Thursday in winter time to a Monday in summer time.
        moved_elsewhere=Change(
            date(2027, 3, 25), new_date=date(2027, 3, 29), venue_id=OTHER_VENUE, note="Terrace."
        ),
        place=Place("Café de Flore", "172 Bd Saint-Germain, 75006 Paris", 48.8541, 2.3326),
        other_place=Place("Les Deux Magots", "6 Pl. Saint-Germain des Prés", 48.854, 2.333),
    ),
    Case(
        id="new-york-weekly",
        schedule=Schedule(
            Rule("WEEKLY", (1,)),
            time(7, 30),
            timedelta(minutes=90),
            "America/New_York",
            date(2025, 6, 3),
        ),
        cancelled=date(2026, 11, 3),
        moved_in_time=Change(date(2026, 3, 3), new_start_time=time(18)),
        moved_elsewhere=Change(
            date(2027, 11, 2), new_date=date(2027, 11, 8), venue_id=OTHER_VENUE, note="Upstairs."
        ),
        place=Place("Joe Coffee", "141 Waverly Pl, New York, NY", 40.7336, -74.0011),
        other_place=Place("Think Coffee", "248 Mercer St, New York, NY", 40.7287, -73.9957),
    ),
    Case(
        id="sydney-weekly",
        schedule=Schedule(
            Rule("WEEKLY", (2,)), time(18), timedelta(hours=2), "Australia/Sydney", date(2026, 1, 7)
        ),
        cancelled=date(2026, 4, 8),  # the Wednesday after daylight saving ends
        moved_in_time=Change(date(2026, 9, 30), new_start_time=time(7)),
        moved_elsewhere=Change(
            date(2027, 9, 29), new_date=date(2027, 10, 4), venue_id=OTHER_VENUE, note="Harbour."
        ),
        place=Place("The Grounds", "7a/2 Huntley St, Alexandria NSW", -33.9107, 151.1949),
        other_place=Place("Single O", "60-64 Reservoir St, Surry Hills NSW", -33.8816, 151.2108),
    ),
    Case(
        # Israel starts summer time on the Friday on or after 23 March: a VTIMEZONE
        # rule that needs BYMONTHDAY, and a meetup on that very day.
        id="tel-aviv-last-friday",
        schedule=Schedule(
            Rule("MONTHLY", (4,), week_of_month=-1),
            time(9),
            timedelta(hours=2),
            "Asia/Jerusalem",
            date(2025, 11, 1),
        ),
        cancelled=date(2026, 12, 25),
        moved_in_time=Change(date(2026, 10, 30), new_start_time=time(10, 30)),
        moved_elsewhere=Change(
            date(2027, 3, 26), new_date=date(2027, 3, 25), venue_id=OTHER_VENUE, note="Thursday!"
        ),
        place=Place("Cafelix", "Sderot Rothschild 11, Tel Aviv", 32.0636, 34.7707),
        other_place=Place("Nahat", "Sderot Rothschild 90, Tel Aviv", 32.0671, 34.7776),
    ),
    Case(
        # Chile changes its clocks at midnight, on the first Sunday on or after the 2nd.
        id="santiago-every-other-week",
        schedule=Schedule(
            Rule("WEEKLY", (1, 5), interval=2),
            time(19),
            timedelta(hours=2),
            "America/Santiago",
            date(2026, 1, 6),
        ),
        cancelled=date(2026, 4, 4),  # the evening before clocks go back
        moved_in_time=Change(date(2026, 9, 5), new_start_time=time(20, 30)),
        moved_elsewhere=Change(
            date(2027, 4, 3), new_date=date(2027, 4, 5), venue_id=OTHER_VENUE, note="Monday."
        ),
        place=Place("Café Altura", "Merced 297, Santiago", -33.4378, -70.6427),
        other_place=Place("Wonderland", "Av. Italia 1439, Providencia", -33.4479, -70.6226),
    ),
]
CASE_IDS = [case.id for case in CASES]
ZONES = sorted({case.schedule.timezone for case in CASES})


@pytest.fixture(scope="module")
def feed() -> bytes:
    return build_calendar(INFO, [case.record() for case in CASES])


@pytest.fixture(scope="module", params=list(READERS))
def parsed(request: pytest.FixtureRequest, feed: bytes) -> ParsedFeed:
    """The feed as each parser reads it, over the two-year window."""
    return READERS[request.param](feed, WINDOW)


def _local(instance: Instance, case: Case) -> datetime:
    return instance.start.astimezone(case.zone).replace(tzinfo=None)


def _original_date(instance: Instance) -> date:
    assert instance.recurrence_id is not None, "a recurring instance has a RECURRENCE-ID"
    return date.fromisoformat(instance.recurrence_id[:10])


def _location(place: Place) -> str:
    return f"{place.name}, {place.address}"


# Expanded occurrences


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_every_occurrence_starts_at_its_local_wall_clock_time(
    parsed: ParsedFeed, case: Case
) -> None:
    instances = parsed.by_uid(case.uid)
    assert len(instances) > 20
    for instance in instances:
        expected = case.expected_local_start(_original_date(instance))
        assert (_local(instance, case), instance.local_start) == (expected, expected.isoformat())
        assert instance.tzid == case.schedule.timezone


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_cancelled_date_is_absent(parsed: ParsedFeed, case: Case) -> None:
    ruled = occurrences(case.schedule, start=WINDOW.start, end=WINDOW.end, include_cancelled=True)
    assert case.cancelled in {item.original_date for item in ruled}, "a real date of the series"
    instances = parsed.by_uid(case.uid)
    assert case.cancelled not in {_original_date(item) for item in instances}
    assert case.cancelled not in {_local(item, case).date() for item in instances}


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
@pytest.mark.parametrize("which", ["moved_in_time", "moved_elsewhere"])
def test_moved_date_appears_at_its_new_time_and_place(
    parsed: ParsedFeed, case: Case, which: str
) -> None:
    change: Change = getattr(case, which)
    place = case.other_place if change.venue_id == OTHER_VENUE else case.place
    moved = [
        item for item in parsed.by_uid(case.uid) if _original_date(item) == change.original_date
    ]
    assert [(_local(item, case), item.location) for item in moved] == [
        (case.expected_local_start(change.original_date), _location(place))
    ]
    original_start = datetime.combine(change.original_date, case.schedule.start_time)
    assert original_start not in {_local(item, case) for item in parsed.by_uid(case.uid)}


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_expanded_instants_equal_the_schedule_module(parsed: ParsedFeed, case: Case) -> None:
    """Each parser equals the schedule module, hence all three parsers agree."""
    expected = occurrences(case.schedule, case.changes, start=WINDOW.start, end=WINDOW.end)
    assert [(item.start, item.end) for item in parsed.by_uid(case.uid)] == [
        (item.start.astimezone(UTC), item.end.astimezone(UTC)) for item in expected
    ]


# Time zones


@pytest.mark.parametrize("zone", ZONES)
def test_vtimezone_gives_the_iana_offsets_every_day(parsed: ParsedFeed, zone: str) -> None:
    """Read at 00:30, 03:30 and 12:00 local each day, where that time exists once."""
    expected = {
        local: offset
        for local in WINDOW.local_times()
        if (offset := _unambiguous_offset(local, ZoneInfo(zone))) is not None
    }
    read = parsed.offsets[zone]
    assert {local: read[local] for local in expected} == expected


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "Australia/Sydney"])
def test_regular_zones_stay_right_long_after_the_listed_years(reader: str, zone: str) -> None:
    case = next(case for case in CASES if case.schedule.timezone == zone)
    later = Window(date(2045, 1, 1), date(2047, 1, 1), wall_clocks=(time(12),))
    offsets = READERS[reader](build_calendar(INFO, [case.record()]), later).offsets[zone]
    assert offsets == {local: _unambiguous_offset(local, ZoneInfo(zone)) for local in offsets}


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize(
    "zone",
    [
        "Africa/Casablanca",  # Ramadan breaks: onsets listed one by one
        "Asia/Gaza",  # Ramadan breaks too: changes only weeks apart, some years
        "Africa/Cairo",  # a rule that skips into November some years
        "Asia/Tokyo",  # no change at all: a single observance
    ],
)
def test_irregular_zones_give_the_iana_offsets_every_day(reader: str, zone: str) -> None:
    schedule = replace(CASES[0].schedule, timezone=zone)
    feed = build_calendar(INFO, [CASES[0].record(schedule=schedule, changes=())])
    offsets = READERS[reader](feed, replace(WINDOW, wall_clocks=(time(12),))).offsets[zone]
    assert offsets == {local: _unambiguous_offset(local, ZoneInfo(zone)) for local in offsets}


@pytest.mark.parametrize(
    "zone",
    [
        "Asia/Gaza",  # Ramadan breaks, and two changes seven days apart in 2040
        "Africa/Casablanca",  # Ramadan breaks about a month long
        "America/Boa_Vista",  # two changes seven days apart in 2000
        "Australia/Lord_Howe",  # half-hour daylight saving
        "Pacific/Apia",  # skipped a whole day in 2011
    ],
)
def test_every_offset_change_through_the_horizon_is_found(zone: str) -> None:
    """The VTIMEZONE's changes, found by weekly probes, against probes every six hours.

    No zone changes twice within a week, so six-hourly probes see every change;
    each is then narrowed to its second.
    """
    tz = ZoneInfo(zone)
    found = [item.instant for item in ical._transitions(tz, 1999, ical.HORIZON_YEAR)][1:]

    def offset(moment: int) -> timedelta | None:
        return datetime.fromtimestamp(moment, tz).utcoffset()

    expected = []
    step = 6 * 3600
    start = int(datetime(1999, 1, 1, tzinfo=tz).timestamp())
    end = int(datetime(ical.HORIZON_YEAR + 1, 1, 1, tzinfo=UTC).timestamp())
    for probe in range(start + step, end, step):
        if offset(probe) != offset(probe - step):
            low, high = probe - step, probe
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(middle) == offset(low) else (low, middle)
            expected.append(datetime.fromtimestamp(high, UTC))
    assert found == expected


@pytest.mark.parametrize(
    "zone", ["Asia/Gaza", "Africa/Casablanca", "America/Sao_Paulo", "Pacific/Apia", "UTC"]
)
def test_the_changes_cut_from_a_decade_scan_are_those_a_scan_from_each_year_finds(
    zone: str,
) -> None:
    for first_year in range(2010, 2020):
        for last_year in (first_year, 2030, ical.HORIZON_YEAR):
            scanned_for_the_year = ical._transitions(ZoneInfo(zone), first_year, last_year)

            assert ical._zone_transitions(zone, first_year, last_year) == scanned_for_the_year


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "Australia/Sydney"])
def test_regular_zones_are_two_yearly_rules(feed: bytes, zone: str) -> None:
    vtimezone = _component(feed, "VTIMEZONE", zone)
    observances = [
        (sub.name, sub.get("RRULE"), sub.get("RDATE")) for sub in vtimezone.subcomponents
    ]
    assert sorted(name for name, _, _ in observances) == ["DAYLIGHT", "STANDARD"]
    assert all(rule is not None and rdate is None for _, rule, rdate in observances)
    assert len(vtimezone.to_ical()) < 400


@pytest.mark.parametrize("reader", list(READERS))
def test_vtimezone_covers_a_series_that_began_years_ago(reader: str) -> None:
    """A Paris series running since 2012: its VTIMEZONE starts early enough."""
    schedule = replace(CASES[0].schedule, first_date=date(2012, 1, 5))
    record = CASES[0].record(schedule=schedule, changes=())
    early = Window(date(2012, 1, 1), date(2013, 1, 1))
    parsed = READERS[reader](build_calendar(INFO, [record]), early)
    expected = occurrences(schedule, start=early.start, end=early.end)
    assert [item.start for item in parsed.instances] == [
        item.start.astimezone(UTC) for item in expected
    ]


@pytest.mark.parametrize("reader", list(READERS))
def test_every_instance_keeps_its_length_when_the_first_date_spans_a_clock_change(
    reader: str,
) -> None:
    """A Saturday 23:00–05:00 night whose first night loses an hour to summer time."""
    case = CASES[0]
    schedule = Schedule(
        Rule("WEEKLY", (5,)), time(23), timedelta(hours=6), "Europe/Paris", date(2026, 3, 28)
    )
    feed = build_calendar(INFO, [case.record(schedule=schedule, changes=())])
    instances = READERS[reader](feed, Window(date(2026, 3, 29), date(2026, 7, 1))).instances
    assert len(instances) == 13
    assert {item.end - item.start for item in instances} == {timedelta(hours=6)}


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("clock_change", [date(2026, 3, 29), date(2026, 10, 25)], ids=str)
def test_start_in_a_skipped_or_repeated_hour_is_read_as_rfc_5545_says(
    reader: str, clock_change: date
) -> None:
    """02:30 in Paris: skipped in spring (it is 03:30 summer time), repeated in autumn
    (the first, summer-time 02:30), as the schedule module resolves it too."""
    case = CASES[0]
    schedule = Schedule(
        Rule("WEEKLY", (6,)),
        time(2, 30),
        timedelta(minutes=20),
        "Europe/Paris",
        clock_change - timedelta(weeks=1),
    )
    feed = build_calendar(INFO, [case.record(schedule=schedule, changes=())])
    window = Window(clock_change, clock_change + timedelta(days=1))
    expected = occurrences(schedule, start=window.start, end=window.end)
    instances = READERS[reader](feed, window).instances
    assert [item.start for item in instances] == [item.start.astimezone(UTC) for item in expected]


def _unambiguous_offset(local: datetime, zone: ZoneInfo) -> timedelta | None:
    """The UTC offset of a wall-clock time, or None if a DST change skips or repeats it."""
    first, second = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
    if first.utcoffset() != second.utcoffset():
        return None
    return first.utcoffset()


# The feed itself


def test_identical_input_gives_identical_bytes() -> None:
    first = build_calendar(INFO, [case.record() for case in CASES])
    again = build_calendar(INFO, [case.record() for case in reversed(CASES)])
    assert first == again


def test_uid_unchanged_when_summary_and_place_change() -> None:
    case = CASES[0]
    edited = case.record(summary="Open Coffee Saint-Germain", place=case.other_place, sequence=4)
    before = _component(build_calendar(INFO, [case.record()]), "VEVENT")
    after = _component(build_calendar(INFO, [edited]), "VEVENT")
    assert (before["UID"], after["UID"]) == (case.uid, case.uid)
    assert after["SUMMARY"] != before["SUMMARY"]


def test_calendar_properties_present(feed: bytes) -> None:
    calendar = icalendar.Calendar.from_ical(feed)
    written = {name: calendar[name].to_ical().decode() for name in _CALENDAR_PROPERTIES}
    assert written == _CALENDAR_PROPERTIES
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert "X-WR-TIMEZONE" not in calendar


_CALENDAR_PROPERTIES = {
    "VERSION": "2.0",
    "PRODID": "-//meetups//Meetups directory//EN",
    "METHOD": "PUBLISH",
    "NAME": INFO.name,
    "X-WR-CALNAME": INFO.name,
    "DESCRIPTION": INFO.description,
    "X-WR-CALDESC": INFO.description,
    "URL": INFO.url,
    "REFRESH-INTERVAL": "PT12H",
    "X-PUBLISHED-TTL": "PT12H",
}


def test_master_event_describes_the_series(feed: bytes) -> None:
    case = CASES[0]
    event = _component(feed, "VEVENT", case.uid)
    assert event.to_ical().decode().count("\r\nDTSTART;TZID=Europe/Paris:20250904T083000\r\n") == 1
    assert {
        "DTSTAMP": event.DTSTAMP,
        "CREATED": event.created,
        "LAST-MODIFIED": event.last_modified,
        "SEQUENCE": event.sequence,
        "DTEND": event.DTEND,
        "STATUS": event["STATUS"],
        "TRANSP": event["TRANSP"],
        "URL": event["URL"],
        "LOCATION": event["LOCATION"],
        "GEO": (event["GEO"].latitude, event["GEO"].longitude),
        "CATEGORIES": event.categories,
        "RRULE": event["RRULE"].to_ical().decode(),
    } == {
        "DTSTAMP": LAST_MODIFIED,
        "CREATED": CREATED,
        "LAST-MODIFIED": LAST_MODIFIED,
        "SEQUENCE": 3,
        "DTEND": datetime(2025, 9, 4, 10, 30, tzinfo=case.zone),
        "STATUS": "CONFIRMED",
        "TRANSP": "TRANSPARENT",
        "URL": "https://meetups.test/meetups/paris-weekly",
        "LOCATION": "Café de Flore, 172 Bd Saint-Germain, 75006 Paris",
        "GEO": (48.8541, 2.3326),
        "CATEGORIES": ["startups", "coffee"],
        "RRULE": "FREQ=WEEKLY;BYDAY=TH",
    }
    assert str(event["DESCRIPTION"]).endswith("\n\nhttps://meetups.test/meetups/paris-weekly")
    assert [item.dt for item in event["EXDATE"].dts] == [
        datetime(2026, 10, 29, 8, 30, tzinfo=case.zone)
    ]


def test_override_carries_the_note_and_the_new_place(feed: bytes) -> None:
    case = CASES[0]
    override = _component(feed, "VEVENT", case.uid, recurrence_id=date(2027, 3, 25))
    assert str(override["DESCRIPTION"]).startswith("Terrace.\n\n")
    assert str(override["LOCATION"]) == _location(case.other_place)
    assert (override["GEO"].latitude, override["GEO"].longitude) == (48.854, 2.333)
    assert override.sequence == 3


def test_series_without_any_date_is_left_out() -> None:
    case = CASES[0]
    # Thursdays only, but the series runs from a Monday to the Wednesday after.
    schedule = replace(case.schedule, first_date=date(2026, 6, 1), end_date=date(2026, 6, 3))
    feed = build_calendar(INFO, [case.record(schedule=schedule, changes=())])
    assert b"BEGIN:VEVENT" not in feed
    assert b"BEGIN:VTIMEZONE" not in feed


def test_change_for_a_date_outside_the_series_is_ignored() -> None:
    case = CASES[0]
    stray = (
        Change(date(2026, 5, 5), cancelled=True),
        Change(date(2026, 5, 6), new_start_time=time(7)),
    )
    with_stray = build_calendar(INFO, [case.record(changes=(*case.changes, *stray))])
    assert with_stray == build_calendar(INFO, [case.record()])


def test_series_are_sorted_by_uid(feed: bytes) -> None:
    uids = [str(event["UID"]) for event in icalendar.Calendar.from_ical(feed).events]
    assert uids == sorted(uids)
    assert set(uids) == {case.uid for case in CASES}


@pytest.mark.parametrize("reader", list(READERS))
def test_ended_series_stops_at_its_end_date(reader: str) -> None:
    """UNTIL is the last second of the end date, local time, written in UTC."""
    case = CASES[1]
    schedule = replace(case.schedule, end_date=date(2026, 11, 10))  # a Tuesday
    feed = build_calendar(INFO, [case.record(schedule=schedule, changes=())])
    rule = _component(feed, "VEVENT")["RRULE"]
    assert rule["UNTIL"] == [datetime(2026, 11, 11, 4, 59, 59, tzinfo=UTC)]
    instances = READERS[reader](feed, WINDOW).instances
    assert [_local(item, case) for item in instances[-2:]] == [
        datetime(2026, 11, 3, 7, 30),
        datetime(2026, 11, 10, 7, 30),
    ]


def test_lines_end_in_crlf_and_fold_within_75_octets() -> None:
    case = CASES[0]
    text = "Café crème, croissants; « bienvenue » à tous — 歓迎 " * 8
    feed = build_calendar(INFO, [case.record(description=text)])
    lines = feed.split(b"\r\n")
    assert lines[-1] == b"" and all(b"\r" not in line and b"\n" not in line for line in lines)
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)
    feed.decode("utf-8")  # folding never splits a character
    event = _component(feed, "VEVENT")
    assert str(event["DESCRIPTION"]).startswith(text.strip())


@pytest.mark.parametrize("reader", list(READERS))
def test_single_occurrence_event_parses_in_every_parser(reader: str) -> None:
    case = CASES[0]
    moved = occurrences(
        case.schedule, case.changes, start=_utc(date(2027, 3, 28)), end=_utc(date(2027, 3, 30))
    )
    assert [item.moved for item in moved] == [True]
    single = build_occurrence_event(INFO, case.record(), moved[0])
    instances = READERS[reader](single, Window(date(2027, 3, 1), date(2027, 4, 1))).instances
    assert [(item.uid, item.start, item.end, item.location) for item in instances] == [
        (
            f"20270325-{case.uid}",
            moved[0].start.astimezone(UTC),
            moved[0].end.astimezone(UTC),
            _location(case.other_place),
        )
    ]
    event = _component(single, "VEVENT")
    assert "RRULE" not in event and "RECURRENCE-ID" not in event
    assert b"\r\nMETHOD:PUBLISH\r\n" in single


def test_single_occurrence_event_is_a_stand_alone_calendar() -> None:
    case = CASES[2]
    occurrence = Occurrence(
        date(2026, 7, 1),
        datetime(2026, 7, 1, 18, tzinfo=case.zone),
        datetime(2026, 7, 1, 20, tzinfo=case.zone),
    )
    calendar = icalendar.Calendar.from_ical(build_occurrence_event(INFO, case.record(), occurrence))
    (event,) = calendar.events
    assert [zone.tz_name for zone in calendar.timezones] == ["Australia/Sydney"]
    assert (event["UID"], event.DTSTART, event["STATUS"]) == (
        f"20260701-{case.uid}",
        occurrence.start,
        "CONFIRMED",
    )
    assert "RECURRENCE-ID" not in event


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)


def _component(
    feed: bytes, name: str, key: str | None = None, recurrence_id: date | None = None
) -> icalendar.Component:
    """The one component with that name, UID or TZID, and RECURRENCE-ID date."""
    found = [
        component
        for component in icalendar.Calendar.from_ical(feed).walk(name)
        if key in (None, component.get("UID"), component.get("TZID"))
        and _recurrence_date(component) == recurrence_id
    ]
    assert len(found) == 1, f"{len(found)} {name} components match"
    return found[0]


def _recurrence_date(component: icalendar.Component) -> date | None:
    value = component.get("RECURRENCE-ID")
    return value.dt.date() if value is not None else None
