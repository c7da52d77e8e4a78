"""Feeds rendered from flat rows, each series once per edit, agree with the meetups themselves."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from flask import current_app
from sqlalchemy import select

from meetups.extensions import db
from meetups.feeds import catalogue, export, ical
from meetups.models import Meetup, MeetupStatus, Venue, ZoneRules
from tests.test_export import count_series_renders, run_export


@pytest.fixture
def directory(make_city, make_venue, make_meetup):
    """Moved and cancelled dates (one to another city's venue), pauses, series that never
    happen, tags, a deletion."""
    paris = make_city("Paris")
    berlin = make_city("Berlin", "DE", "Germany", "Europe/Berlin", 52.52, 13.40)
    cafe, annex = make_venue("Café X", city=paris), make_venue("Annexe", city=paris)
    make_meetup(
        "Open Coffee Paris",
        venue=cafe,
        description="Ask for **Anna** at the [bar](https://example.org).",
        tags=["startups", "tech"],
        changes=[
            {"original_date": date(2026, 12, 3), "cancelled": True},
            {"original_date": date(2026, 12, 10), "new_start_time": time(18), "venue_id": annex.id},
        ],
    )
    make_meetup("Paused", venue=annex, status=MeetupStatus.PAUSED, status_since=date(2026, 6, 1))
    make_meetup("Never", venue=annex, status=MeetupStatus.ENDED, status_since=date(2023, 1, 1))
    make_meetup(
        "Berlin Coffee",
        venue=make_venue("Kaffee", city=berlin),
        tags=["tech"],
        changes=[
            {"original_date": date(2026, 12, 17), "new_start_time": time(19), "venue_id": cafe.id}
        ],
    )
    make_meetup("Gone", venue=cafe, deleted_at=datetime(2026, 11, 1, tzinfo=UTC))


def from_the_meetups_themselves(feed: catalogue.Feed, site: catalogue.SiteSettings) -> bytes:
    """The feed built the slow, obvious way: ORM objects through `series_record`, and the
    dates other series moved into a place's feed."""
    held = list(db.session.scalars(select(Meetup).where(catalogue._condition(feed))))
    records = (catalogue.series_record(m, site) for m in held if m.ever_happens)
    moved_here = [
        item
        for meetup in db.session.scalars(select(Meetup))
        if meetup not in held and meetup.ever_happens
        for venue_id, item in ical.render_moved_dates(catalogue.series_record(meetup, site))
        if is_in(feed, db.session.get(Venue, venue_id))
    ]
    rendered = [*filter(None, map(ical.render_series, records)), *moved_here]
    return ical.assemble_calendar(catalogue._info(feed, site), rendered)


def is_in(feed: catalogue.Feed, venue: Venue) -> bool:
    """Whether a venue is the place a venue's, city's or country's feed covers."""
    code = venue.city.country_code.lower()
    return (feed.kind, feed.slugs) in {
        ("venue", (venue.slug,)),
        ("city", (code, venue.city.slug)),
        ("country", (code,)),
    }


def test_every_feed_rendered_from_rows_has_the_bytes_built_from_the_meetups(app, directory):
    with app.test_request_context():
        site = catalogue.site_settings(current_app.config)
        feeds = catalogue.all_feeds(db.session)
        assert len(feeds) == 14  # all, 2 countries, 2 cities, 3 venues, 4 meetups, 2 tags
        for feed, _ in feeds:
            expected = from_the_meetups_themselves(feed, site)
            assert catalogue.render(db.session, feed, site) == expected, feed.path


def test_the_versions_from_one_load_are_those_asked_feed_by_feed(app, directory):
    feeds = catalogue.all_feeds(db.session)

    assert "meetup/gone.ics" not in {feed.path for feed, _ in feeds}
    for feed, version in feeds:
        assert catalogue.find(db.session, feed.kind, feed.slugs) == feed
        assert catalogue.version(db.session, feed) == version, feed.path


def test_after_an_edit_a_worker_renders_again_only_the_edited_series(
    app, client, directory, monkeypatch
):
    before = client.get("/feeds/all.ics")
    meetup = db.session.scalar(select(Meetup).filter_by(slug="berlin-coffee"))
    meetup.start_time = time(8)
    db.session.commit()
    rendered = count_series_renders(monkeypatch)

    after = client.get("/feeds/all.ics")

    assert rendered == [f"meetup-{meetup.id}@meetups.test"]
    assert after.data != before.data
    with app.test_request_context():
        assert after.data == from_the_meetups_themselves(
            catalogue.ALL, catalogue.site_settings(current_app.config)
        )


def test_a_worker_renders_again_the_series_whose_venue_was_renamed(app, client, directory):
    client.get("/feeds/all.ics")
    db.session.scalar(select(Venue).filter_by(slug="cafe-x-paris")).name = "Café Y"
    db.session.commit()

    after = client.get("/feeds/all.ics")

    assert "Café Y".encode() in after.data
    with app.test_request_context():
        assert after.data == from_the_meetups_themselves(
            catalogue.ALL, catalogue.site_settings(current_app.config)
        )


def count_vtimezones(monkeypatch) -> list[str]:
    made: list[str] = []
    original = ical.vtimezone

    def counting(zone, first_year):
        made.append(zone)
        return original(zone, first_year)

    monkeypatch.setattr("meetups.feeds.ical.vtimezone", counting)
    return made


def test_a_time_zone_release_re_renders_only_the_series_in_the_zones_it_changes(
    app, client, directory, tmp_path, monkeypatch
):
    made = count_vtimezones(monkeypatch)
    run_export(app, tmp_path)
    assert sorted(set(made)) == ["Europe/Berlin", "Europe/Paris"]
    db.session.scalar(select(Meetup).filter_by(slug="berlin-coffee")).start_time = time(8)
    db.session.commit()
    made.clear()

    run_export(app, tmp_path)
    assert made == []

    # A release that changes Berlin's rules, and only Berlin's.
    monkeypatch.setattr("meetups.zone_database.release", lambda: "2099z")
    db.session.get(ZoneRules, "Europe/Berlin").digest = "rules of an older release"
    db.session.commit()
    berlin = db.session.scalar(select(Meetup).filter_by(slug="berlin-coffee"))
    paris = db.session.scalar(select(Meetup).filter_by(slug="open-coffee-paris"))
    sequences = (berlin.sequence, paris.sequence)
    rendered = count_series_renders(monkeypatch)
    run_export(app, tmp_path)

    assert sorted(set(made)) == ["Europe/Berlin", "Europe/Paris"]
    assert rendered == [f"meetup-{berlin.id}@meetups.test"]
    db.session.expire_all()
    assert (berlin.sequence, paris.sequence) == (sequences[0] + 1, sequences[1])
    state = export.read_state(tmp_path, export.SERIES_CACHE)
    assert state["time_zone_release"] == "2099z"


def test_a_meetups_plain_description_follows_every_write_of_its_markdown(app, make_meetup):
    meetup = make_meetup("Plain", description="Meet **us** at [Café X](https://x.example).")
    assert meetup.description_text == "Meet us at Café X."

    meetup.description = "Now *upstairs*."
    db.session.commit()

    stored = db.session.execute(select(Meetup.description_text).filter_by(slug="plain"))
    assert stored.scalar_one() == "Now upstairs."
