"""Live feeds over HTTP: addresses, caching validators, stable UIDs, growing SEQUENCEs."""

from __future__ import annotations

import gzip
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from bs4 import BeautifulSoup

from meetups.data_version import DataVersion
from meetups.extensions import db
from meetups.feeds import catalogue
from meetups.models import Meetup, MeetupChange, MeetupStatus, Tag, Venue

CALENDAR_TYPE = "text/calendar; charset=utf-8"


def events(body: bytes) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(body).walk("VEVENT"))


@pytest.fixture
def directory(make_city, make_venue, make_meetup):
    """Two cities in two countries, tags, and a moved and a cancelled date in Paris."""
    paris = make_city("Paris")
    berlin = make_city("Berlin", "DE", "Germany", "Europe/Berlin", 52.52, 13.40)
    cafe = make_venue("Café X", city=paris, address="3 rue X, 75011 Paris")
    other = make_venue("Café Y", city=paris)
    make_meetup(
        "Open Coffee Paris",
        venue=cafe,
        tags=["startups"],
        changes=[
            {"original_date": date(2027, 1, 7), "cancelled": True},
            {"original_date": date(2027, 1, 14), "new_start_time": time(10), "venue_id": other.id},
        ],
    )
    make_meetup("Paris Evening", venue=other, start_time=time(18), rrule="FREQ=MONTHLY;BYDAY=-1FR")
    make_meetup("Berlin Coffee", venue=make_venue("Kaffee", city=berlin), tags=["startups"])


@pytest.mark.parametrize(
    ("url", "summaries"),
    [
        ("/feeds/all.ics", {"Open Coffee Paris", "Paris Evening", "Berlin Coffee"}),
        ("/feeds/country/fr.ics", {"Open Coffee Paris", "Paris Evening"}),
        ("/feeds/city/fr/paris.ics", {"Open Coffee Paris", "Paris Evening"}),
        ("/feeds/city/de/berlin.ics", {"Berlin Coffee"}),
        ("/feeds/venue/cafe-x-paris.ics", {"Open Coffee Paris"}),
        ("/feeds/meetup/paris-evening.ics", {"Paris Evening"}),
        ("/feeds/tag/startups.ics", {"Open Coffee Paris", "Berlin Coffee"}),
    ],
)
def test_each_feed_holds_its_meetups(client, directory, url, summaries):
    response = client.get(url)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == CALENDAR_TYPE
    masters = [e for e in events(response.data) if "RECURRENCE-ID" not in e]
    assert {str(e["SUMMARY"]) for e in masters} == summaries


def test_a_series_is_one_event_with_its_rule_exception_and_override(client, directory):
    body = client.get("/feeds/meetup/open-coffee-paris.ics").data

    master, override = events(body)
    assert master["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=TH"
    assert master["DTSTART"].params["TZID"] == "Europe/Paris"
    assert master["DTSTART"].dt.time() == time(9)
    assert [d.dt.date() for d in master["EXDATE"].dts] == [date(2027, 1, 7)]
    assert str(master["LOCATION"]) == "Café X, 3 rue X, 75011 Paris"
    assert override["UID"] == master["UID"]
    assert override["RECURRENCE-ID"].dt == datetime(2027, 1, 14, 9, tzinfo=ZoneInfo("Europe/Paris"))
    assert override["DTSTART"].dt.time() == time(10)
    assert str(override["LOCATION"]).startswith("Café Y")
    assert "http://127.0.0.1:5000/m/open-coffee-paris/" in str(master["DESCRIPTION"])
    assert b"BEGIN:VTIMEZONE\r\nTZID:Europe/Paris" in body


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/meetup/nope.ics",
        "/feeds/city/fr/atlantis.ics",
        "/feeds/country/zz.ics",
        "/feeds/venue/nope.ics",
        "/feeds/tag/nope.ics",
        "/feeds/planet/earth.ics",
        "/feeds/city/FR/paris.ics",
    ],
)
def test_unknown_feeds_are_404_with_a_text_body(client, directory, url):
    response = client.get(url)

    assert response.status_code == 404
    assert response.mimetype == "text/plain"
    assert "No feed" in response.text


