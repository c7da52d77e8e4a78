"""Spotting duplicate venues and merging them without breaking anyone's links."""

from __future__ import annotations

import icalendar
import pytest
from sqlalchemy import func, select

from meetups.editing.duplicates import possible_duplicates, similar_names
from meetups.extensions import db
from meetups.models import Meetup, Venue, VenueRedirect

# About 0.001° of latitude is 111 m.
PARIS = (48.8566, 2.3522)


@pytest.mark.parametrize(
    ("first", "second", "alike"),
    [
        ("Café X", "Cafe X", True),
        ("Café X", "Café X Paris", True),
        ("Le Comptoir Vauban", "Comptoir Vauban", True),
        ("Starbucks", "Starbuck's", True),
        ("Café X", "Bar Y", False),
        ("Kaffeebar", "Weinbar", False),
    ],
)
def test_similar_names(first, second, alike):
    assert similar_names(first, second) is alike


@pytest.mark.parametrize(
    ("name", "north", "address", "expected"),
    [
        ("Cafe des Batisseurs", 0.0008, "", True),  # similar name, 90 m away
        ("Cafe des Batisseurs", 0.003, "", False),  # similar name, 330 m away
        ("Bar Tabac", 0.0001, "", False),  # next door, another name
        ("Bar Tabac", 0.01, "12 Rue de la Fontaine-au-Roi", True),  # same address
    ],
)
def test_possible_duplicates_of_a_new_venue(make_venue, name, north, address, expected):
    existing = make_venue(
        "Café des Bâtisseurs",
        latitude=PARIS[0],
        longitude=PARIS[1],
        address="12 rue de la Fontaine au Roi",
    )
    candidate = Venue(
        name=name,
        address=address,
        city_id=existing.city_id,
        latitude=PARIS[0] + north,
        longitude=PARIS[1],
    )

    assert (possible_duplicates(db.session, candidate) == [existing]) is expected


def test_duplicate_venues_lists_pairs(app, make_venue):
    make_venue("Café X", address="1 rue A", latitude=PARIS[0], longitude=PARIS[1])
    make_venue(
        "Cafe X (terrace)",
        slug="cafe-x-terrace",
        address="3 rue A",
        latitude=PARIS[0] + 0.0005,
        longitude=PARIS[1],
    )
    make_venue("Elsewhere", address="9 rue B", latitude=PARIS[0] + 0.05, longitude=PARIS[1])

    result = app.test_cli_runner().invoke(args=["duplicate-venues"])

    assert result.exit_code == 0
    assert "cafe-x-paris  cafe-x-terrace" in result.output
    assert "1 possible duplicate(s)" in result.output


def test_merge_moves_meetups_and_redirects_pages_and_feeds(app, client, make_venue, make_meetup):
    keep = make_venue("Café X", notes="")
    duplicate = make_venue("Cafe X bis", slug="cafe-x-bis", notes="Wifi: ask at the bar")
    third = make_venue("Other")
    moved = make_meetup("Morning", venue=duplicate)
    make_meetup(
        "Evening",
        venue=third,
        changes=[{"original_date": moved.first_date.replace(day=4), "venue_id": duplicate.id}],
    )
    sequence = moved.sequence

    result = app.test_cli_runner().invoke(args=["merge-venues", "cafe-x-paris", "cafe-x-bis"])

    assert result.exit_code == 0, result.output
    assert "1 meetup(s) moved" in result.output
    db.session.expire_all()
    assert db.session.get(Meetup, moved.id).venue_id == keep.id
    assert db.session.get(Meetup, moved.id).sequence == sequence + 1
    assert db.session.get(Venue, keep.id).notes == "Wifi: ask at the bar"
    assert db.session.scalar(select(func.count(Venue.id)).where(Venue.slug == "cafe-x-bis")) == 0
    page = client.get("/v/cafe-x-bis/")
    assert page.status_code == 301 and page.headers["Location"] == "/v/cafe-x-paris/"
    feed = client.get("/feeds/venue/cafe-x-bis.ics")
    assert feed.status_code == 301 and feed.headers["Location"] == "/feeds/venue/cafe-x-paris.ics"
    evening = icalendar.Calendar.from_ical(client.get("/feeds/meetup/evening.ics").data)
    override = next(e for e in evening.walk("VEVENT") if "RECURRENCE-ID" in e)
    assert str(override["LOCATION"]).startswith("Café X")


def test_merging_twice_keeps_the_oldest_address_working(app, client, make_venue):
    first = make_venue("A", slug="a")
    make_venue("B", slug="b")
    make_venue("C", slug="c")
    runner = app.test_cli_runner()

    runner.invoke(args=["merge-venues", "b", "a"])
    runner.invoke(args=["merge-venues", "c", "b"])

    assert client.get("/v/a/").headers["Location"] == "/v/c/"
    assert client.get("/v/b/").headers["Location"] == "/v/c/"
    assert db.session.scalar(select(func.count()).select_from(VenueRedirect)) == 2
    assert first.slug == "a"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["merge-venues", "cafe-central-paris", "nope"], "no venue with the slug 'nope'"),
        (["merge-venues", "nope", "cafe-central-paris"], "no venue with the slug 'nope'"),
        (["merge-venues", "cafe-central-paris", "cafe-central-paris"], "are the same venue"),
        (["merge-venues", "cafe-central-paris"], "Missing argument"),
    ],
)
def test_merge_refuses_bad_arguments_and_changes_nothing(app, make_meetup, args, message):
    make_meetup()

    result = app.test_cli_runner().invoke(args=args)

    assert result.exit_code == 2
    assert message in result.output
    assert db.session.scalar(select(func.count(Venue.id))) == 1
