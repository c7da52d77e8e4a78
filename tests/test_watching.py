"""Watching a city or a venue as well as a meetup: each volunteer is told once of every
change, report or deletion, named by the closest thing they watch, in their language, at
once or in a digest. Read from a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from flask import g
from sqlalchemy import func, select

from meetups.editing import history, operations
from meetups.extensions import db
from meetups.freshness import watching
from meetups.mail import delivery
from meetups.models import AlertFrequency, City, Meetup, User, Venue, Watch, utcnow
from tests.conftest import AuthActions
from tests.mailbox import link_in
from tests.test_editing import next_thursday
from tests.test_permissions import MEETUP_FORM, VENUE_FORM


def body(message, kind: str = "plain") -> str:
    return message.get_body((kind,)).get_content()


def page(client, path: str) -> BeautifulSoup:
    return BeautifulSoup(client.get(path).text, "html5lib")


class Browser(AuthActions):
    """A volunteer's own browser. Tests share one application context, where Flask-WTF
    keeps the last token it made: each browser reads its own session's token afresh."""

    def csrf_token(self) -> str:
        g.pop("csrf_token", None)
        return super().csrf_token()


@pytest.fixture
def people(app, make_user):
    """Ann watches things; Bea edits; each signed in on a browser of their own."""
    make_user("ann@example.org", display_name="Ann")
    make_user("bea@example.org", display_name="Bea")
    ann, bea = Browser(app.test_client()), Browser(app.test_client())
    ann.sign_in("ann@example.org")
    bea.sign_in("bea@example.org")
    return ann, bea


def user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def test_a_city_watcher_hears_of_every_meetup_change_there_but_not_elsewhere(
    app, people, make_venue, make_city, mailbox
):
    ann, bea = people
    make_venue("Café Central")
    make_venue("Pub", city=make_city("Lyon", latitude=45.76, longitude=4.83))
    button = page(ann.client, "/fr/paris/").select_one("form[action='/fr/paris/watch'] button")
    assert button.get_text() == "Watch"
    ann.post("/fr/paris/watch")

    bea.post("/meetups/new?venue=cafe-central-paris", MEETUP_FORM)
    bea.post("/meetups/new?venue=pub-lyon", {**MEETUP_FORM, "name": "Lyon Coffee"})
    meetup = db.session.scalar(select(Meetup).where(Meetup.slug == "open-coffee"))
    bea.post(
        "/m/open-coffee/edit",
        {**MEETUP_FORM, "name": "Open Coffee Est", "version": operations.version_token(meetup)},
    )
    bea.post(f"/m/open-coffee/dates/{next_thursday()}", {"action": "cancel"})
    app.test_client().post("/m/open-coffee/report", data={"kind": "wrong-time"})
    bea.post("/m/open-coffee/delete")
    delivery.send_due()

    [message] = mailbox.to("ann@example.org")  # all at once: what one run of the worker found
    assert message["Subject"] == "5 new things to look at on Meetups"
    told = [line[2:] for line in body(message).splitlines() if line.startswith("- ")]
    assert told == [
        "Paris, which you watch: Open Coffee was added",
        "Paris, which you watch: Open Coffee Est was changed",
        "Paris, which you watch: a date of Open Coffee Est was cancelled",
        "Paris, which you watch: someone reported a problem with Open Coffee Est: "
        "wrong day or time",
        "Paris, which you watch: Open Coffee Est was deleted",
    ]
    assert "Lyon" not in body(message)
    assert link_in(body(message), "/m/open-coffee/history") == "/m/open-coffee/history"
    assert message["List-Unsubscribe"]
    # Bea watches what she added, and hears only of what someone else did.
    assert [m["Subject"] for m in mailbox.to("bea@example.org")] == [
        "Someone reported a problem with Open Coffee Est, which you watch: wrong day or time"
    ]


