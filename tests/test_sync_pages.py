"""The volunteer's page for a meetup's own calendar: link, pick the series, settle conflicts."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from meetups.extensions import db
from meetups.models import CalendarLink, Meetup
from tests import calendar_feeds as feeds
from tests.feed_server import serving
from tests.test_editing import soup


@pytest.fixture
def server(app):
    app.config["SYNC_ALLOW_HOSTS"] = "127.0.0.1"
    with serving() as running:
        today = datetime.now(UTC).date()
        running.feeds["/google.ics"] = feeds.google(feeds.thursdays(today, 1)[0])
        yield running


@pytest.fixture
def volunteer(make_user, auth):
    user = make_user(reviewed=True)
    auth.sign_in()
    return user


def test_a_volunteer_reads_a_calendar_picks_the_series_and_links_it(
    client, auth, server, volunteer, make_meetup
):
    make_meetup(name="Open Coffee Lille", start_time=time(8, 30))
    url = server.url("/google.ics")
    token = auth.csrf_token()

    listed = soup(
        client.post("/m/open-coffee-lille/calendar", data={"url": url, "csrf_token": token})
    )
    options = {
        radio["value"]: radio.find_parent("label").get_text(" ", strip=True)
        for radio in listed.select("input[name=series]")
    }
    assert set(options) == {"uid:book-club@google.com", "uid:open-coffee-lille@google.com"}
    assert "Open Coffee Lille" in options["uid:open-coffee-lille@google.com"]
    assert "Next:" in options["uid:open-coffee-lille@google.com"]

    linked = client.post(
        "/m/open-coffee-lille/calendar",
        data={"url": url, "series": "uid:open-coffee-lille@google.com", "csrf_token": token},
    )

    assert linked.status_code == 302
    link = db.session.get(CalendarLink, db.session.query(Meetup).one().id)
    assert (link.url, link.series_name) == (url, "Open Coffee Lille")
    page = soup(client.get("/m/open-coffee-lille/calendar"))
    assert url in page.select_one(".sync-url").get_text()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://localhost:1/cal.ics", "leads to a private network"),
        ("http://169.254.169.254/latest/meta-data", "leads to a private network"),
        ("ftp://example.org/cal.ics", "Only http:// and https://"),
    ],
)
def test_an_address_that_cannot_be_followed_says_why(
    client, auth, server, volunteer, make_meetup, url, message
):
    make_meetup(name="Open Coffee Lille")

    response = client.post(
        "/m/open-coffee-lille/calendar", data={"url": url, "csrf_token": auth.csrf_token()}
    )

    assert response.status_code == 400
    assert message in soup(response).select_one(".field-error").get_text()
    assert db.session.query(CalendarLink).count() == 0


def test_a_page_that_is_no_calendar_says_so(client, auth, server, volunteer, make_meetup):
    make_meetup(name="Open Coffee Lille")
    server.feeds["/page.html"] = b"<!doctype html><title>Sign in</title>"

    response = client.post(
        "/m/open-coffee-lille/calendar",
        data={"url": server.url("/page.html"), "csrf_token": auth.csrf_token()},
    )

    assert response.status_code == 400
    assert "does not hold an iCalendar file" in response.text


def test_a_conflict_is_shown_and_the_volunteer_keeps_the_listings_value(
    client, auth, server, volunteer, make_meetup
):
    meetup = make_meetup(name="Open Coffee Lille", start_time=time(8, 30))
    day = feeds.thursdays(datetime.now(UTC).date(), 2)[1]
    field = f"date:{day}"
    ours = {
        "cancelled": False,
        "new_date": None,
        "new_start_time": "09:00:00",
        "new_duration_minutes": None,
    }
    theirs = {
        "cancelled": True,
        "new_date": None,
        "new_start_time": None,
        "new_duration_minutes": None,
    }
    db.session.add(
        CalendarLink(
            meetup_id=meetup.id,
            url=server.url("/google.ics"),
            series_key="uid:open-coffee-lille@google.com",
            series_name="Open Coffee Lille",
            base={},
            conflicts={field: [ours, theirs]},
            mismatch={},
            last_error={},
        )
    )
    db.session.commit()

    page = soup(client.get("/m/open-coffee-lille/calendar"))
    conflict = page.select_one(".conflict").get_text(" ", strip=True)
    assert "moved to" in conflict and "09:00" in conflict and "cancelled" in conflict
    assert (
        "disagree" in soup(client.get("/m/open-coffee-lille/")).select_one(".sync-note").get_text()
    )

    response = client.post(
        "/m/open-coffee-lille/calendar/conflicts",
        data={"field": field, "take": "here", "csrf_token": auth.csrf_token()},
    )

    assert response.status_code == 302
    link = db.session.get(CalendarLink, meetup.id)
    assert link.conflicts == {} and link.base[field] == theirs
    assert db.session.get(Meetup, meetup.id).changes == []


def test_the_last_error_shows_on_the_listing_for_volunteers_only(
    client, auth, app, server, volunteer, make_meetup
):
    meetup = make_meetup(name="Open Coffee Lille")
    db.session.add(
        CalendarLink(
            meetup_id=meetup.id,
            url="https://calendar.example/cal.ics",
            series_key="uid:x",
            base={},
            conflicts={},
            mismatch={},
            last_error={
                "msgid": "The calendar address answered with error %(status)d.",
                "params": {"status": 404},
            },
            failing_since=datetime.now(UTC) - timedelta(days=1),
        )
    )
    db.session.commit()

    note = soup(client.get("/m/open-coffee-lille/")).select_one(".sync-note").get_text()
    client.post("/account/sign-out", data={"csrf_token": auth.csrf_token()})
    public = client.get("/m/open-coffee-lille/").text

    assert "answered with error 404" in note
    assert "answered with error 404" not in public
