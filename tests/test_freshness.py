"""The freshness loop end to end: watchers are asked whether a listing still happens, answer
with one click without signing in, and moderators are asked when nobody answers."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from meetups.editing import history, operations
from meetups.extensions import db
from meetups.freshness import questions, watching
from meetups.mail import delivery
from meetups.models import Meetup, Revision, Role, User, Watch, utcnow
from tests.mailbox import link_in

LONG_AGO = date.today() - timedelta(days=100)


@pytest.fixture
def watched(make_user, make_meetup) -> Meetup:
    """Open Coffee Paris, last confirmed 100 days ago, watched by Val; Mo moderates."""
    val = make_user("val@example.org", display_name="Val")
    make_user("mo@example.org", display_name="Mo", role=Role.MODERATOR)
    meetup = make_meetup("Open Coffee Paris", last_confirmed=LONG_AGO)
    watching.watch(db.session, val, meetup)
    db.session.commit()
    return meetup


def later(days: int):
    return utcnow() + timedelta(days=days)


def body(message) -> str:
    return message.get_body(("plain",)).get_content()


def press(client, path: str):
    """Open a link's page and press its button, as a person reading the message would."""
    page = BeautifulSoup(client.get(path).text, "html5lib")
    token = page.select_one("main form input[name=csrf_token]")["value"]
    return client.post(path, data={"csrf_token": token})


def test_a_watcher_is_asked_once_and_confirms_with_one_click(app, watched, mailbox):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["ask-confirmations"])
    again = runner.invoke(args=["ask-confirmations"])
    delivery.send_due()

    assert "1 listings asked about, 0 passed on to moderators." in first.output
    assert "0 listings asked about, 0 passed on to moderators." in again.output
    [message] = mailbox.messages
    assert message["To"] == "val@example.org"
    assert message["Subject"] == "Is Open Coffee Paris still happening?"
    assert body(message).startswith(
        "Is Open Coffee Paris still happening at Café Central: Every Thursday, 09:00–11:00?"
    )
    assert link_in(body(message), "/m/open-coffee-paris/edit")
    yes = link_in(body(message), "/still-happening/")
    reader = app.test_client()  # not signed in
    assert "Yes, still happening" in reader.get(yes).text
    assert db.session.get(Meetup, watched.id).last_confirmed == LONG_AGO  # opening changes nothing

    answered = press(reader, yes)

    assert "is marked as still happening today" in answered.text
    db.session.expire_all()
    assert db.session.get(Meetup, watched.id).last_confirmed > LONG_AGO
    revision = db.session.scalars(select(Revision).order_by(Revision.id.desc())).first()
    assert (revision.action, revision.user.email) == ("confirm", "val@example.org")


def test_nobody_answers_so_moderators_are_asked_once_and_the_listing_stays(
    app, client, watched, mailbox
):
    questions.ask_confirmations(utcnow())

    assert questions.ask_confirmations(later(29)) == (0, 0)
    assert questions.ask_confirmations(later(31)) == (0, 1)
    assert questions.ask_confirmations(later(32)) == (0, 0)
    delivery.send_due()

    subjects = [(m["To"], m["Subject"]) for m in mailbox.messages]
    assert subjects == [
        ("val@example.org", "Is Open Coffee Paris still happening?"),
        (
            "mo@example.org",
            "Nobody confirmed that Open Coffee Paris still happens: please check it",
        ),
    ]
    assert "Open Coffee Paris" in client.get("/feeds/all.ics").text


def test_a_listing_nobody_watches_goes_to_the_moderators_at_once(make_user, make_meetup, mailbox):
    make_user("mo@example.org", role=Role.MODERATOR)
    make_meetup("Lonely Coffee", last_confirmed=LONG_AGO)

    assert questions.ask_confirmations(utcnow()) == (1, 1)
    delivery.send_due()

    [message] = mailbox.messages
    assert message["To"] == "mo@example.org"
    assert "/m/lonely-coffee/" in body(message)


def test_once_confirmed_a_listing_is_asked_about_again_when_it_goes_stale(watched):
    questions.ask_confirmations(utcnow())
    val = db.session.scalar(select(User).where(User.email == "val@example.org"))
    operations.confirm(db.session, watched, val, date.today())
    db.session.commit()

    assert questions.ask_confirmations(later(30)) == (0, 0)
    assert questions.ask_confirmations(later(91)) == (1, 0)


def test_a_recently_confirmed_listing_is_not_asked_about(make_user, make_meetup):
    make_meetup("Fresh Coffee", last_confirmed=date.today() - timedelta(days=10))

    assert questions.ask_confirmations(utcnow()) == (0, 0)


def test_editing_a_listing_watches_it(make_user, make_meetup):
    val = make_user("val@example.org")
    meetup = make_meetup("Open Coffee Paris")

    operations.confirm(db.session, meetup, val, date.today())
    operations.confirm(db.session, meetup, val, date.today())
    db.session.commit()

    assert db.session.scalar(select(func.count(Watch.id))) == 1


@pytest.mark.parametrize("token", ["nonsense", "WzEsMV0.bad.sig"])
def test_a_forged_still_happening_link_is_refused_and_changes_nothing(client, watched, token):
    assert client.get(f"/still-happening/{token}").status_code == 404
    assert client.post(f"/still-happening/{token}").status_code == 400  # no form, no token
    db.session.expire_all()
    assert db.session.get(Meetup, watched.id).last_confirmed == LONG_AGO


# Watching: told when a listing changes, is reported or deleted


def test_a_volunteer_watches_a_meetup_from_its_page_and_stops(client, auth, make_user, watched):
    make_user("ann@example.org")
    auth.sign_in("ann@example.org")
    page = BeautifulSoup(client.get("/m/open-coffee-paris/").text, "html5lib")
    assert page.select_one("form[action='/m/open-coffee-paris/watch'] button").get_text() == "Watch"

    auth.post("/m/open-coffee-paris/watch")

    page = BeautifulSoup(client.get("/m/open-coffee-paris/").text, "html5lib")
    assert page.select_one("form[action='/m/open-coffee-paris/unwatch'] button")
    assert "You watch Open Coffee Paris now." in page.get_text()
    auth.post("/m/open-coffee-paris/unwatch")
    assert db.session.scalar(select(func.count(Watch.id))) == 1  # Val's only


def test_watchers_hear_of_a_change_by_someone_else_a_report_and_a_deletion(
    app, make_user, watched, mailbox
):
    editor = make_user("bea@example.org", display_name="Bea")
    watched.name = "Open Coffee Paris Est"
    history.record(db.session, watched, "edit", editor, {"name": "Open Coffee Paris"})
    db.session.commit()
    visitor = app.test_client()
    visitor.post("/m/open-coffee-paris/report", data={"kind": "other"})
    operations.delete(db.session, watched, editor, utcnow())
    db.session.commit()

    delivery.send_due()

    subjects = sorted(m["Subject"] for m in mailbox.to("val@example.org"))
    assert subjects == ["3 new things to look at on Meetups"]
    text = body(mailbox.to("val@example.org")[0])
    assert "Open Coffee Paris Est, which you watch, was changed" in text
    assert "Someone reported a problem with Open Coffee Paris Est, which you watch: other" in text
    assert "Open Coffee Paris Est, which you watch, was deleted" in text
    # The editor, who now watches it too, is not told of their own edits.
    assert all("was changed" not in body(m) for m in mailbox.to("bea@example.org"))