def test_etag_and_last_modified_give_304_without_a_body(client, directory):
    first = client.get("/feeds/city/fr/paris.ics")
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]

    by_etag = client.get("/feeds/city/fr/paris.ics", headers={"If-None-Match": etag})
    by_date = client.get("/feeds/city/fr/paris.ics", headers={"If-Modified-Since": modified})
    stale = client.get("/feeds/city/fr/paris.ics", headers={"If-None-Match": '"other"'})

    assert not etag.startswith("W/")
    assert by_etag.status_code == 304 and by_etag.data == b"" and by_etag.headers["ETag"] == etag
    assert by_date.status_code == 304
    assert stale.status_code == 200 and stale.data == first.data
    assert "max-age=" in first.headers["Cache-Control"]
    # A 304 repeats what caches key and expire on (RFC 9111 §4.3.4).
    for answer in (by_etag, by_date):
        assert answer.headers["Cache-Control"] == first.headers["Cache-Control"]
        assert answer.headers["Vary"] == first.headers["Vary"]


def test_a_304_costs_no_query_and_no_rendering(client, directory, count_queries, monkeypatch):
    etag = client.get("/feeds/all.ics").headers["ETag"]

    def fail(*args, **kwargs):
        raise AssertionError("a conditional hit must not render the feed")

    monkeypatch.setattr("meetups.feeds.catalogue.render", fail)
    queries = count_queries(
        lambda: client.get("/feeds/all.ics", headers={"If-None-Match": etag}).status_code
    )
    assert client.get("/feeds/all.ics", headers={"If-None-Match": etag}).status_code == 304
    assert queries == 0


def test_edits_in_another_worker_show_once_the_data_version_expires(app, client, directory):
    """This worker's own commits are seen at once; other workers' within DATA_VERSION_SECONDS."""
    clock = [0.0]
    app.extensions["data_version"] = DataVersion(ttl=2.0, clock=lambda: clock[0])
    url = "/feeds/city/fr/paris.ics"
    before = client.get(url).headers["ETag"]
    with db.engine.begin() as other_worker:
        other_worker.execute(
            db.update(Meetup).where(Meetup.slug == "paris-evening").values(name="Renamed")
        )

    clock[0] = 1.9
    still = client.get(url).headers["ETag"]
    clock[0] = 2.0
    after = client.get(url)

    assert still == before
    assert after.headers["ETag"] != before and b"Renamed" in after.data


def test_an_edit_changes_the_etag_only_of_the_feeds_that_hold_it(client, directory):
    urls = ["/feeds/city/fr/paris.ics", "/feeds/city/de/berlin.ics", "/feeds/all.ics"]
    before = {url: client.get(url).headers["ETag"] for url in urls}
    meetup = db.session.scalar(db.select(Meetup).filter_by(slug="paris-evening"))
    meetup.start_time = time(18, 30)
    db.session.commit()

    after = {url: client.get(url).headers["ETag"] for url in before}

    assert after["/feeds/city/de/berlin.ics"] == before["/feeds/city/de/berlin.ics"]
    assert after["/feeds/city/fr/paris.ics"] != before["/feeds/city/fr/paris.ics"]
    assert after["/feeds/all.ics"] != before["/feeds/all.ics"]


def test_feeds_are_gzipped_for_clients_that_accept_it(client, directory):
    plain = client.get("/feeds/all.ics")
    zipped = client.get("/feeds/all.ics", headers={"Accept-Encoding": "gzip, deflate"})

    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    again = client.get(
        "/feeds/all.ics",
        headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]},
    )
    assert again.status_code == 304


