"""Revisions record what changed, field by field, and can be undone safely."""

from __future__ import annotations

from datetime import date, time

import pytest

from meetups.editing import history
from meetups.extensions import db
from meetups.models import MeetupChange, MeetupStatus, Revision, Role, User, tags_named


@pytest.fixture
def volunteer(app) -> User:
    user = User(email="ann@example.org", display_name="Ann", password_hash="x", reviewed=True)
    db.session.add(user)
    db.session.commit()
    return user


def edit(item, user, action="edit", **fields):
    before = history.snapshot(item)
    for name, value in fields.items():
        setattr(item, name, value)
    revision = history.record(db.session, item, action, user, before)
    db.session.commit()
    return revision


def test_creating_records_every_field(make_meetup, volunteer):
    meetup = make_meetup("Coffee", tags=["startups"])

    revision = history.record(db.session, meetup, "create", volunteer, {})

    assert revision.changes["name"] == [None, "Coffee"]
    assert revision.changes["start_time"] == [None, "09:00:00"]
    assert revision.changes["tags"] == [None, ["startups"]]
    assert revision.user_id == volunteer.id


def test_an_edit_records_only_what_changed(make_meetup, volunteer):
    meetup = make_meetup("Coffee")

    revision = edit(meetup, volunteer, name="Morning Coffee", start_time=time(8, 30))

    assert revision.changes == {
        "name": ["Coffee", "Morning Coffee"],
        "start_time": ["09:00:00", "08:30:00"],
    }


def test_saving_without_changes_records_nothing(make_meetup, volunteer):
    meetup = make_meetup("Coffee")

    assert edit(meetup, volunteer, name="Coffee") is None


def test_reverting_puts_the_old_values_back_and_is_itself_a_revision(make_meetup, volunteer):
    meetup = make_meetup("Coffee")
    vandalism = edit(meetup, volunteer, name="SPAM", status=MeetupStatus.ENDED)

    undo = history.revert(db.session, vandalism, volunteer)
    db.session.commit()

    assert meetup.name == "Coffee" and meetup.status == MeetupStatus.ACTIVE
    assert undo.action == "revert" and undo.reverts_id == vandalism.id
    assert undo.changes["name"] == ["SPAM", "Coffee"]


def test_revert_refuses_when_a_later_edit_changed_the_same_field(make_meetup, volunteer):
    meetup = make_meetup("Coffee")
    first = edit(meetup, volunteer, name="Coffee 2")
    edit(meetup, volunteer, name="Coffee 3")

    with pytest.raises(history.RevertConflict, match="name"):
        history.revert(db.session, first, volunteer)

    assert meetup.name == "Coffee 3"


def test_cancelling_a_date_is_recorded_and_revertible(make_meetup, volunteer):
    meetup = make_meetup("Coffee")
    before = history.snapshot(meetup)
    meetup.changes.append(MeetupChange(original_date=date(2027, 1, 7), cancelled=True, note="x"))
    cancel = history.record(db.session, meetup, "cancel-date", volunteer, before)
    db.session.commit()

    assert cancel.changes["date:2027-01-07"][0] is None
    assert cancel.changes["date:2027-01-07"][1]["cancelled"] is True
    history.revert(db.session, cancel, volunteer)
    db.session.commit()
    assert meetup.changes == []


def test_tags_and_coordinates_revert(make_meetup, make_venue, volunteer):
    meetup = make_meetup("Coffee", tags=["a"])
    venue = meetup.venue
    before = history.snapshot(meetup)
    meetup.tags = tags_named(db.session, ["b"])
    tags = history.record(db.session, meetup, "edit", volunteer, before)
    moved = edit(venue, volunteer, latitude=1.5, longitude=2.5)

    history.revert(db.session, tags, volunteer)
    history.revert(db.session, moved, volunteer)
    db.session.commit()

    assert [t.slug for t in meetup.tags] == ["a"]
    assert (venue.latitude, venue.longitude) == (48.8534, 2.3488)


def test_edits_by_new_volunteers_wait_for_review(make_meetup, app):
    newcomer = User(email="new@example.org", display_name="New", password_hash="x")
    moderator = User(
        email="mod@example.org", display_name="Mod", password_hash="x", role=Role.MODERATOR
    )
    db.session.add_all([newcomer, moderator])
    meetup = make_meetup("Coffee")

    by_newcomer = edit(meetup, newcomer, name="Coffee!")
    by_moderator = edit(meetup, moderator, name="Coffee")

    assert by_newcomer.reviewed_at is None
    assert by_moderator.reviewed_at is not None
    assert db.session.query(Revision).count() == 2


def test_undoing_a_creation_deletes_the_item_restorably(make_meetup, volunteer):
    meetup = make_meetup("Spam Coffee")
    creation = history.record(db.session, meetup, "create", volunteer, {})
    db.session.commit()

    undo = history.revert(db.session, creation, volunteer)
    db.session.commit()

    assert meetup.is_deleted
    assert undo.action == "revert" and undo.reverts_id == creation.id
    assert list(undo.changes) == ["deleted_at"]


def test_undoing_a_creation_twice_is_refused(make_meetup, volunteer):
    meetup = make_meetup("Spam Coffee")
    creation = history.record(db.session, meetup, "create", volunteer, {})
    history.revert(db.session, creation, volunteer)
    db.session.commit()

    with pytest.raises(history.RevertConflict, match="already deleted"):
        history.revert(db.session, creation, volunteer)


def test_undoing_the_creation_of_a_venue_in_use_is_refused(make_meetup, volunteer):
    meetup = make_meetup("Coffee")
    creation = history.record(db.session, meetup.venue, "create", volunteer, {})
    db.session.commit()

    with pytest.raises(history.RevertConflict, match="Meetups still take place"):
        history.revert(db.session, creation, volunteer)

    assert not meetup.venue.is_deleted


def test_an_author_cannot_change_an_item_someone_else_deleted_by_undoing(
    make_meetup, make_user, volunteer
):
    moderator = make_user("mod@example.org", "Mo", role=Role.MODERATOR)
    meetup = make_meetup("Coffee")
    creation = history.record(db.session, meetup, "create", moderator, {})
    own_edit = edit(meetup, volunteer, name="Coffee Club")
    history.revert(db.session, creation, moderator)
    db.session.commit()

    with pytest.raises(history.RevertConflict, match="restore it first"):
        history.revert(db.session, own_edit, volunteer)

    assert meetup.is_deleted and meetup.name == "Coffee Club"


def test_the_undo_button_of_a_creation_answers_without_an_error(
    client, auth, make_user, make_meetup
):
    make_user("mod@example.org", "Mo", role=Role.MODERATOR)
    meetup = make_meetup("Spam Coffee", slug="spam")
    creation = history.record(db.session, meetup, "create", None, {})
    db.session.commit()
    auth.sign_in("mod@example.org")

    response = auth.post(f"/revisions/{creation.id}/revert")

    assert response.status_code == 302
    assert client.get("/m/spam/").status_code == 410
