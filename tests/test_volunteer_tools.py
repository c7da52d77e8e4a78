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
from tests.test_permissions import MEETUP_FORM
from tests.test_volunteer_flow import (
    new_page,
    open_menu,
    report_problem,
    sign_in,
    sign_up,
    words_in,
)


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


def test_the_error_summary_punctuates_as_french_does(auth, make_user, make_venue):
    make_user()
    auth.sign_in()
    make_venue()

    response = auth.post(
        "/meetups/new?venue=cafe-central-paris&lang=fr", {**MEETUP_FORM, "name": ""}
    )

    link = soup(response).select_one("#error-summary a[href='#name']").get_text()
    assert link.startswith("Nom : "), link


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


# --- The whole walk, in a browser at phone width, in English and in French ---------------

# Column names and Python values; "None found." is English, not a value.
RAW = re.compile(
    r"\b(venue_id|city_id|rrule|duration_minutes|start_time|deleted_at|True|False)\b"
    r"|\bNone\b(?! found)|\{'|\['|\b[a-z]+_[a-z_]+\b"
)
# English words no French sentence has: a page showing them left something untranslated.
ENGLISH = re.compile(r"\b(the|and|of|by|to|this|was|with|from|undo|edit|save)\b", re.IGNORECASE)
IPHONE = {"width": 390, "height": 844}

# What the walk reads that comes with a context or a count, or that it checks as a sentence.
SENTENCES = {
    "en": {
        "Tuesday": "Tuesday",
        "weekly": "Every Tuesday, 08:30–10:30",
        "fix": "things to fix before saving",
        "reported": "Someone reported that this meetup no longer happens",
        "moderation": r"^Moderation \d+ items? wait",
        "review": "Edits waiting for review (1)",
        "details": "Closed for works",
        "history": [
            "Trudy undid a change by Bob.",
            "Bob changed the time from 08:30 to 10:00.",
            "Nell added the meetup.",
        ],
    },
    "fr": {
        "Tuesday": "mardi",
        "weekly": "Chaque mardi, 08:30–10:30",
        "fix": "points à corriger avant d’enregistrer",
        "reported": "Quelqu’un a signalé que ce rendez-vous n’a plus lieu",
        "moderation": r"^Modération \d+ éléments? en attente",
        "review": "Modifications en attente de relecture (1)",
        "details": "Fermé pour travaux",
        "history": [
            "Trudy a défait une modification de Bob.",
            "Bob a changé l’heure de 08:30 à 10:00.",
            "Nell a ajouté le rendez-vous.",
        ],
    },
}


