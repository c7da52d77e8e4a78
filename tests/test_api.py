"""The open-data API under /api/v1/, read as a client would and checked against its document."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, datetime, time

import pytest
import schemathesis
from hypothesis import given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from meetups.extensions import db
from meetups.models import CoordinateSource, Meetup, MeetupStatus, VenueRedirect

BASE = "https://meetups.example.org"
API = "/api/v1"


def get(client, url, status=200, **kwargs):
    response = client.get(url, **kwargs)
    assert response.status_code == status, response.text[:500]
    assert response.mimetype == "application/json"
    assert "Set-Cookie" not in response.headers
    return response


def items(client, url):
    return get(client, url).json["items"]


def slugs(client, url):
    return [item["slug"] for item in items(client, url)]


def links(response):
    """RFC 8288 Link header as {rel: url}."""
    header = response.headers.get("Link", "")
    return {rel: url for url, rel in re.findall(r'<([^>]*)>;\s*rel="([^"]+)"', header)}


@pytest.fixture
def directory(app, make_city, make_venue, make_meetup):
    """Two countries, three cities, listed, paused and ended series, tags and date changes."""
    app.config["BASE_URL"] = BASE + "/"
    paris = make_city("Paris", alternate_names=("Lutetia",))
    lille = make_city("Lille", latitude=50.6365, longitude=3.0635)
    cologne = make_city(
        "Köln", "DE", "Germany", "Europe/Berlin", 50.9333, 6.95, alternate_names=("Cologne",)
    )
    central = make_venue("Café Central", city=paris)
    annex = make_venue("Bread & Bean", city=paris, latitude=48.8714, notes="Wifi, few plugs")
    make_venue(
        "Somewhere", city=paris, latitude=None, longitude=None,
        coordinates_source=CoordinateSource.GAZETTEER,
    )  # fmt: skip
    make_meetup(
        "Open Coffee Paris",
        venue=central,
        tags=["startups", "coffee"],
        languages="fr,en",
        url="https://opencoffee.example.org",
        last_confirmed=date(2026, 2, 1),
        description="Come **early**.",
        changes=[
            {"original_date": date(2026, 3, 12), "cancelled": True, "note": "Café closed"},
            {
                "original_date": date(2026, 3, 19),
                "new_start_time": time(10, 30),
                "venue_id": annex.id,
                "note": "Next door",
            },
        ],
    )
    make_meetup(
        "Paris Founders",
        venue=annex,
        status=MeetupStatus.PAUSED,
        status_since=date(2026, 6, 1),
        tags=["founders"],
        rrule="FREQ=MONTHLY;BYDAY=-1TU",
        start_time=time(18, 30),
        duration_minutes=90,
    )
    make_meetup(
        "Lille Coffee", venue=make_venue("Le Comptoir", city=lille), status=MeetupStatus.ENDED
    )
    make_meetup(
        "Koeln Coffee",
        venue=make_venue("Kaffeebar", city=cologne),
        tags=["startups"],
        rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE;WKST=MO",
    )
    db.session.add(VenueRedirect(old_slug="old-cafe-paris", venue_id=central.id))
    db.session.commit()
    return {"central": central, "annex": annex}


# --- Browsing ----------------------------------------------------------------------


def test_countries_count_cities_and_listed_meetups(client, directory):
    found = items(client, f"{API}/countries")

    assert [(c["code"], c["name"], c["city_count"], c["meetup_count"]) for c in found] == [
        ("FR", "France", 1, 2),
        ("DE", "Germany", 1, 1),
    ]
    assert found[0]["page_url"] == f"{BASE}/fr/"
    assert found[0]["feed_url"] == f"{BASE}/feeds/country/fr.ics"
    assert found[0]["cities_url"] == f"{BASE}{API}/cities?country=fr"


def test_cities_with_listed_meetups_by_country_and_by_any_of_their_names(client, directory):
    assert slugs(client, f"{API}/cities") == ["koln", "paris"]
    assert slugs(client, f"{API}/cities?country=fr") == ["paris"]
    assert slugs(client, f"{API}/cities?country=DE") == ["koln"]
    assert slugs(client, f"{API}/cities?q=lut") == ["paris"]
    for text in ("koln", "Köln", "cologne", "KÖ"):
        assert slugs(client, f"{API}/cities?q={text}") == ["koln"]
    assert slugs(client, f"{API}/cities?q=lille") == []  # its only meetup has ended

    paris = items(client, f"{API}/cities?q=paris")[0]
    assert paris["meetup_count"] == 2
    assert paris["timezone"] == "Europe/Paris"
    assert paris["page_url"] == f"{BASE}/fr/paris/"
    assert paris["feed_url"] == f"{BASE}/feeds/city/fr/paris.ics"


def test_any_city_can_be_looked_up(client, directory):
    lille = get(client, f"{API}/cities/fr/lille").json
    assert (lille["name"], lille["country_name"], lille["meetup_count"]) == ("Lille", "France", 0)
    assert get(client, f"{API}/cities/FR/paris").json["meetup_count"] == 2
    assert get(client, f"{API}/cities/de/paris", 404).json["error"]["status"] == 404
    get(client, f"{API}/cities/france/paris", 404)


def test_a_us_city_names_its_state(client, make_city):
    make_city()
    make_city(
        "Springfield", "US", "United States", "America/Chicago", 39.8, -89.6, region="Illinois"
    )

    springfield = get(client, f"{API}/cities/us/springfield").json

    assert springfield["region"] == "Illinois"
    assert get(client, f"{API}/cities/fr/paris").json["region"] == ""


def test_venues_by_city_and_country_with_coordinates(client, directory):
    assert slugs(client, f"{API}/venues?country=de") == ["kaffeebar-koln"]
    assert slugs(client, f"{API}/venues?city=lille") == ["le-comptoir-lille"]
    assert slugs(client, f"{API}/venues?country=fr&city=paris") == [
        "bread-bean-paris",
        "cafe-central-paris",
        "somewhere-paris",
    ]

    annex = get(client, f"{API}/venues/bread-bean-paris").json
    assert annex["latitude"] == 48.8714 and annex["approximate"] is False
    assert annex["notes"] == "Wifi, few plugs"
    assert annex["city"]["api_url"] == f"{BASE}{API}/cities/fr/paris"
    assert annex["feed_url"] == f"{BASE}/feeds/venue/bread-bean-paris.ics"
    somewhere = get(client, f"{API}/venues/somewhere-paris").json
    assert (somewhere["latitude"], somewhere["approximate"]) == (None, True)


def test_a_merged_venue_redirects_for_good(client, directory):
    response = client.get(f"{API}/venues/old-cafe-paris")

    assert response.status_code == 301
    assert response.headers["Location"] == f"{BASE}{API}/venues/cafe-central-paris"
    get(client, f"{API}/venues/never-was", 404)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["koeln-coffee", "lille-coffee", "open-coffee-paris", "paris-founders"]),
        ("country=fr", ["lille-coffee", "open-coffee-paris", "paris-founders"]),
        ("country=FR&city=paris", ["open-coffee-paris", "paris-founders"]),
        ("city=koln", ["koeln-coffee"]),
        ("venue=bread-bean-paris", ["paris-founders"]),
        ("tag=startups", ["koeln-coffee", "open-coffee-paris"]),
        ("tag=startups&country=de", ["koeln-coffee"]),
        ("tag=unheard-of", []),
        ("status=paused", ["paris-founders"]),
        ("status=ended&country=fr", ["lille-coffee"]),
        ("country=jp", []),
    ],
)
def test_meetups_filter(client, directory, query, expected):
    assert slugs(client, f"{API}/meetups?{query}") == expected


def test_a_meetup_has_its_schedule_place_and_links(client, directory):
    meetup = get(client, f"{API}/meetups/open-coffee-paris").json

    assert meetup["schedule"] == {
        "rrule": "FREQ=WEEKLY;BYDAY=TH",
        "start_time": "09:00",
        "end_time": "11:00",
        "duration_minutes": 120,
        "timezone": "Europe/Paris",
        "first_date": "2024-01-01",
        "end_date": None,
        "description": "Every Thursday, 09:00–11:00",
    }
    assert meetup["status"] == "active" and meetup["status_since"] is None
    assert meetup["venue"]["slug"] == "cafe-central-paris"
    assert (meetup["venue"]["latitude"], meetup["venue"]["longitude"]) == (48.8534, 2.3488)
    assert [tag["slug"] for tag in meetup["tags"]] == ["coffee", "startups"]
    assert meetup["languages"] == ["fr", "en"]
    assert meetup["url"] == "https://opencoffee.example.org"
    assert meetup["last_confirmed"] == "2026-02-01"
    assert meetup["description"] == "Come early."
    assert "<strong>early</strong>" in meetup["description_html"]
    assert meetup["page_url"] == f"{BASE}/m/open-coffee-paris/"
    assert meetup["feed_url"] == f"{BASE}/feeds/meetup/open-coffee-paris.ics"
    assert meetup["api_url"] == f"{BASE}{API}/meetups/open-coffee-paris"


def test_a_paused_meetup_says_when_its_dates_stop(client, directory):
    meetup = get(client, f"{API}/meetups/paris-founders").json

    assert (meetup["status"], meetup["status_since"]) == ("paused", "2026-06-01")
    assert meetup["schedule"]["end_date"] == "2026-05-31"
    assert meetup["schedule"]["description"] == "Last Tuesday of the month, 18:30–20:00"
    assert meetup["url"] is None and meetup["last_confirmed"] is None
    get(client, f"{API}/meetups/no-such-meetup", 404)


def test_near_lists_listed_meetups_nearest_first(client, directory):
    found = items(client, f"{API}/near?lat=48.8534&lon=2.3488&km=3")

    assert [(n["meetup"]["slug"], n["distance_km"]) for n in found] == [
        ("open-coffee-paris", 0.0),
        ("paris-founders", 2.002),
    ]
    assert items(client, f"{API}/near?lat=48.8534&lon=2.3488&km=1")[0]["meetup"]["name"] == (
        "Open Coffee Paris"
    )
    assert items(client, f"{API}/near?lat=50.6365&lon=3.0635") == []  # Lille's has ended


# --- Pagination ----------------------------------------------------------------------


def test_pages_do_not_overlap_and_link_to_each_other(client, app, make_meetup):
    app.config["BASE_URL"] = BASE
    for n in range(5):
        make_meetup(f"Coffee {n}")

    first = get(client, f"{API}/meetups?country=fr&per_page=2")
    second = get(client, links(first)["next"].removeprefix(BASE))
    third = get(client, links(second)["next"].removeprefix(BASE))

    assert [
        (r.json["page"], r.json["per_page"], r.json["total"]) for r in (first, second, third)
    ] == [
        (1, 2, 5),
        (2, 2, 5),
        (3, 2, 5),
    ]
    pages = [[m["slug"] for m in r.json["items"]] for r in (first, second, third)]
    assert pages == [["coffee-0", "coffee-1"], ["coffee-2", "coffee-3"], ["coffee-4"]]
    assert links(first) == {
        "first": f"{BASE}{API}/meetups?country=fr&per_page=2&page=1",
        "next": f"{BASE}{API}/meetups?country=fr&per_page=2&page=2",
        "last": f"{BASE}{API}/meetups?country=fr&per_page=2&page=3",
    }
    assert links(second)["prev"] == f"{BASE}{API}/meetups?country=fr&per_page=2&page=1"
    assert "next" not in links(third)
    beyond = get(client, f"{API}/meetups?per_page=2&page=9").json
    assert (beyond["items"], beyond["total"]) == ([], 5)
    assert get(client, f"{API}/meetups").json["per_page"] == 50
    assert len(items(client, f"{API}/meetups?per_page=200")) == 5


# --- Occurrences ---------------------------------------------------------------------


def occurrences(client, query):
    return items(client, f"{API}/occurrences?{query}")


def test_dates_keep_their_local_time_across_daylight_saving(
    client, make_city, make_venue, make_meetup
):
    make_meetup("Paris Coffee")  # Thursdays 09:00; clocks go forward on 29 March 2026
    new_york = make_city("New York City", "US", "United States", "America/New_York", 40.71, -74.0)
    make_meetup(
        "NYC Coffee",
        venue=make_venue("Grindstone", city=new_york),
        rrule="FREQ=WEEKLY;BYDAY=TU",
        start_time=time(8),
    )  # clocks go forward on 8 March 2026

    paris = occurrences(client, "from=2026-03-19&to=2026-04-02&country=fr")
    nyc = occurrences(client, "from=2026-03-03&to=2026-03-10&country=us")

    assert [(o["start"], o["end"]) for o in paris] == [
        ("2026-03-19T09:00:00+01:00", "2026-03-19T11:00:00+01:00"),
        ("2026-03-26T09:00:00+01:00", "2026-03-26T11:00:00+01:00"),
        ("2026-04-02T09:00:00+02:00", "2026-04-02T11:00:00+02:00"),
    ]
    assert {o["timezone"] for o in paris} == {"Europe/Paris"}
    assert [o["start"] for o in nyc] == ["2026-03-03T08:00:00-05:00", "2026-03-10T08:00:00-04:00"]
    assert nyc[0]["timezone"] == "America/New_York"
    assert nyc[0]["venue"]["slug"] == "grindstone-new-york-city"


def test_cancelled_dates_are_left_out_unless_asked_for_and_moved_ones_show_where(client, directory):
    window = "from=2026-03-09&to=2026-03-22&city=paris"

    plain = occurrences(client, window)
    everything = occurrences(client, window + "&include_cancelled=true")

    assert [(o["original_date"], o["start"]) for o in plain] == [
        ("2026-03-19", "2026-03-19T10:30:00+01:00"),
    ]
    moved = plain[0]
    assert (moved["moved"], moved["cancelled"], moved["note"]) == (True, False, "Next door")
    assert moved["venue"]["slug"] == "bread-bean-paris"
    assert moved["meetup"]["slug"] == "open-coffee-paris"
    assert [(o["original_date"], o["cancelled"], o["note"]) for o in everything] == [
        ("2026-03-12", True, "Café closed"),
        ("2026-03-19", False, "Next door"),
    ]
    assert everything[0]["venue"]["slug"] == "cafe-central-paris"
    assert occurrences(client, window + "&include_cancelled=false") == plain


def test_occurrences_follow_the_filters_and_a_series_pause(client, directory):
    dates = occurrences(client, "from=2026-05-01&to=2026-07-31&status=paused")
    assert [o["original_date"] for o in dates] == ["2026-05-26"]  # paused from 1 June

    koeln = occurrences(client, "from=2026-03-02&to=2026-03-15&tag=startups&country=de")
    assert [o["start"] for o in koeln] == ["2026-03-09T09:00:00+01:00", "2026-03-11T09:00:00+01:00"]
    assert occurrences(client, "from=2026-03-01&to=2026-03-31&status=ended") == []
    assert len(occurrences(client, "from=2026-01-01&to=2026-04-02&city=paris")) == 13 + 3  # 92 days


def test_a_paused_series_keeps_a_date_moved_past_its_pause_and_one_before_its_end(
    client, directory, make_meetup
):
    make_meetup(
        "Paris Makers",
        status=MeetupStatus.PAUSED,
        status_since=date(2026, 6, 1),
        changes=[{"original_date": date(2026, 5, 28), "new_date": date(2026, 6, 18)}],
    )
    # Paused on a day nobody recorded: its dates run to its end date.
    make_meetup("Paris Menders", status=MeetupStatus.PAUSED, end_date=date(2026, 7, 9))

    found = occurrences(client, "from=2026-06-15&to=2026-07-31&status=paused")

    assert [(o["meetup"]["slug"], o["original_date"], o["start"]) for o in found] == [
        ("paris-makers", "2026-05-28", "2026-06-18T09:00:00+02:00"),
        ("paris-menders", "2026-06-18", "2026-06-18T09:00:00+02:00"),
        ("paris-menders", "2026-06-25", "2026-06-25T09:00:00+02:00"),
        ("paris-menders", "2026-07-02", "2026-07-02T09:00:00+02:00"),
        ("paris-menders", "2026-07-09", "2026-07-09T09:00:00+02:00"),
    ]


def test_a_series_ended_on_an_unknown_day_has_no_dates(client, directory):
    # Lille's was created ended: nobody said since when, so no date can be trusted.
    assert occurrences(client, "from=2020-01-01&to=2020-01-31&city=lille") == []


def test_occurrences_are_paged_in_start_order_across_meetups(client, directory):
    query = "from=2026-03-01&to=2026-03-31&per_page=3"
    first = get(client, f"{API}/occurrences?{query}")
    rest = items(client, f"{API}/occurrences?{query}&page=2")

    # Paris: four Thursdays, one cancelled; the last Tuesday; Köln: every other Mon and Wed.
    assert first.json["total"] == 3 + 1 + 4
    instants = [datetime.fromisoformat(o["start"]) for o in first.json["items"] + rest]
    assert len(instants) == 6 and instants == sorted(instants)


# --- Errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/meetups?per_page=201", 400, "per_page must be a whole number from 1 to 200"),
        ("/meetups?per_page=0", 400, "per_page"),
        ("/meetups?page=0", 400, "page must be"),
        ("/meetups?page=two", 400, "page must be"),
        ("/meetups?country=france", 400, "two-letter country code"),
        ("/meetups?status=sleeping", 400, "status must be one of active, paused, ended"),
        ("/meetups?tag=Not%20A%20Slug", 400, "tag must be a slug"),
        ("/meetups?contry=fr", 400, "Unknown parameter 'contry'"),
        ("/meetups?country=fr&country=de", 400, "Give country at most once"),
        ("/cities?q=" + "x" * 101, 400, "at most 100 characters"),
        ("/occurrences?from=2026-01-01", 400, "to is required"),
        ("/occurrences?from=2026-02-30&to=2026-03-01", 400, "from must be a date"),
        ("/occurrences?from=20260101&to=2026-03-01", 400, "from must be a date"),
        ("/occurrences?from=2026-03-01&to=2026-02-01", 400, "to must be on or after from"),
        ("/occurrences?from=2026-01-01&to=2026-04-03", 400, "at most 92 days"),
        ("/occurrences?from=2026-01-01&to=2026-01-02&include_cancelled=yes", 400, "true or false"),
        ("/near?lat=91&lon=0", 400, "lat must be a number from -90 to 90"),
        ("/near?lat=45&lon=-181", 400, "lon must be a number from -180 to 180"),
        ("/near?lat=nan&lon=0", 400, "lat must be a number"),
        ("/near?lat=45", 400, "lon is required"),
        ("/near?lat=45&lon=2&km=0", 400, "km must be a number from 0.1 to 300"),
        ("/meetups/nothing-here", 404, "No meetup 'nothing-here'"),
        ("/venues/nothing-here", 404, "No venue"),
        ("/cities/fr/nowhere", 404, "No city"),
        ("/cities/fr/paris?page=2", 400, "Unknown parameter 'page'"),
        ("/nothing-here", 404, "/api/v1/openapi.json"),
        ("/meetups/", 404, "Nothing at /api/v1/meetups/"),
        ("", 404, "Nothing at /api/v1"),
    ],
)
def test_bad_requests_get_a_json_error(client, url, status, message):
    response = get(client, API + url, status)

    error = response.json["error"]
    assert set(response.json) == {"error"} and set(error) == {"status", "message"}
    assert error["status"] == status
    assert message in error["message"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_the_api_is_read_only(client):
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(f"{API}/meetups")
        assert response.status_code == 405
        assert response.json["error"]["status"] == 405
        assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert client.post(f"{API}/nothing-here").json["error"]["status"] == 404
    assert client.get("/nothing-here").mimetype == "text/html"  # the site's own 404 is a page


# --- Caching and CORS --------------------------------------------------------------


def test_an_unchanged_answer_is_a_304_that_costs_no_query(
    client, count_queries, directory, make_meetup
):
    url = f"{API}/meetups?country=fr"
    first = get(client, url)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert first.headers["Cache-Control"] == "public, max-age=300"

    answers = []
    queries = count_queries(
        lambda: answers.append(client.get(url, headers={"If-None-Match": etag}))
    )

    assert queries == 0
    assert answers[0].status_code == 304 and answers[0].data == b""
    assert answers[0].headers["ETag"] == etag
    assert answers[0].headers["Cache-Control"] == "public, max-age=300"
    assert get(client, f"{API}/meetups?country=de").headers["ETag"] != etag
    assert get(client, f"{url}&page=1").headers["ETag"] != etag


def test_an_answer_is_kept_in_memory_compressed(client, app, directory):
    response = get(client, f"{API}/meetups?country=fr")

    kept = app.extensions["api_answers"].get(response.headers["ETag"].strip('"'))

    assert len(kept.compressed) < len(response.data) / 2
    assert kept.body == response.data


def test_an_answer_is_built_once_and_kept_until_the_data_changes(client, count_queries, directory):
    url = f"{API}/meetups?country=fr&per_page=1"
    first = get(client, url)

    again = []
    queries = count_queries(lambda: again.append(client.get(url)))

    assert queries == 0
    assert again[0].data == first.data
    assert again[0].headers["ETag"] == first.headers["ETag"]
    assert again[0].headers["Link"] == first.headers["Link"]
    every = f"{API}/meetups?country=fr&per_page=100"
    get(client, every)
    slug = first.get_json()["items"][0]["slug"]
    db.session.scalar(db.select(Meetup).filter_by(slug=slug)).name = "Renamed Coffee"
    db.session.commit()
    renamed = get(client, every).get_json()["items"]
    assert {item["slug"]: item["name"] for item in renamed}[slug] == "Renamed Coffee"


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/meetups",
        f"{API}/venues/bread-bean-paris",
        f"{API}/occurrences?from=2026-03-01&to=2026-03-31",
        f"{API}/near?lat=48.85&lon=2.35",
    ],
)
@pytest.mark.parametrize("edit", ["meetup", "venue", "date", "tag", "new"])
def test_any_edit_changes_the_etag(client, directory, make_meetup, url, edit):
    etag = get(client, url).headers["ETag"]
    meetup = db.session.scalar(db.select(type(directory["central"].meetups[0])).limit(1))
    if edit == "meetup":
        meetup.name = "Renamed"
    elif edit == "venue":
        directory["annex"].notes = "No more wifi"
    elif edit == "date":
        meetup.changes.clear()
    elif edit == "tag":
        meetup.tags = []
    db.session.commit()
    if edit == "new":
        make_meetup("Brand New")

    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200
    assert get(client, url).headers["ETag"] != etag


def test_any_site_may_read_the_api(client, directory):
    etag = get(client, f"{API}/meetups").headers["ETag"]
    answers = [
        client.get(f"{API}/meetups"),
        client.head(f"{API}/meetups"),
        client.get(f"{API}/meetups", headers={"If-None-Match": etag}),
        client.get(f"{API}/meetups/nothing"),
        client.get(f"{API}/meetups?per_page=x"),
    ]
    assert [a.status_code for a in answers] == [200, 200, 304, 404, 400]
    for answer in answers:
        assert answer.headers["Access-Control-Allow-Origin"] == "*"
        assert {"ETag", "Link"} <= {
            h.strip() for h in answer.headers["Access-Control-Expose-Headers"].split(",")
        }
        assert "Set-Cookie" not in answer.headers
    assert answers[1].data == b"" and answers[1].headers["ETag"] == etag

    preflight = client.options(
        f"{API}/meetups",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert preflight.status_code == 204 and preflight.data == b""
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    assert preflight.headers["Access-Control-Allow-Headers"] == "if-none-match"
    assert int(preflight.headers["Access-Control-Max-Age"]) > 0
    assert "Set-Cookie" not in preflight.headers


@pytest.mark.parametrize(
    "url",
    [
        "/countries",
        "/cities",
        "/venues",
        "/meetups",
        "/occurrences?from=2026-03-01&to=2026-05-31",
        "/near?lat=48.8534&lon=2.3488&km=50",
    ],
)
def test_queries_do_not_grow_with_the_number_of_items(
    client, count_queries, make_city, make_venue, make_meetup, url
):
    def answer():
        response = client.get(API + url)
        assert response.status_code == 200
        return response.json["total"]

    make_meetup(
        "Coffee 0", tags=["a"], changes=[{"original_date": date(2026, 3, 5), "cancelled": True}]
    )
    with_one = count_queries(answer)
    for n in range(1, 12):
        city = make_city(f"Town {n}", latitude=48.8534 + n / 100)
        venue = make_venue(f"Venue {n}", city=city)
        make_meetup(
            f"Coffee {n}",
            venue=venue,
            tags=["a", f"t{n}"],
            changes=[{"original_date": date(2026, 3, 5), "venue_id": venue.id - 1 or venue.id,
                      "new_start_time": time(10)}],
        )  # fmt: skip
    assert count_queries(answer) == with_one


def test_the_api_records_and_document_import_no_flask():
    for module in ("meetups.api.records", "meetups.api.schema"):
        code = (
            f"import sys, {module}; "
            "print(any(m.split('.')[0] in ('flask', 'flask_sqlalchemy') for m in sys.modules))"
        )
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert result.stdout.strip() == "False", module


# --- The OpenAPI document ------------------------------------------------------------


@pytest.fixture
def api_schema(app, directory):
    return schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app)


def test_the_document_describes_every_endpoint(client, directory):
    response = get(client, f"{API}/openapi.json")
    document = response.json
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    again = client.get(f"{API}/openapi.json", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304

    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": f"{BASE}{API}"}]
    assert set(document["paths"]) == {
        "/countries",
        "/cities",
        "/cities/{country}/{slug}",
        "/venues",
        "/venues/{slug}",
        "/meetups",
        "/meetups/{slug}",
        "/occurrences",
        "/near",
    }
    for schema in document["components"]["schemas"].values():
        assert schema["additionalProperties"] is False
        assert schema["required"] == list(schema["properties"])


# Requests that reach every kind of answer of every endpoint: (path, path parameters, query).
KNOWN_CASES = [
    ("/countries", {}, {}),
    ("/countries", {}, {"per_page": "1", "page": "2"}),
    ("/countries", {}, {"page": "0"}),
    ("/cities", {}, {"country": "fr", "q": "lut"}),
    ("/cities", {}, {"country": "france"}),
    ("/cities/{country}/{slug}", {"country": "fr", "slug": "paris"}, {}),
    ("/cities/{country}/{slug}", {"country": "fr", "slug": "lille"}, {}),
    ("/cities/{country}/{slug}", {"country": "fr", "slug": "atlantis"}, {}),
    ("/cities/{country}/{slug}", {"country": "fr", "slug": "paris"}, {"q": "x"}),
    ("/venues", {}, {"country": "fr", "city": "paris"}),
    ("/venues", {}, {"city": "Paris"}),
    ("/venues/{slug}", {"slug": "somewhere-paris"}, {}),
    ("/venues/{slug}", {"slug": "bread-bean-paris"}, {}),
    ("/venues/{slug}", {"slug": "old-cafe-paris"}, {}),
    ("/venues/{slug}", {"slug": "atlantis"}, {}),
    ("/meetups", {}, {}),
    ("/meetups", {}, {"tag": "startups", "status": "active", "per_page": "1"}),
    ("/meetups", {}, {"per_page": "201"}),
    ("/meetups/{slug}", {"slug": "open-coffee-paris"}, {}),
    ("/meetups/{slug}", {"slug": "paris-founders"}, {}),
    ("/meetups/{slug}", {"slug": "atlantis"}, {}),
    ("/occurrences", {}, {"from": "2026-03-01", "to": "2026-05-31", "include_cancelled": "true"}),
    ("/occurrences", {}, {"from": "2026-03-01", "to": "2026-02-01"}),
    ("/occurrences", {}, {"from": "2026-13-01", "to": "2026-02-01"}),
    ("/near", {}, {"lat": "48.85", "lon": "2.35", "km": "10"}),
    ("/near", {}, {"lat": "91", "lon": "2.35"}),
]


# Schemathesis's WSGI transport does not inflate gzip, as every HTTP client does:
# it reads the plain answers (the gzipped ones are checked against them below).
PLAIN = {"Accept-Encoding": "identity"}


def test_known_answers_match_the_document(client, api_schema):
    seen: dict[str, set[int]] = {}
    for path, path_parameters, query in KNOWN_CASES:
        operation = api_schema[path]["GET"]
        case = operation.Case(path_parameters=path_parameters, query=query, headers=PLAIN)
        response = case.call()
        case.validate_response(response)
        seen.setdefault(path, set()).add(response.status_code)
        if response.status_code == 200:
            etag = response.headers["etag"][0]
            again = operation.Case(
                path_parameters=path_parameters,
                query=query,
                headers={**PLAIN, "If-None-Match": etag},
            )
            not_modified = again.call()
            assert not_modified.status_code == 304
            again.validate_response(not_modified)
            seen[path].add(304)

    assert seen == {
        "/countries": {200, 304, 400},
        "/cities": {200, 304, 400},
        "/cities/{country}/{slug}": {200, 304, 400, 404},
        "/venues": {200, 304, 400},
        "/venues/{slug}": {200, 301, 304, 404},
        "/meetups": {200, 304, 400},
        "/meetups/{slug}": {200, 304, 404},
        "/occurrences": {200, 304, 400},
        "/near": {200, 304, 400},
    }


@pytest.mark.parametrize("mode", list(schemathesis.GenerationMode))
def test_generated_requests_get_answers_the_document_describes(api_schema, mode):
    """Random valid and invalid requests: every answer is one the document describes.

    (Hypothesis is driven directly: schemathesis' pytest fixture loader does not
    work with this pytest's node ids.)
    """

    @settings(max_examples=60, deadline=None, database=None, derandomize=True)
    @given(case=api_schema.as_strategy(mode))
    def check(case):
        case.headers = {**(case.headers or {}), **PLAIN}
        if case.operation.path != "/occurrences":
            case.call_and_validate()
            return
        # A JSON Schema cannot say "to on or after from, 92 days at most": such a 400 is right.
        response = case.call_and_validate(excluded_checks=[positive_data_acceptance])
        if mode == schemathesis.GenerationMode.POSITIVE and response.status_code == 400:
            message = response.json()["error"]["message"]
            assert message.startswith(("to must be on or after from", "Ask for at most")), message

    check()