def test_a_venue_watcher_hears_of_the_venue_and_of_its_meetups(
    app, people, make_venue, make_meetup, mailbox
):
    ann, bea = people
    central = make_venue("Café Central")
    make_meetup("Open Coffee", venue=central)
    make_meetup("Other Coffee", venue=make_venue("Bar Sud"))
    ann.post("/v/cafe-central-paris/watch")
    assert page(ann.client, "/v/cafe-central-paris/").select_one(
        "form[action='/v/cafe-central-paris/unwatch']"
    )

    bea.post("/m/other-coffee/delete")
    bea.post("/m/open-coffee/delete")
    bea.post("/v/cafe-central-paris/delete")
    delivery.send_due()

    [message] = mailbox.to("ann@example.org")
    assert message["Subject"] == "2 new things to look at on Meetups"
    assert not page(ann.client, "/account/").select(".watch-list li")  # nothing left to stop
    assert "Café Central, which you watch: Open Coffee was deleted" in body(message)
    assert "Café Central, which you watch, was deleted" in body(message)
    assert "Other Coffee" not in body(message)


def test_one_message_per_change_whoever_watches_the_meetup_its_venue_and_its_city(
    people, make_meetup, mailbox
):
    ann, bea = people
    make_meetup("Open Coffee")
    for path in ("/fr/paris/", "/v/cafe-central-paris/", "/m/open-coffee/"):
        ann.post(path + "watch")

    bea.post(f"/m/open-coffee/dates/{next_thursday()}", {"action": "cancel"})
    delivery.send_due()

    assert [m["Subject"] for m in mailbox.to("ann@example.org")] == [
        "A date of Open Coffee, which you watch, was cancelled"
    ]
    ann_id = user("ann@example.org").id
    assert db.session.scalar(select(func.count(Watch.id)).where(Watch.user_id == ann_id)) == 3


def test_a_digest_in_the_watchers_language_names_the_city_as_they_write_it(
    app, make_user, make_city, make_venue, make_meetup, mailbox
):
    london = make_city("London", "GB", "United Kingdom", "Europe/London", id=2643743)
    make_meetup("Open Coffee", venue=make_venue("The Pub", city=london))
    chloe = make_user("chloe@example.org", language="fr", alerts=AlertFrequency.DAILY)
    watching.watch(db.session, chloe, london)
    db.session.commit()

    app.test_client().post("/m/open-coffee/report", data={"kind": "other"})
    delivery.send_due(clock=lambda: utcnow() + timedelta(hours=23))
    assert mailbox.messages == []
    delivery.send_due(clock=lambda: utcnow() + timedelta(hours=25))

    [message] = mailbox.to("chloe@example.org")
    assert message["Subject"].strip() == (  # a long subject is folded onto its own line
        "Vous suivez Londres : quelqu’un a signalé un problème sur Open Coffee : autre"
    )
    assert "lang=fr" in link_in(body(message), "/m/open-coffee/")
    assert "Me désabonner" in BeautifulSoup(body(message, "html"), "html5lib").get_text()


def test_volunteers_without_mail_or_a_confirmed_address_are_not_told(
    app, make_user, make_meetup, mailbox
):
    meetup = make_meetup("Open Coffee")
    for email, overrides in [
        ("never@example.org", {"alerts": AlertFrequency.NEVER}),
        ("new@example.org", {"email_confirmed_at": None}),
    ]:
        watching.watch(db.session, make_user(email, **overrides), meetup.venue.city)
    db.session.commit()

    app.test_client().post("/m/open-coffee/report", data={"kind": "other"})
    delivery.send_due()

    assert mailbox.messages == []


