"""The demo directory a newcomer sees after `make run`."""

from __future__ import annotations

from sqlalchemy import func, select

from meetups.extensions import db
from meetups.models import Meetup, MeetupChange

DEMO_COUNTRIES = ["FR", "GB", "DE", "NL", "BE", "ES", "PT", "US", "CA", "AU", "JP"]


def load_demo_cities(runner) -> None:
    args = ["load-cities", "--min-population", "200000"]
    for code in DEMO_COUNTRIES:
        args += ["--country", code]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output


def test_seed_demo_adds_meetups_with_a_cancelled_and_a_moved_date(app, client):
    runner = app.test_cli_runner()
    load_demo_cities(runner)

    result = runner.invoke(args=["seed-demo"])

    assert result.exit_code == 0, result.output
    meetups = db.session.scalars(select(Meetup)).all()
    assert len(meetups) >= 15 and all(m.is_demo for m in meetups)
    assert len({m.venue.city.country_code for m in meetups}) >= 10
    changes = db.session.scalars(select(MeetupChange)).all()
    assert any(c.cancelled for c in changes)
    assert any(c.venue_id for c in changes) and any(c.new_date for c in changes)
    for meetup in meetups:
        assert client.get(f"/m/{meetup.slug}/").status_code == 200
        assert client.get(f"/v/{meetup.venue.slug}/").status_code == 200
    paris = client.get("/m/open-coffee-paris/").text
    assert "Cancelled" in paris and "demo listing" in paris


def test_seed_demo_only_fills_an_empty_directory(app, make_meetup):
    make_meetup("A real one")

    result = app.test_cli_runner().invoke(args=["seed-demo"])

    assert "already has meetups" in result.output
    assert db.session.scalar(select(func.count(Meetup.id))) == 1


def test_seed_demo_without_cities_explains_what_to_run(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])

    assert result.exit_code == 1
    assert "load-cities" in result.output
    assert db.session.scalar(select(func.count(Meetup.id))) == 0


def test_remove_demo_keeps_what_volunteers_added(app, make_meetup):
    runner = app.test_cli_runner()
    load_demo_cities(runner)
    runner.invoke(args=["seed-demo"])
    make_meetup("Volunteer Coffee", venue=None)

    result = runner.invoke(args=["remove-demo"])

    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(Meetup.name)).all() == ["Volunteer Coffee"]
