"""Labels that are true: each end names its own offset, and a venue whose clock differs
from its city's names its own zone, or a place that keeps its time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup

from meetups.schedule import Rule, Schedule, occurrences
from meetups.web.display import time_span


def first_date(rule: Rule, at: time, minutes: int, zone: str, day: date):
    schedule = Schedule(rule, at, timedelta(minutes=minutes), zone, day)
    start = datetime.combine(day, time(), UTC) - timedelta(days=1)
    return occurrences(schedule, start=start, end=start + timedelta(days=3))[0]


SUNDAY, SATURDAY = 6, 5


@pytest.mark.parametrize(
    ("zone", "day", "at", "minutes", "label"),
    [
        ("Europe/Paris", date(2026, 12, 3), time(9), 120, "09:00–11:00 CET"),
        # The first 01:30 is summer time; 02:30 comes after the hour is repeated.
        ("America/New_York", date(2027, 11, 7), time(1, 30), 60, "01:30 EDT–02:30 EST"),
        ("Europe/London", date(2026, 3, 28), time(23, 30), 180, "23:30 GMT–02:30 BST"),
        (
            "Australia/Lord_Howe",
            date(2027, 4, 4),
            time(1, 45),
            30,
            "01:45 UTC+11:00–02:15 UTC+10:30",
        ),
        ("Asia/Kathmandu", date(2026, 12, 6), time(8, 30), 120, "08:30–10:30 UTC+05:45"),
    ],
    ids=["Paris", "New York", "London", "Lord Howe", "Kathmandu"],
)
def test_each_end_of_a_date_carries_its_own_offset(zone, day, at, minutes, label):
    occurrence = first_date(Rule("WEEKLY", (day.weekday(),)), at, minutes, zone, day)
    assert time_span(occurrence.start, occurrence.end) == label


def test_a_date_across_the_change_is_labelled_so_on_the_meetup_page(
    client, make_city, make_venue, make_meetup
):
    island = make_city(
        "Port Macquarie", "AU", "Australia", "Australia/Sydney", -31.43, 152.91, population=47_000
    )
    venue = make_venue("Pinetrees", city=island, timezone="Australia/Lord_Howe")
    make_meetup(
        "Island Coffee",
        venue=venue,
        rrule="FREQ=MONTHLY;BYDAY=1SU",
        start_time=time(1, 45),
        duration_minutes=30,
        first_date=date(2027, 4, 4),
    )

    page = BeautifulSoup(client.get("/m/island-coffee/").data, "html.parser")

    first = page.select_one(".dates time").get_text(" ", strip=True)
    assert first == "Sunday 4 April 2027, 01:45 UTC+11:00–02:15 UTC+10:30"


def test_a_venue_in_another_zone_than_its_city_does_not_take_the_citys_name(
    client, make_city, make_venue, make_meetup
):
    """Lord Howe Island keeps its own time, half an hour off Port Macquarie's in winter."""
    port_macquarie = make_city(
        "Port Macquarie", "AU", "Australia", "Australia/Sydney", -31.43, 152.91, population=47_000
    )
    venue = make_venue("Pinetrees", city=port_macquarie, timezone="Australia/Lord_Howe")
    make_meetup("Island Coffee", venue=venue)

    alone = zone_note(client)
    make_city(
        "Lord Howe Island", "AU", "Australia", "Australia/Lord_Howe", -31.55, 159.08, population=382
    )
    with_a_place = zone_note(client)

    assert alone == "Local time of the Australia/Lord_Howe time zone, not Port Macquarie's."
    assert with_a_place == "Local time in Lord Howe Island (Australia/Lord_Howe)."


def test_a_venue_in_its_citys_zone_names_its_city(client, make_meetup):
    make_meetup("Island Coffee")
    assert zone_note(client) == "Local time in Paris (Europe/Paris)."


def zone_note(client) -> str:
    page = BeautifulSoup(client.get("/m/island-coffee/").data, "html.parser")
    return page.select_one(".zone-note").get_text(strip=True)


def test_labels_use_the_zone_of_the_start() -> None:
    start = datetime(2026, 12, 3, 9, tzinfo=ZoneInfo("Europe/Paris"))
    assert time_span(start, start.astimezone(UTC) + timedelta(hours=2)) == "09:00–11:00 CET"
