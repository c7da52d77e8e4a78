"""Volunteers saving at the same moment: no 500, no lost update, a history that adds up.

Each race is played deterministically: another volunteer's save is committed from
a session of its own at the exact moment that breaks a careless implementation
(just before our request writes its new row, or just after it has read the item
it is about to change), on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup
from flask import current_app
from sqlalchemy.orm import Session

from meetups.editing import deletion, history, operations
from meetups.extensions import db
from meetups.models import (
    WITH_DELETED,
    Meetup,
    MeetupChange,
    MeetupStatus,
    Revision,
    Tag,
    User,
    Venue,
    tags_named,
    utcnow,
)
from meetups.places import locating
from meetups.slugs import slugify
from tests.browsers import form_fields
from tests.test_editing import WEEKLY_THURSDAY, next_thursday

NEW_MEETUP = {**WEEKLY_THURSDAY, "description": "", "tags": "Startups", "languages": "fr"}


@pytest.fixture
def volunteer(make_user, auth) -> User:
    user = make_user(reviewed=True)
    auth.sign_in()
    return user


@pytest.fixture
def colleague(make_user) -> int:
    """The other volunteer, saving at the same moment (an id: it acts in its own session)."""
    return make_user("colleague@example.org", "Colleague", reviewed=True).id


def committed_elsewhere(save: Callable[[Session], Any]) -> None:
    """Another volunteer's request: its own session and transaction, committed.

    Should it wait for a lock our request holds, it fails after a few seconds (as
    SQLite's busy timeout does) rather than waiting forever.
    """
    with Session(db.engine) as other:
        if other.get_bind().dialect.name == "postgresql":
            other.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
        save(other)
        other.commit()


@contextmanager
def just_before_insert(
    model: type, save: Callable[[Session, Any], Any], every_time: bool = False
) -> Iterator[None]:
    """When our request is about to insert a `model` row, `save` commits one first."""
    ours, done = db.session(), []

    def meanwhile(session: Session, *args: Any) -> None:
        for row in [row for row in session.new if isinstance(row, model)]:
            if every_time or not done:
                done.append(row)
                committed_elsewhere(lambda other, row=row: save(other, row))

    sa.event.listen(ours, "before_flush", meanwhile)
    try:
        yield
    finally:
        sa.event.remove(ours, "before_flush", meanwhile)
    assert done, "the race was not run"


@contextmanager
def just_after_reading(model: type, save: Callable[[Session], Any]) -> Iterator[None]:
    """Once our request has read its `model` row from the database, `save` commits.

    The request starts from what the database holds, as in production, where it
    does not share the test's session.
    """
    ours, done = db.session(), []
    ours.expire_all()

    def meanwhile(item: Any, context: Any, *args: Any) -> None:
        if not done and context.session is ours:
            done.append(item)
            committed_elsewhere(save)

    for moment in ("load", "refresh"):
        sa.event.listen(model, moment, meanwhile)
    try:
        yield
    finally:
        for moment in ("load", "refresh"):
            sa.event.remove(model, moment, meanwhile)
    assert done, "the race was not run"


def meetup_like(row: Meetup, session: Session) -> Meetup:
    """A meetup another volunteer creates with the same name and tags as `row`."""
    return Meetup(
        name=row.name,
        slug=row.slug,
        venue_id=row.venue.id,
        rrule="FREQ=WEEKLY;BYDAY=TH",
        start_time=time(9),
        duration_minutes=60,
        timezone=row.timezone,
        first_date=date(2026, 1, 1),
        tags=tags_named(session, [tag.name for tag in row.tags]),
    )


def revisions_of(item: Venue | Meetup) -> list[Revision]:
    entity = history.entity_name(item)
    query = sa.select(Revision).where(Revision.entity == entity, Revision.entity_id == item.id)
    return list(db.session.scalars(query.order_by(Revision.id)))


def assert_history_adds_up(item: Venue | Meetup) -> None:
    """Each revision's "before" is what the previous one left, and the last "after" is stored."""
    db.session.expire_all()
    item = db.session.get(type(item), item.id, execution_options=WITH_DELETED)
    known: dict[str, Any] = {}
    for revision in revisions_of(item):
        for field, (before, after) in revision.changes.items():
            if field in known:
                assert before == known[field], f"{revision.action} saw {field} = {before!r}"
            known[field] = after
    stored = history.snapshot(item)
    assert {field: stored.get(field) for field in known} == known


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html5lib")


# --- Two volunteers create the same thing at once ------------------------------------------


@pytest.mark.parametrize(
    ("their_name", "our_slug"),
    [
        ("Open Coffee Lille", "open-coffee-lille-2"),  # the same address and the same new tag
        ("Startup Breakfast", "open-coffee-lille"),  # only the same new tag
    ],
)
def test_two_meetups_created_at_once_are_both_saved(
    client, auth, volunteer, make_venue, their_name, our_slug
):
    venue = make_venue("Le Comptoir")

    def theirs(session: Session, ours: Meetup) -> None:
        meetup = meetup_like(ours, session)
        meetup.name, meetup.slug = their_name, slugify(their_name)
        session.add(meetup)

    with just_before_insert(Meetup, theirs):
        response = auth.post(f"/meetups/new?venue={venue.slug}", NEW_MEETUP)

    assert response.status_code == 302
    assert response.headers["Location"] == f"/m/{our_slug}/"
    ours = db.session.scalar(sa.select(Meetup).where(Meetup.slug == our_slug))
    assert ours.name == "Open Coffee Lille" and [tag.slug for tag in ours.tags] == ["startups"]
    assert db.session.scalars(sa.select(Tag.slug)).all() == ["startups"]
    assert [revision.action for revision in revisions_of(ours)] == ["create"]
    assert db.session.scalar(sa.select(sa.func.count(Revision.id))) == 1


def test_a_venue_created_at_the_same_moment_as_its_namesake_gets_the_next_address(
    client, auth, volunteer, make_city
):
    lille = make_city("Lille", latitude=50.6292, longitude=3.0573)

    def theirs(session: Session, ours: Venue) -> None:
        session.add(
            Venue(
                name=ours.name,
                slug=ours.slug,
                city_id=lille.id,
                timezone=lille.timezone,
                latitude=lille.latitude,
                longitude=lille.longitude,
            )
        )

    with just_before_insert(Venue, theirs):
        response = auth.post(
            f"/venues/new?city={lille.id}",
            {"name": "Le Comptoir", "address": "3 place Vauban", "action": "save"},
        )

    assert response.status_code == 302
    assert response.headers["Location"] == "/meetups/new?venue=le-comptoir-lille-2"
    ours = db.session.scalar(sa.select(Venue).where(Venue.slug == "le-comptoir-lille-2"))
    assert ours.address == "3 place Vauban" and ours.timezone == "Europe/Paris"
    assert [revision.action for revision in revisions_of(ours)] == ["create"]
    assert db.session.scalar(sa.select(sa.func.count(Revision.id))) == 1


def test_when_others_keep_taking_the_address_the_volunteer_is_told_and_nothing_is_saved(
    client, auth, volunteer, make_venue
):
    venue = make_venue("Le Comptoir")

    def theirs(session: Session, ours: Meetup) -> None:
        session.add(meetup_like(ours, session))

    with just_before_insert(Meetup, theirs, every_time=True):
        response = auth.post(f"/meetups/new?venue={venue.slug}", NEW_MEETUP)

    assert response.status_code == 409
    page = soup(response)
    assert "at the same moment" in page.select_one(".field-error").get_text()
    assert page.select_one("input[name=name]")["value"] == "Open Coffee Lille"
    names = db.session.scalars(sa.select(Meetup.slug).order_by(Meetup.id)).all()
    assert names == ["open-coffee-lille", "open-coffee-lille-2", "open-coffee-lille-3"]
    assert db.session.scalar(sa.select(sa.func.count(Revision.id))) == 0


# --- A change saved while another volunteer's change of the same item commits --------------


def their_status(status: MeetupStatus, colleague: int) -> Callable[[Session], Any]:
    def save(session: Session) -> None:
        meetup = session.scalar(sa.select(Meetup))
        operations.set_status(session, meetup, status, session.get(User, colleague))

    return save


def their_rename(name: str, colleague: int) -> Callable[[Session], Any]:
    def save(session: Session) -> None:
        meetup = session.scalar(sa.select(Meetup))
        fields = operations.MeetupFields(
            name=name,
            description=meetup.description,
            schedule=meetup.schedule,
            tags=tuple(tag.name for tag in meetup.tags),
            languages=tuple(meetup.language_list),
            url=meetup.url,
        )
        user = session.get(User, colleague)
        operations.update_meetup(session, meetup, fields, user, operations.version_token(meetup))

    return save


def their_deletion(model: type, colleague: int) -> Callable[[Session], Any]:
    def save(session: Session) -> None:
        operations.delete(
            session, session.scalar(sa.select(model)), session.get(User, colleague), utcnow()
        )

    return save


def their_restore(model: type, colleague: int) -> Callable[[Session], Any]:
    def save(session: Session) -> None:
        item = session.scalar(sa.select(model).execution_options(**WITH_DELETED))
        operations.restore(session, item, session.get(User, colleague))

    return save


def today_in_paris() -> date:
    return datetime.now(ZoneInfo("Europe/Paris")).date()


def test_confirming_while_a_colleague_confirms(auth, volunteer, colleague, make_meetup):
    coffee = make_meetup("Coffee", last_confirmed=date(2020, 1, 1))

    def their_confirmation(session: Session) -> None:
        meetup = session.scalar(sa.select(Meetup))
        operations.confirm(session, meetup, session.get(User, colleague), today_in_paris())

    with just_after_reading(Meetup, their_confirmation):
        assert auth.post("/m/coffee/confirm").status_code == 302

    assert [revision.action for revision in revisions_of(coffee)] == ["confirm", "confirm"]
    assert_history_adds_up(coffee)


def test_pausing_while_a_colleague_ends_the_series(auth, volunteer, colleague, make_meetup):
    coffee = make_meetup("Coffee")

    with just_after_reading(Meetup, their_status(MeetupStatus.ENDED, colleague)):
        assert auth.post("/m/coffee/status", {"status": "paused"}).status_code == 302

    assert [revision.action for revision in revisions_of(coffee)] == ["ended", "paused"]
    assert revisions_of(coffee)[-1].changes["status"] == ["ended", "paused"]
    assert_history_adds_up(coffee)


def test_moving_a_date_again_while_a_colleague_cancels_it(auth, volunteer, colleague, make_meetup):
    thursday = next_thursday()  # a move may not go into the past
    moved = {"original_date": thursday, "new_start_time": time(10)}
    coffee = make_meetup("Coffee", changes=[moved])

    def their_cancellation(session: Session) -> None:
        meetup = session.scalar(sa.select(Meetup))
        change = operations.DateChange(cancelled=True, note="Holiday")
        operations.change_date(session, meetup, thursday, change, session.get(User, colleague))

    with just_after_reading(MeetupChange, their_cancellation):
        response = auth.post(
            f"/m/coffee/dates/{thursday}", {"action": "move", "new_start_time": "10:15"}
        )

    assert response.status_code == 302
    assert [revision.action for revision in revisions_of(coffee)] == ["cancel-date", "move-date"]
    (change,) = db.session.get(Meetup, coffee.id).changes
    assert (change.cancelled, change.new_start_time) == (False, time(10, 15))
    assert_history_adds_up(coffee)


@pytest.mark.parametrize("model", [Meetup, Venue], ids=["meetup", "venue"])
def test_deleting_what_a_colleague_deletes_at_the_same_moment(
    client, auth, volunteer, colleague, make_venue, make_meetup, model
):
    venue = make_venue("Le Comptoir")
    item = make_meetup("Coffee", venue=venue) if model is Meetup else venue
    address = "/m/coffee/" if model is Meetup else "/v/le-comptoir-paris/"

    with just_after_reading(model, their_deletion(model, colleague)):
        response = auth.post(address + "delete")

    assert response.status_code == 302
    assert "is already deleted" in client.get(address).text
    assert [revision.action for revision in revisions_of(item)] == ["delete"]
    assert_history_adds_up(item)


def test_restoring_what_a_colleague_restores_at_the_same_moment(
    client, auth, volunteer, colleague, make_meetup
):
    coffee = make_meetup("Coffee")
    operations.delete(db.session, coffee, volunteer, utcnow())
    db.session.commit()

    with just_after_reading(Meetup, their_restore(Meetup, colleague)):
        response = auth.post("/m/coffee/restore")

    assert response.status_code == 302
    assert "is not deleted" in client.get("/m/coffee/").text
    assert [revision.action for revision in revisions_of(coffee)] == ["delete", "restore"]
    assert_history_adds_up(coffee)


def test_undoing_an_edit_while_a_colleague_edits_the_same_field(
    client, auth, volunteer, colleague, make_meetup
):
    coffee = make_meetup("Coffee")
    committed_elsewhere(their_rename("Morning Coffee", volunteer.id))
    mine = revisions_of(coffee)[-1]

    with just_after_reading(Meetup, their_rename("Evening Coffee", colleague)):
        response = auth.post(f"/revisions/{mine.id}/revert")

    assert response.status_code == 302
    assert "Changed again since this revision: name" in client.get("/changes").text
    assert db.session.get(Meetup, coffee.id).name == "Evening Coffee"
    assert [revision.action for revision in revisions_of(coffee)] == ["edit", "edit"]
    assert_history_adds_up(coffee)


# --- Venues: one save wins, the other is told; a venue deleted under a new meetup -------


def their_venue_rename(name: str, colleague: int) -> Callable[[Session], Any]:
    def save(session: Session) -> None:
        venue = session.scalar(sa.select(Venue))
        fields = operations.VenueFields(name=name, address=venue.address, notes=venue.notes)
        user = session.get(User, colleague)
        token = operations.version_token(venue)
        geocoder = locating.shared_geocoder(locating.settings_from_config(current_app.config))
        operations.update_venue(session, venue, fields, user, token, geocoder, utcnow())

    return save


@pytest.mark.parametrize("moment", ["before our request", "while our request saves"])
def test_two_volunteers_saving_one_venue_one_is_told_and_nothing_is_lost(
    client, auth, volunteer, colleague, make_venue, moment
):
    venue = make_venue("Le Comptoir", address="1 rue de la Paix")
    form = {
        **form_fields(client.get("/v/le-comptoir-paris/edit").text),
        "name": "Le Comptoir du Marché",
    }

    if moment == "before our request":
        committed_elsewhere(their_venue_rename("Café Le Comptoir", colleague))
        response = auth.post("/v/le-comptoir-paris/edit", form)
    else:
        with just_after_reading(Venue, their_venue_rename("Café Le Comptoir", colleague)):
            response = auth.post("/v/le-comptoir-paris/edit", form)

    assert response.status_code == 409
    assert "Someone else saved this venue after you opened it." in response.text
    assert "Café Le Comptoir" in soup(response).select_one(".conflict").text
    db.session.expire_all()
    assert db.session.get(Venue, venue.id).name == "Café Le Comptoir"
    assert [revision.action for revision in revisions_of(venue)] == ["edit"]
    assert_history_adds_up(venue)


def test_a_venue_deleted_while_a_meetup_is_created_there_keeps_no_live_meetup(
    auth, volunteer, colleague, make_venue
):
    make_venue("Le Comptoir")

    with just_after_reading(Venue, their_deletion(Venue, colleague)):
        response = auth.post("/meetups/new?venue=le-comptoir-paris", NEW_MEETUP)

    assert response.status_code == 409
    assert "This venue was deleted meanwhile" in response.text
    assert (
        db.session.scalar(sa.select(sa.func.count(Meetup.id)).execution_options(**WITH_DELETED))
        == 0
    )


def test_a_date_is_not_moved_to_a_venue_deleted_since_the_request_read_it(
    volunteer, colleague, make_venue, make_meetup
):
    coffee = make_meetup("Coffee", venue=make_venue("Le Comptoir"))
    rotonde = make_venue("La Rotonde")
    committed_elsewhere(their_deletion_of("La Rotonde", colleague))
    move = operations.DateChange(new_start_time=time(10), venue_id=rotonde.id)

    with pytest.raises(deletion.Refused, match="This venue was deleted meanwhile"):
        operations.change_date(db.session, coffee, date(2026, 1, 1), move, volunteer)


def their_deletion_of(name: str, colleague: int) -> Callable[[Session], Any]:
    def save(session: Session) -> None:
        venue = session.scalar(sa.select(Venue).where(Venue.name == name))
        operations.delete(session, venue, session.get(User, colleague), utcnow())

    return save