def test_the_account_page_lists_what_i_watch_and_stops_any_of_it(people, make_meetup):
    ann, bea = people
    make_meetup("Open Coffee")
    for path in ("/m/open-coffee/", "/v/cafe-central-paris/", "/fr/paris/"):
        ann.post(path + "watch")
    bea.post("/fr/paris/watch")

    listed = page(ann.client, "/account/").select(".watch-list li")

    assert [" ".join(item.select_one(".watched").get_text().split()) for item in listed] == [
        "Paris City",
        "Café Central Venue",
        "Open Coffee Meetup",
    ]
    assert [item.a["href"] for item in listed] == [
        "/fr/paris/",
        "/v/cafe-central-paris/",
        "/m/open-coffee/",
    ]
    stop = listed[0].form["action"]
    beas = db.session.scalar(select(Watch.id).where(Watch.user_id == user("bea@example.org").id))
    assert bea.post(stop).status_code == 404  # not hers
    done = ann.post(stop)
    assert done.headers["Location"] == "/account/#watching"
    assert "You no longer watch Paris." in page(ann.client, "/account/").get_text()
    assert len(page(ann.client, "/account/").select(".watch-list li")) == 2
    assert db.session.get(Watch, beas) is not None


def test_visitors_see_no_watch_button_and_get_no_cookie(client, make_venue):
    make_venue("Café Central")

    for path in ("/fr/paris/", "/v/cafe-central-paris/"):
        response = client.get(path)
        assert "Set-Cookie" not in response.headers
        assert not BeautifulSoup(response.text, "html5lib").select("form.watch")
    assert client.post("/fr/paris/watch").status_code == 400  # no form, no token
    assert db.session.scalar(select(func.count(Watch.id))) == 0


def test_adding_or_editing_a_listing_watches_it_unless_turned_off(people, make_city):
    ann, bea = people
    paris = make_city("Paris")
    bea.post(f"/venues/new?city={paris.id}", VENUE_FORM)
    bea.post("/meetups/new?venue=bar-neuf-paris", MEETUP_FORM)
    assert (
        page(bea.client, "/account/").select_one("input[name=watch_own_edits]").has_attr("checked")
    )

    ann.post("/account/mail-settings", {"alerts": "immediate", "language": "en"})  # unticked
    ann.post("/meetups/new?venue=bar-neuf-paris", {**MEETUP_FORM, "name": "Tea Time"})

    watched = db.session.execute(
        select(User.email, Venue.slug, Meetup.slug)
        .join(Watch, Watch.user_id == User.id)
        .outerjoin(Venue, Venue.id == Watch.venue_id)
        .outerjoin(Meetup, Meetup.id == Watch.meetup_id)
        .order_by(Watch.id)
    ).all()
    assert watched == [
        ("bea@example.org", "bar-neuf-paris", None),
        ("bea@example.org", None, "open-coffee"),
    ]
    assert user("ann@example.org").watch_own_edits is False
    assert db.session.scalar(select(func.count(City.id))) == 1


def test_a_merged_venues_watchers_watch_the_one_that_stays(app, people, make_venue):
    ann, _ = people
    make_venue("Café Central")
    duplicate = make_venue("Cafe Central", slug="cafe-central-2")
    ann.post("/v/cafe-central-2/watch")

    runner = app.test_cli_runner()
    merged = runner.invoke(args=["merge-venues", "cafe-central-paris", duplicate.slug])

    assert merged.exit_code == 0, merged.output
    assert db.session.scalar(select(Venue.slug).join(Watch, Watch.venue_id == Venue.id)) == (
        "cafe-central-paris"
    )


def test_a_meetup_that_moves_tells_the_watchers_of_the_venue_it_left(
    people, make_venue, make_meetup, mailbox
):
    ann, _ = people
    meetup = make_meetup("Open Coffee", venue=make_venue("Café Central"))
    ann.post("/v/cafe-central-paris/watch")
    before = history.snapshot(meetup)

    meetup.venue = make_venue("Bar Sud")  # as a merge, or the API, moves it
    history.record(db.session, meetup, "edit", user("bea@example.org"), before)
    db.session.commit()
    delivery.send_due()

    [message] = mailbox.to("ann@example.org")
    assert message["Subject"].strip() == "Café Central, which you watch: Open Coffee was changed"
