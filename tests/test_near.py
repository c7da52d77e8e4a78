"""Finding meetups near a point: nearest first, exact radius, bad input explained."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import expect

from meetups.models import MeetupStatus
from tests.conftest import DESKTOP, PHONE


def results(client, **params):
    response = client.get("/near", query_string=params)
    soup = BeautifulSoup(response.text, "html5lib")
    rows = [
        (row.h2.a.get_text(), row.select_one(".distance").get_text())
        for row in soup.select("ol.near-results li")
    ]
    return response.status_code, rows, soup


@pytest.fixture
def around_paris(make_city, make_venue, make_meetup):
    paris = make_city("Paris", latitude=48.8566, longitude=2.3522)
    # 0.001° of latitude is about 111 m.
    spots = {"Here": 0.0, "Near": 0.009, "Edge In": 0.0268, "Edge Out": 0.0272, "Far": 0.5}
    for name, north in spots.items():
        venue = make_venue(f"Café {name}", city=paris, latitude=48.8566 + north, longitude=2.3522)
        make_meetup(f"{name} Coffee", venue=venue)


def test_meetups_are_listed_nearest_first_with_their_distance(client, around_paris):
    status, rows, _ = results(client, lat="48.8566", lon="2.3522", km="3")

    assert status == 200
    assert rows == [("Here Coffee", "0 m"), ("Near Coffee", "1 km"), ("Edge In Coffee", "3 km")]


def test_a_city_name_stands_in_for_a_position(client, around_paris):
    status, rows, soup = results(client, q="paris", km="2")

    assert status == 200
    assert [name for name, _ in rows] == ["Here Coffee", "Near Coffee"]
    assert "Paris, France" in soup.h1.get_text()


def test_ended_meetups_are_not_offered(client, make_venue, make_meetup, make_city):
    city = make_city("Paris")
    venue = make_venue("Café", city=city)
    make_meetup("Gone", venue=venue, status=MeetupStatus.ENDED)
    make_meetup("Resting", venue=venue, status=MeetupStatus.PAUSED)

    _, rows, _ = results(client, lat=city.latitude, lon=city.longitude, km=1)

    assert [name for name, _ in rows] == ["Resting"]


def test_search_reaches_across_the_antimeridian(client, make_city, make_venue, make_meetup):
    suva = make_city("Taveuni", "FJ", "Fiji", "Pacific/Fiji", -16.8, 179.99)
    make_meetup("Dateline Coffee", venue=make_venue("Island Café", city=suva, longitude=179.99))

    _, rows, _ = results(client, lat="-16.8", lon="-179.99", km="5")

    assert [name for name, _ in rows] == ["Dateline Coffee"]


def test_near_a_pole(client, make_city, make_venue, make_meetup):
    city = make_city("Longyearbyen", "SJ", "Svalbard", "Arctic/Longyearbyen", 78.22, 15.65)
    make_meetup("Polar Coffee", venue=make_venue("Polar Café", city=city))

    _, rows, _ = results(client, lat="89.9", lon="-120", km="300")
    assert rows == []
    _, rows, _ = results(client, lat="78.3", lon="-164.35", km="300")
    assert rows == []
    _, rows, _ = results(client, lat="78.3", lon="15.65", km="50")
    assert [name for name, _ in rows] == ["Polar Coffee"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"lat": "abc", "lon": "2"}, "Latitude must be a number"),
        ({"lat": "95", "lon": "2"}, "Latitude must be a number between -90 and 90"),
        ({"lat": "48", "lon": "nan"}, "Longitude must be a finite number"),
        ({"lat": "48"}, "Longitude must be a number"),
        ({"lat": "48", "lon": "2", "km": "0"}, "Distance must be between"),
        ({"lat": "48", "lon": "2", "km": "5000"}, "Distance must be between"),
        ({"lat": "48", "lon": "2", "km": "far"}, "Distance must be a number"),
        ({"q": "Atlantis"}, "No city called “Atlantis”"),
        ({"q": "x" * 300}, "at most 100 characters"),
    ],
)
def test_bad_input_gets_a_clear_400(client, around_paris, params, message):
    status, rows, soup = results(client, **params)

    assert status == 400
    assert message in soup.select_one(".error").get_text()
    assert rows == []


def test_the_empty_form_explains_itself(client):
    status, rows, soup = results(client)

    assert status == 200 and rows == []
    assert soup.select_one("form.near-form input[name=q]") is not None


def test_cost_follows_nearby_venues_not_the_directory(
    client, count_queries, make_city, make_venue, make_meetup
):
    paris = make_city("Paris", latitude=48.8566, longitude=2.3522)
    make_meetup("Local", venue=make_venue("Local Café", city=paris))
    before = count_queries(lambda: client.get("/near?lat=48.8566&lon=2.3522&km=2"))
    tokyo = make_city("Tokyo", "JP", "Japan", "Asia/Tokyo", 35.68, 139.69)
    for n in range(15):
        make_meetup(f"Tokyo {n}", venue=make_venue(f"Kissa {n}", city=tokyo), tags=[f"t{n}"])

    assert count_queries(lambda: client.get("/near?lat=48.8566&lon=2.3522&km=2")) == before


# --- Keeping the place: the position goes on with every new distance or order ---------------


def form_fields(soup) -> dict[str, str]:
    """What the near form sends as it stands: enabled fields with their values."""
    form = soup.select_one("form.near-form")
    fields = {
        field["name"]: field.get("value", "")
        for field in form.select("input[name]")
        if not field.has_attr("disabled")
    }
    for select in form.select("select"):
        chosen = select.select_one("option[selected]") or select.select_one("option")
        fields[select["name"]] = chosen["value"]
    return fields


def test_a_position_is_kept_when_the_distance_changes(client, around_paris):
    _, _, first = results(client, lat="48.8566", lon="2.3522", km="1")
    sent = form_fields(first) | {"km": "3"}

    status, rows, again = results(client, **sent)

    assert sent["lat"] == "48.8566" and sent["lon"] == "2.3522" and sent["q"] == ""
    assert status == 200
    assert [name for name, _ in rows] == ["Here Coffee", "Near Coffee", "Edge In Coffee"]
    assert " ".join(again.h1.get_text().split()) == "Meetups within 3 km of you, near Paris"


def test_a_city_typed_wins_over_a_position_carried_on(client, around_paris, make_city):
    make_city("Lyon", latitude=45.76, longitude=4.84)

    status, rows, soup = results(client, q="Lyon", lat="48.8566", lon="2.3522", km="3")

    assert status == 200 and rows == []
    assert "Lyon, France" in soup.h1.get_text()


def test_far_from_any_city_the_position_is_you(client, around_paris):
    status, _, soup = results(client, lat="0", lon="-30", km="5")

    assert status == 200
    assert " ".join(soup.h1.get_text().split()) == "Meetups within 5 km of you"


def test_results_can_be_sorted_by_next_date(client, make_city, make_venue, make_meetup):
    paris = make_city("Paris", latitude=48.8566, longitude=2.3522)
    near = make_venue("Café Near", city=paris, latitude=48.8566, longitude=2.3522)
    further = make_venue("Café Further", city=paris, latitude=48.8666, longitude=2.3522)
    make_meetup(
        "Monthly",
        venue=near,
        rrule="FREQ=MONTHLY;BYDAY=1MO",
        first_date=date.today() + timedelta(days=20),
    )
    make_meetup("Daily", venue=further, rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU")

    _, by_distance, _ = results(client, lat="48.8566", lon="2.3522", km="5")
    _, by_date, soup = results(client, lat="48.8566", lon="2.3522", km="5", sort="date")

    assert [name for name, _ in by_distance] == ["Monthly", "Daily"]
    assert [name for name, _ in by_date] == ["Daily", "Monthly"]
    assert soup.select_one("#near-sort option[selected]")["value"] == "date"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"km": "3"}, "Type a city, or use your location"),
        ({"q": "paris", "sort": "price"}, "Sort by distance or by next date."),
    ],
)
def test_missing_place_or_unknown_order_is_explained(client, around_paris, params, message):
    status, _, soup = results(client, **params)

    assert status == 400
    assert message in soup.select_one(".error").get_text()


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_near_me_keeps_the_position_when_the_distance_changes(
    browser, live_server, around_paris, viewport
):
    context = browser.new_context(
        viewport=viewport,
        geolocation={"latitude": 48.8566, "longitude": 2.3522},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.goto(live_server + "/near")

    page.get_by_role("button", name="Use my location").click()
    page.wait_for_url("**lat=48.8566**")
    page.get_by_label("Distance").select_option("3")
    page.wait_for_url("**km=3**")

    assert "lat=48.8566" in page.url and "lon=2.3522" in page.url
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Meetups within 3 km of you, near Paris"
    )
    expect(page.locator("ol.near-results li")).to_have_count(3)
    context.close()


@pytest.mark.browser
def test_a_refused_location_is_explained(browser, live_server, around_paris):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(live_server + "/near")

    page.get_by_role("button", name="Use my location").click()

    expect(page.get_by_role("alert")).to_contain_text("Your browser did not share your location.")
    expect(page.get_by_label("City", exact=True)).to_be_focused()
    context.close()
