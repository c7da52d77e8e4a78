"""Volunteer accounts: signing up, in and out, passwords, lockout, cookies, limits, the CLI.

Forms are read with a real HTML parser and sent back as a browser would,
CSRF token included.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from meetups import create_app
from meetups.accounts import passwords, volunteers
from meetups.accounts.routes import SIGN_IN_REFUSED
from meetups.config import ConfigError
from meetups.extensions import db
from meetups.models import Role, User, utcnow
from meetups.redirects import safe_next
from meetups.web.permissions import moderator_required
from meetups.web.rate_limits import limit_edits, limit_reports
from tests.conftest import PASSWORD, AuthActions, require

NEW_PASSWORD = "a new and longer passphrase"
REDIS_URL = "redis://127.0.0.1:6379"
# One prefix per test process: the test runs once per database, maybe at the same moment.
REDIS_KEY_PREFIX = f"meetups-test-accounts-{os.getpid()}"


def soup(response: TestResponse) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html5lib")


def text_of(node: Tag) -> str:
    return " ".join(node.get_text(" ").split())


def form_data(form: Tag) -> dict[str, str]:
    """What a browser sends for a form as it stands: hidden fields, values, ticked boxes."""
    return {
        field["name"]: field.get("value", "")
        for field in form.select("input[name]")
        if field.get("type") != "checkbox" or field.has_attr("checked")
    }


def submit(client: FlaskClient, form: Tag, **values: str) -> TestResponse:
    return client.post(form["action"], data={**form_data(form), **values})


def main_form(client: FlaskClient, url: str) -> Tag:
    return soup(client.get(url)).select_one("main form")


def field_errors(page: BeautifulSoup) -> dict[str, list[str]]:
    return {
        field.select_one("input")["name"]: [text_of(p) for p in field.select(".field-error")]
        for field in page.select(".field.has-error")
    }


def alerts(page: BeautifulSoup) -> list[str]:
    return [text_of(p) for p in page.select("main [role=alert]")]


def user_count() -> int:
    return db.session.scalar(select(func.count(User.id)))


def set_cookies(response: TestResponse) -> dict[str, dict[str, str]]:
    """Cookies a response sets, each with its attributes (lower-cased names)."""
    cookies = {}
    for header in response.headers.getlist("Set-Cookie"):
        pair, *attributes = header.split("; ")
        cookies[pair.split("=", 1)[0]] = {
            name.lower(): value for name, _, value in (a.partition("=") for a in attributes)
        }
    return cookies


@pytest.fixture
def make_app(database_url: str) -> Iterator[Callable[..., Flask]]:
    """An app with settings of its own on the test database (for what `app` cannot vary)."""
    contexts = []

    def make(**settings: object) -> Flask:
        app = create_app(
            {"TESTING": True, "SECRET_KEY": "test-secret", "DATABASE_URL": database_url, **settings}
        )
        context = app.app_context()
        context.push()
        contexts.append(context)
        if database_url.startswith("sqlite"):
            db.create_all()
        return app

    yield make
    for context in reversed(contexts):
        db.session.remove()
        db.engine.dispose()
        context.pop()


# Signing up, in and out


def test_sign_up_sign_in_change_password_and_sign_out(client):
    response = submit(
        client,
        main_form(client, "/account/sign-up"),
        email="  Ann@Example.ORG ",
        display_name=" Ann ",
        password=PASSWORD,
        confirm=PASSWORD,
    )
    assert (response.status_code, response.headers["Location"]) == (
        303,
        "/account/check-your-email",
    )
    confirmed = AuthActions(client).confirm_from_mail("ann@example.org")
    # A new volunteer is led to add their first meetup: step 1, the city.
    assert (confirmed.status_code, confirmed.headers["Location"]) == (303, "/add")

    account = soup(client.get("/account/"))
    details = [text_of(node) for node in account.select(".account-details dt, dd")]
    assert details == ["Name", "Ann", "Email", "ann@example.org", "Role", "Volunteer"]
    assert text_of(account.select_one('nav.account a[href="/account/"]')) == "Ann"

    sign_out = account.select_one("nav.account form")
    assert sign_out["method"] == "post"
    assert submit(client, sign_out).headers["Location"] == "/"
    assert client.get("/account/").status_code == 302

    response = submit(
        client, main_form(client, "/account/sign-in"), email="ann@example.org", password=PASSWORD
    )
    assert (response.status_code, response.headers["Location"]) == (303, "/account/")

    response = submit(
        client,
        main_form(client, "/account/"),
        current_password=PASSWORD,
        new_password=NEW_PASSWORD,
        confirm=NEW_PASSWORD,
    )
    assert (response.status_code, response.headers["Location"]) == (303, "/account/")
    assert "Your password is changed." in text_of(
        soup(client.get("/account/")).select_one(".flash")
    )
    submit(client, soup(client.get("/account/")).select_one("nav.account form"))

    sign_in = main_form(client, "/account/sign-in")
    refused = submit(client, sign_in, email="ann@example.org", password=PASSWORD)
    assert refused.status_code == 400
    assert alerts(soup(refused)) == [SIGN_IN_REFUSED]
    sign_in = main_form(client, "/account/sign-in")
    assert (
        submit(client, sign_in, email="ANN@example.org", password=NEW_PASSWORD).status_code == 303
    )

    user = db.session.scalar(select(User))
    assert (user.email, user.display_name, user.role) == ("ann@example.org", "Ann", Role.VOLUNTEER)
    assert user.password_hash.startswith("scrypt:")
    assert user.last_sign_in_at is not None


def test_an_email_signs_up_once_whatever_its_case(auth, make_user):
    make_user("ann@example.org")

    response = auth.post(
        "/account/sign-up",
        {
            "email": " ANN@Example.org",
            "display_name": "Another Ann",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )

    # The same answer as for a new address: the owner is told by mail (tests/test_account_mail.py).
    assert response.headers["Location"] == "/account/check-your-email"
    assert user_count() == 1


GOOD_SIGN_UP = {
    "email": "ann@example.org",
    "display_name": "Ann",
    "password": PASSWORD,
    "confirm": PASSWORD,
}


def test_a_visitor_who_chose_french_keeps_it_through_signing_up_and_out(client):
    submit(client, main_form(client, "/account/sign-up?lang=fr"), **GOOD_SIGN_UP)
    signed_up = AuthActions(client).confirm_from_mail(GOOD_SIGN_UP["email"])
    sign_out = soup(client.get(signed_up.headers["Location"])).select_one("nav.account form")
    signed_out = submit(client, sign_out)

    assert signed_up.headers["Location"] == "/add?lang=fr"
    assert signed_out.headers["Location"] == "/?lang=fr"
    assert soup(client.get(signed_out.headers["Location"])).html["lang"] == "fr"


@pytest.mark.parametrize(
    ("going_to", "lands_on"),
    [
        ("/m/open-coffee/?lang=fr", "/m/open-coffee/?lang=fr"),
        ("/m/open-coffee/", "/m/open-coffee/?lang=fr"),
        ("/m/open-coffee/?lang=en", "/m/open-coffee/?lang=fr"),  # switched on the sign-in page
        ("/fr/paris/?week=2", "/fr/paris/?week=2&lang=fr"),
    ],
)
def test_signing_in_in_french_goes_on_in_french(client, make_user, going_to, lands_on):
    make_user("ann@example.org")
    sign_in = main_form(client, "/account/sign-in?" + urlencode({"next": going_to, "lang": "fr"}))

    signed_in = submit(client, sign_in, email="ann@example.org", password=PASSWORD)

    assert signed_in.headers["Location"] == lands_on


NOT_EMAIL = "Enter an email address like name@example.org."
NOT_NAME_OR_EMAIL = "Do not use your email address or your name as your password."
COMMON = (
    "This password is one of the most common ones, the first that attackers try. "
    "Choose another: a few unrelated words make a good one."
)


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"email": ""}, {"email": ["Enter your email address."]}),
        ({"email": "ann.example.org"}, {"email": [NOT_EMAIL]}),
        ({"email": "ann@example"}, {"email": [NOT_EMAIL]}),
        ({"display_name": "   "}, {"display_name": ["Enter a name."]}),
        ({"display_name": "A" * 81}, {"display_name": ["Use at most 80 characters."]}),
        (
            {"password": "", "confirm": ""},
            {"password": ["Choose a password."], "confirm": ["Type the password again."]},
        ),
        (
            {"password": "9 letters", "confirm": "9 letters"},
            {"password": ["Use at least 10 characters."]},
        ),
        (
            {"password": "ANN@example.org", "confirm": "ANN@example.org"},
            {"password": [NOT_NAME_OR_EMAIL]},
        ),
        (
            {
                "display_name": "Annabelle Lee",
                "password": "annabelle lee",
                "confirm": "annabelle lee",
            },
            {"password": [NOT_NAME_OR_EMAIL]},
        ),
        ({"confirm": PASSWORD + "!"}, {"confirm": ["The two passwords are not the same."]}),
        ({"password": "Password123", "confirm": "Password123"}, {"password": [COMMON]}),
        ({"password": "qwertyuiop", "confirm": "qwertyuiop"}, {"password": [COMMON]}),
    ],
)
def test_sign_up_explains_each_mistake_beside_its_field(client, auth, changes, errors):
    response = auth.post("/account/sign-up", {**GOOD_SIGN_UP, **changes})

    assert response.status_code == 400
    page = soup(response)
    assert field_errors(page) == errors
    assert all(page.select_one(f"#{field}")["aria-invalid"] == "true" for field in errors)
    assert user_count() == 0
    assert client.get("/account/").status_code == 302


def test_sign_in_asks_for_what_is_missing(auth, make_user):
    user = make_user()

    response = auth.post("/account/sign-in", {"email": " ", "password": ""})

    assert response.status_code == 400
    assert field_errors(soup(response)) == {
        "email": ["Enter your email."],
        "password": ["Enter your password."],
    }
    db.session.refresh(user)
    assert user.failed_sign_ins == 0


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field", "message"),
    [
        ("", NEW_PASSWORD, NEW_PASSWORD, "current_password", "Enter your current password."),
        (
            "not the password",
            NEW_PASSWORD,
            NEW_PASSWORD,
            "current_password",
            "This is not your current password.",
        ),
        (PASSWORD, "too short", "too short", "new_password", "Use at least 10 characters."),
        (
            PASSWORD,
            PASSWORD,
            PASSWORD,
            "new_password",
            "Choose a password different from your current one.",
        ),
        (
            PASSWORD,
            "Val Volunteer",
            "Val Volunteer",
            "new_password",
            "Do not use your email address or your name as your password.",
        ),
        (
            PASSWORD,
            NEW_PASSWORD,
            "something else",
            "confirm",
            "The two new passwords are not the same.",
        ),
    ],
)
def test_changing_password_explains_each_mistake(
    auth, make_user, current, new, confirm, field, message
):
    user = make_user()
    auth.sign_in()

    response = auth.post(
        "/account/password",
        {"current_password": current, "new_password": new, "confirm": confirm},
    )

    assert response.status_code == 400
    assert field_errors(soup(response)) == {field: [message]}
    db.session.refresh(user)
    assert passwords.password_matches(user.password_hash, PASSWORD)


def test_names_are_shown_as_text_not_markup(client, auth):
    auth.post("/account/sign-up", {**GOOD_SIGN_UP, "display_name": "<script>alert(1)</script>"})
    auth.confirm_from_mail(GOOD_SIGN_UP["email"])

    page = soup(client.get("/account/"))

    assert not page.select("body script")
    assert (
        text_of(page.select_one('nav.account a[href="/account/"]')) == "<script>alert(1)</script>"
    )


# Lockout: five wrong passwords, then 15 minutes, and the same words for everyone


def test_five_wrong_passwords_lock_the_account_for_15_minutes(app, client, auth, make_user):
    app.config["RATELIMIT_SIGN_IN"] = "100 per minute"
    user = make_user()

    for attempt in range(5):
        response = auth.sign_in(password=f"wrong password {attempt}")
        assert (response.status_code, alerts(soup(response))) == (400, [SIGN_IN_REFUSED])
    locked = auth.sign_in()

    assert (locked.status_code, alerts(soup(locked))) == (400, [SIGN_IN_REFUSED])
    assert client.get("/account/").status_code == 302
    db.session.refresh(user)
    assert timedelta(minutes=14) < user.locked_until - utcnow() <= timedelta(minutes=15)

    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert auth.sign_in().status_code == 303
    db.session.refresh(user)
    assert (user.failed_sign_ins, user.locked_until) == (0, None)


def test_a_successful_sign_in_forgives_earlier_mistakes(auth, make_user):
    user = make_user()
    for attempt in range(4):
        auth.sign_in(password=f"wrong password {attempt}")

    assert auth.sign_in().status_code == 303
    auth.sign_out()
    auth.sign_in(password="wrong again, once")

    db.session.refresh(user)
    assert (user.failed_sign_ins, user.locked_until) == (1, None)


def test_unknown_email_wrong_password_and_locked_account_look_alike(auth, make_user, monkeypatch):
    make_user("known@example.org")
    make_user("locked@example.org", locked_until=utcnow() + timedelta(minutes=10))
    checked = []
    check = passwords.check_password_hash

    def counted_check(password_hash: str, given: str) -> bool:
        checked.append(given)
        return check(password_hash, given)

    monkeypatch.setattr(passwords, "check_password_hash", counted_check)

    responses = [
        auth.sign_in("nobody@example.org", "a guess of a password"),
        auth.sign_in("known@example.org", "a guess of a password"),
        auth.sign_in("locked@example.org", PASSWORD),
    ]

    pages = [(r.status_code, alerts(soup(r)), field_errors(soup(r))) for r in responses]
    assert pages == [(400, [SIGN_IN_REFUSED], {})] * 3
    # One slow scrypt check each: an unknown email takes as long to refuse as a known one.
    assert len(checked) == 3


# Cookies


def test_remember_me_keeps_a_volunteer_signed_in_for_30_days(auth, make_user):
    make_user()

    cookies = set_cookies(auth.sign_in(remember=True))

    remember = cookies["remember_token"]
    assert "httponly" in remember and remember["samesite"] == "Lax" and "secure" not in remember
    lasts = parsedate_to_datetime(remember["expires"]) - utcnow()
    assert timedelta(days=29) < lasts <= timedelta(days=30)
    session = cookies["session"]
    assert "httponly" in session and session["samesite"] == "Lax" and "secure" not in session


def test_without_remember_me_the_sign_in_ends_with_the_browser(auth, make_user):
    make_user()

    cookies = set_cookies(auth.sign_in())

    assert "remember_token" not in cookies
    assert "expires" not in cookies["session"]


def test_signing_out_forgets_remember_me(client, auth, make_user):
    make_user()
    auth.sign_in(remember=True)

    auth.sign_out()

    assert client.get("/account/").status_code == 302
    assert client.get_cookie("remember_token") is None


def test_over_https_sign_in_cookies_are_secure(make_app, monkeypatch):
    monkeypatch.setenv("MEETUPS_HTTPS", "true")
    client = make_app().test_client()
    ann = volunteers.create_account(
        db.session, email="ann@example.org", display_name="Ann", password=PASSWORD
    )
    volunteers.confirm_email(ann, utcnow())
    db.session.commit()
    https = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/"}}
    sign_in = BeautifulSoup(client.get("/account/sign-in", **https).text, "html5lib")

    response = client.post(
        "/account/sign-in",
        data={
            **form_data(sign_in.select_one("main form")),
            "email": "ann@example.org",
            "password": PASSWORD,
            "remember": "y",
        },
        **https,
    )

    assert response.status_code == 303
    cookies = set_cookies(response)
    for name in ("session", "remember_token"):
        assert {"secure", "httponly"} <= set(cookies[name]) and cookies[name]["samesite"] == "Lax"


def test_visitors_who_never_sign_in_get_no_cookie(client, make_meetup):
    make_meetup()

    for url in ["/", "/fr/", "/fr/paris/", "/m/open-coffee/", "/v/cafe-central-paris/", "/nowhere"]:
        response = client.get(url)
        assert "Set-Cookie" not in response.headers, url
        sign_in = urlsplit(soup(response).select_one("nav.account a")["href"])
        assert (sign_in.path, parse_qs(sign_in.query)) == ("/account/sign-in", {"next": [url]})


# Where signing in leads: only to pages of this site


OFF_SITE = [
    "//evil.example/",
    "///evil.example/",
    "https://evil.example/",
    "http:evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "javascript:alert(1)",
    "evil.example",
]
ON_SITE = ["/fr/paris/", "/search?q=par%C3%ADs", "/m/open-coffee/#dates"]


@pytest.mark.parametrize("target", OFF_SITE)
def test_off_site_destinations_are_refused(target):
    assert safe_next(target) is None


@pytest.mark.parametrize("target", ON_SITE)
def test_paths_on_this_site_are_kept(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", OFF_SITE)
def test_signing_in_never_leads_off_the_site(auth, make_user, target):
    make_user()

    response = auth.sign_in(next=target)

    assert (response.status_code, response.headers["Location"]) == (303, "/account/")


def test_signing_in_leads_on_to_the_page_asked_for(auth, make_user):
    make_user()

    response = auth.sign_in(next="/fr/paris/?week=2")

    assert response.headers["Location"] == "/fr/paris/?week=2"


# Who may do what


def _moderators_only() -> str:
    return "moderators only"


@pytest.fixture
def moderators_page(app: Flask) -> str:
    app.add_url_rule("/moderators-only", view_func=moderator_required(_moderators_only))
    return "/moderators-only"


def test_moderator_pages_send_visitors_to_sign_in_and_back(client, make_user, moderators_page):
    make_user("mo@example.org", "Mo", role=Role.MODERATOR)

    response = client.get(moderators_page)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert (location.path, parse_qs(location.query)) == (
        "/account/sign-in",
        {"next": [moderators_page]},
    )

    sign_in = main_form(client, response.headers["Location"])
    response = submit(client, sign_in, email="mo@example.org", password=PASSWORD)
    assert response.headers["Location"] == moderators_page
    assert client.get(moderators_page).text == "moderators only"
    account = soup(client.get("/account/"))
    assert "Moderator" in text_of(account.select_one(".account-details"))


def test_moderator_pages_are_forbidden_to_volunteers(client, auth, make_user, moderators_page):
    make_user()
    auth.sign_in()

    response = client.get(moderators_page)

    assert response.status_code == 403
    assert "Only moderators can do this." in text_of(soup(response).main)


# CSRF


def test_a_form_posted_without_its_token_is_refused_and_changes_nothing(client):
    response = client.post("/account/sign-up", data=GOOD_SIGN_UP)

    assert response.status_code == 400
    assert "This form has expired or did not come from this site" in text_of(soup(response).main)
    assert user_count() == 0


def test_signing_out_takes_a_post_with_the_token(client, auth, make_user):
    make_user()
    auth.sign_in()

    assert client.get("/account/sign-out").status_code == 405
    assert client.post("/account/sign-out", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/account/").status_code == 200

    assert auth.sign_out().headers["Location"] == "/"
    assert client.get("/account/").status_code == 302


# Command line


def test_create_moderator_with_a_prompted_password(app):
    result = app.test_cli_runner().invoke(
        args=["create-moderator", "Mo@Example.org", "--name", "Mo"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    user = db.session.scalar(select(User))
    assert (user.email, user.display_name, user.role, user.reviewed) == (
        "mo@example.org",
        "Mo",
        Role.MODERATOR,
        True,
    )
    assert passwords.password_matches(user.password_hash, PASSWORD)


def test_create_moderator_reads_the_password_from_stdin(app):
    result = app.test_cli_runner().invoke(
        args=["create-moderator", "mo@example.org", "--name", "Mo", "--password-stdin"],
        input=f"{PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert passwords.password_matches(db.session.scalar(select(User)).password_hash, PASSWORD)


def test_create_moderator_gives_the_account_the_language_of_its_mail(app, make_user):
    runner = app.test_cli_runner()
    make_user()

    created = runner.invoke(
        args=["create-moderator", "mo@example.org", "--name", "Mo", "--language", "fr"],
        input=f"{PASSWORD}\n{PASSWORD}\n",
    )
    promoted = runner.invoke(args=["create-moderator", "volunteer@example.org", "--language", "de"])
    refused = runner.invoke(args=["create-moderator", "x@example.org", "--language", "xx"])

    assert created.exit_code == promoted.exit_code == 0, created.output + promoted.output
    languages = dict(db.session.execute(select(User.email, User.language)).all())
    assert languages == {"mo@example.org": "fr", "volunteer@example.org": "de"}
    assert refused.exit_code == 2
    assert "'xx' is not one of" in refused.output


def test_create_moderator_promotes_an_existing_account(app, make_user):
    user = make_user()

    result = app.test_cli_runner().invoke(args=["create-moderator", "VOLUNTEER@example.org"])

    assert result.exit_code == 0, result.output
    db.session.refresh(user)
    assert user.role == Role.MODERATOR
    assert passwords.password_matches(user.password_hash, PASSWORD)


@pytest.mark.parametrize(
    ("args", "stdin", "exit_code", "message"),
    [
        (["not-an-email", "--name", "Mo"], "", 2, "does not look like an email address"),
        (["mo@example.org"], "", 2, "--name, of 1 to 80 characters, is required"),
        (["mo@example.org", "--name", "M" * 81], "", 2, "--name, of 1 to 80 characters"),
        (["mo@example.org", "--name", "Mo", "--password-stdin"], "short\n", 1, "at least 10"),
        (
            ["mo@example.org", "--name", "Mo", "--password-stdin"],
            "mo@example.org\n",
            1,
            "Do not use your email address or your name",
        ),
        (["mo@example.org", "--name", "Mo"], f"{PASSWORD}\n{NEW_PASSWORD}\n", 1, "do not match"),
    ],
)
def test_create_moderator_refuses_bad_input_and_writes_nothing(
    app, args, stdin, exit_code, message
):
    result = app.test_cli_runner().invoke(args=["create-moderator", *args], input=stdin)

    assert result.exit_code == exit_code, result.output
    assert message in result.output
    assert user_count() == 0


def test_set_password_resets_a_password_and_lifts_a_lockout(app, auth, make_user):
    user = make_user(failed_sign_ins=3, locked_until=utcnow() + timedelta(minutes=10))

    result = app.test_cli_runner().invoke(
        args=["set-password", "volunteer@example.org", "--password-stdin"],
        input=f"{NEW_PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    db.session.refresh(user)
    assert (user.failed_sign_ins, user.locked_until) == (0, None)
    assert auth.sign_in(password=NEW_PASSWORD).status_code == 303


@pytest.mark.parametrize(
    ("email", "stdin", "exit_code", "message"),
    [
        ("nobody@example.org", f"{NEW_PASSWORD}\n", 2, "no account with the email"),
        ("volunteer@example.org", "short\n", 1, "Password refused: Use at least 10 characters."),
        ("volunteer@example.org", "val volunteer\n", 1, "Do not use your email address"),
    ],
)
def test_set_password_refuses_bad_input_and_changes_nothing(
    app, make_user, email, stdin, exit_code, message
):
    user = make_user()

    result = app.test_cli_runner().invoke(
        args=["set-password", email, "--password-stdin"], input=stdin
    )

    assert result.exit_code == exit_code, result.output
    assert message in result.output
    db.session.refresh(user)
    assert passwords.password_matches(user.password_hash, PASSWORD)


# Rate limits


def test_refused_sign_ins_are_limited_per_address(app, client, auth, make_user):
    app.config["RATELIMIT_SIGN_IN"] = "2 per minute"
    user = make_user()
    auth.sign_in(password="wrong password 1")
    auth.sign_in(password="wrong password 2")

    blocked = auth.sign_in()

    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["Retry-After"]) <= 60
    page = soup(blocked)
    assert text_of(page.h1) == "Too Many Requests"
    assert "Nothing was changed. Please wait a while, then try again." in text_of(page.main)
    db.session.refresh(user)
    assert user.failed_sign_ins == 2
    assert client.get("/account/").status_code == 302


def test_successful_sign_ins_do_not_count_against_the_limit(app, auth, make_user):
    app.config["RATELIMIT_SIGN_IN"] = "1 per minute"
    make_user()

    assert [auth.sign_in().status_code for _ in range(3)] == [303, 303, 303]


def test_sign_ups_are_limited_per_address(app, auth):
    app.config["RATELIMIT_SIGN_UP"] = "1 per minute"

    first = auth.post("/account/sign-up", GOOD_SIGN_UP)
    second = auth.post("/account/sign-up", {**GOOD_SIGN_UP, "email": "bob@example.org"})

    assert (first.status_code, second.status_code) == (303, 429)
    assert user_count() == 1


def _edit_venue() -> str:
    return "saved"


def _edit_meetup() -> str:
    return "saved"


def _report_one() -> str:
    return "reported"


def _report_another() -> str:
    return "reported"


def test_edit_limits_count_per_volunteer_and_report_limits_per_address(app, auth, make_user):
    app.config.update(RATELIMIT_EDITS="2 per minute", RATELIMIT_REPORTS="2 per minute")
    for view in (_edit_venue, _edit_meetup):
        app.add_url_rule(f"/{view.__name__}", view_func=limit_edits(view), methods=["POST"])
    for view in (_report_one, _report_another):
        app.add_url_rule(f"/{view.__name__}", view_func=limit_reports(view), methods=["POST"])
    make_user("ann@example.org")
    make_user("bob@example.org")

    auth.sign_in("ann@example.org")
    anns = [auth.post(url).status_code for url in ("/_edit_venue", "/_edit_meetup", "/_edit_venue")]
    auth.sign_out()
    auth.sign_in("bob@example.org")
    bobs = auth.post("/_edit_meetup").status_code
    auth.sign_out()
    reports = [
        auth.post(url).status_code for url in ("/_report_one", "/_report_another", "/_report_one")
    ]

    assert (anns, bobs, reports) == ([200, 200, 429], 200, [200, 200, 429])


def test_a_malformed_limit_stops_the_app_at_start(monkeypatch):
    monkeypatch.setenv("MEETUPS_RATELIMIT_SIGN_IN", "five a minute")

    with pytest.raises(ConfigError, match="MEETUPS_RATELIMIT_SIGN_IN must be limits like"):
        create_app({"TESTING": True})


def _redis_or_reason():
    """A Redis client at REDIS_URL, or why there is none."""
    try:
        import redis
    except ImportError:
        return None, "the redis package is not installed (needed for redis:// rate-limit storage)"
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        return None, f"Redis is not reachable at {REDIS_URL}"
    return client, ""


def test_sign_in_limit_holds_with_counts_in_redis(make_app):
    redis_client, reason = _redis_or_reason()
    require(redis_client is not None, reason)
    # Only this test's counts: the same Redis may serve a developer's own site.
    our_keys = f"LIMITS:LIMITER/{REDIS_KEY_PREFIX}/*"

    def forget_our_counts() -> None:
        for key in redis_client.scan_iter(our_keys):
            redis_client.delete(key)

    forget_our_counts()
    try:
        app = make_app(
            RATELIMIT_STORAGE_URI=REDIS_URL,
            RATELIMIT_KEY_PREFIX=REDIS_KEY_PREFIX,
            RATELIMIT_SIGN_IN="2 per minute",
        )
        auth = AuthActions(app.test_client())

        statuses = [auth.sign_in(password=f"wrong password {n}").status_code for n in range(3)]

        assert statuses == [400, 400, 429]
        assert list(redis_client.scan_iter(our_keys))
    finally:
        forget_our_counts()
