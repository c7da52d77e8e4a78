"""A listing following its own calendar, end to end: `sync-calendars` against a local server."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import icalendar
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from meetups.editing import operations
from meetups.extensions import db
from meetups.models import CalendarLink, ConfirmationRequest, Meetup, MeetupChange, Revision
from meetups.sync import service, sources
from tests import calendar_feeds as feeds
from tests.feed_server import serving

GOOGLE_KEY = "uid:open-coffee-lille@google.com"


@pytest.fixture
def server():
    with serving() as running:
        yield running


@pytest.fixture
def synced(app, server, make_meetup):
    """A Thursday 08:30 meetup linked to the Google calendar the server holds."""
    app.config["SYNC_ALLOW_HOSTS"] = "127.0.0.1"
    today = datetime.now(UTC).date()
    server.feeds["/google.ics"] = feeds.google(feeds.thursdays(today, 1)[0] - timedelta(weeks=4))
    meetup = make_meetup(name="Open Coffee Lille", start_time=time(8, 30), last_confirmed=today)
    choice = sources.SeriesChoice(GOOGLE_KEY, "Open Coffee Lille", ())
    service.link(db.session, meetup, server.url("/google.ics"), choice, datetime.now(UTC))
    db.session.commit()
    return meetup


def sync(app) -> str:
    result = app.test_cli_runner().invoke(args=["sync-calendars"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def link_of(meetup: Meetup) -> CalendarLink:
    return db.session.get(CalendarLink, meetup.id)


def test_a_cancellation_and_a_move_in_the_calendar_show_on_our_page_and_feed(
    app, client, server, synced
):
    coming = feeds.thursdays(datetime.now(UTC).date(), 3)
    cancel, moved = coming[1], coming[2]
    server.feeds["/google.ics"] = feeds.google(
        feeds.thursdays(coming[0], 1)[0] - timedelta(weeks=5),
        cancel=cancel,
        move=(moved, moved, time(10, 0)),
    )

    output = sync(app)

    assert "open-coffee-lille: updated" in output
    meetup = db.session.get(Meetup, synced.id)
    assert {c.original_date: (c.cancelled, c.new_start_time) for c in meetup.changes} == {
        cancel: (True, None),
        moved: (False, time(10, 0)),
    }
    revision = db.session.scalars(select(Revision).where(Revision.action == "sync")).one()
    assert revision.user_id is None and revision.summary == server.url("/google.ics")
    calendar = icalendar.Calendar.from_ical(client.get("/feeds/meetup/open-coffee-lille.ics").data)
    events = list(calendar.walk("VEVENT"))
    master = next(e for e in events if e.get("RECURRENCE-ID") is None)
    assert cancel in [d.dt.date() for d in master["EXDATE"].dts]
    override = next(e for e in events if e.get("RECURRENCE-ID") is not None)
    assert override.decoded("DTSTART").time() == time(10, 0)
    history = BeautifulSoup(client.get("/m/open-coffee-lille/history").text, "html5lib")
    assert "The calendar sync took these changes" in history.get_text()
    page = BeautifulSoup(client.get("/m/open-coffee-lille/").text, "html5lib")
    cancelled_at = page.select_one("ol.dates li.cancelled time")["datetime"]
    moved_at = page.select_one("ol.dates li.moved time")["datetime"]
    assert cancelled_at.startswith(f"{cancel}T08:30") and moved_at.startswith(f"{moved}T10:00")


def test_a_second_sync_asks_conditionally_gets_304_and_changes_nothing(app, server, synced):
    sync(app)
    revisions = db.session.scalars(select(Revision.id)).all()

    output = sync(app)

    assert server.answers[-1] == 304
    assert "If-None-Match" in server.requests[-1][1]
    assert db.session.scalars(select(Revision.id)).all() == revisions
    assert "1 unchanged" in output


def test_a_volunteers_edit_is_never_overwritten_the_conflict_waits(app, server, synced, make_user):
    volunteer = make_user()
    sync(app)
    day = feeds.thursdays(datetime.now(UTC).date(), 2)[1]
    meetup = db.session.get(Meetup, synced.id)
    operations.change_date(
        db.session, meetup, day, operations.DateChange(new_start_time=time(9, 0)), volunteer
    )
    db.session.commit()
    server.feeds["/google.ics"] = feeds.google(
        feeds.thursdays(day, 1)[0] - timedelta(weeks=5), cancel=day
    )

    assert "conflict" in sync(app)

    meetup = db.session.get(Meetup, synced.id)
    change = next(c for c in meetup.changes if c.original_date == day)
    assert (change.cancelled, change.new_start_time) == (False, time(9, 0))
    link = link_of(meetup)
    assert list(link.conflicts) == [f"date:{day}"]
    link.etag = ""  # read the calendar again in full: the conflict still waits
    db.session.commit()
    assert "conflict" in sync(app)
    service.settle(db.session, link_of(meetup), f"date:{day}", True, volunteer, datetime.now(UTC))
    db.session.commit()
    meetup = db.session.get(Meetup, synced.id)
    assert next(c for c in meetup.changes if c.original_date == day).cancelled
    assert link_of(meetup).conflicts == {}


def test_a_dead_calendar_asks_for_confirmation_after_n_days_and_deletes_nothing(
    app, server, synced
):
    sync(app)
    db.session.add(ConfirmationRequest(meetup_id=synced.id, asked_at=datetime.now(UTC)))
    db.session.commit()
    del server.feeds["/google.ics"]

    assert "failed" in sync(app)
    link = link_of(synced)
    assert "error 404" in link.last_error["msgid"] % link.last_error["params"]
    assert db.session.get(Meetup, synced.id).last_confirmed is not None
    link.failing_since = datetime.now(UTC) - timedelta(days=3)
    db.session.commit()
    sync(app)

    meetup = db.session.get(Meetup, synced.id)
    assert meetup is not None and not meetup.is_deleted
    assert meetup.last_confirmed is None
    assert db.session.get(ConfirmationRequest, synced.id) is None  # the next round asks
    assert db.session.scalars(select(Revision.action)).all()[-1] == "unconfirm"
    sync(app)
    assert db.session.scalars(select(Revision.action)).all().count("unconfirm") == 1


def test_a_calendar_that_stops_listing_the_series_asks_for_confirmation(app, server, synced):
    server.feeds["/google.ics"] = feeds.calendar("PRODID:-//Google Inc//EN")

    assert "gone" in sync(app)

    assert db.session.get(Meetup, synced.id).last_confirmed is None
    assert not db.session.get(Meetup, synced.id).is_deleted


def test_irregular_dates_leave_the_schedule_alone_and_say_what_differs(app, server, synced):
    today = datetime.now(UTC).date()
    server.feeds["/google.ics"] = feeds.meetup([today + timedelta(days=n) for n in (3, 5, 13, 30)])
    link = link_of(synced)
    link.series_key = "summary:Open Coffee Lille"
    db.session.commit()

    assert "mismatch" in sync(app)

    meetup = db.session.get(Meetup, synced.id)
    assert (meetup.rrule, meetup.changes) == ("FREQ=WEEKLY;BYDAY=TH", [])
    assert len(link_of(meetup).mismatch["dates"]) == 4


def test_meetup_shaped_feed_brings_in_a_gap_as_a_cancellation(app, server, synced):
    days = feeds.thursdays(datetime.now(UTC).date(), 8)
    gap = days.pop(2)
    server.feeds["/meetup.ics"] = feeds.meetup(days)
    link = link_of(synced)
    link.url, link.series_key = server.url("/meetup.ics"), "summary:Open Coffee Lille"
    db.session.commit()

    sync(app)

    meetup = db.session.get(Meetup, synced.id)
    assert [(c.original_date, c.cancelled) for c in meetup.changes] == [(gap, True)]


def test_our_own_feed_can_be_followed(app, client, server, synced, make_meetup):
    day = feeds.thursdays(datetime.now(UTC).date(), 2)[1]
    source = make_meetup(name="Open Coffee Source", start_time=time(8, 30))
    source.changes.append(MeetupChange(original_date=day, cancelled=True))
    db.session.commit()
    server.feeds["/ours.ics"] = client.get("/feeds/meetup/open-coffee-source.ics").data
    choice = sources.choices(sources.read_calendar(server.feeds["/ours.ics"]), datetime.now(UTC))
    service.link(
        db.session,
        db.session.get(Meetup, synced.id),
        server.url("/ours.ics"),
        choice[0],
        datetime.now(UTC),
    )
    db.session.commit()

    sync(app)

    meetup = db.session.get(Meetup, synced.id)
    assert [(c.original_date, c.cancelled) for c in meetup.changes] == [(day, True)]


def test_a_private_address_is_refused_and_the_error_kept(app, server, synced):
    app.config["SYNC_ALLOW_HOSTS"] = ""

    sync(app)

    assert "private network" in link_of(synced).last_error["msgid"]


def test_an_outlook_calendar_with_windows_zone_names_cancels_a_date(app, server, synced):
    days = feeds.last_thursdays(datetime.now(UTC).date(), 3)
    server.feeds["/outlook.ics"] = feeds.outlook(days[0] - timedelta(days=120), cancel=days[1])
    link = link_of(synced)
    link.url = server.url("/outlook.ics")
    link.series_key = "uid:040000008200E00074C5B7101A82E00800000000@outlook.com"
    db.session.commit()

    assert "updated" in sync(app)

    meetup = db.session.get(Meetup, synced.id)
    assert (meetup.rrule, meetup.start_time) == ("FREQ=MONTHLY;BYDAY=-1TH", time(18, 0))
    assert [(c.original_date, c.cancelled) for c in meetup.changes] == [(days[1], True)]


def test_a_malformed_calendar_is_a_failure_shown_and_changes_nothing(app, server, synced):
    server.feeds["/google.ics"] = b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:tomorrow\r\n"

    assert "failed" in sync(app)

    link = link_of(synced)
    assert link.last_error["msgid"] == "The address does not hold an iCalendar file."
    assert link.failing_since is not None and db.session.get(Meetup, synced.id).changes == []
