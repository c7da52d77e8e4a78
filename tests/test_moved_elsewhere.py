"""A date moved to a venue in another city lives where it happens: that city's page, feed
and API answers list it, in the venue's local time, until the move is undone."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from meetups.extensions import db
from meetups.feeds import catalogue
from meetups.models import Meetup, Revision, Venue
from tests.calendar_parsers import READERS, Window
from tests.test_editing import next_thursday, soup

LONDON_FEED = "/feeds/city/gb/london.ics"


@pytest.fixture
def volunteer(make_user, auth):
    user = make_user(reviewed=True)
    auth.sign_in()
    return user


@pytest.fixture
def london(make_city, make_venue):
    city = make_city("London", "GB", "United Kingdom", "Europe/London", 51.51, -0.13)
    make_venue("Fleet Street Press", city=city)
    return city


@pytest.fixture
def visitor(app):
    """Someone without an account, served from the page cache like any visitor."""
    return app.test_client()


def move_to_london(auth, day: date, **fields: str) -> None:
    data = {"action": "move", "venue": "/v/fleet-street-press-london/", **fields}
    response = auth.post(f"/m/coffee/dates/{day}", data)
    assert response.status_code == 302, soup(response).get_text(" ", strip=True)


def listed_dates(page) -> list[str]:
    return [item.get_text(" ", strip=True) for item in page.select("section.coming ol.dates li")]


def test_a_paris_date_moved_to_london_is_on_londons_page_until_undone(
    auth, volunteer, visitor, london, make_meetup
):
    make_meetup("Coffee", first_date=date(2024, 1, 4))
    day = next_thursday()
    week = f"?from={day}&to={day + timedelta(days=6)}"
    assert listed_dates(soup(visitor.get(f"/gb/london/{week}"))) == []

    move_to_london(auth, day)
    page = soup(visitor.get(f"/gb/london/{week}"))

    assert len(listed_dates(page)) == 1
    assert listed_dates(page)[0].startswith("09:00–11:00 GMT Coffee at Fleet Street Press")
    assert page.select_one("section.moved-here") is None  # listed once, in its week
    later = soup(visitor.get(f"/gb/london/?from={day + timedelta(days=7)}"))
    moved_here = later.select_one("section.moved-here")
    assert "Dates moved to London" in moved_here.get_text(" ", strip=True)
    assert (
        moved_here.select_one("time.clock")["datetime"]
        == datetime.combine(day, time(9), ZoneInfo("Europe/London")).isoformat()
    )
    assert page.select_one(".zone-note").get_text(strip=True) == (
        "Times are local to London (Europe/London)."
    )
    paris = soup(visitor.get(f"/fr/paris/{week}"))
    assert "09:00–11:00 GMT Coffee at Fleet Street Press" in " ".join(listed_dates(paris))

    revision = db.session.scalar(select(Revision).order_by(Revision.id.desc()))
    assert auth.post(f"/revisions/{revision.id}/revert").status_code == 302
    undone = soup(visitor.get(f"/gb/london/{week}"))
    undone_later = soup(visitor.get(f"/gb/london/?from={day + timedelta(days=7)}"))

    assert listed_dates(undone) == []
    assert undone_later.select_one("section.moved-here") is None


def test_londons_feed_carries_the_moved_date_alone_and_every_parser_agrees(
    client, auth, volunteer, visitor, london, make_meetup
):
    meetup = make_meetup("Coffee", first_date=date(2024, 1, 4))
    day = next_thursday()
    before = visitor.get(LONDON_FEED)
    move_to_london(auth, day, new_start_time="18:30", new_end_time="20:00")
    expected = datetime.combine(day, time(18, 30), ZoneInfo("Europe/London")).astimezone(UTC)

    feed = visitor.get(LONDON_FEED)
    again = visitor.get(LONDON_FEED)

    assert feed.headers["ETag"] != before.headers["ETag"]
    assert feed.data == again.data
    sequence = db.session.get(Meetup, meetup.id).sequence
    assert f"SEQUENCE:{sequence}".encode() in feed.data
    events = feed.data.split(b"BEGIN:VEVENT")[1:]
    assert len(events) == 1 and b"RRULE" not in events[0] and b"RECURRENCE-ID" not in events[0]
    assert b"DTSTART;TZID=Europe/London:" in events[0]
    window = Window(day - timedelta(days=60), day + timedelta(days=60))
    for name, read in READERS.items():
        instances = read(feed.data, window).instances
        assert [(i.uid, i.start, i.end) for i in instances] == [
            (
                f"{day:%Y%m%d}-meetup-{meetup.id}@meetups.test",
                expected,
                expected + timedelta(minutes=90),
            )
        ], name
        assert instances[0].location.startswith("Fleet Street Press"), name
    series = client.get("/feeds/meetup/coffee.ics").data
    for name, read in READERS.items():
        moved = read(series, Window(day, day + timedelta(days=1))).instances
        assert [item.start for item in moved] == [expected], name

    revision = db.session.scalar(select(Revision).order_by(Revision.id.desc()))
    auth.post(f"/revisions/{revision.id}/revert")
    undone = visitor.get(LONDON_FEED)

    assert undone.headers["ETag"] != feed.headers["ETag"]
    assert undone.data == before.data and b"BEGIN:VEVENT" not in undone.data
    for name, read in READERS.items():
        assert read(undone.data, window).instances == [], name


def test_a_feed_written_in_pieces_holds_the_moved_date_too(
    app, auth, volunteer, london, make_meetup
):
    make_meetup("Coffee", first_date=date(2024, 1, 4))
    move_to_london(auth, next_thursday())
    feed = catalogue.find(db.session, "city", ("gb", "london"))
    site = catalogue.site_settings(app.config)

    out = io.BytesIO()
    catalogue.write(db.session, feed, site, out)

    assert out.getvalue() == catalogue.render(db.session, feed, site)
    assert out.getvalue().count(b"BEGIN:VEVENT") == 1


def test_the_api_lists_the_moved_date_under_both_cities(
    client, auth, volunteer, london, make_meetup
):
    make_meetup("Coffee", first_date=date(2024, 1, 4))
    day = next_thursday()
    move_to_london(auth, day)
    span = f"from={day}&to={day + timedelta(days=13)}"

    def dates(**filters: str) -> list[tuple[str, str, str]]:
        query = "&".join(f"{key}={value}" for key, value in filters.items())
        answer = client.get(f"/api/v1/occurrences?{span}&{query}").get_json()
        return [(i["start"], i["venue"]["slug"], i["meetup"]["slug"]) for i in answer["items"]]

    at_nine_in_london = datetime.combine(day, time(9), ZoneInfo("Europe/London")).isoformat()
    moved = (at_nine_in_london, "fleet-street-press-london", "coffee")
    assert dates(city="london") == [moved]
    assert dates(country="gb") == [moved]
    assert dates(venue="fleet-street-press-london") == [moved]
    assert len(dates(city="paris")) == 2 and moved in dates(city="paris")
    assert dates(city="london", tag="nothing-tagged") == []


def test_the_date_form_names_the_zone_of_the_venue_a_date_moved_to(
    auth, volunteer, london, make_meetup
):
    make_meetup("Coffee", first_date=date(2024, 1, 4))
    day = next_thursday()
    move_to_london(auth, day, new_start_time="18:30")

    form = soup(auth.client.get(f"/m/coffee/dates/{day}"))

    note = form.select_one(".zone-note").get_text(" ", strip=True)
    assert note.startswith(
        "This date is at Fleet Street Press: its times are local to London (Europe/London), "
        "not to the series' Europe/Paris."
    )
    assert form.select_one("input[name=new_start_time]")["value"] == "18:30"


def test_a_city_page_names_the_zones_its_venues_keep(client, make_city, make_venue, make_meetup):
    """Lord Howe Island keeps its own clock, half an hour from Port Macquarie's."""
    port = make_city(
        "Port Macquarie",
        "AU",
        "Australia",
        "Australia/Sydney",
        -31.43,
        152.91,
        slug="port-macquarie",
    )
    island = make_venue("Island Café", city=port, timezone="Australia/Lord_Howe")
    make_meetup("Island Coffee", venue=island)
    make_meetup("Town Coffee", venue=make_venue("Town Café", city=port))

    page = soup(client.get("/au/port-macquarie/"))

    assert page.select_one(".zone-note").get_text(" ", strip=True) == (
        "Times are local to each venue and name their zone: Australia/Sydney in Port Macquarie,"
        " Australia/Lord_Howe at some venues listed here."
    )
    cards = {
        card.select_one("h3").get_text(strip=True): card.select_one(".zone-note")
        for card in page.select("li.card")
    }
    assert cards["Town Coffee"] is None
    assert cards["Island Coffee"].get_text(" ", strip=True) == (
        "Local time of the Australia/Lord_Howe time zone, not Port Macquarie's."
    )
    embed = soup(client.get("/embed/city/au/port-macquarie"))
    assert "Australia/Lord_Howe at some venues listed here." in embed.get_text(" ", strip=True)


