"""The data version: any change a page or feed shows moves it; reading alone does not."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from meetups.data_version import DataVersion
from meetups.extensions import db


@pytest.fixture
def version(app):
    data = DataVersion(ttl=0)
    return lambda: data.current(db.session)


def test_nothing_changed_nothing_moves(version, make_meetup):
    make_meetup()
    assert version() == version()


def test_a_meetup_edit_moves_it(version, make_meetup):
    meetup = make_meetup()
    before = version()
    meetup.start_time = time(10)
    db.session.commit()
    assert version() != before


def test_a_venue_edit_moves_it(version, make_meetup):
    meetup = make_meetup()
    before = version()
    meetup.venue.notes = "Upstairs now."
    db.session.commit()
    assert version() != before


def test_a_deleted_meetup_moves_it_and_is_not_counted(version, make_meetup):
    make_meetup("Kept")
    gone = make_meetup("Gone")
    before = version()
    gone.deleted_at = datetime.now(UTC)
    db.session.commit()
    after = version()
    assert after != before
    assert after[0] == 1  # meetups counted: the deleted one is not


def test_a_reloaded_city_moves_it(version, make_meetup):
    meetup = make_meetup()
    before = version()
    meetup.venue.city.population += 1000
    db.session.commit()
    assert version() != before