def test_uid_survives_renames_and_moves_while_sequence_grows(client, directory, make_venue):
    def master() -> icalendar.Event:
        return events(client.get("/feeds/all.ics").data)[0]

    meetup = db.session.scalar(db.select(Meetup).filter_by(slug="open-coffee-paris"))
    original = master()

    meetup.name = "Open Coffee Paris (renamed)"
    db.session.commit()
    renamed = master()
    meetup.venue = make_venue("Café Z")
    db.session.commit()
    moved = master()
    meetup.start_time = time(8, 30)
    db.session.commit()
    retimed = master()
    db.session.add(MeetupChange(meetup=meetup, original_date=date(2027, 2, 4), cancelled=True))
    db.session.commit()
    cancelled = master()
    meetup.status = MeetupStatus.PAUSED
    db.session.commit()
    paused = master()

    assert original["UID"] == f"meetup-{meetup.id}@meetups.test"
    assert {e["UID"] for e in (renamed, moved, retimed, cancelled, paused)} == {original["UID"]}
    sequences = [e["SEQUENCE"] for e in (original, renamed, moved, retimed, cancelled, paused)]
    assert sequences[1] == sequences[0]
    assert sequences[1] < sequences[2] < sequences[3] < sequences[4] < sequences[5]
    assert paused["LAST-MODIFIED"].dt >= original["LAST-MODIFIED"].dt


def test_editing_a_venue_address_bumps_its_meetups_sequence(client, directory):
    before = events(client.get("/feeds/venue/cafe-x-paris.ics").data)[0]["SEQUENCE"]
    venue = db.session.scalar(db.select(Venue).filter_by(slug="cafe-x-paris"))
    venue.address = "5 rue X, 75011 Paris"
    db.session.commit()

    after = events(client.get("/feeds/venue/cafe-x-paris.ics").data)[0]
    assert after["SEQUENCE"] == before + 1
    assert "5 rue X" in str(after["LOCATION"])


def test_editing_the_venue_a_date_moved_to_bumps_that_series(client, directory):
    before = events(client.get("/feeds/meetup/open-coffee-paris.ics").data)
    venue = db.session.scalar(db.select(Venue).filter_by(slug="cafe-y-paris"))
    venue.name = "Café Y (new name)"
    db.session.commit()

    master, override = events(client.get("/feeds/meetup/open-coffee-paris.ics").data)
    assert master["SEQUENCE"] == before[0]["SEQUENCE"] + 1
    assert str(override["LOCATION"]).startswith("Café Y (new name)")


def test_changing_only_tags_changes_the_etag_but_not_the_sequence(client, directory):
    first = client.get("/feeds/meetup/paris-evening.ics")
    meetup = db.session.scalar(db.select(Meetup).filter_by(slug="paris-evening"))
    meetup.tags = [db.session.scalar(db.select(Tag).filter_by(slug="startups"))]
    db.session.commit()

    second = client.get("/feeds/meetup/paris-evening.ics")
    assert second.headers["ETag"] != first.headers["ETag"]
    assert events(second.data)[0]["SEQUENCE"] == events(first.data)[0]["SEQUENCE"]
    assert events(second.data)[0]["CATEGORIES"].to_ical() == b"startups"


def test_restoring_a_cancelled_date_removes_its_exdate_and_bumps_sequence(client, directory):
    before = events(client.get("/feeds/meetup/open-coffee-paris.ics").data)[0]
    meetup = db.session.scalar(db.select(Meetup).filter_by(slug="open-coffee-paris"))
    cancelled = next(c for c in meetup.changes if c.cancelled)
    meetup.changes.remove(cancelled)
    db.session.commit()

    after = events(client.get("/feeds/meetup/open-coffee-paris.ics").data)[0]
    assert "EXDATE" in before and "EXDATE" not in after
    assert after["SEQUENCE"] == before["SEQUENCE"] + 1


def test_paused_and_ended_series_stop_with_until(client, make_meetup):
    make_meetup("Paused", status=MeetupStatus.PAUSED, status_since=date(2027, 3, 1))
    make_meetup("Ended", status=MeetupStatus.ENDED, end_date=date(2026, 6, 30))

    feed = {str(e["SUMMARY"]): e for e in events(client.get("/feeds/all.ics").data)}

    paused_until = feed["Paused"]["RRULE"]["UNTIL"][0]
    ended_until = feed["Ended"]["RRULE"]["UNTIL"][0]
    assert paused_until.tzinfo is not None and ended_until.tzinfo is not None
    assert date(2027, 2, 25) <= paused_until.date() <= date(2027, 3, 1)
    assert date(2026, 6, 25) <= ended_until.date() <= date(2026, 7, 1)