@pytest.mark.parametrize(
    ("original", "start", "minutes"),
    [
        (date(2027, 3, 14), time(2, 30), 60),  # starts in New York's spring gap
        (date(2027, 11, 7), time(1, 30), 60),  # starts in the repeated hour
        (date(2027, 11, 7), time(0, 30), 60),  # ends in it
        (date(2027, 11, 6), time(23, 30), 180),  # spans the change
    ],
    ids=["start in gap", "start in fold", "end in fold", "spanning"],
)
def test_a_date_moved_into_a_clock_change_elsewhere_reads_one_way_everywhere(
    client, make_city, make_venue, make_meetup, original, start, minutes
):
    """A Paris series' date moved to a New York venue on its clock-change nights: that
    city's feed, its page and the API give the schedule module's instants."""
    new_york = make_city("New York", "US", "United States", "America/New_York", 40.71, -74.01)
    venue = make_venue("Brooklyn Roasters", city=new_york)
    weekday = {5: "SA", 6: "SU"}[original.weekday()]
    meetup = make_meetup(
        "Coffee",
        rrule=f"FREQ=WEEKLY;BYDAY={weekday}",
        first_date=date(2027, 1, 1),
        changes=[
            {
                "original_date": original,
                "new_start_time": start,
                "new_duration_minutes": minutes,
                "venue_id": venue.id,
            }
        ],
    )
    expected = db.session.get(Meetup, meetup.id).occurrence_on(original)
    assert expected.start.tzinfo.key == "America/New_York"

    feed = client.get("/feeds/city/us/new-york.ics").data
    window = Window(original - timedelta(days=2), original + timedelta(days=3))
    for name, read in READERS.items():
        instances = read(feed, window).instances
        assert [(i.start, i.end) for i in instances] == [
            (expected.start.astimezone(UTC), expected.end.astimezone(UTC))
        ], name
    span = f"from={original - timedelta(days=1)}&to={original + timedelta(days=1)}"
    api = client.get(f"/api/v1/occurrences?city=new-york&{span}").get_json()["items"]
    utc = expected.start.astimezone(UTC)
    assert [datetime.fromisoformat(item["start"]).astimezone(UTC) for item in api] == [utc]
    page = soup(client.get(f"/us/new-york/?{span}")).select("section.coming time.clock")
    assert [datetime.fromisoformat(item["datetime"]).astimezone(UTC) for item in page] == [utc]


