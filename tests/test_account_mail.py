"""Accounts by mail: reset a forgotten password, confirm a new address, and sessions that
end when they should. Messages are read as a real SMTP server (aiosmtpd) received them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import expect
from sqlalchemy import func, select

from meetups.accounts import tokens
from meetups.extensions import db
from meetups.mail import delivery
from meetups.models import OutboxMessage, Role, User
from tests.conftest import PASSWORD, PHONE, AuthActions
from tests.mailbox import link_in, queued_to

NEW_PASSWORD = "a brand new passphrase"
SIGN_UP = {
    "email": "ann@example.org",
    "display_name": "Ann",
    "password": PASSWORD,
    "confirm": PASSWORD,
}


def page_text(response) -> str:
    return " ".join(BeautifulSoup(response.text, "html5lib").get_text(" ").split())


def signed_in(client) -> bool:
    return client.get("/account/").status_code == 200


def user(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def outbox_size() -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)))


# Password reset


def test_a_forgotten_password_is_reset_from_the_link_in_the_message(
    app, client, auth, make_user, mailbox
):
    make_user("ann@example.org")

    asked = auth.post("/account/forgot-password", {"email": " Ann@Example.org "})
    delivery.send_due()

    assert asked.headers["Location"] == "/account/check-your-email"
    [message] = mailbox.to("ann@example.org")
    assert message["Subject"] == "Reset your password"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    reset = link_in(text, "/account/reset/")
    assert link_in(html, "/account/reset/") == reset
    assert "within an hour" in text
    form = client.get(reset)
    assert "Choose a new password" in page_text(form)

    done = auth.post(reset, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert (done.status_code, done.headers["Location"]) == (303, "/account/")
    assert signed_in(client)
    auth.sign_out()
    assert auth.sign_in(password=PASSWORD, email="ann@example.org").status_code == 400
    assert auth.sign_in(password=NEW_PASSWORD, email="ann@example.org").status_code == 303
    used_again = auth.post(reset, {"new_password": "yet another passphrase", "confirm": "x"})
    assert used_again.status_code == 400
    assert "This link has expired or was already used." in page_text(used_again)


def test_asking_for_a_reset_answers_the_same_whether_or_not_the_address_has_an_account(
    client, auth, make_user
):
    make_user("ann@example.org")

    known = auth.post("/account/forgot-password", {"email": "ann@example.org"})
    unknown = auth.post("/account/forgot-password", {"email": "nobody@example.org"})

    assert (known.status_code, known.headers["Location"]) == (
        unknown.status_code,
        unknown.headers["Location"],
    )
    assert len(queued_to("ann@example.org")) == 1
    assert outbox_size() == 1


def test_a_reset_link_expires(app, client, auth, make_user, monkeypatch):
    make_user("ann@example.org")
    auth.post("/account/forgot-password", {"email": "ann@example.org"})
    reset = link_in(queued_to("ann@example.org")[0].body_text, "/account/reset/")
    monkeypatch.setattr(tokens, "RESET_LIFETIME", timedelta(seconds=-1))

    response = auth.post(reset, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})

    assert response.status_code == 400
    assert "Send me a new link" in page_text(response)
    assert auth.sign_in("ann@example.org", PASSWORD).status_code == 303


@pytest.mark.parametrize("token", ["nonsense", "a" * 300, "W1sxLCJ4Il0.abc.def"])
def test_a_forged_reset_link_is_refused(client, auth, make_user, token):
    make_user("ann@example.org")

    assert client.get(f"/account/reset/{token}").status_code == 400
    response = auth.post(f"/account/reset/{token}", {"new_password": NEW_PASSWORD})
    assert response.status_code == 400


def test_the_new_password_must_meet_the_rules(client, auth, make_user):
    make_user("ann@example.org")
    auth.post("/account/forgot-password", {"email": "ann@example.org"})
    reset = link_in(queued_to("ann@example.org")[0].body_text, "/account/reset/")

    short = auth.post(reset, {"new_password": "short", "confirm": "short"})

    assert short.status_code == 400
    assert "Use at least 10 characters." in page_text(short)
    assert not signed_in(client)


# Sign-up and confirmation


def test_a_new_volunteer_confirms_the_address_from_the_message_and_is_signed_in(
    app, client, auth, mailbox
):
    signed_up = auth.post("/account/sign-up?next=/fr/paris/", {**SIGN_UP, "next": "/fr/paris/"})
    delivery.send_due()

    assert signed_up.headers["Location"] == "/account/check-your-email"
    assert not signed_in(client)
    assert user("ann@example.org").email_confirmed_at is None
    [message] = mailbox.to("ann@example.org")
    assert message["Subject"] == "Confirm your email address"
    confirm = link_in(message.get_body(("plain",)).get_content(), "/account/confirm/")
    # Opening the link (as a mail scanner would) changes nothing; its button does.
    assert "Confirm and sign in" in page_text(client.get(confirm))
    assert user("ann@example.org").email_confirmed_at is None

    confirmed = auth.post(confirm)

    assert confirmed.headers["Location"] == "/fr/paris/"
    assert user("ann@example.org").email_confirmed_at is not None
    assert signed_in(client)


def test_signing_up_with_an_address_that_has_an_account_says_only_check_your_email(
    client, auth, make_user
):
    make_user("ann@example.org", display_name="Ann")

    response = auth.post("/account/sign-up", {**SIGN_UP, "email": "ANN@example.org"})

    assert response.headers["Location"] == "/account/check-your-email"
    assert db.session.scalar(select(func.count(User.id))) == 1
    [message] = queued_to("ann@example.org")
    assert message.subject == "You already have an account"
    assert link_in(message.body_text, "/account/forgot-password")


def test_an_unconfirmed_account_cannot_sign_in_until_it_confirms(client, auth):
    auth.post("/account/sign-up", SIGN_UP)

    refused = auth.sign_in("ann@example.org", PASSWORD)

    assert refused.status_code == 400
    assert "Confirm your email address first" in page_text(refused)
    auth.post("/account/confirm", {"email": "ann@example.org"})
    assert len(queued_to("ann@example.org")) == 2
    auth.confirm_from_mail("ann@example.org")
    assert signed_in(client)


def test_the_messages_are_in_the_language_the_volunteer_signed_up_in(app, auth, mailbox):
    auth.post("/account/sign-up?lang=fr", SIGN_UP)
    delivery.send_due()

    [message] = mailbox.to("ann@example.org")
    text = message.get_body(("plain",)).get_content()
    assert message["Subject"] == "Confirmez votre adresse e-mail"
    assert "lang=fr" in link_in(text, "/account/confirm/")
    html = BeautifulSoup(message.get_body(("html",)).get_content(), "html5lib")
    assert html.html["lang"] == "fr"
    assert "Bienvenue sur Meetups, Ann !" in html.get_text()


# Rate limits on forms that send mail


def test_mail_to_one_address_is_limited_whoever_asks(app, client, auth, make_user):
    app.config["RATELIMIT_MAIL_PER_ADDRESS"] = "2 per hour"
    make_user("ann@example.org")

    answers = [
        auth.post("/account/forgot-password", {"email": "ann@example.org"}).status_code
        for _ in range(3)
    ]
    other = auth.post("/account/forgot-password", {"email": "bob@example.org"})

    assert answers == [303, 303, 429]
    assert other.status_code == 303
    assert len(queued_to("ann@example.org")) == 2


def test_mail_asked_for_by_one_visitor_is_limited_whatever_the_address(app, auth):
    app.config["RATELIMIT_MAIL_PER_VISITOR"] = "2 per hour"

    answers = [
        auth.post("/account/forgot-password", {"email": f"n{n}@example.org"}).status_code
        for n in range(2)
    ]
    answers.append(auth.post("/account/confirm", {"email": "n3@example.org"}).status_code)

    assert answers == [303, 303, 429]


# Revocable sessions: a copied cookie stops working


def copied_cookies(source, target) -> None:
    for name in ("session", "remember_token"):
        cookie = source.get_cookie(name)
        if cookie is not None:
            target.set_cookie(name, cookie.value)


def copy_with_remember_only(source, target) -> None:
    target.set_cookie("remember_token", source.get_cookie("remember_token").value)


def sign_out(auth, **_):
    auth.sign_out()


def change_password(auth, **_):
    data = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert auth.post("/account/password", data).status_code == 303


def reset_password(auth, **_):
    auth.post("/account/forgot-password", {"email": "volunteer@example.org"})
    reset = link_in(queued_to("volunteer@example.org")[-1].body_text, "/account/reset/")
    assert (
        auth.post(reset, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 303
    )


def sign_out_elsewhere(auth, **_):
    assert auth.post("/account/sign-out-elsewhere").status_code == 303


def moderator_ends_sessions(auth, app, make_user, volunteer_id, **_):
    make_user("mod@example.org", role=Role.MODERATOR)
    # Another person: a client of their own, in an application context (and `g`) of its own.
    with app.app_context():
        moderator = AuthActions(app.test_client())
        moderator.sign_in("mod@example.org")
        assert moderator.post(f"/account/{volunteer_id}/end-sessions").status_code == 303


@pytest.mark.parametrize(
    "action",
    [sign_out, change_password, reset_password, sign_out_elsewhere, moderator_ends_sessions],
)
@pytest.mark.parametrize("copy", [copied_cookies, copy_with_remember_only])
def test_a_copied_cookie_no_longer_signs_in_after(app, client, auth, make_user, action, copy):
    volunteer = make_user()
    auth.sign_in(remember=True)
    thief = app.test_client()
    copy(client, thief)
    assert signed_in(thief)

    action(auth=auth, app=app, make_user=make_user, volunteer_id=volunteer.id)

    assert not signed_in(thief)


@pytest.mark.parametrize("action", [change_password, sign_out_elsewhere])
def test_this_session_goes_on_after_ending_the_others(client, auth, make_user, action):
    make_user()
    auth.sign_in()

    action(auth=auth)

    assert signed_in(client)


@pytest.mark.browser
def test_a_volunteer_follows_the_reset_link_of_a_delivered_message_in_a_browser(
    app, browser, live_server, make_user, mailbox
):
    make_user("ann@example.org")
    app.config["BASE_URL"] = live_server
    page = browser.new_context(viewport=PHONE).new_page()
    page.goto(live_server + "/account/sign-in")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email", exact=True).fill("ann@example.org")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()

    delivery.send_due()
    [message] = mailbox.to("ann@example.org")
    page.goto(live_server + link_in(message.get_body(("plain",)).get_content(), "/account/reset/"))
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()

    expect(page.get_by_role("status")).to_have_text(
        "Your password is changed. Every other session is signed out."
    )
    expect(page.get_by_role("heading", name="Your account")).to_be_visible()


def test_a_confirmation_link_works_once(client, auth):
    auth.post("/account/sign-up", SIGN_UP)
    confirm = link_in(queued_to("ann@example.org")[-1].body_text, "/account/confirm/")
    auth.post(confirm)
    auth.sign_out()

    again = auth.post(confirm)

    assert again.status_code == 400
    assert "This confirmation link is not valid any more." in page_text(again)
    assert not signed_in(client)
