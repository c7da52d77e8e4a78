"""The ways in for volunteers and moderators: header links, the guided path to a new meetup,
open reports shown to visitors, guards on what shifts calendars, forms that help."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from meetups.editing import history
from meetups.extensions import db
from meetups.models import Report, ReportKind, Role


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html5lib")


def header_links(client, path: str = "/") -> list[str]:
    header = soup(client.get(path)).select_one("header.site nav.account")
    return [" ".join(link.get_text(" ").split()) for link in header.find_all("a")]


# --- Navigation -----------------------------------------------------------------------------


def test_visitors_see_only_the_sign_in_link(client, make_meetup):
    make_meetup()

    assert header_links(client) == ["Volunteer sign in"]


def test_a_volunteer_sees_add_a_meetup_and_recent_changes(client, auth, make_user):
    make_user(display_name="Val")
    auth.sign_in()

    assert header_links(client) == ["Add a meetup", "Recent changes", "Val"]


def test_a_moderator_sees_how_many_items_wait(client, auth, make_user, make_meetup):
    newcomer = make_user("new@example.org", "Nell")
    make_user("mod@example.org", "Mo", role=Role.MODERATOR)
    meetup = make_meetup()
    before = history.snapshot(meetup)
    meetup.name = "Open Coffee!"
    history.record(db.session, meetup, "edit", newcomer, before)
    db.session.add(Report(meetup=meetup, kind=ReportKind.WRONG_TIME))
    db.session.commit()
    auth.sign_in("mod@example.org")

    links = header_links(client)

    assert links[:3] == ["Add a meetup", "Recent changes", "Moderation 2 items wait"]
    assert "Modération 2 éléments en attente" in header_links(client, "/?lang=fr")


# --- The guided path to a new meetup --------------------------------------------------------


def test_a_volunteer_finds_the_city_then_the_venue_then_the_form(
    client, auth, make_user, make_city, make_venue
):
    make_user()
    auth.sign_in()
    cologne = make_city(
        "Köln", "DE", "Germany", "Europe/Berlin", 50.93, 6.95, alternate_names=("Cologne",)
    )
    make_venue("Café Fromm", city=cologne)
    make_venue("Bar Rot", city=cologne, address="Ringstraße 1")

    cities = soup(client.get("/add?q=cologne")).select("ul.plain a")
    venues = soup(client.get(cities[0]["href"])).select("ul.plain a")
    found = soup(client.get(f"/add?city={cologne.id}&q=fromm")).select("ul.plain a")
    form = client.get(found[0]["href"])

    assert [link.get_text() for link in cities] == ["Köln"]
    assert [link.get_text() for link in venues] == ["Bar Rot", "Café Fromm"]
    assert [link.get_text() for link in found] == ["Café Fromm"]
    assert form.status_code == 200 and "weekdays" in form.text


@pytest.mark.parametrize("query", ["q=atlantis", "city=99999", "city=abc", f"city={2**64}"])
def test_the_guided_path_explains_what_it_cannot_find(client, auth, make_user, query):
    make_user()
    auth.sign_in()

    response = client.get(f"/add?{query}")

    assert response.status_code == 200
    if query.startswith("q="):
        assert "No city called “atlantis” in the directory." in response.text


# --- Guards on what shifts calendars --------------------------------------------------------

VENUE = {"name": "Café Central", "address": "1 Main Street", "notes": ""}


@pytest.fixture
def held_venue(make_user, auth, make_meetup):
    """A Paris venue with a meetup, and a signed-in volunteer."""
    make_user(reviewed=True)
    auth.sign_in()
    return make_meetup("Open Coffee", slug="coffee").venue


def test_swapped_coordinates_are_saved_only_once_confirmed(client, auth, held_venue):
    swapped = {**VENUE, "latitude": "2.3488", "longitude": "48.8534"}

    asked = auth.post("/v/cafe-central-paris/edit", swapped)
    db.session.expire_all()
    unchanged = (held_venue.latitude, held_venue.timezone)
    confirmed = auth.post("/v/cafe-central-paris/edit", {**swapped, "confirmed": "yes"})
    db.session.expire_all()

    warning = soup(asked).select_one("#confirm-shift").get_text(" ")
    assert "6793 km from Paris. Check that latitude and longitude are not swapped" in warning
    assert unchanged == (48.8534, "Europe/Paris")
    assert confirmed.status_code == 302 and held_venue.latitude == 2.3488


def test_a_change_of_time_zone_names_what_it_moves_and_is_in_each_history(client, auth, held_venue):
    sydney = {**VENUE, "latitude": "-33.87", "longitude": "151.21"}

    asked = auth.post("/v/cafe-central-paris/edit", sydney)
    auth.post("/v/cafe-central-paris/edit", {**sydney, "confirmed": "yes"})

    warning = " ".join(soup(asked).select_one("#confirm-shift").get_text(" ").split())
    assert "every meetup here (1) will move to Australia/Sydney time" in warning
    db.session.expire_all()
    assert held_venue.timezone == held_venue.meetups[0].timezone == "Australia/Sydney"
    page = soup(client.get("/m/coffee/history")).select_one("li.revision").get_text(" ")
    assert "moved its venue to another time zone: the meetup now follows Australia/Sydney" in (
        " ".join(page.split())
    )


def test_a_nearby_correction_needs_no_confirmation(client, auth, held_venue):
    response = auth.post(
        "/v/cafe-central-paris/edit", {**VENUE, "latitude": "48.86", "longitude": "2.35"}
    )

    assert response.status_code == 302


def test_a_new_venue_far_from_its_city_asks_first(auth, make_user, make_city):
    make_user()
    auth.sign_in()
    paris = make_city()
    far = {**VENUE, "latitude": "40.7", "longitude": "-74.0", "action": "save"}

    asked = auth.post(f"/venues/new?city={paris.id}", far)
    saved = auth.post(f"/venues/new?city={paris.id}", {**far, "confirmed": "yes"})

    assert asked.status_code == 200 and "km from Paris" in asked.text
    assert saved.status_code == 302


# --- Open reports are visible ---------------------------------------------------------------


def test_an_open_report_shows_on_the_meetup_page_until_resolved(
    client, auth, make_user, make_meetup
):
    make_user("mod@example.org", "Mo", role=Role.MODERATOR)
    make_meetup("Open Coffee", slug="coffee")
    auth.post("/m/coffee/report", {"kind": "no-longer-happens", "message": "Café closed"})
    auth.post("/m/coffee/report", {"kind": "other", "message": "Nice place"})

    reported = soup(client.get("/m/coffee/")).select("p.reported")
    in_french = soup(client.get("/m/coffee/?lang=fr")).select("p.reported")
    auth.sign_in("mod@example.org")
    dashboard = soup(client.get("/moderation/")).select(".report")
    closed = db.session.scalar(select(Report).where(Report.kind == ReportKind.NO_LONGER_HAPPENS))
    auth.post(f"/moderation/reports/{closed.id}/resolve", {"resolution": "Checked: it still is"})
    auth.sign_out()

    assert [p.get_text() for p in reported] == [
        "Someone reported that this meetup no longer happens. A volunteer is checking: "
        "until then, check before you go."
    ]
    assert "n’a plus lieu" in in_french[0].get_text()
    assert "no longer happens" in dashboard[0].get_text() and "CET" in dashboard[0].get_text()
    assert soup(client.get("/m/coffee/")).select("p.reported") == []


# --- Forms that help ------------------------------------------------------------------------

MEETUP_FORM = {
    "name": "Open Coffee",
    "pattern": "weekly",
    "weekdays": ["3"],
    "interval": "1",
    "week_of_month": "1",
    "start_time": "08:30",
    "duration_minutes": "90",
    "first_date": "2026-01-01",
}


def test_every_problem_is_listed_at_the_top_in_one_pass(auth, make_user, make_venue):
    make_user()
    auth.sign_in()
    make_venue()
    broken = {**MEETUP_FORM, "name": "", "weekdays": [], "start_time": ""}

    response = auth.post("/meetups/new?venue=cafe-central-paris", broken)

    summary = soup(response).select_one("#error-summary")
    links = {link["href"]: link.get_text() for link in summary.select("a")}
    assert response.status_code == 400 and summary.has_attr("autofocus")
    assert summary.h2.get_text() == "3 things to fix before saving"
    assert links == {
        "#name": "Name: Give the meetup a name, e.g. “Open Coffee Lille”.",
        "#weekdays": "On: Pick the day(s) of the week.",
        "#start_time": "Starts at (local time): Give the time it starts, e.g. 08:30.",
    }


@pytest.mark.parametrize("typed", ["bar bis", "Bar Bis", "/v/bar-bis-paris/"])
def test_one_date_moves_to_another_venue_picked_by_name(
    client, auth, make_user, make_meetup, make_venue, typed
):
    make_user()
    auth.sign_in()
    meetup = make_meetup("Open Coffee", slug="coffee")
    bar = make_venue("Bar Bis", address="2 Rue Bis")
    day = meetup.next_dates(datetime.now(UTC), 1)[0].original_date.isoformat()
    form = soup(client.get(f"/m/coffee/dates/{day}"))

    response = auth.post(f"/m/coffee/dates/{day}", {"action": "move", "venue": typed})

    assert [option["value"] for option in form.select("#city-venues option")] == [
        "Bar Bis",
        "Café Central",
    ]
    assert response.status_code == 302
    db.session.expire_all()
    assert meetup.changes[0].venue_id == bar.id


def test_a_venue_name_nobody_knows_is_explained(client, auth, make_user, make_meetup):
    make_user()
    auth.sign_in()
    meetup = make_meetup("Open Coffee", slug="coffee")
    day = meetup.next_dates(datetime.now(UTC), 1)[0].original_date.isoformat()

    response = auth.post(f"/m/coffee/dates/{day}", {"action": "move", "venue": "12 Rue X"})

    assert response.status_code == 400
    assert "No venue called “12 Rue X” in Paris: pick one of the list" in response.text
