"""Dates as people read them: under their day, "Today" and "Tomorrow", the year only when
it is not this one, each day counted in the meetup's own zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup

from meetups.agenda import by_local_day
from meetups.feeds.subscribe import date_links
from meetups.web import display
from meetups.web.i18n import day_heading

PARIS = ZoneInfo("Europe/Paris")
SYDNEY = ZoneInfo("Australia/Sydney")
NEW_YORK = ZoneInfo("America/New_York")


def at_nine(zone: ZoneInfo, days_from_today: int) -> datetime:
    today = datetime.now(zone).date() + timedelta(days=days_from_today)
    return datetime(today.year, today.month, today.day, 9, tzinfo=zone)


@pytest.mark.parametrize(
    ("language", "today", "tomorrow"),
    [("en", "Today", "Tomorrow"), ("fr", "Aujourd’hui", "Demain")],
)
def test_today_and_tomorrow_are_named(app, language, today, tomorrow):
    with app.test_request_context(f"/?lang={language}"):
        assert day_heading(at_nine(SYDNEY, 0)) == today
        assert day_heading(at_nine(NEW_YORK, 1)) == tomorrow


def test_a_later_date_has_its_year_only_when_it_is_not_this_one(app):
    this_year = datetime.now(PARIS).year
    later = datetime(this_year + 1, 1, 14, 9, tzinfo=PARIS)
    in_two_days = at_nine(PARIS, 2)

    with app.test_request_context("/"):
        assert day_heading(later) == display.long_date(later.date())
        if in_two_days.year == this_year:
            assert day_heading(in_two_days) == display.day_in_year(in_two_days.date())


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "Thursday 10 December"),
        ("fr", "jeudi 10 décembre"),
        ("de", "Donnerstag, 10. Dezember"),
        ("es", "jueves, 10 de diciembre"),
        ("it", "giovedì 10 dicembre"),
        ("pt", "quinta-feira, 10 de dezembro"),
    ],
)
def test_a_day_of_this_year_reads_without_its_year(language, text):
    assert display.day_in_year(date(2026, 12, 10), language) == text


def test_dates_from_several_zones_fall_under_their_own_local_day():
    # Sorted by instant: Sydney's Wednesday 07:30 is Tuesday 20:30 UTC, before New York's
    # Tuesday 18:00 (23:00 UTC).
    paris_tuesday = datetime(2026, 12, 8, 9, tzinfo=PARIS)
    sydney_wednesday = datetime(2026, 12, 9, 7, 30, tzinfo=SYDNEY)
    new_york_tuesday = datetime(2026, 12, 8, 18, tzinfo=NEW_YORK)
    starts = sorted(
        [paris_tuesday, sydney_wednesday, new_york_tuesday], key=lambda s: s.astimezone(UTC)
    )

    days = by_local_day(starts, lambda start: start)

    assert days == [
        (date(2026, 12, 8), [paris_tuesday, new_york_tuesday]),
        (date(2026, 12, 9), [sydney_wednesday]),
    ]


def test_one_date_goes_to_web_calendars_at_its_local_time():
    start = datetime(2026, 12, 10, 9, tzinfo=PARIS)

    links = date_links(
        "Open Coffee", start, start + timedelta(hours=2), "Café, Paris", "https://x/m/oc/"
    )

    google = parse_qs(urlsplit(links.google).query)
    assert google["dates"] == ["20261210T090000/20261210T110000"] and google["ctz"] == [
        "Europe/Paris"
    ]
    assert google["text"] == ["Open Coffee"] and google["location"] == ["Café, Paris"]
    outlook = parse_qs(urlsplit(links.outlook).query)
    assert outlook["startdt"] == ["2026-12-10T09:00:00+01:00"]
    assert outlook["enddt"] == ["2026-12-10T11:00:00+01:00"]


def test_each_date_on_a_meetup_page_offers_one_quiet_calendar_choice(client, make_meetup):
    make_meetup("Coffee")

    page = BeautifulSoup(client.get("/m/coffee/").text, "html5lib")

    choices = page.select("ol.dates li:not(.cancelled) details.add-to-calendar")
    assert len(choices) == 8
    first = {a.get_text(): a["href"] for a in choices[0].select("a")}
    assert set(first) == {"Apple Calendar, Outlook, Thunderbird", "Google Calendar", "Outlook.com"}
    assert first["Google Calendar"].startswith("https://calendar.google.com/calendar/render?")
    assert "ctz=Europe%2FParis" in first["Google Calendar"]
