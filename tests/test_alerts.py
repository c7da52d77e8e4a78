"""Moderators are told about reports and newcomers' first edits, at once or in a daily
digest, in their language, with a working unsubscribe link. Read from a real SMTP server."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from meetups.extensions import db
from meetups.freshness import watching
from meetups.mail import delivery
from meetups.models import AlertFrequency, PendingAlert, Role, User, utcnow
from tests.mailbox import Mailbox, link_in

VENUE_FORM = {"name": "Bar Neuf", "address": "3 Rue Neuve", "action": "save"}


def report(client, slug: str = "open-coffee", kind: str = "wrong-time") -> None:
    """A visitor, without an account, reports a listing through the form."""
    page = BeautifulSoup(client.get(f"/m/{slug}/report").text, "html5lib")
    assert page.select_one("main form input[name=kind]") is not None
    response = client.post(f"/m/{slug}/report", data={"kind": kind})
    assert response.status_code in (302, 303)


def later(**elapsed):
    return lambda: utcnow() + timedelta(**elapsed)


def body(message, kind: str = "plain") -> str:
    return message.get_body((kind,)).get_content()


@pytest.fixture
def visitor(app):
    return app.test_client()


def test_a_moderator_is_told_at_once_of_a_new_report(make_user, make_meetup, visitor, mailbox):
    make_user("mod@example.org", role=Role.MODERATOR)
    make_user("val@example.org")  # a volunteer: not told
    make_user("new-mod@example.org", role=Role.MODERATOR, email_confirmed_at=None)
    make_meetup("Open Coffee")

    report(visitor)
    delivery.send_due()

    [message] = mailbox.messages
    assert message["To"] == "mod@example.org"
    assert message["Subject"] == "New report on Open Coffee: wrong day or time"
    assert "http://127.0.0.1:5000/moderation/" in body(message)
    assert link_in(body(message, "html"), "/moderation/") == "/moderation/"
    unsubscribe = link_in(body(message), "/account/unsubscribe/")
    assert message["List-Unsubscribe"].strip() == f"<http://127.0.0.1:5000{unsubscribe}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link_in(body(message, "html"), "/account/unsubscribe/") == unsubscribe


def test_each_moderator_reads_it_in_their_language(make_user, make_meetup, visitor, mailbox):
    make_user("mod@example.org", role=Role.MODERATOR, language="fr")
    make_meetup("Open Coffee")

    report(visitor, kind="wrong-place")
    delivery.send_due()

    [message] = mailbox.messages
    assert message["Subject"].startswith("Nouveau signalement sur Open Coffee")
    assert "lang=fr" in link_in(body(message), "/moderation/")
    html = BeautifulSoup(body(message, "html"), "html5lib")
    assert html.html["lang"] == "fr"
    assert "Me désabonner" in html.get_text()


def test_a_daily_digest_gathers_a_days_alerts_in_one_message(
    make_user, make_meetup, visitor, mailbox
):
    make_user("mod@example.org", role=Role.MODERATOR, alerts=AlertFrequency.DAILY)
    make_meetup("Open Coffee")
    make_meetup("Tech Breakfast")

    report(visitor)
    report(visitor, "tech-breakfast", "no-longer-happens")
    delivery.send_due(clock=later(hours=23))
    assert mailbox.messages == []

    delivery.send_due(clock=later(hours=24, minutes=1))
    delivery.send_due(clock=later(hours=30))

    [digest] = mailbox.messages
    assert digest["Subject"] == "2 new things to look at on Meetups"
    text = body(digest)
    assert text.startswith("What happened since yesterday:")
    assert "New report on Open Coffee: wrong day or time" in text
    assert "New report on Tech Breakfast: no longer happens" in text
    assert digest["List-Unsubscribe"]


def test_a_moderator_who_wants_no_alerts_gets_none(make_user, make_meetup, visitor, mailbox):
    make_user("mod@example.org", role=Role.MODERATOR, alerts=AlertFrequency.NEVER)
    make_meetup("Open Coffee")

    report(visitor)
    delivery.send_due()

    assert mailbox.messages == []
    assert db.session.scalar(select(func.count(PendingAlert.id))) == 0


def test_moderators_hear_of_a_new_volunteers_first_edit_only(
    app, client, auth, make_user, make_city, mailbox
):
    make_user("mod@example.org", role=Role.MODERATOR)
    make_user("val@example.org", display_name="Val", reviewed=False)
    paris = make_city("Paris")
    auth.sign_in("val@example.org")

    auth.post(f"/venues/new?city={paris.id}", VENUE_FORM)
    auth.post(f"/venues/new?city={paris.id}", {**VENUE_FORM, "name": "Bar Vieux"})
    delivery.send_due()

    [message] = mailbox.to("mod@example.org")
    assert message["Subject"] == "Val, a new volunteer, made a first edit: Bar Neuf"


def test_the_unsubscribe_link_works_without_signing_in(
    app, make_user, make_meetup, visitor, mailbox
):
    make_user("mod@example.org", role=Role.MODERATOR)
    make_meetup("Open Coffee")
    report(visitor)
    delivery.send_due()
    unsubscribe = link_in(body(mailbox.messages[0]), "/account/unsubscribe/")
    reader = app.test_client()

    shown = reader.get(unsubscribe)  # a mail scanner opening the link changes nothing
    assert "Stop sending alerts to mod@example.org?" in shown.text
    assert db.session.scalar(select(User.alerts)) == AlertFrequency.IMMEDIATE
    # A mail program's one-click unsubscribe: a POST without cookie or CSRF token.
    done = reader.post(unsubscribe, data={"List-Unsubscribe": "One-Click"})

    assert done.status_code == 200
    assert "gets no more alerts" in done.text
    db.session.expire_all()
    assert db.session.scalar(select(User.alerts)) == AlertFrequency.NEVER
    report(visitor)
    delivery.send_due()
    assert len(mailbox.messages) == 1


def test_a_forged_unsubscribe_link_is_refused(client):
    assert client.get("/account/unsubscribe/nonsense").status_code == 404
    assert client.post("/account/unsubscribe/nonsense").status_code == 404


def test_a_volunteer_chooses_how_often_and_in_which_language(client, auth, make_user):
    make_user(role=Role.MODERATOR)
    auth.sign_in()

    saved = auth.post("/account/mail-settings", {"alerts": "daily", "language": "fr"})
    refused = auth.post("/account/mail-settings", {"alerts": "hourly", "language": "xx"})

    assert saved.headers["Location"] == "/account/#mail"
    user = db.session.scalar(select(User))
    db.session.refresh(user)
    assert (user.alerts, user.language) == (AlertFrequency.DAILY, "fr")
    assert refused.status_code == 400
    page = BeautifulSoup(refused.text, "html5lib")
    assert page.select(".field-error")
    account = BeautifulSoup(client.get("/account/").text, "html5lib")
    assert account.select_one("input[name=alerts][value=daily]").has_attr("checked")
    assert account.select_one("select[name=language] option[selected]")["value"] == "fr"


def test_alerts_are_kept_while_the_mail_server_is_down(app, make_user, make_meetup, visitor):
    make_user("mod@example.org", role=Role.MODERATOR)
    make_meetup("Open Coffee")
    mailbox = Mailbox()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=mailbox.port)
    report(visitor)

    delivery.send_due()
    mailbox.start()
    try:
        delivery.send_due(clock=later(minutes=5))
    finally:
        mailbox.stop()

    [message] = mailbox.messages
    assert message["Subject"] == "New report on Open Coffee: wrong day or time"


def test_a_moderator_reads_what_the_reporter_wrote_but_not_in_the_subject(
    make_user, make_meetup, visitor, mailbox
):
    make_user("mod@example.org", role=Role.MODERATOR)
    make_meetup("Open Coffee")
    words = "The café closed last month;\n\nthere is a bakery now. " + "x" * 400

    visitor.post("/m/open-coffee/report", data={"kind": "no-longer-happens", "message": words})
    delivery.send_due()

    [message] = mailbox.messages
    assert message["Subject"] == "New report on Open Coffee: no longer happens"
    told = body(message).split("\n- ", 1)[1].splitlines()[0]
    assert told.startswith(
        "New report on Open Coffee: no longer happens. They wrote: “The café closed last"
        " month; there is a bakery now. xxx"
    )
    assert told.endswith("…”") and len(told) < 400
    html = BeautifulSoup(body(message, "html"), "html5lib").get_text()
    assert "They wrote: “The café closed" in " ".join(html.split())


def test_a_moderator_watching_a_reported_listing_is_told_once(
    app, make_user, make_meetup, visitor, mailbox
):
    moderator = make_user("mod@example.org", role=Role.MODERATOR)
    meetup = make_meetup("Open Coffee")
    watching.watch(db.session, moderator, meetup)
    db.session.commit()

    report(visitor)
    delivery.send_due()

    [message] = mailbox.messages
    assert message["Subject"] == "New report on Open Coffee: wrong day or time"
