"""In Chromium, phone and desktop: a volunteer links a calendar, then settles a conflict."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from meetups.extensions import db
from meetups.models import CalendarLink
from tests import calendar_feeds as feeds
from tests.conftest import DESKTOP, PASSWORD
from tests.feed_server import serving

# The browser reads pages; which engine stored them is covered by the other sync tests.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture
def server(app):
    app.config["SYNC_ALLOW_HOSTS"] = "127.0.0.1"
    with serving() as running:
        running.feeds["/google.ics"] = feeds.google(feeds.thursdays(datetime.now(UTC).date(), 1)[0])
        yield running


def signed_in(browser, live_server, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(live_server + "/account/sign-in")
    page.fill("input[name=email]", "volunteer@example.org")
    page.fill("input[name=password]", PASSWORD)
    page.click("main form button[type=submit]")
    return context, page


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("viewport", [PHONE_390, DESKTOP], ids=["390", "1280"])
def test_link_a_calendar_pick_its_series_and_settle_a_conflict(
    browser, live_server, server, make_user, make_meetup, viewport, tmp_path
):
    make_user(reviewed=True)
    meetup = make_meetup(name="Open Coffee Lille", start_time=time(8, 30))
    context, page = signed_in(browser, live_server, viewport)

    page.goto(live_server + "/m/open-coffee-lille/")
    page.click("text=Follow its own calendar")
    page.fill("input[name=url]", server.url("/google.ics"))
    page.click("text=Read the calendar")
    choices = page.locator(".series-choice")
    assert choices.count() == 2 and fits(page)
    page.screenshot(path=tmp_path / "series-pick.png", full_page=True)
    page.check("input[value='uid:open-coffee-lille@google.com']")
    page.click("text=Follow this series")
    assert "Open Coffee Lille" in page.locator(".sync-status").inner_text()

    day = feeds.thursdays(datetime.now(UTC).date(), 2)[1]
    link = db.session.get(CalendarLink, meetup.id)
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
    link.conflicts = {f"date:{day}": [ours, theirs]}
    db.session.commit()
    page.reload()
    conflict = page.locator(".conflict")
    assert "cancelled" in conflict.inner_text() and fits(page)
    page.screenshot(path=tmp_path / "conflict.png", full_page=True)
    conflict.locator("text=Take the calendar’s").click()

    assert page.locator(".conflict").count() == 0
    db.session.expire_all()
    assert [c.cancelled for c in db.session.get(CalendarLink, meetup.id).meetup.changes] == [True]

    link = db.session.get(CalendarLink, meetup.id)
    link.mismatch = {
        "msgid": "The calendar's dates follow no weekly or monthly pattern.",
        "params": {},
        "dates": ["2030-01-03T08:30:00+01:00", "2030-01-05T18:00:00+01:00"],
    }
    link.last_error = {
        "msgid": "The calendar address answered with error %(status)d.",
        "params": {"status": 404},
    }
    link.failing_since = datetime.now(UTC)
    db.session.commit()
    page.reload()
    assert "answered with error 404" in page.locator(".notice.error").inner_text()
    assert "Thursday 3 January 2030" in page.locator(".compare").inner_text() and fits(page)
    page.screenshot(path=tmp_path / "status.png", full_page=True)
    page.goto(live_server + "/m/open-coffee-lille/")
    assert "answered with error 404" in page.locator(".sync-note").inner_text()
    page.locator(".sync-note").screenshot(path=tmp_path / "listing-note.png")
    context.close()
