"""Deleting is soft: the item vanishes from pages, feeds and searches, and can come back."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import aliased

from meetups.extensions import db
from meetups.models import (
    WITH_DELETED,
    Meetup,
    MeetupChange,
    Report,
    ReportKind,
    Revision,
    Role,
    Venue,
    utcnow,
)


@pytest.fixture
def coffee(make_meetup):
    return make_meetup("Open Coffee Paris")


def revisions_of(entity: str, entity_id: int) -> list[Revision]:
    query = sa.select(Revision).where(Revision.entity == entity, Revision.entity_id == entity_id)
    return list(db.session.scalars(query.order_by(Revision.id)))


def test_a_deleted_meetup_leaves_every_listing_and_feed(client, auth, make_user, coffee):
    make_user()
    auth.sign_in()
    city_feed = client.get("/feeds/city/fr/paris.ics")
    assert b"Open Coffee Paris" in city_feed.data

    response = auth.post("/m/open-coffee-paris/delete")

    assert response.status_code == 302
    page = client.get("/m/open-coffee-paris/")
    assert page.status_code == 410
    assert "Open Coffee Paris was deleted" in page.text
    assert "Open Coffee Paris" not in client.get("/fr/paris/").text
    assert "Open Coffee Paris" not in client.get("/search?q=open+coffee").text
    assert "Open Coffee Paris" not in client.get("/").text
    after = client.get("/feeds/city/fr/paris.ics")
    assert b"Open Coffee Paris" not in after.data
    assert after.headers["ETag"] != city_feed.headers["ETag"]
    assert client.get("/feeds/meetup/open-coffee-paris.ics").status_code == 410
    assert client.get("/feeds/all.ics").data.count(b"BEGIN:VEVENT") == 0


def test_deleting_is_recorded_and_the_deleter_can_restore(client, auth, make_user, coffee):
    make_user()
    auth.sign_in()
    auth.post("/m/open-coffee-paris/delete")

    restored = auth.post("/m/open-coffee-paris/restore")

    assert restored.status_code == 302
    assert client.get("/m/open-coffee-paris/").status_code == 200
    assert b"Open Coffee Paris" in client.get("/feeds/city/fr/paris.ics").data
    deleted, back = revisions_of("meetup", coffee.id)
    assert deleted.action == "delete" and back.action == "restore"
    assert deleted.changes["deleted_at"][0] is None and deleted.changes["deleted_at"][1]
    assert back.changes["deleted_at"][1] is None


def test_only_the_deleter_or_a_moderator_may_restore(client, auth, make_user, coffee):
    make_user()
    make_user("other@example.org", "Otto")
    make_user("mod@example.org", "Mo", role=Role.MODERATOR)
    auth.sign_in()
    auth.post("/m/open-coffee-paris/delete")
    auth.sign_out()

    auth.sign_in("other@example.org")
    page = client.get("/m/open-coffee-paris/")
    refused = auth.post("/m/open-coffee-paris/restore")
    auth.sign_out()
    auth.sign_in("mod@example.org")
    allowed = auth.post("/m/open-coffee-paris/restore")

    assert "Restore" not in page.text
    assert refused.status_code == 403
    assert allowed.status_code == 302
    assert client.get("/m/open-coffee-paris/").status_code == 200


def test_visitors_cannot_delete_and_nothing_changes(client, coffee):
    response = client.post("/m/open-coffee-paris/delete")

    assert response.status_code in (302, 400)
    assert client.get("/m/open-coffee-paris/").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Revision.id))) == 0


def test_undoing_the_delete_revision_restores_it(client, auth, make_user, coffee):
    make_user(role=Role.MODERATOR)
    auth.sign_in()
    auth.post("/m/open-coffee-paris/delete")
    (deleted,) = revisions_of("meetup", coffee.id)

    auth.post(f"/revisions/{deleted.id}/revert")

    assert client.get("/m/open-coffee-paris/").status_code == 200
    assert revisions_of("meetup", coffee.id)[-1].action == "revert"


def test_history_and_recent_changes_still_name_a_deleted_meetup(client, auth, make_user, coffee):
    make_user()
    auth.sign_in()
    auth.post("/m/open-coffee-paris/delete")

    history = client.get("/m/open-coffee-paris/history")
    changes = client.get("/changes")

    assert history.status_code == 200 and "delete" in history.text
    assert "Open Coffee Paris" in changes.text


def test_a_venue_still_in_use_cannot_be_deleted(client, auth, make_user, make_venue, coffee):
    make_user()
    auth.sign_in()
    elsewhere = make_venue("Bar Bis", address="2 Rue Bis")
    coffee.changes.append(
        MeetupChange(original_date=date(2024, 1, 4), new_date=None, venue_id=elsewhere.id)
    )
    db.session.commit()

    held = auth.post("/v/cafe-central-paris/delete", follow_redirects=True)
    moved_there = auth.post("/v/bar-bis-paris/delete", follow_redirects=True)

    assert "Not deleted" in held.text and "Not deleted" in moved_there.text
    assert client.get("/v/cafe-central-paris/").status_code == 200
    assert client.get("/v/bar-bis-paris/").status_code == 200
    assert revisions_of("venue", elsewhere.id) == []


def test_an_empty_venue_can_be_deleted_and_restored(client, auth, make_user, make_venue):
    make_user()
    auth.sign_in()
    make_venue("Bar Bis")

    auth.post("/v/bar-bis-paris/delete")
    gone = client.get("/v/bar-bis-paris/")
    feed_gone = client.get("/feeds/venue/bar-bis-paris.ics")
    auth.post("/v/bar-bis-paris/restore")

    assert gone.status_code == 410 and "Bar Bis was deleted" in gone.text
    assert feed_gone.status_code == 410
    assert client.get("/v/bar-bis-paris/").status_code == 200


def test_a_meetup_cannot_come_back_to_a_deleted_venue(client, auth, make_user, coffee):
    make_user()
    auth.sign_in()
    auth.post("/m/open-coffee-paris/delete")
    auth.post("/v/cafe-central-paris/delete")

    refused = auth.post("/m/open-coffee-paris/restore", follow_redirects=True)

    assert "restore the venue first" in refused.text
    assert client.get("/m/open-coffee-paris/").status_code == 410
    auth.post("/v/cafe-central-paris/restore")
    auth.post("/m/open-coffee-paris/restore")
    assert client.get("/m/open-coffee-paris/").status_code == 200


def test_a_new_meetup_does_not_take_a_deleted_ones_address(client, auth, make_user, coffee):
    make_user()
    auth.sign_in()
    auth.post("/m/open-coffee-paris/delete")

    auth.post(
        "/meetups/new?venue=cafe-central-paris",
        {
            "name": "Open Coffee Paris",
            "pattern": "weekly",
            "weekdays": ["3"],
            "interval": "1",
            "week_of_month": "1",
            "start_time": "09:00",
            "end_time": "11:00",
            "first_date": "2026-01-01",
        },
    )

    slugs = db.session.scalars(sa.select(Meetup.slug).execution_options(**WITH_DELETED)).all()
    assert sorted(slugs) == ["open-coffee-paris", "open-coffee-paris-2"]
    assert client.get("/m/open-coffee-paris-2/").status_code == 200


def test_reports_on_a_deleted_meetup_wait_until_it_comes_back(client, auth, make_user, coffee):
    make_user(role=Role.MODERATOR)
    db.session.add(Report(meetup=coffee, kind=ReportKind.OTHER, message="Looks like spam"))
    db.session.commit()
    auth.sign_in()
    auth.post("/m/open-coffee-paris/delete")

    hidden = client.get("/moderation/")
    auth.post("/m/open-coffee-paris/restore")
    shown = client.get("/moderation/")

    assert hidden.status_code == 200 and "Looks like spam" not in hidden.text
    assert "Looks like spam" in shown.text


@pytest.fixture
def twins(make_venue, make_meetup):
    keep = make_venue("Café X", address="1 Rue X")
    duplicate = make_venue("Cafe X", address="1 rue X", slug="cafe-x-bis")
    moved = make_meetup("Morning Coffee", venue=duplicate)
    return keep, duplicate, moved


def merge(auth, keep: str, duplicate: str):
    return auth.post("/moderation/venues/merge", {"keep": keep, "duplicate": duplicate})


def test_a_moderator_merges_duplicates_from_the_dashboard(client, auth, make_user, twins):
    keep, duplicate, moved = twins
    make_user(role=Role.MODERATOR)
    auth.sign_in()
    dashboard = client.get("/moderation/")
    assert "merge the other into it" in dashboard.text

    response = merge(auth, "cafe-x-paris", "cafe-x-bis")

    assert response.status_code == 302
    assert client.get("/v/cafe-x-bis/").headers["Location"].endswith("/v/cafe-x-paris/")
    assert "Morning Coffee" in client.get("/v/cafe-x-paris/").text
    (meetup_merge,) = revisions_of("meetup", moved.id)
    assert meetup_merge.changes["venue_id"] == [duplicate.id, keep.id]
    assert "Merged Cafe X (/v/cafe-x-bis/) into Café X" in meetup_merge.summary
    assert [r.action for r in revisions_of("venue", duplicate.id)] == ["merge"]
    assert [r.action for r in revisions_of("venue", keep.id)] == ["merge"]
    assert "Merged Cafe X" in client.get("/v/cafe-x-paris/history").text


def test_a_merge_is_undone_part_by_part(client, auth, make_user, twins):
    _, duplicate, moved = twins
    make_user(role=Role.MODERATOR)
    auth.sign_in()
    merge(auth, "cafe-x-paris", "cafe-x-bis")
    (venue_merge,) = revisions_of("venue", duplicate.id)
    (meetup_merge,) = revisions_of("meetup", moved.id)

    auth.post(f"/revisions/{venue_merge.id}/revert")
    auth.post(f"/revisions/{meetup_merge.id}/revert")

    page = client.get("/v/cafe-x-bis/")
    assert page.status_code == 200 and "Morning Coffee" in page.text
    assert "Morning Coffee" not in client.get("/v/cafe-x-paris/").text


@pytest.mark.parametrize(
    ("role", "status"),
    [(Role.VOLUNTEER, 403), (None, 302)],
    ids=["volunteer", "anonymous"],
)
def test_only_moderators_merge(client, auth, make_user, twins, role, status):
    if role is not None:
        make_user(role=role)
        auth.sign_in()

    response = merge(auth, "cafe-x-paris", "cafe-x-bis")

    assert response.status_code == status
    assert client.get("/v/cafe-x-bis/").status_code == 200


@pytest.mark.parametrize(
    ("keep", "duplicate", "status"),
    [("cafe-x-paris", "cafe-x-paris", 400), ("cafe-x-paris", "nope", 404), ("", "", 404)],
)
def test_a_bad_merge_is_refused_and_changes_nothing(
    client, auth, make_user, twins, keep, duplicate, status
):
    make_user(role=Role.MODERATOR)
    auth.sign_in()

    assert merge(auth, keep, duplicate).status_code == status
    assert client.get("/v/cafe-x-bis/").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Revision.id))) == 0


def test_a_query_naming_venues_twice_hides_the_deleted_ones_in_both(make_venue):
    """An alias (the venue a date moved to, beside the series' own) hides deleted rows by its
    own column: testing the unaliased table's instead let deleted venues through the alias."""
    make_venue("Café Kept")
    make_venue("Café Gone", deleted_at=utcnow())
    moved_to = aliased(Venue)

    pairs = db.session.execute(
        sa.select(Venue.name, moved_to.name).join(moved_to, moved_to.city_id == Venue.city_id)
    )

    assert [tuple(pair) for pair in pairs] == [("Café Kept", "Café Kept")]