def test_the_moved_date_is_on_the_page_of_the_country_it_moved_to(client, london, make_meetup):
    day = next_thursday()
    press = db.session.scalar(select(Venue).where(Venue.slug == "fleet-street-press-london"))
    make_meetup(
        "Coffee",
        first_date=date(2024, 1, 4),
        changes=[{"original_date": day, "venue_id": press.id}],
    )
    week = f"?from={day}&to={day + timedelta(days=6)}"

    britain = soup(client.get(f"/gb/{week}"))
    france = soup(client.get(f"/fr/{week}"))

    dates = [item.get_text(" ", strip=True) for item in britain.select("ol.dates li")]
    assert len(dates) == 1 and dates[0].startswith("09:00–11:00 GMT Coffee at Fleet Street Press")
    # The series' own country keeps it too.
    assert [item.get_text(" ", strip=True) for item in france.select("ol.dates li")] == dates
    assert britain.select_one(".zone-note").get_text(strip=True) == (
        "Each time is local to its venue and names its zone."
    )


def test_londons_embed_lists_the_date_moved_there(auth, volunteer, visitor, london, make_meetup):
    make_meetup("Coffee", first_date=date(2024, 1, 4))
    day = next_thursday()
    assert "Coffee" not in soup(visitor.get("/embed/city/gb/london")).get_text()

    move_to_london(auth, day)
    embed = soup(visitor.get("/embed/city/gb/london"))

    dates = [item.get_text(" ", strip=True) for item in embed.select("li")]
    assert any("Coffee" in text and "09:00" in text and "GMT" in text for text in dates), dates
    clocks = [clock["datetime"] for clock in embed.select("time[datetime]")]
    expected = datetime.combine(day, time(9), ZoneInfo("Europe/London")).isoformat()
    assert any(clock.startswith(expected) for clock in clocks), clocks
