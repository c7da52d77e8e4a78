"""Revisions record what changed, field by field, and can be undone safely."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from meetups.editing import history
from meetups.extensions import db
from meetups.models import Meetup, MeetupChange, MeetupStatus, Revision, Role, User, tags_named


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


# --- History in words -----------------------------------------------------------------------

COLUMN_NAMES = ("venue_id", "rrule", "duration_minutes", "start_time", "deleted_at", "{'", "None")


def history_of(client, slug: str, lang: str = "en") -> list[str]:
    page = BeautifulSoup(client.get(f"/m/{slug}/history?lang={lang}").text, "html5lib")
    return [" ".join(row.get_text(" ").split()) for row in page.select("li.revision")]


def test_an_edit_reads_as_a_sentence_with_a_compact_before_and_after(
    client, make_meetup, volunteer
):
    meetup = make_meetup("Coffee", slug="coffee")
    edit(meetup, volunteer, start_time=time(8, 30))

    (english,) = history_of(client, "coffee")
    (french,) = history_of(client, "coffee", "fr")

    assert "Ann changed the time from 09:00 to 08:30." in english
    assert "Start time Before: 09:00 → After: 08:30" in english
    assert "Ann a changé l’heure de 09:00 à 08:30." in french
    assert "Heure de début Avant : 09:00 → Après : 08:30" in french
    assert not any(name in english + french for name in COLUMN_NAMES)


def test_a_cancelled_date_and_an_undo_read_differently_in_french(client, make_meetup, volunteer):
    meetup = make_meetup("Coffee", slug="coffee")
    before = history.snapshot(meetup)
    meetup.changes.append(
        MeetupChange(original_date=date(2027, 1, 7), cancelled=True, note="Café fermé")
    )
    cancel = history.record(db.session, meetup, "cancel-date", volunteer, before)
    history.revert(db.session, cancel, volunteer)
    db.session.commit()

    undo, cancelled = history_of(client, "coffee", "fr")
    english_undo, english_cancelled = history_of(client, "coffee")

    assert "Ann a annulé la date du jeudi 7 janvier 2027 : « Café fermé »" in cancelled
    assert "Ann a défait une modification de Ann." in undo
    assert "Ann cancelled Thursday 7 January 2027: ‘Café fermé’" in english_cancelled
    assert "Before: as usual → After: cancelled: ‘Café fermé’" in english_cancelled
    assert "Ann undid a change by Ann." in english_undo


def test_a_move_names_both_venues_and_the_schedule_in_words(
    client, make_meetup, make_venue, volunteer
):
    meetup = make_meetup("Coffee", slug="coffee")
    edit(meetup, volunteer, venue=make_venue("Bar Bis"))
    edit(meetup, volunteer, rrule="FREQ=MONTHLY;BYDAY=-1FR", duration_minutes=90)

    schedule, move = history_of(client, "coffee")

    assert "Ann moved the meetup from Café Central to Bar Bis." in move
    assert "Ann changed: how often, length." in schedule
    assert "How often Before: Every Thursday → After: Last Friday of the month" in schedule
    assert "Length Before: 2 h → After: 1 h 30" in schedule


def test_history_times_are_the_listings_local_time(
    client, make_city, make_venue, make_meetup, volunteer
):
    sydney = make_city("Sydney", "AU", "Australia", "Australia/Sydney", -33.87, 151.21)
    meetup = make_meetup("Coffee", slug="coffee", venue=make_venue("Cafe", city=sydney))
    revision = edit(meetup, volunteer, name="Coffee Club")
    revision.created_at = datetime(2026, 12, 3, 22, 15, tzinfo=UTC)
    db.session.commit()

    (row,) = history_of(client, "coffee")

    assert row.startswith("Friday 4 December 2026, 09:15 AEDT")


def test_recent_changes_and_the_dashboard_tell_the_same_sentence(
    client, auth, make_user, make_meetup
):
    newcomer = make_user("new@example.org", "Nell")
    make_user("mod@example.org", "Mo", role=Role.MODERATOR)
    meetup = make_meetup("Coffee", slug="coffee")
    edit(meetup, newcomer, name="Coffee Club")
    auth.sign_in("mod@example.org")

    changes = client.get("/changes").text
    dashboard = client.get("/moderation/").text

    sentence = "Nell renamed it from ‘Coffee’ to ‘Coffee Club’."
    assert sentence in changes and sentence in dashboard


# --- Trust: undoing anyone's edit, going back to a version ----------------------------------


def test_going_back_to_a_version_unwinds_every_later_change(make_meetup, make_venue, volunteer):
    meetup = make_meetup("Coffee", tags=["a"])
    good = edit(meetup, volunteer, name="Coffee Club")
    edit(meetup, volunteer, name="SPAM", start_time=time(3), venue=make_venue("Bar Bis"))
    before = history.snapshot(meetup)
    meetup.tags = tags_named(db.session, ["spam"])
    meetup.changes.append(MeetupChange(original_date=date(2027, 1, 7), cancelled=True))
    history.record(db.session, meetup, "edit", volunteer, before)
    db.session.commit()

    back = history.restore_version(db.session, good, volunteer)
    db.session.commit()

    assert (meetup.name, meetup.start_time, meetup.venue.name) == (
        "Coffee Club",
        time(9),
        "Café Central",
    )
    assert [tag.slug for tag in meetup.tags] == ["a"] and meetup.changes == []
    assert back.action == "restore-version" and back.reverts_id == good.id
    assert history.restore_version(db.session, good, volunteer) is None


def test_going_back_to_a_version_at_a_deleted_venue_is_refused(make_meetup, make_venue, volunteer):
    meetup = make_meetup("Coffee")
    first_venue = meetup.venue
    first = edit(meetup, volunteer, name="Coffee Club")
    edit(meetup, volunteer, venue=make_venue("Bar Bis"))
    edit(first_venue, volunteer, deleted_at=datetime(2026, 1, 1, tzinfo=UTC))

    with pytest.raises(history.RevertConflict, match="restore the venue first"):
        history.restore_version(db.session, first, volunteer)


@pytest.fixture
def vandalised(make_user, make_meetup) -> Revision:
    """Open Coffee, renamed by a vandal; a trusted volunteer, a plain one and a moderator."""
    vandal = make_user("vandal@example.org", "Vandal")
    make_user("trusted@example.org", "Trudy", trusted=True)
    make_user("plain@example.org", "Pat")
    make_user("mod@example.org", "Mo", role=Role.MODERATOR)
    meetup = make_meetup("Open Coffee", slug="coffee")
    history.record(db.session, meetup, "create", None, {})
    return edit(meetup, vandal, name="SPAM")


@pytest.mark.parametrize(
    ("who", "undone"),
    [("trusted@example.org", True), ("plain@example.org", False), ("mod@example.org", True)],
)
def test_trusted_volunteers_and_moderators_undo_anyones_edit(client, auth, vandalised, who, undone):
    auth.sign_in(who)
    page = BeautifulSoup(client.get("/m/coffee/history").text, "html5lib")

    response = auth.post(f"/revisions/{vandalised.id}/revert")

    assert bool(page.find("button", string="Undo this change")) == undone
    assert response.status_code == (302 if undone else 403)
    db.session.expire_all()
    assert db.session.get(Meetup, vandalised.entity_id).name == (
        "Open Coffee" if undone else "SPAM"
    )


def test_a_moderator_trusts_a_volunteer_from_the_dashboard(client, auth, vandalised):
    pat = db.session.scalar(select(User).where(User.email == "plain@example.org"))
    auth.sign_in("mod@example.org")

    auth.post(f"/moderation/users/{pat.id}/trusted", {"trusted": "yes"})
    auth.sign_out()
    auth.sign_in("plain@example.org")

    assert auth.post(f"/revisions/{vandalised.id}/revert").status_code == 302
    assert "Pat undid a change by Vandal." in client.get("/m/coffee/history").text


def test_a_trusted_volunteer_goes_back_to_a_version_from_the_history(client, auth, vandalised):
    auth.sign_in("trusted@example.org")
    page = BeautifulSoup(client.get("/m/coffee/history").text, "html5lib")
    (button,) = page.find_all("button", string="Go back to this version")

    auth.post(button.find_parent("form")["action"], follow_redirects=True)

    db.session.expire_all()
    assert db.session.get(Meetup, vandalised.entity_id).name == "Open Coffee"
    assert "Trudy went back to the version of" in client.get("/m/coffee/history").text


def test_undoing_a_move_away_from_a_venue_deleted_since_is_refused(
    make_meetup, make_venue, volunteer
):
    meetup = make_meetup("Coffee")
    first_venue = meetup.venue
    move = edit(meetup, volunteer, venue=make_venue("Bar Bis"))
    edit(first_venue, volunteer, deleted_at=datetime(2026, 1, 1, tzinfo=UTC))

    with pytest.raises(history.RevertConflict, match="restore the venue first"):
        history.revert(db.session, move, volunteer)


def test_a_history_leads_back_to_its_listing_and_city(client, make_meetup):
    meetup = make_meetup("Coffee", slug="coffee")
    venue = meetup.venue.slug

    for history_path, listing in [
        ("/m/coffee/history", "/m/coffee/"),
        (f"/v/{venue}/history", f"/v/{venue}/"),
    ]:
        page = BeautifulSoup(client.get(history_path).text, "html5lib")
        crumbs = page.select_one("nav.breadcrumbs")

        assert [link["href"] for link in crumbs.select("a")][-2:] == ["/fr/paris/", listing]
        assert crumbs.get_text().endswith("› History")
