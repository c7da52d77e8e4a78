"""The ways in for volunteers and moderators: header links, the guided path to a new meetup,
open reports shown to visitors, guards on what shifts calendars, forms that help."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from meetups.editing import history, operations
from meetups.extensions import db
from meetups.models import Meetup, Report, ReportKind, Role
from tests.conftest import PASSWORD
from tests.test_volunteer_flow import new_page, report_problem, sign_in, sign_up


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


@pytest.mark.parametrize("query", ["q=xqzvw", "city=99999", "city=abc", f"city={2**64}"])
def test_the_guided_path_explains_what_it_cannot_find(client, auth, make_user, query):
    make_user()
    auth.sign_in()

    response = client.get(f"/add?{query}")

    assert response.status_code == 200
    if query.startswith("q="):
        assert "No city or town called “xqzvw”." in response.text


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

    swapped["version"] = operations.version_token(held_venue)
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
    sydney["version"] = operations.version_token(held_venue)

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
    version = operations.version_token(held_venue)
    nearby = {**VENUE, "latitude": "48.86", "longitude": "2.35", "version": version}
    response = auth.post("/v/cafe-central-paris/edit", nearby)

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


# --- The whole walk, in a browser at phone width --------------------------------------------

# Column names and Python values; "None found." is English, not a value.
RAW = re.compile(
    r"\b(venue_id|rrule|duration_minutes|start_time|deleted_at|True|False)\b|\bNone\b(?! found)|\{'"
)


def looked_at(page: Page, shots: Path, name: str) -> str:
    """Keep a screenshot of the page in the test's output, and return its text to check."""
    page.screenshot(path=shots / f"{name}.png", full_page=True)
    text = page.locator("main").inner_text()
    assert not RAW.search(text), f"{name} shows a raw value: {RAW.search(text).group()}"
    return text


@pytest.mark.browser
def test_sign_up_add_a_meetup_undo_vandalism_and_moderate_at_phone_width(
    browser, live_server, make_user, make_venue, tmp_path
):
    make_venue("Café Central")
    make_user("bob@example.org", "Bob", reviewed=True)
    make_user("trudy@example.org", "Trudy", trusted=True, reviewed=True)
    make_user("mod@example.org", "Mo", role=Role.MODERATOR)

    # A newcomer signs up and follows "Add a meetup": city, venue, then the form.
    newcomer = new_page(browser)
    newcomer.goto(live_server + "/")
    sign_up(newcomer, "nell@example.org", "Nell")
    newcomer.locator("details.menu summary").click()  # volunteers' links are in the menu
    newcomer.get_by_role("link", name="Add a meetup").click()
    newcomer.get_by_label("In which city or town does it meet?").fill("paris")
    newcomer.get_by_role("button", name="Find the city").click()
    newcomer.get_by_role("link", name="Paris").click()
    newcomer.get_by_role("link", name="Café Central").click()
    newcomer.get_by_role("button", name="Save").click()
    summary = looked_at(newcomer, tmp_path, "1-form-errors")
    assert "things to fix before saving" in summary
    newcomer.get_by_label("Name", exact=True).fill("Open Coffee Walk")
    newcomer.get_by_label("Tuesday").check()
    newcomer.get_by_label("Starts at (local time)").fill("08:30")
    newcomer.get_by_role("button", name="Save").click()
    expect(newcomer.get_by_text("Every Tuesday, 08:30–10:30")).to_be_visible()
    meetup_url = newcomer.url
    looked_at(newcomer, tmp_path, "2-meetup")

    # A second volunteer moves it to 10:00; a trusted volunteer undoes that from the history.
    bob = new_page(browser)
    bob.goto(meetup_url)
    sign_in(bob, "bob@example.org", PASSWORD)
    bob.goto(meetup_url)
    bob.get_by_role("link", name="Edit", exact=True).click()
    bob.get_by_label("Starts at (local time)").fill("10:00")
    bob.get_by_role("button", name="Save").click()
    trudy = new_page(browser)
    trudy.goto(meetup_url)
    sign_in(trudy, "trudy@example.org", PASSWORD)
    trudy.goto(meetup_url + "history")
    by_bob = trudy.locator("li.revision").filter(has_text="Bob changed the time from 08:30")
    by_bob.get_by_role("button", name="Undo this change").click()
    expect(trudy.get_by_role("status")).to_have_text("Change undone.")
    expect(trudy.get_by_text("Every Tuesday, 08:30–10:30")).to_be_visible()

    # A visitor reports it; the page says so; the moderator sees the count and resolves it.
    report_problem(new_page(browser), meetup_url, "It no longer happens", "Closed for works")
    moderator = new_page(browser)
    moderator.goto(meetup_url)
    sign_in(moderator, "mod@example.org", PASSWORD)
    moderator.goto(meetup_url)
    assert "Someone reported that this meetup no longer happens" in looked_at(
        moderator, tmp_path, "3-reported"
    )
    moderator.locator("details.menu summary").click()
    moderator.get_by_role("link", name=re.compile(r"^Moderation \d+ items? wait")).click()
    report = moderator.locator(".report").filter(has_text="Closed for works")
    report.get_by_role("button", name="Resolve").click()
    expect(moderator.get_by_role("status")).to_have_text("Report resolved.")
    looked_at(moderator, tmp_path, "4-dashboard")

    # The history reads in sentences, in English and in French.
    moderator.goto(meetup_url + "history")
    english = looked_at(moderator, tmp_path, "5-history")
    moderator.goto(meetup_url + "history?lang=fr")
    french = looked_at(moderator, tmp_path, "6-historique")
    assert "Trudy undid a change by Bob." in english
    assert "Bob changed the time from 08:30 to 10:00." in english
    assert "Nell added the meetup." in english
    assert "Trudy a défait une modification de Bob." in french
    assert "Bob a changé l’heure de 08:30 à 10:00." in french
    for page in (newcomer, bob, trudy, moderator):
        page.context.close()


def test_the_schedule_builder_previews_the_next_dates_without_saving(
    client, auth, make_user, make_venue
):
    make_user()
    auth.sign_in()
    make_venue()
    monthly = {**MEETUP_FORM, "pattern": "monthly", "weekdays": ["4"], "week_of_month": "-1"}

    response = auth.post("/meetups/new?venue=cafe-central-paris", {**monthly, "action": "preview"})

    dates = [li.get_text(" ") for li in soup(response).select("#preview li")]
    assert response.status_code == 200 and len(dates) == 6
    assert all(day.startswith("Friday") and "08:30–10:00" in day for day in dates)
    assert all(int(day.split()[1]) > 24 for day in dates)  # the last Friday of each month
    assert db.session.scalar(select(func.count(Meetup.id))) == 0


def test_a_meetup_page_names_its_languages_in_words(client, make_meetup):
    make_meetup("Open Coffee", slug="coffee", languages="fr,en")

    english = soup(client.get("/m/coffee/")).find("dt", string="Languages")
    french = soup(client.get("/m/coffee/?lang=fr")).find("dt", string="Langues")

    assert english.find_next("dd").get_text() == "French, English"
    assert french.find_next("dd").get_text() == "français, anglais"
