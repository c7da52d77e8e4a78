"""A country's dates, expanded from plain rows, say what each meetup's own page says."""

from __future__ import annotations

from datetime import date, time

import pytest
from bs4 import BeautifulSoup

from meetups import queries
from meetups.agenda import DateRange
from meetups.models import MeetupStatus
from meetups.pages import routes


def agenda_items(response) -> list[tuple[str, str]]:
    """(local start, text) of each date the country page lists, in page order."""
    page = BeautifulSoup(response.text, "html5lib")
    return [
        (item.select_one("time")["datetime"], item.get_text(" ", strip=True))
        for item in page.select(".agenda ol.dates li")
    ]


def test_moves_in_and_out_of_the_range_and_cancellations_show_as_on_the_city_page(
    client, make_meetup, make_venue
):
    elsewhere = make_venue("Bar Bis", address="2 Rue Bis")
    make_meetup(
        "Open Coffee",
        first_date=date(2026, 1, 1),
        changes=[
            {"original_date": date(2026, 12, 10), "cancelled": True},
            # From the week after into this one, and from this week out of it.
            {"original_date": date(2026, 12, 24), "new_date": date(2026, 12, 15)},
            {
                "original_date": date(2026, 12, 17),
                "new_date": date(2026, 12, 16),
                "new_start_time": time(18),
                "venue_id": elsewhere.id,
            },
        ],
    )
    week = "from=2026-12-09&to=2026-12-17"

    on_the_country_page = agenda_items(client.get(f"/fr/?{week}"))

    assert [when for when, _ in on_the_country_page] == [
        "2026-12-15T09:00:00+01:00",
        "2026-12-16T18:00:00+01:00",
    ]
    assert "Bar Bis" in on_the_country_page[1][1]
    assert [when for when, _ in agenda_items(client.get(f"/fr/paris/?{week}"))] == [
        when for when, _ in on_the_country_page
    ]


def test_a_paused_series_keeps_its_dates_before_the_pause(client, make_meetup):
    make_meetup(
        "Open Coffee",
        first_date=date(2026, 1, 1),
        status=MeetupStatus.PAUSED,
        status_since=date(2026, 12, 11),
    )

    response = client.get("/fr/?from=2026-12-01&to=2026-12-31")

    assert [when for when, _ in agenda_items(response)] == [
        "2026-12-03T09:00:00+01:00",
        "2026-12-10T09:00:00+01:00",
    ]


def test_a_long_agenda_shows_the_first_dates_and_counts_the_rest(client, make_meetup, monkeypatch):
    monkeypatch.setattr(routes, "COUNTRY_DATES", 3)
    make_meetup("Daily Coffee", rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU")
    make_meetup("Zebra Coffee", slug="zebra-coffee", rrule="FREQ=WEEKLY;BYDAY=MO")

    response = client.get("/fr/?from=2026-12-07&to=2026-12-13")

    items = agenda_items(response)
    assert len(items) == 3
    assert items[0][0] == "2026-12-07T09:00:00+01:00" and "Daily Coffee" in items[0][1]
    assert "Zebra Coffee" in items[1][1]
    assert "And 5 more" in response.text


def test_ended_series_are_not_listed(client, make_meetup):
    make_meetup(
        "Open Coffee",
        first_date=date(2026, 1, 1),
        status=MeetupStatus.ENDED,
        status_since=date(2026, 12, 20),
    )

    assert agenda_items(client.get("/fr/?from=2026-12-01&to=2026-12-31")) == []


def test_series_paused_or_ended_before_the_range_are_not_read(make_meetup):
    make_meetup("Still Going", slug="still-going")
    make_meetup(
        "Paused Within",
        slug="paused-within",
        status=MeetupStatus.PAUSED,
        status_since=date(2026, 12, 11),
    )
    make_meetup(
        "Paused Before",
        slug="paused-before",
        status=MeetupStatus.PAUSED,
        status_since=date(2026, 11, 1),
    )
    make_meetup("Ended Before", slug="ended-before", end_date=date(2026, 11, 26))

    read = queries.series_in_country("fr", DateRange(date(2026, 12, 7), date(2026, 12, 13)))

    assert sorted(series.slug for series in read) == ["paused-within", "still-going"]


def test_a_date_moved_into_the_range_past_a_pause_is_listed(client, make_meetup):
    make_meetup(
        "Open Coffee",
        first_date=date(2026, 1, 1),
        status=MeetupStatus.PAUSED,
        status_since=date(2026, 11, 1),
        changes=[{"original_date": date(2026, 10, 29), "new_date": date(2026, 12, 10)}],
    )

    response = client.get("/fr/?from=2026-12-07&to=2026-12-13")

    assert [when for when, _ in agenda_items(response)] == ["2026-12-10T09:00:00+01:00"]


def test_a_first_date_moved_earlier_into_the_range_is_listed(client, make_meetup):
    make_meetup(
        "Open Coffee",
        first_date=date(2027, 1, 7),
        changes=[{"original_date": date(2027, 1, 7), "new_date": date(2026, 12, 10)}],
    )

    response = client.get("/fr/?from=2026-12-07&to=2026-12-13")

    assert [when for when, _ in agenda_items(response)] == ["2026-12-10T09:00:00+01:00"]
    api = client.get("/api/v1/occurrences?country=fr&from=2026-12-07&to=2026-12-13")
    assert len(api.json["items"]) == 1


@pytest.mark.parametrize("end", ["from", "to"])
@pytest.mark.parametrize(("lang", "label"), [("en", "“From”"), ("fr", "«\u00a0Du\u00a0»")])
def test_a_day_that_is_no_date_is_named_as_its_field_is_labelled(
    client, make_meetup, end, lang, label
):
    make_meetup("Open Coffee")
    labels = {"from": label, "to": {"en": "“To”", "fr": "«\u00a0Au\u00a0»"}[lang]}

    response = client.get(f"/fr/paris/?{end}=2026-13-01&lang={lang}")

    error = BeautifulSoup(response.text, "html5lib").select_one(".date-range .error").get_text()
    assert response.status_code == 400
    assert labels[end] in error
    assert f"“{end}”" not in error and f"«\u00a0{end}\u00a0»" not in error


def test_the_default_week_reads_the_same_when_remembered(client, make_meetup):
    make_meetup("Open Coffee")
    # A cookie skips the page cache: the second page is written from the remembered week.
    client.set_cookie("volunteer", "1")

    for path in ("/fr/", "/fr/paris/"):
        first = client.get(path)
        again = client.get(path)

        assert agenda_items(first) and again.text == first.text


@pytest.mark.parametrize("path", ["/fr/", "/fr/paris/"])
def test_a_bad_range_is_said_above_the_fields_it_is_about(client, make_meetup, path):
    make_meetup("Open Coffee")

    response = client.get(f"{path}?from=2026-12-20&to=2026-12-01")

    page = BeautifulSoup(response.text, "html5lib")
    form = page.select_one("form.date-range")
    error = form.select_one(".error")
    assert response.status_code == 400
    assert error.get_text() == "The end date is before the start date."
    assert form.find_all(["p", "input"])[0] is error
    for field in form.select("input[type=date]"):
        assert field["aria-invalid"] == "true"
        assert field["aria-describedby"] == error["id"]
    assert page.select_one("#dates-heading").get_text() == "Choose the dates"
