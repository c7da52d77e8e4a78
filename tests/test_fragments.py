"""Meetup cards are rendered once and reused until what they show changes."""

from __future__ import annotations

from datetime import time

import pytest

from meetups.extensions import db
from meetups.web import fragments


@pytest.fixture
def coffee(make_meetup):
    return make_meetup("Open Coffee Paris")


@pytest.fixture
def card_renders(monkeypatch):
    """How many cards were rendered rather than taken from memory."""
    count = [0]
    macros = fragments._macros

    def counting():
        count[0] += 1
        return macros()

    monkeypatch.setattr(fragments, "_macros", counting)
    return count


VOLUNTEER = {"Cookie": "session=volunteer"}  # any cookie skips the whole-page cache


def test_a_card_is_rendered_once_for_every_page_that_lists_it(client, coffee, card_renders):
    first = client.get("/fr/paris/", headers=VOLUNTEER)
    again = client.get("/fr/paris/", headers=VOLUNTEER)
    client.get("/v/cafe-central-paris/", headers=VOLUNTEER)

    assert card_renders[0] == 1
    assert again.text == first.text


def test_an_edit_of_the_meetup_or_its_venue_shows_on_the_card_at_once(client, coffee):
    client.get("/fr/paris/", headers=VOLUNTEER)

    coffee.start_time = time(8, 15)
    coffee.venue.name = "Café Nouveau"
    db.session.commit()
    page = client.get("/fr/paris/", headers=VOLUNTEER).text

    assert "08:15" in page and "Café Nouveau" in page


def test_edits_elsewhere_leave_the_card_in_memory(client, coffee, make_meetup, card_renders):
    client.get("/fr/paris/")
    make_meetup("Tea Paris")

    client.get("/fr/paris/")

    assert card_renders[0] == 2  # Open Coffee's once, and the new meetup's


def test_each_language_has_its_own_card(client, coffee):
    english = client.get("/fr/paris/?lang=en").text
    french = client.get("/fr/paris/?lang=fr").text

    assert "Every Thursday" in english
    assert "Chaque jeudi" in french
    assert 'href="/m/open-coffee-paris/?lang=fr"' in french
