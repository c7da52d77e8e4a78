"""Travellers: dates by range on city and country pages, the trip planner and its feed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from bs4 import BeautifulSoup

from meetups.agenda import MAX_DAYS, DateRange, RangeError, local_dates
from meetups.trips.itinerary import MAX_LEGS
from tests.calendar_parsers import Window, read_with_ical, read_with_icalendar


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html5lib")


def listed_times(response) -> list[str]:
    """The datetime attributes of the dated list, in page order."""
    return [t["datetime"] for t in soup(response).select(".agenda ol.dates time")]


def next_weekday(after: date, weekday: int) -> date:
    return after + timedelta(days=(weekday - after.weekday()) % 7 or 7)


# The range itself (pure)


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (None, None, (date(2026, 11, 23), date(2026, 11, 29))),
        ("2026-12-28", "2027-01-03", (date(2026, 12, 28), date(2027, 1, 3))),
        ("2026-12-01", None, (date(2026, 12, 1), date(2026, 12, 7))),
        ("2026-12-01", "2026-12-01", (date(2026, 12, 1), date(2026, 12, 1))),
    ],
)
def test_a_range_defaults_to_a_week_from_today(first, last, expected):
    found = DateRange.parse(first, last, today=date(2026, 11, 23))

    assert (found.first, found.last) == expected


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2026-12-10", "2026-12-01", "before the start"),
        ("tomorrow", None, "“tomorrow” is not a date"),
        ("2026-02-30", None, "is not a date"),
        ("2026-01-01", "2026-12-31", f"at most {MAX_DAYS} days"),
        ("9999-12-31", None, "too far from today"),
        ("0001-01-01", "0001-01-02", "too far from today"),
    ],
)
def test_a_range_nobody_can_list_is_refused_with_a_reason(first, last, message):
    with pytest.raises(RangeError, match=message):
        DateRange.parse(first, last, today=date(2026, 11, 23))


# City and country pages


def test_the_city_page_lists_each_date_in_a_range_at_local_time_across_dst(client, make_meetup):
    make_meetup("Open Coffee", first_date=date(2026, 1, 1))

    response = client.get("/fr/paris/?from=2026-10-20&to=2026-11-05")

    assert response.status_code == 200
    assert listed_times(response) == [
        "2026-10-22T09:00:00+02:00",
        "2026-10-29T09:00:00+01:00",
        "2026-11-05T09:00:00+01:00",
    ]


def test_a_range_across_the_year_end_leaves_cancelled_dates_out_and_shows_moves(
    client, make_meetup, make_venue
):
    elsewhere = make_venue("Bar Bis", address="2 Rue Bis")
    make_meetup(
        "Open Coffee",
        first_date=date(2026, 1, 1),
        changes=[
            {"original_date": date(2026, 12, 31), "cancelled": True},
            {
                "original_date": date(2027, 1, 7),
                "new_date": date(2027, 1, 6),
                "new_start_time": time(18),
                "venue_id": elsewhere.id,
            },
        ],
    )

    response = client.get("/fr/paris/?from=2026-12-24&to=2027-01-07")

    assert listed_times(response) == ["2026-12-24T09:00:00+01:00", "2027-01-06T18:00:00+01:00"]
    moved = soup(response).select(".agenda ol.dates li")[-1]
    assert "Bar Bis" in moved.get_text() and moved.select_one(".badge.moved")


def test_the_city_page_shows_this_week_by_default(client, make_meetup):
    make_meetup("Daily Coffee", rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU")

    response = client.get("/fr/paris/")

    assert len(listed_times(response)) == 7


def test_a_country_lists_its_cities_dates_each_at_its_own_local_time(
    client, make_city, make_venue, make_meetup
):
    new_york = make_city("New York", "US", "United States", "America/New_York", 40.71, -74.0)
    los_angeles = make_city("Los Angeles", "US", "United States", "America/Los_Angeles", 34, -118)
    make_meetup("NY Coffee", venue=make_venue("Joe", city=new_york), first_date=date(2026, 1, 1))
    make_meetup(
        "LA Coffee", venue=make_venue("Blue", city=los_angeles), first_date=date(2026, 1, 1)
    )

    response = client.get("/us/?from=2026-12-03&to=2026-12-03")

    assert listed_times(response) == ["2026-12-03T09:00:00-05:00", "2026-12-03T09:00:00-08:00"]
    assert "New York" in response.text and "Los Angeles" in response.text


@pytest.mark.parametrize(
    "query",
    ["from=2026-12-10&to=2026-12-01", "from=zz", "to=2026-13-01", "from=2026-01-01&to=2027-01-01"],
)
@pytest.mark.parametrize("path", ["/fr/paris/", "/fr/"])
def test_a_bad_range_gets_a_clear_message_not_an_error(client, make_meetup, path, query):
    make_meetup("Open Coffee")

    response = client.get(f"{path}?{query}")

    assert response.status_code == 400
    assert soup(response).select_one(".date-range .error").get_text()
    assert soup(response).select_one('a[href="/fr/paris/"], a[href="/m/open-coffee/"]')


# Directory-wide


@pytest.mark.parametrize(("when", "count"), [("today", 1), ("week", 7)])
def test_the_directory_lists_what_happens_today_and_this_week(client, make_meetup, when, count):
    make_meetup("Daily Coffee", rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU")

    response = client.get(f"/dates?when={when}")

    assert response.status_code == 200
    assert len(soup(response).select("ol.dates li")) == count


def test_the_directory_refuses_other_spans(client):
    assert client.get("/dates?when=year").status_code == 400


# Trip planner


@pytest.fixture
def two_cities(make_city, make_venue, make_meetup):
    paris_coffee = make_meetup("Paris Coffee", first_date=date(2026, 1, 1))
    berlin = make_city("Berlin", "DE", "Germany", "Europe/Berlin", 52.52, 13.40)
    berlin_coffee = make_meetup(
        "Berlin Coffee",
        venue=make_venue("Kaffeebar", city=berlin),
        rrule="FREQ=WEEKLY;BYDAY=MO",
        start_time=time(8, 30),
        first_date=date(2026, 1, 1),
        changes=[{"original_date": date(2026, 12, 14), "cancelled": True}],
    )
    return paris_coffee, berlin_coffee


TRIP = (
    "city=fr/paris&arrive=2026-12-01&leave=2026-12-10"
    "&city=de/berlin&arrive=2026-12-10&leave=2026-12-21"
)


def test_the_trip_lists_leg_by_leg_what_the_schedule_module_gives(client, two_cities):
    paris_coffee, berlin_coffee = two_cities

    response = client.get(f"/trip?{TRIP}")

    assert response.status_code == 200
    legs = soup(response).select(".trip-plan")
    assert [leg["aria-label"] for leg in legs] == ["Paris", "Berlin"]
    expected = [
        [o.start.isoformat() for o in local_dates(m, first, last)]
        for m, first, last in (
            (paris_coffee, date(2026, 12, 1), date(2026, 12, 10)),
            (berlin_coffee, date(2026, 12, 10), date(2026, 12, 21)),
        )
    ]
    found = [[t["datetime"] for t in leg.select("ol.dates time")] for leg in legs]
    assert found == expected
    assert found[1] == ["2026-12-21T08:30:00+01:00"]  # the 14th is cancelled


def test_a_trip_typed_with_city_names_gets_a_stable_address(client, two_cities):
    response = client.get(
        "/trip?city=FR/Paris&arrive=2026-12-01&leave=2026-12-10"
        "&city=Berlin,+Germany&arrive=2026-12-10&leave=2026-12-21"
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/trip?{TRIP}"


def test_the_trip_feed_holds_exactly_the_dates_the_page_lists(client, two_cities):
    page = client.get(f"/trip?{TRIP}")
    listed = sorted(t["datetime"] for t in soup(page).select(".trip-plan ol.dates time"))

    feed = client.get(f"/trip.ics?{TRIP}")

    assert feed.status_code == 200 and feed.content_type.startswith("text/calendar")
    window = Window(date(2026, 11, 30), date(2026, 12, 23))
    for reader in (read_with_icalendar, read_with_ical):
        starts = sorted(instance.start for instance in reader(feed.data, window).instances)
        assert [start.isoformat() for start in starts] == sorted(_utc(stamp) for stamp in listed), (
            reader.__name__
        )
    assert f"/trip.ics?{TRIP}".replace("&", "&amp;") in page.text


def _utc(stamp: str) -> str:
    return datetime.fromisoformat(stamp).astimezone(UTC).isoformat()


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("city=Atlantis&arrive=2026-12-01&leave=2026-12-02", "no city called “Atlantis”"),
        ("city=fr/paris&arrive=2026-12-05&leave=2026-12-01", "you leave Paris before you arrive"),
        ("city=fr/paris&arrive=soon&leave=2026-12-01", "as dates (YYYY-MM-DD)"),
        ("city=&arrive=2026-12-01&leave=2026-12-02", "which city?"),
        ("city=fr/paris&arrive=2026-01-01&leave=2026-06-01", "at most 90 days"),
        ("city=fr/paris&arrive=9999-12-30&leave=9999-12-31", "between 1900 and 2999"),
    ],
)
def test_bad_legs_get_a_clear_message(client, two_cities, query, message):
    response = client.get(f"/trip?{query}")
    feed = client.get(f"/trip.ics?{query}")

    assert response.status_code == 400 and feed.status_code == 400
    assert message in soup(response).select_one(".error").get_text()
    assert message in feed.text


def test_a_trip_has_at_most_ten_legs(client, two_cities):
    leg = "city=fr/paris&arrive=2026-12-01&leave=2026-12-02"

    response = client.get("/trip?" + "&".join([leg] * (MAX_LEGS + 1)))

    assert response.status_code == 400
    assert f"at most {MAX_LEGS} legs" in response.text


def test_the_empty_planner_offers_a_form(client):
    response = client.get("/trip")

    assert response.status_code == 200
    assert len(soup(response).select("fieldset.trip-leg")) == 3
