"""What a visitor sees on the browsing pages, read with a real HTML parser."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask.testing import FlaskClient

from meetups.extensions import db
from meetups.models import MeetupStatus


def page(client: FlaskClient, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, response.text[:500]
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.text, "html5lib")


def text_of(node) -> str:
    return " ".join(node.get_text(" ").split())


def next_weekday(after: date, weekday: int) -> date:
    return after + timedelta(days=(weekday - after.weekday()) % 7 or 7)


def test_home_lists_countries_and_cities_with_counts(client, make_city, make_venue, make_meetup):
    lille = make_city("Lille", latitude=50.63, longitude=3.06)
    berlin = make_city("Berlin", "DE", "Germany", "Europe/Berlin", 52.52, 13.40)
    make_meetup("Open Coffee Lille", venue=make_venue("Le Comptoir", city=lille))
    make_meetup("Lille Founders", venue=make_venue("La Tasse", city=lille))
    make_meetup("Berlin Coffee", venue=make_venue("Kaffeebar", city=berlin))

    soup = page(client, "/")

    countries = {
        text_of(li.a): text_of(li.select_one(".count")) for li in soup.select("#countries + ul li")
    }
    assert countries == {"France": "2 meetups in 1 city", "Germany": "1 meetup in 1 city"}
    cities = [li.a["href"] for li in soup.select("#cities + ul li")]
    assert cities == ["/fr/lille/", "/de/berlin/"]
    assert soup.select_one("form.city-search")["action"] == "/search"


def test_home_names_only_the_busiest_cities(
    client, make_city, make_venue, make_meetup, monkeypatch
):
    monkeypatch.setattr("meetups.pages.routes.HOME_CITIES", 2)
    for name, meetups in (("Lille", 1), ("Lyon", 3), ("Nantes", 2)):
        venue = make_venue("Café", city=make_city(name), slug=f"cafe-{name.lower()}")
        for number in range(meetups):
            make_meetup(f"{name} Coffee {number}", venue=venue)

    soup = page(client, "/")

    assert [text_of(li.a) for li in soup.select("#cities + ul li")] == ["Lyon", "Nantes"]


def test_home_lists_what_happens_in_the_next_seven_days(client, make_meetup):
    make_meetup("Weekly Coffee", rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU")
    make_meetup("Far Away Coffee", first_date=date.today() + timedelta(days=30))

    soup = page(client, "/")

    days = [text_of(h3) for h3 in soup.select("#this-week ~ .agenda .day-heading")]
    listed = [text_of(li) for li in soup.select("#this-week ~ .agenda ol.dates li")]
    assert len(listed) == 7 and all("Weekly Coffee" in line for line in listed)
    assert len(days) == 7 and days[0] in ("Today", "Tomorrow")


def test_country_page_lists_its_cities_only(client, make_city, make_venue, make_meetup):
    lille = make_city("Lille")
    berlin = make_city("Berlin", "DE", "Germany", "Europe/Berlin")
    make_meetup("Open Coffee Lille", venue=make_venue("Le Comptoir", city=lille))
    make_meetup("Berlin Coffee", venue=make_venue("Kaffeebar", city=berlin))

    soup = page(client, "/fr/")

    assert text_of(soup.h1) == "Meetups in France"
    assert [a["href"] for a in soup.select("main ul.columns a")] == ["/fr/lille/"]


def test_city_page_shows_schedule_venue_and_next_date_in_local_time(
    client, make_city, make_venue, make_meetup
):
    city = make_city(
        "New York City", "US", "United States", "America/New_York", slug="new-york-city"
    )
    venue = make_venue("Grindstone", city=city)
    make_meetup("NYC Open Coffee", venue=venue, rrule="FREQ=WEEKLY;BYDAY=TU", start_time=time(8))

    soup = page(client, "/us/new-york-city/")

    card = soup.select_one("li.card")
    assert text_of(card.h3.a) == "NYC Open Coffee"
    assert text_of(card.select_one(".schedule")) == "Every Tuesday, 08:00–10:00"
    assert text_of(card.select_one(".where a")) == "Grindstone"
    shown = datetime.fromisoformat(card.select_one(".next time")["datetime"])
    today_there = datetime.now(ZoneInfo("America/New_York")).date()
    assert shown.date() in {today_there, next_weekday(today_there, 1)}
    assert shown.date().weekday() == 1 and shown.time() == time(8)
    assert shown.utcoffset() == ZoneInfo("America/New_York").utcoffset(shown.replace(tzinfo=None))
    assert text_of(card.select_one(".next time")).endswith(("EST", "EDT"))
    assert "America/New_York" in text_of(soup.select_one(".zone-note"))


def test_city_page_separates_ended_meetups(client, make_meetup):
    make_meetup("Still On")
    make_meetup("Long Gone", status=MeetupStatus.ENDED)

    soup = page(client, "/fr/paris/")

    assert [text_of(h.a) for h in soup.select("li.card h3")] == ["Still On"]
    assert [text_of(a) for a in soup.select("ul.plain a")] == ["Long Gone"]


def test_meetup_page_shows_next_eight_dates_with_cancelled_and_moved_ones(client, make_meetup):
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    first = next_weekday(today, 3)
    cancelled, moved = first + timedelta(weeks=1), first + timedelta(weeks=2)
    make_meetup(
        "Open Coffee Paris",
        first_date=first,
        changes=[
            {"original_date": cancelled, "cancelled": True, "note": "Café closed"},
            {"original_date": moved, "new_start_time": time(10, 30), "note": "Later today"},
        ],
    )

    soup = page(client, "/m/open-coffee-paris/")

    assert text_of(soup.h1).startswith("Open Coffee Paris")
    assert text_of(soup.select_one(".schedule")) == "Every Thursday, 09:00–11:00"
    rows = soup.select("ol.dates li")
    assert len(rows) == 8
    starts = [datetime.fromisoformat(row.time["datetime"]) for row in rows]
    assert [s.date() for s in starts] == [first + timedelta(weeks=n) for n in range(8)]
    assert rows[1]["class"] == ["cancelled"] and rows[1].select_one("del")
    assert "Café closed" in text_of(rows[1])
    assert rows[2]["class"] == ["moved"] and starts[2].time() == time(10, 30)
    assert all(s.time() == time(9) for i, s in enumerate(starts) if i != 2)


def test_meetup_page_keeps_wall_clock_time_across_daylight_saving(client, make_meetup):
    make_meetup("Coffee", first_date=date(2024, 1, 4))

    soup = page(client, "/m/coffee/")

    starts = [datetime.fromisoformat(t["datetime"]) for t in soup.select("ol.dates time")]
    assert {s.time() for s in starts} == {time(9)}
    paris = ZoneInfo("Europe/Paris")
    assert all(s.utcoffset() == paris.utcoffset(s.replace(tzinfo=None)) for s in starts)


def test_meetup_page_shows_a_moved_venue(client, make_venue, make_meetup):
    other = make_venue("Bread & Bean")
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    first = next_weekday(today, 3)
    make_meetup(
        "Coffee", first_date=first, changes=[{"original_date": first, "venue_id": other.id}]
    )

    soup = page(client, "/m/coffee/")

    first_row = soup.select_one("ol.dates li")
    assert "moved" in first_row["class"]
    assert first_row.select_one("a")["href"] == "/v/bread-bean-paris/"


def test_meetup_page_renders_description_safely(client, make_meetup):
    make_meetup(
        "Coffee",
        description="Come **early**. <script>alert('x')</script> [site](javascript:alert(1))",
    )

    soup = page(client, "/m/coffee/")

    description = soup.select_one(".description")
    assert description.strong.get_text() == "early"
    assert description.find("script") is None
    assert all(not a.get("href", "").startswith("javascript") for a in description.find_all("a"))


@pytest.mark.parametrize(
    ("confirmed_days_ago", "expected"),
    [(10, "fresh"), (400, "stale"), (None, "stale")],
)
def test_meetup_page_says_when_it_was_last_confirmed(
    client, make_meetup, confirmed_days_ago, expected
):
    confirmed = None if confirmed_days_ago is None else date.today() - timedelta(confirmed_days_ago)
    make_meetup("Coffee", last_confirmed=confirmed)

    soup = page(client, "/m/coffee/")

    fact = soup.select_one("dd.fresh, dd.stale")
    assert fact["class"] == [expected]
    assert ("Unconfirmed" in text_of(fact)) == (expected == "stale")


def test_city_page_says_which_listings_are_unconfirmed(client, make_venue, make_meetup):
    make_meetup("Fresh", last_confirmed=date.today())
    make_meetup("Stale", venue=make_venue("Other"), last_confirmed=date(2020, 3, 5))

    cards = {text_of(c.h3.a): c for c in page(client, "/fr/paris/").select("li.card")}

    assert cards["Fresh"].select_one(".unconfirmed") is None
    assert text_of(cards["Stale"].select_one(".unconfirmed")).startswith(
        "Unconfirmed since Thursday 5 March 2020"
    )


def test_paused_meetup_shows_no_dates(client, make_meetup):
    make_meetup("Resting Coffee", status=MeetupStatus.PAUSED)

    soup = page(client, "/m/resting-coffee/")

    assert soup.select("ol.dates li") == []
    assert "paused" in text_of(soup.select_one(".notice"))


def test_venue_page_shows_address_notes_and_meetups(client, make_venue, make_meetup):
    venue = make_venue("Café X", address="3 place Vauban", notes="Wifi and sockets")
    make_meetup("Morning Coffee", venue=venue)
    make_meetup("Evening Coffee", venue=venue, start_time=time(18))

    soup = page(client, "/v/cafe-x-paris/")

    assert text_of(soup.h1) == "Café X"
    assert text_of(soup.select_one(".address")) == "3 place Vauban"
    assert text_of(soup.select_one(".notes")) == "Wifi and sockets"
    assert [text_of(h.a) for h in soup.select("li.card h3")] == ["Evening Coffee", "Morning Coffee"]


def test_demo_listings_are_labelled(client, make_meetup):
    make_meetup("Demo Coffee", is_demo=True)

    soup = page(client, "/m/demo-coffee/")

    assert "demo data" in text_of(soup.select_one(".demo-banner"))
    assert soup.select_one(".badge.demo")


def test_no_demo_banner_without_demo_data(client, make_meetup):
    make_meetup("Real Coffee")

    assert page(client, "/").select_one(".demo-banner") is None


@pytest.mark.parametrize("query", ["Köln", "koln", "KOLN", "Cologne", "cologne ", "Kö"])
def test_city_search_finds_alternate_and_accentless_names(client, make_city, query):
    make_city("Köln", "DE", "Germany", "Europe/Berlin", alternate_names=("Cologne", "Colonia"))
    make_city("Kolkata", "IN", "India", "Asia/Kolkata", population=4_000_000)

    soup = page(client, f"/search?q={query}&list=1")

    assert "/de/koln/" in [a["href"] for a in soup.select("ul.cities a")]


def test_city_search_with_no_match_says_so(client, make_city):
    make_city("Paris")

    # No city and no town anywhere has this name (Atlantis is a town: once the offline towns
    # are indexed, its nearest cities would be offered).
    soup = page(client, "/search?q=Xqzvwatlantis")

    assert soup.select("ul.results li") == []
    assert "Nothing called “Xqzvwatlantis”" in text_of(soup.main)


@pytest.mark.parametrize("query", ["batisseurs", "Bâtisseurs", "BATISSEURS", "rue de la fontaine"])
def test_search_finds_venues_by_name_or_address_without_accents(client, make_venue, query):
    make_venue("Café des Bâtisseurs", address="12 rue de la Fontaine au Roi")
    make_venue("Other Place")

    soup = page(client, f"/search?q={query}")

    assert [text_of(a) for a in soup.select("ul.venues a")] == ["Café des Bâtisseurs"]


@pytest.mark.parametrize("query", ["köln", "koln", "open coffee"])
def test_search_finds_listed_meetups_by_name(client, make_meetup, query):
    make_meetup("Open Coffee Köln")
    make_meetup("Open Coffee Köln Ended", status=MeetupStatus.ENDED)
    make_meetup("Something Else")

    soup = page(client, f"/search?q={query}")

    assert [text_of(a) for a in soup.select("ul.meetups a")] == ["Open Coffee Köln"]


def test_renaming_keeps_search_in_step(app, client, make_meetup):
    meetup = make_meetup("Old Name")
    meetup.name = "Nouveau Café"
    app.extensions["sqlalchemy"].session.commit()

    assert page(client, "/search?q=nouveau cafe").select("ul.meetups a")
    assert not page(client, "/search?q=old name").select("ul.meetups a")


def test_city_search_rejects_overlong_queries(client):
    soup = page(client, "/search?q=" + "x" * 500, status=400)

    assert "at most 100 characters" in text_of(soup.select_one(".error"))
    # Said once, where it can be shortened: not again as the heading's or the title's search.
    assert text_of(soup.h1) == "Find a city, café or meetup"
    assert text_of(soup.title) == "Search · Meetups"
    assert soup.select_one("input[name=q]")["value"] == "x" * 100


@pytest.mark.parametrize("query", ["%", "_", "\\", "'; DROP TABLE cities; --", "\x00"])
def test_city_search_treats_odd_input_as_text(client, make_city, query):
    make_city("Paris")

    response = client.get("/search", query_string={"q": query})

    assert response.status_code == 200
    results = BeautifulSoup(response.text, "html5lib").select("ul.results li")
    assert results == []


@pytest.mark.parametrize(
    "url", ["/zz/", "/fr/atlantis/", "/m/no-such-meetup/", "/v/no-such-venue/", "/nowhere"]
)
def test_unknown_addresses_get_a_helpful_404(client, make_city, url):
    make_city("Paris")

    soup = page(client, url, status=404)

    assert text_of(soup.h1) == "Page not found"


def test_upper_case_country_codes_redirect_to_the_canonical_address(client, make_meetup):
    make_meetup()

    response = client.get("/FR/paris/")

    assert response.status_code == 301
    assert response.headers["Location"] == "/fr/paris/"


def test_pages_set_no_cookie(client, make_meetup):
    make_meetup()

    for url in ["/", "/fr/", "/fr/paris/", "/m/open-coffee/", "/v/cafe-central-paris/"]:
        assert "Set-Cookie" not in client.get(url).headers


def test_city_page_query_count_does_not_grow_with_meetups(
    client, count_queries, make_venue, make_meetup
):
    def city_page_queries() -> int:
        return count_queries(lambda: client.get("/fr/paris/"))

    make_meetup(
        "Coffee 0",
        tags=["startups"],
        changes=[{"original_date": date(2024, 1, 4), "cancelled": True}],
    )
    with_one = city_page_queries()
    for n in range(1, 12):
        venue = make_venue(f"Venue {n}")
        make_meetup(
            f"Coffee {n}",
            venue=venue,
            tags=["startups", f"tag-{n}"],
            changes=[{"original_date": date(2024, 1, 4), "new_start_time": time(10)}],
        )

    assert city_page_queries() == with_one


@pytest.mark.parametrize("url", ["/", "/m/coffee/", "/v/cafe-central-paris/", "/fr/"])
def test_other_pages_query_count_does_not_grow_with_meetups(
    client, count_queries, make_venue, make_meetup, url
):
    make_meetup("Coffee", tags=["a"])
    with_one = count_queries(lambda: client.get(url))
    venue = make_venue("Central Two")
    for n in range(10):
        make_meetup(f"More {n}", venue=venue if n % 2 else None, tags=["a", f"t{n}"])

    assert count_queries(lambda: client.get(url)) == with_one


def test_timestamps_are_utc(app, make_meetup):
    meetup = make_meetup()

    assert meetup.created_at.tzinfo == UTC


def test_timestamps_read_back_as_the_utc_instants_written(app, make_meetup):
    meetup = make_meetup()
    written = datetime(2026, 3, 29, 0, 59, 59, 123456, tzinfo=UTC)
    meetup.created_at = written
    db.session.commit()
    # As SQLite's own functions and other tools write a time: no fraction of a second.
    db.session.execute(sa.text("UPDATE meetups SET updated_at = '2026-12-06 08:30:00'"))
    db.session.commit()
    db.session.expire_all()

    assert meetup.created_at == written and meetup.created_at.tzinfo is UTC
    assert meetup.updated_at == datetime(2026, 12, 6, 8, 30, tzinfo=UTC)
    assert meetup.deleted_at is None