@pytest.mark.parametrize("status", [MeetupStatus.PAUSED, MeetupStatus.ENDED])
def test_a_series_stopped_before_its_first_date_is_left_out_not_a_crash(
    client, make_meetup, status
):
    make_meetup(
        "Announced", first_date=date(2027, 3, 4), status=status, status_since=date(2027, 2, 1)
    )
    make_meetup("Running")

    for url in ["/feeds/all.ics", "/feeds/meetup/announced.ics", "/feeds/city/fr/paris.ics"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Announced" not in {str(e["SUMMARY"]) for e in events(response.data)}
    assert client.get("/feeds/meetup/announced/2027-03-04.ics").status_code == 404
    assert client.get("/m/announced/").status_code == 200


def test_one_date_downloads_as_a_single_event(client, directory):
    response = client.get("/feeds/meetup/open-coffee-paris/2027-01-14.ics")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == CALENDAR_TYPE
    assert "attachment" in response.headers["Content-Disposition"]
    (event,) = events(response.data)
    assert "RRULE" not in event
    assert event["DTSTART"].dt == datetime(2027, 1, 14, 10, tzinfo=ZoneInfo("Europe/Paris"))
    assert str(event["LOCATION"]).startswith("Café Y")


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/feeds/meetup/open-coffee-paris/2027-13-45.ics", 400),
        ("/feeds/meetup/open-coffee-paris/yesterday.ics", 400),
        ("/feeds/meetup/open-coffee-paris/2027-01-15.ics", 404),
        ("/feeds/meetup/nope/2027-01-14.ics", 404),
        ("/feeds/meetup/open-coffee-paris/2027-01-07.ics", 410),
    ],
)
def test_bad_single_dates_get_a_clear_answer(client, directory, url, status):
    response = client.get(url)

    assert response.status_code == status
    assert response.mimetype == "text/plain" and response.text.strip()


@pytest.mark.parametrize(
    ("page_url", "feed_path"),
    [
        ("/m/open-coffee-paris/", "meetup/open-coffee-paris.ics"),
        ("/v/cafe-x-paris/", "venue/cafe-x-paris.ics"),
        ("/fr/paris/", "city/fr/paris.ics"),
        ("/fr/", "country/fr.ics"),
    ],
)
def test_pages_offer_a_subscribe_block(client, directory, page_url, feed_path):
    soup = BeautifulSoup(client.get(page_url).text, "html5lib")

    block = soup.select_one("section.subscribe")
    hrefs = [a["href"] for a in block.select("a")]
    feed_url = f"http://127.0.0.1:5000/feeds/{feed_path}"
    assert block.select_one("input.feed-url")["value"] == feed_url
    assert f"webcal://127.0.0.1:5000/feeds/{feed_path}" in hrefs
    assert any(h.startswith("https://calendar.google.com/") for h in hrefs)
    assert any(h.startswith("https://outlook.live.com/") for h in hrefs)
    assert client.get(feed_url.removeprefix("http://127.0.0.1:5000")).status_code == 200


def test_meetup_page_links_each_date_to_a_single_event(client, make_meetup):
    make_meetup("Coffee", first_date=date.today())

    soup = BeautifulSoup(client.get("/m/coffee/").text, "html5lib")

    links = [a["href"] for a in soup.select("ol.dates a.add-date")]
    assert len(links) == 8
    assert all(client.get(link).status_code == 200 for link in links[:2])


def test_feed_bytes_do_not_depend_on_the_time_of_the_request(client, directory):
    assert client.get("/feeds/all.ics").data == client.get("/feeds/all.ics").data


def test_feed_versions_carry_an_aware_utc_last_modified(app, directory):
    feed = catalogue.find(db.session, "all", ())

    version = catalogue.version(db.session, feed)

    assert version.count == 3
    assert version.last_modified.utcoffset() == timedelta(0)
    assert datetime.now(version.last_modified.tzinfo) - version.last_modified < timedelta(minutes=5)
