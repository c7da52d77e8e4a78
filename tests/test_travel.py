"""Travellers: dates by range on city and country pages, the trip planner and its feed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import expect

from meetups.agenda import MAX_DAYS, DateRange, RangeError, local_dates
from meetups.trips.itinerary import MAX_LEGS
from tests.calendar_parsers import Window, read_with_ical, read_with_icalendar
from tests.conftest import DESKTOP, PHONE


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


# --- Results first, near misses, subscribing ------------------------------------------------


def test_a_planned_trip_shows_its_results_before_the_folded_form(client, make_meetup):
    make_meetup("Open Coffee", rrule="FREQ=WEEKLY;BYDAY=TH", first_date=date(2026, 1, 1))

    page = soup(client.get("/trip?city=fr/paris&arrive=2026-12-09&leave=2026-12-11"))

    main = page.main
    results, form = main.select_one("#plan-heading"), main.select_one("form.trip-form")
    everything = main.find_all(True)
    assert everything.index(results) < everything.index(form)
    assert form.find_parent("details").summary.get_text() == "Change the trip"
    links = {a.get_text(): a["href"] for a in page.select("#trip-subscribe ~ ul a")}
    assert links["Add to Outlook.com"].startswith("https://outlook.live.com/calendar/0/addfromweb?")
    assert page.select_one("#trip-feed-url")["value"].startswith("http://127.0.0.1:5000/trip.ics?")


def test_a_stay_with_no_meetup_mentions_the_dates_just_outside_it(client, make_meetup):
    make_meetup("Open Coffee", rrule="FREQ=WEEKLY;BYDAY=TH", first_date=date(2026, 1, 1))

    # Friday to Wednesday: the Thursdays before and after are just missed.
    page = soup(client.get("/trip?city=fr/paris&arrive=2026-12-11&leave=2026-12-16"))

    miss = page.select_one(".trip-plan .near-miss")
    assert [t["datetime"][:10] for t in miss.select("time")] == ["2026-12-10", "2026-12-17"]
    assert "Just outside your stay:" in miss.get_text()


def test_every_problem_of_every_leg_is_shown_at_once(client, two_cities):
    response = client.get(
        "/trip?city=Atlantis&arrive=soon&leave=2026-12-02&city=&arrive=&leave=2026-12-03"
    )

    problems = [li.get_text() for li in soup(response).select(".error li")]
    assert response.status_code == 400
    assert problems == [
        "Leg 1: no city called “Atlantis” is known.",
        "Leg 1: give the arrival and departure in Atlantis as dates (YYYY-MM-DD).",
        "Leg 2: which city?",
        "Leg 2: give the arrival and departure as dates (YYYY-MM-DD).",
    ]


def planned_address(client, typed: str) -> str:
    """Where the planner sends a one-day trip to the city typed: its stable address."""
    response = client.get(
        "/trip", query_string={"city": typed, "arrive": "2026-12-01", "leave": "2026-12-02"}
    )
    assert response.status_code == 302
    return response.headers["Location"]


def springfields(make_city) -> None:
    us = ("US", "United States", "America/Chicago")
    make_city("Springfield", *us, 39.80, -89.64, 116_000, region="Illinois")
    make_city("Springfield", *us, 37.22, -93.30, 167_000, slug="springfield-2", region="Missouri")


def test_a_name_several_cities_have_is_asked_about(client, make_city, make_venue, make_meetup):
    chicago = make_city("Chicago", "US", "United States", "America/Chicago", 41.88, -87.63)
    make_meetup("Chicago Coffee", venue=make_venue("Bean", city=chicago))
    springfields(make_city)
    trip = "/trip?city=Springfield&arrive=2026-12-01&leave=2026-12-02"

    asked = soup(client.get(trip))
    choice = asked.select_one("select[name=city]")
    options = {o["value"]: o.get_text() for o in choice.select("option")}
    chosen = client.get(
        "/trip",
        query_string={"city": "us/springfield", "arrive": "2026-12-01", "leave": "2026-12-02"},
    )

    assert (
        "Leg 1: several cities are called “Springfield”: choose one."
        in asked.select_one(".error").get_text()
    )
    assert choice.find_parent("label").get_text().startswith("Which Springfield?")
    assert options == {
        "us/springfield-2": "Springfield, Missouri, United States: 710 km from Chicago",
        "us/springfield": "Springfield, Illinois, United States: 286 km from Chicago",
    }
    assert chosen.status_code == 200


def test_a_country_after_a_comma_settles_a_name(client, make_city, make_meetup, make_venue):
    make_city("Paris", "US", "United States", "America/Chicago", 33.66, -95.55, 25_000)
    make_meetup("Coffee", venue=make_venue("Café", city=make_city("Paris")))

    response = client.get("/trip?city=Paris, United States&arrive=2026-12-01&leave=2026-12-02")

    assert response.status_code == 302
    assert "city=us/paris" in response.headers["Location"]


@pytest.mark.parametrize(
    "typed",
    ["Springfield, Missouri", "Springfield, Missouri, United States", "springfield, mo, us"],
)
def test_a_state_after_a_comma_settles_a_name(client, make_city, typed):
    springfields(make_city)

    assert "city=us/springfield-2&" in planned_address(client, typed)


def test_a_planned_trip_keeps_each_city_typed_so_that_it_means_the_same_again(client, make_city):
    springfields(make_city)
    planned = soup(client.get("/trip?city=us/springfield-2&arrive=2026-12-01&leave=2026-12-02"))
    typed = planned.select_one("input[name=city]")["value"]

    again = client.get(
        "/trip", query_string={"city": typed, "arrive": "2026-12-01", "leave": "2026-12-02"}
    )

    assert typed == "Springfield, Missouri, United States"
    assert "city=us/springfield-2" in again.headers["Location"]


def cafelandias(make_city) -> None:
    """Two towns of one name in one country, each near a bigger city of its own."""
    brazil = ("BR", "Brazil", "America/Sao_Paulo")
    make_city("Cascavel", *brazil, -24.96, -53.46, 348_000)
    make_city("Cafelândia", *brazil, -24.62, -53.32, 14_000)
    make_city("Lins", *brazil, -21.68, -49.74, 72_000)
    make_city("Cafelândia", *brazil, -21.80, -49.61, 17_000, slug="cafelandia-2")


@pytest.mark.parametrize(("language", "near"), [("en", "near"), ("fr", "près de")])
def test_a_planned_namesake_is_written_back_with_the_bigger_city_near_it(
    client, make_city, language, near
):
    cafelandias(make_city)
    planned = soup(
        client.get(f"/trip?city=br/cafelandia&arrive=2026-12-01&leave=2026-12-02&lang={language}")
    )
    typed = planned.select_one("input[name=city]")["value"]

    again = client.get(
        "/trip",
        query_string={"city": typed, "arrive": "2026-12-01", "leave": "2026-12-03"},
        headers={"Accept-Language": language},
    )

    assert typed.endswith(f", {near} Cascavel")
    assert again.status_code == 302
    assert "city=br/cafelandia&" in again.headers["Location"]


@pytest.mark.parametrize("typed", ["Cafelândia, near Lins", "cafelandia, brazil, lins"])
def test_the_bigger_city_near_a_namesake_settles_it(client, make_city, typed):
    cafelandias(make_city)

    assert "city=br/cafelandia-2&" in planned_address(client, typed)


@pytest.mark.parametrize("typed", ["Washington, D.C.", "Washington, DC", "washington, d. c."])
def test_a_state_abbreviated_with_dots_settles_a_name(client, make_city, typed):
    us = ("US", "United States", "America/New_York")
    make_city("Washington", *us, 38.90, -77.04, 690_000, region="District of Columbia")
    make_city("Washington", *us, 40.17, -80.25, 13_000, slug="washington-2", region="Pennsylvania")

    assert "city=us/washington&" in planned_address(client, typed)


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ("Leg 1", "City", "Show my meetups", "Your meetups", "Copy", "Copied")),
        ("fr", ("Étape 1", "Ville", "Afficher mes meetups", "Vos meetups", "Copier", "Copiée")),
    ],
)
def test_a_planned_trip_comes_first_and_its_feed_address_copies_in_one_tap(
    browser, live_server, two_cities, make_city, viewport, language, words
):
    leg, city, show, results, copy, copied = words
    make_city("Lille", latitude=50.63, longitude=3.06)
    today = date.today()
    context = browser.new_context(
        viewport=viewport, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    page.goto(f"{live_server}/trip?lang={language}")
    for number, name in enumerate(("Paris", "Lille", "Berlin")):
        fields = page.get_by_role("group", name=f"{leg[:-1]}{number + 1}")
        fields.get_by_label(city).fill(name)
        fields.locator("input[name=arrive]").fill(str(today + timedelta(days=3 * number + 1)))
        fields.locator("input[name=leave]").fill(str(today + timedelta(days=3 * number + 2)))
    page.get_by_role("button", name=show).click()

    heading = page.get_by_role("heading", name=results)
    expect(heading).to_be_in_viewport()
    expect(page.locator(".trip-plan")).to_have_count(3)
    page.get_by_role("button", name=copy, exact=True).click()

    expect(page.get_by_role("button", name=copied)).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()").startswith(
        "http://127.0.0.1:5000/trip.ics?city=fr/paris"
    )
    assert context.cookies() == []
    context.close()
