"""Finding meetups near a point: nearest first, exact radius, bad input explained."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from meetups.models import MeetupStatus


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
    assert rows == [("Here Coffee", "0 m"), ("Near Coffee", "1.0 km"), ("Edge In Coffee", "3.0 km")]


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
