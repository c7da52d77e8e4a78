"""The ways in for volunteers and moderators: header links, the guided path to a new meetup,
open reports shown to visitors, guards on what shifts calendars, forms that help."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

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
