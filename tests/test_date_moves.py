"""Moving one date: refused into the past or further than 60 days, never cancelled by
default, nothing half-saved."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from meetups.extensions import db
from meetups.models import MeetupChange, Revision
from tests.calendar_parsers import READERS, Window
from tests.test_editing import next_thursday, soup


@pytest.fixture
def volunteer(make_user, auth):
    user = make_user(reviewed=True)
    auth.sign_in()
    return user


def errors(response) -> str:
    shown = soup(response).select(".error, .field-error, .error-summary li")
    return " ".join(item.get_text() for item in shown)


def nothing_saved() -> bool:
    counts = [db.session.scalar(select(func.count(m.id))) for m in (MeetupChange, Revision)]
    return counts == [0, 0]


@pytest.mark.parametrize(
    ("weeks", "new_day", "message"),
    [
        (-1, 1, "A date cannot be moved into the past: pick today or a later day."),
        (1, -14, "A date cannot be moved into the past: pick today or a later day."),
        (1, 61, "A date can move at most 60 days from its usual day."),
        (1, -61, "A date can move at most 60 days from its usual day."),
    ],
    ids=["a past date", "back before today", "61 days later", "61 days earlier"],
)
def test_a_move_too_far_or_into_the_past_is_refused_and_nothing_saved(
    auth, volunteer, make_meetup, weeks, new_day, message
):
    make_meetup("Coffee", first_date=date(2024, 1, 4))
    original = next_thursday() + timedelta(weeks=weeks - 1)
    new_date = original + timedelta(days=new_day)

    response = auth.post(
        f"/m/coffee/dates/{original}", {"action": "move", "new_date": new_date.isoformat()}
    )

    assert response.status_code == 400
    assert message in errors(response)
    assert nothing_saved()


def test_a_move_of_sixty_days_is_accepted(auth, volunteer, make_meetup):
    make_meetup("Coffee", first_date=date(2024, 1, 4))
    original = next_thursday()
    later = original + timedelta(days=60)

    response = auth.post(f"/m/coffee/dates/{original}", {"action": "move", "new_date": later})

    assert response.status_code == 302
    assert db.session.scalar(select(MeetupChange.new_date)) == later


def test_the_date_form_chooses_nothing_for_the_volunteer(auth, volunteer, make_meetup):
    make_meetup("Coffee", first_date=date(2024, 1, 4))
    day = next_thursday()

    page = soup(auth.client.get(f"/m/coffee/dates/{day}"))
    saved_without_choosing = auth.post(f"/m/coffee/dates/{day}", {"note": "Holiday"})

    assert page.select("input[name=action][checked]") == []
    assert saved_without_choosing.status_code == 400
    assert "Choose what happens to this date." in errors(saved_without_choosing)
    assert nothing_saved()


def test_the_date_form_shows_a_saved_move_and_no_cancel(auth, volunteer, make_meetup):
    make_meetup("Coffee", first_date=date(2024, 1, 4))
    moved, cancelled = next_thursday(), next_thursday() + timedelta(weeks=1)
    auth.post(f"/m/coffee/dates/{moved}", {"action": "move", "new_start_time": "10:15"})
    auth.post(f"/m/coffee/dates/{cancelled}", {"action": "cancel"})

    move_form = soup(auth.client.get(f"/m/coffee/dates/{moved}"))
    cancel_form = soup(auth.client.get(f"/m/coffee/dates/{cancelled}"))

    assert [item["value"] for item in move_form.select("input[name=action][checked]")] == ["move"]
    assert move_form.select_one("input[name=new_start_time]")["value"] == "10:15"
    assert cancel_form.select("input[name=action][checked]") == []


def test_a_date_moved_to_a_venue_in_another_zone_happens_at_that_venues_local_time(
    client, auth, volunteer, make_city, make_venue, make_meetup
):
    """A Paris 09:00 date moved to a London venue is at 09:00 London time, not 08:00."""
    make_meetup("Coffee", first_date=date(2024, 1, 4))
    london = make_city("London", "GB", "United Kingdom", "Europe/London", 51.51, -0.13)
    make_venue("Fleet Street Press", city=london)
    day = next_thursday()

    form = soup(auth.client.get(f"/m/coffee/dates/{day}"))
    response = auth.post(
        f"/m/coffee/dates/{day}", {"action": "move", "venue": "/v/fleet-street-press-london/"}
    )

    assert "At another venue, they are that venue's local time." in form.select_one(
        ".zone-note"
    ).get_text(" ", strip=True)
    assert response.status_code == 302
    expected = datetime.combine(day, time(9), ZoneInfo("Europe/London"))
    api = client.get(f"/api/v1/occurrences?from={day}&to={day}").get_json()
    assert [(item["start"], item["timezone"]) for item in api["items"]] == [
        (expected.isoformat(), "Europe/London")
    ]
    page = soup(client.get("/m/coffee/")).select_one("ol.dates li.moved time")
    assert datetime.fromisoformat(page["datetime"]) == expected
    assert page.get_text(" ", strip=True).endswith("09:00–11:00 GMT")
    feed = client.get("/feeds/meetup/coffee.ics").data
    for name, read in READERS.items():
        moved = read(feed, Window(day, day + timedelta(days=1))).instances
        assert [item.start for item in moved] == [expected.astimezone(UTC)], name


@pytest.mark.parametrize(
    ("fields", "minutes", "shown"),
    [
        ({"new_end_time": "12:30"}, 210, "12:30"),  # from the usual 09:00
        ({"new_start_time": "23:30", "new_end_time": "02:30"}, 180, "02:30"),  # the next day
        ({"new_start_time": "10:00", "new_end_time": "10:00"}, 24 * 60, "10:00"),
    ],
    ids=["later-end", "past-midnight", "a-whole-day"],
)
def test_a_moved_date_takes_an_end_time_on_the_wall_clock(
    auth, volunteer, make_meetup, fields, minutes, shown
):
    make_meetup("Coffee", first_date=date(2024, 1, 4))
    day = next_thursday()

    response = auth.post(f"/m/coffee/dates/{day}", {"action": "move", **fields})
    form = soup(auth.client.get(f"/m/coffee/dates/{day}"))

    assert response.status_code == 302
    assert db.session.scalar(select(MeetupChange.new_duration_minutes)) == minutes
    assert form.select_one("input[name=new_end_time]")["value"] == shown