class Pages:
    """Every page the walk shows, kept as a screenshot in the test's output and checked for
    raw field names and Python values (and, in French, for English left untranslated)."""

    def __init__(self, shots: Path, language: str) -> None:
        self.shots = shots
        self.language = language
        self.count = 0
        shots.mkdir(parents=True, exist_ok=True)

    def look(self, page: Page, name: str, *, typed: tuple[str, ...] = ()) -> str:
        """The page's text, once screenshotted and checked; `typed` is what people wrote."""
        self.count += 1
        page.screenshot(path=self.shots / f"{self.count:02d}-{name}.png", full_page=True)
        text = page.locator("body").inner_text()
        raw = RAW.search(text)
        assert raw is None, f"{name} shows a raw value: {raw.group()!r}"
        if self.language != "en":
            words = text
            for own in typed:
                words = words.replace(own, "")
            english = ENGLISH.search(words)
            assert english is None, f"{name} shows English: {english.group()!r} in {words!r}"
        return text


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "fr"])
def test_sign_up_add_a_meetup_undo_vandalism_and_moderate_at_phone_width(
    browser, live_server, make_user, make_venue, tmp_path, language
):
    _ = words_in(language)
    said = SENTENCES[language]
    pages = Pages(tmp_path / language, language)
    typed = ("Open Coffee Walk", "Café Central", "Nell", "Bob", "Trudy", "Mo", said["details"])
    make_venue("Café Central", address="")
    make_user("bob@example.org", "Bob", reviewed=True)
    make_user("trudy@example.org", "Trudy", trusted=True, reviewed=True)
    make_user("mod@example.org", "Mo", role=Role.MODERATOR)

    def person() -> Page:
        return new_page(browser, language, IPHONE)

    # A newcomer signs up and is led on to their first meetup: city, venue, then schedule.
    newcomer = person()
    newcomer.goto(live_server + "/")
    pages.look(newcomer, "home", typed=typed)
    sign_up(newcomer, "nell@example.org", "Nell", _)
    expect(newcomer.get_by_text(_("Step 1 of 3: the city"))).to_be_visible()
    pages.look(newcomer, "welcome", typed=typed)
    newcomer.get_by_label(_("In which city or town does it meet?")).fill("paris")
    newcomer.get_by_role("button", name=_("Find the city")).click()
    pages.look(newcomer, "city", typed=typed)
    newcomer.get_by_role("link", name="Paris").click()
    expect(newcomer.get_by_text(_("Step 2 of 3: the venue"))).to_be_visible()
    newcomer.get_by_label(_("Where does it meet? Search the venues by name")).fill("central")
    newcomer.locator("main").get_by_role("button", name=_("Search")).click()
    pages.look(newcomer, "venue", typed=typed)
    newcomer.get_by_role("link", name="Café Central").click()
    expect(newcomer.get_by_text(_("Step 3 of 3: the schedule"))).to_be_visible()
    pages.look(newcomer, "form", typed=typed)
    newcomer.get_by_role("button", name=_("Save"), exact=True).click()
    assert said["fix"] in pages.look(newcomer, "form-errors", typed=typed)
    newcomer.get_by_label(_("Name"), exact=True).fill("Open Coffee Walk")
    newcomer.get_by_label(said["Tuesday"], exact=True).check()
    newcomer.get_by_label(_("Starts at (local time)")).fill("08:30")
    newcomer.get_by_label(_("Ends at (local time)")).fill("10:30")
    # The next dates follow the form as it is filled in, before anything is saved.
    preview = newcomer.get_by_role("region", name=_("The next dates"))
    expect(preview.get_by_role("listitem")).to_have_count(6)
    expect(preview.get_by_role("listitem").first).to_contain_text(said["Tuesday"], ignore_case=True)
    expect(preview.get_by_role("listitem").first).to_contain_text("08:30–10:30")
    pages.look(newcomer, "preview", typed=typed)
    newcomer.get_by_role("button", name=_("Save"), exact=True).click()
    expect(newcomer.get_by_text(said["weekly"])).to_be_visible()
    meetup_url = newcomer.url.split("?")[0]
    pages.look(newcomer, "meetup", typed=typed)

    # A second volunteer moves it to 10:00; a trusted volunteer undoes that from the history.
    bob = person()
    bob.goto(meetup_url)
    sign_in(bob, "bob@example.org", PASSWORD, _)
    bob.goto(meetup_url)
    # Edit is at the top of the page (and again with the other actions at its foot).
    bob.get_by_role("link", name=_("Edit"), exact=True).first.click()
    pages.look(bob, "edit", typed=typed)
    bob.get_by_label(_("Starts at (local time)")).fill("10:00")
    bob.get_by_label(_("Ends at (local time)")).fill("12:00")
    bob.get_by_role("button", name=_("Save"), exact=True).click()
    pages.look(bob, "edited", typed=typed)
    trudy = person()
    trudy.goto(meetup_url)
    sign_in(trudy, "trudy@example.org", PASSWORD, _)
    trudy.goto(meetup_url + "history")
    pages.look(trudy, "history-to-undo", typed=typed)
    by_bob = trudy.locator("li.revision").filter(has_text=said["history"][1])
    by_bob.get_by_role("button", name=_("Undo this change")).click()
    expect(trudy.get_by_role("status")).to_have_text(_("Change undone."))
    expect(trudy.get_by_text(said["weekly"])).to_be_visible()
    pages.look(trudy, "undone", typed=typed)

    # A visitor reports it; the page says so; the moderator sees the count and resolves it.
    visitor = person()
    report_problem(visitor, meetup_url, "It no longer happens", said["details"], _)
    pages.look(visitor, "reported", typed=typed)
    moderator = person()
    moderator.goto(meetup_url)
    sign_in(moderator, "mod@example.org", PASSWORD, _)
    moderator.goto(meetup_url)
    assert said["reported"] in pages.look(moderator, "report-shown", typed=typed)
    open_menu(moderator, _)
    moderator.get_by_role("link", name=re.compile(said["moderation"])).click()
    assert said["review"] in pages.look(moderator, "dashboard", typed=typed)  # Nell's
    report = moderator.locator(".report").filter(has_text=said["details"])
    report.get_by_role("button", name=_("Resolve")).click()
    expect(moderator.get_by_role("status")).to_have_text(_("Report resolved."))
    pages.look(moderator, "resolved", typed=typed)

    # The history and recent changes read in sentences.
    moderator.goto(meetup_url + "history")
    history = pages.look(moderator, "history", typed=typed)
    assert all(sentence in history for sentence in said["history"])
    open_menu(moderator, _)
    moderator.get_by_role("link", name=_("Recent changes")).click()
    changes = pages.look(moderator, "recent-changes", typed=typed)
    assert said["history"][0] in changes
    for page in (newcomer, bob, trudy, visitor, moderator):
        page.context.close()


def test_the_schedule_builder_previews_the_next_dates_without_saving(
    client, auth, make_user, make_venue
):
    make_user()
    auth.sign_in()
    make_venue()
    monthly = {**MEETUP_FORM, "pattern": "monthly", "month_weekday": "4", "week_of_month": "-1"}

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
