"""Other people's calendars read as our schedules, or plainly refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from meetups.sync import mapping, sources
from meetups.sync.sources import SourceError
from tests import calendar_feeds as feeds

NOW = datetime(2026, 12, 5, 10, tzinfo=UTC)
TODAY = NOW.date()


def proposal(body: bytes, key: str, first: date = date(2024, 1, 1)):
    series = sources.find_series(sources.read_calendar(body), key)
    return mapping.propose(series, "Europe/Paris", first, NOW)


def test_the_series_of_a_calendar_are_listed_with_their_next_dates():
    thursdays = feeds.thursdays(TODAY, 3)
    body = feeds.google(thursdays[0] - timedelta(weeks=10))

    found = sources.choices(sources.read_calendar(body), NOW)

    assert [(c.key, c.summary) for c in found] == [
        ("uid:book-club@google.com", "Book club"),
        ("uid:open-coffee-lille@google.com", "Open Coffee Lille"),
    ]
    assert [d.date() for d in found[1].next_dates] == thursdays


def test_google_series_keeps_its_local_time_across_clock_changes_and_ends_on_until():
    first = feeds.thursdays(TODAY, 1)[0] - timedelta(weeks=30)  # began in summer time

    found = proposal(feeds.google(first), "uid:open-coffee-lille@google.com")

    assert isinstance(found, mapping.Proposal)
    assert found.state["rrule"] == "FREQ=WEEKLY;BYDAY=TH"
    assert found.state["start_time"] == "08:30:00"
    assert found.state["duration_minutes"] == 120
    assert found.state["end_date"] == (first + timedelta(days=700)).isoformat()
    assert not [name for name in found.state if name.startswith("date:")]


def test_an_exdate_cancels_and_an_override_moves():
    cancel, moved = feeds.thursdays(TODAY, 4)[1:3]
    body = feeds.google(
        feeds.thursdays(TODAY, 1)[0],
        cancel=cancel,
        move=(moved, moved + timedelta(days=1), time(9, 30)),
    )

    found = proposal(body, "uid:open-coffee-lille@google.com")

    assert found.state[f"date:{cancel}"]["cancelled"] is True
    assert found.state[f"date:{moved}"] == {
        "cancelled": False,
        "new_date": (moved + timedelta(days=1)).isoformat(),
        "new_start_time": "09:30:00",
        "new_duration_minutes": None,
    }


def test_meetup_single_dates_show_a_weekly_pattern_and_a_gap_is_a_cancellation():
    days = feeds.thursdays(TODAY, 8)
    gap = days.pop(3)

    found = proposal(feeds.meetup(days), "summary:Open Coffee Lille")

    assert found.state["rrule"] == "FREQ=WEEKLY;BYDAY=TH"
    assert found.state[f"date:{gap}"]["cancelled"] is True


def test_meetup_dates_every_other_week_are_seen_as_such():
    days = feeds.thursdays(TODAY, 12)[::2]

    found = proposal(feeds.meetup(days), "summary:Open Coffee Lille")

    assert found.state["rrule"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;WKST=MO"


def test_meetup_dates_on_the_last_thursday_are_monthly():
    found = proposal(feeds.meetup(feeds.last_thursdays(TODAY, 5)), "summary:Open Coffee Lille")

    assert found.state["rrule"] == "FREQ=MONTHLY;BYDAY=-1TH"


def test_irregular_dates_are_not_guessed():
    days = [TODAY + timedelta(days=n) for n in (3, 5, 13, 30, 31)]

    found = proposal(feeds.meetup(days), "summary:Open Coffee Lille")

    assert isinstance(found, mapping.Mismatch)
    assert "no weekly or monthly pattern" in found.msgid
    assert [d.date() for d in found.their_dates] == days


def test_outlook_windows_zone_and_last_weekday_by_setpos():
    days = feeds.last_thursdays(TODAY, 3)
    body = feeds.outlook(days[0] - timedelta(days=28 * 3), cancel=days[1])

    found = proposal(body, "uid:040000008200E00074C5B7101A82E00800000000@outlook.com")

    assert found.state["rrule"] == "FREQ=MONTHLY;BYDAY=-1TH"
    assert found.state["start_time"] == "18:00:00"
    assert found.state[f"date:{days[1]}"]["cancelled"] is True
    assert (
        sources.zone_name(
            sources.find_series(
                sources.read_calendar(body),
                "uid:040000008200E00074C5B7101A82E00800000000@outlook.com",
            ).master
        )
        == "Europe/Paris"
    )


def test_a_rule_outside_our_subset_is_a_mismatch():
    body = feeds.calendar(
        "BEGIN:VEVENT",
        "DTSTART;TZID=Europe/Paris:20261201T083000",
        "DTEND;TZID=Europe/Paris:20261201T103000",
        "RRULE:FREQ=DAILY",
        "UID:daily",
        "SUMMARY:Daily standup",
        "END:VEVENT",
    )

    found = proposal(body, "uid:daily")

    assert isinstance(found, mapping.Mismatch)
    assert len(found.their_dates) == 6


def test_a_series_that_is_no_longer_listed_or_over_is_gone():
    body = feeds.google(TODAY - timedelta(days=800))

    assert isinstance(proposal(body, "uid:open-coffee-lille@google.com"), mapping.Gone)
    assert isinstance(proposal(body, "uid:someone-else"), mapping.Gone)


@pytest.mark.parametrize(
    "body", [b"<html>Sign in</html>", b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n", b""]
)
def test_what_is_not_a_calendar_says_so(body):
    with pytest.raises(SourceError):
        sources.read_calendar(body)
