"""Who may use which route: every route of the app × anonymous, volunteer and moderator.

The table must name every route the app has (a new route without a row fails
`test_the_table_covers_every_route`), so no page ships without someone deciding
who may use it. Permissions do not depend on the database engine: SQLite only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest

from meetups.editing import history, operations
from meetups.extensions import db
from meetups.models import Report, ReportKind, Role, utcnow

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

ALLOWED, SIGN_IN, FORBIDDEN = "allowed", "sign in first", "forbidden"
# A trusted volunteer is one a moderator marked as trusted to undo anyone's edits.
ROLES = ("anonymous", "volunteer", "trusted", "moderator")
EVERYONE = dict.fromkeys(ROLES, ALLOWED)
VOLUNTEERS = {"anonymous": SIGN_IN, "volunteer": ALLOWED, "trusted": ALLOWED, "moderator": ALLOWED}
MODERATORS = {
    "anonymous": SIGN_IN,
    "volunteer": FORBIDDEN,
    "trusted": FORBIDDEN,
    "moderator": ALLOWED,
}
# Someone else's revision or deletion, which only its author, the trusted and moderators undo;
# and going back to an earlier version.
TRUSTED = {"anonymous": SIGN_IN, "volunteer": FORBIDDEN, "trusted": ALLOWED, "moderator": ALLOWED}


@dataclass(frozen=True)
class Case:
    method: str
    rule: str
    url: str
    expected: dict[str, str]
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.method} {self.url}"


def next_thursday() -> date:
    today = date.today()
    return today + timedelta(days=(3 - today.weekday()) % 7 or 7)


MEETUP_FORM = {
    "name": "Open Coffee",
    "pattern": "weekly",
    "weekdays": ["3"],
    "interval": "1",
    "week_of_month": "1",
    "start_time": "08:30",
    "end_time": "10:00",
    "first_date": "2026-01-01",
}
VENUE_FORM = {"name": "Bar Neuf", "address": "3 Rue Neuve", "action": "save"}

CASES = [
    Case("GET", "/", "/", EVERYONE),
    Case("GET", "/search", "/search?q=paris", EVERYONE),
    Case("GET", "/near", "/near?q=paris", EVERYONE),
    Case("GET", "/<string(length=2):country_code>/", "/fr/", EVERYONE),
    Case("GET", "/<string(length=2):country_code>/<slug>/", "/fr/paris/", EVERYONE),
    Case("GET", "/m/<slug>/", "/m/open-coffee/", EVERYONE),
    Case("GET", "/v/<slug>/", "/v/cafe-central-paris/", EVERYONE),
    Case("GET", "/m/<slug>/history", "/m/open-coffee/history", EVERYONE),
    Case("GET", "/v/<slug>/history", "/v/cafe-central-paris/history", EVERYONE),
    Case("GET", "/changes", "/changes", EVERYONE),
    Case("GET", "/changes.atom", "/changes.atom", EVERYONE),
    Case("GET", "/feeds/all.ics", "/feeds/all.ics", EVERYONE),
    Case("GET", "/feeds/qr.svg", "/feeds/qr.svg?url=http://localhost/feeds/all.ics", EVERYONE),
    Case("GET", "/t/<slug>/", "/t/startups/", EVERYONE),
    Case("GET", "/feeds/<kind>/<slug>.ics", "/feeds/meetup/open-coffee.ics", EVERYONE),
    Case("GET", "/feeds/city/<country_code>/<slug>.ics", "/feeds/city/fr/paris.ics", EVERYONE),
    Case("GET", "/feeds/meetup/<slug>/<day>.ics", "/feeds/meetup/open-coffee/{day}.ics", EVERYONE),
    Case("GET", "/embed/city/<country_code>/<slug>", "/embed/city/fr/paris", EVERYONE),
    Case("GET", "/embed/venue/<slug>", "/embed/venue/cafe-central-paris", EVERYONE),
    Case("GET", "/embed/meetup/<slug>", "/embed/meetup/open-coffee", EVERYONE),
    Case("GET", "/healthz", "/healthz", EVERYONE),
    Case("GET", "/robots.txt", "/robots.txt", EVERYONE),
    Case("GET", "/sitemap.xml", "/sitemap.xml", EVERYONE),
    # One file holds this small directory, so there is no part 1: a 404, for everyone.
    Case("GET", "/sitemap-<int(min=1):number>.xml", "/sitemap-1.xml", EVERYONE),
    Case("GET", "/dates", "/dates?when=today", EVERYONE),
    Case("GET", "/suggest", "/suggest?q=par", EVERYONE),
    Case("GET", "/trip", "/trip?city=fr/paris&arrive={day}&leave={day}", EVERYONE),
    Case("GET", "/trip.ics", "/trip.ics?city=fr/paris&arrive={day}&leave={day}", EVERYONE),
    Case("GET", "/api/v1/openapi.json", "/api/v1/openapi.json", EVERYONE),
    Case("GET", "/api/v1/countries", "/api/v1/countries", EVERYONE),
    Case("GET", "/api/v1/cities", "/api/v1/cities?country=fr", EVERYONE),
    Case("GET", "/api/v1/cities/<country>/<slug>", "/api/v1/cities/fr/paris", EVERYONE),
    Case("GET", "/api/v1/venues", "/api/v1/venues", EVERYONE),
    Case("GET", "/api/v1/venues/<slug>", "/api/v1/venues/cafe-central-paris", EVERYONE),
    Case("GET", "/api/v1/meetups", "/api/v1/meetups", EVERYONE),
    Case("GET", "/api/v1/meetups/<slug>", "/api/v1/meetups/open-coffee", EVERYONE),
    Case(
        "GET",
        "/api/v1/occurrences",
        "/api/v1/occurrences?from=2026-01-01&to=2026-01-31",
        EVERYONE,
    ),
    Case("GET", "/api/v1/near", "/api/v1/near?lat=48.85&lon=2.35", EVERYONE),
    Case("GET", "/m/<slug>/report", "/m/open-coffee/report", EVERYONE),
    Case("POST", "/m/<slug>/report", "/m/open-coffee/report", EVERYONE, {"kind": "wrong-time"}),
    Case("GET", "/account/sign-up", "/account/sign-up", EVERYONE),
    Case(
        "POST",
        "/account/sign-up",
        "/account/sign-up",
        EVERYONE,
        {
            "email": "new@example.org",
            "display_name": "Newcomer",
            "password": "a long enough passphrase",
            "confirm": "a long enough passphrase",
        },
    ),
    Case("GET", "/account/sign-in", "/account/sign-in", EVERYONE),
    Case("POST", "/account/sign-in", "/account/sign-in", EVERYONE, {"email": "x@example.org"}),
    # Signing out when not signed in does nothing, harmlessly.
    Case("POST", "/account/sign-out", "/account/sign-out", EVERYONE),
    Case("POST", "/m/<slug>/watch", "/m/open-coffee/watch", VOLUNTEERS),
    Case("POST", "/m/<slug>/unwatch", "/m/open-coffee/unwatch", VOLUNTEERS),
    Case("POST", "/v/<slug>/watch", "/v/cafe-central-paris/watch", VOLUNTEERS),
    Case("POST", "/v/<slug>/unwatch", "/v/cafe-central-paris/unwatch", VOLUNTEERS),
    Case("POST", "/<string(length=2):country_code>/<slug>/watch", "/fr/paris/watch", VOLUNTEERS),
    Case(
        "POST", "/<string(length=2):country_code>/<slug>/unwatch", "/fr/paris/unwatch", VOLUNTEERS
    ),
    # Someone else's watch, or none: not found.
    Case("POST", "/account/watching/<int:watch_id>/stop", "/account/watching/9/stop", VOLUNTEERS),
    Case("GET", "/m/<slug>/calendar", "/m/open-coffee/calendar", VOLUNTEERS),
    # An address that is refused before anything is fetched.
    Case("POST", "/m/<slug>/calendar", "/m/open-coffee/calendar", VOLUNTEERS, {"url": "ftp://x"}),
    Case(
        "POST",
        "/m/<slug>/calendar/conflicts",
        "/m/open-coffee/calendar/conflicts",
        VOLUNTEERS,
        {"field": "rrule", "take": "here"},
    ),
    Case("GET", "/still-happening/<token>", "/still-happening/not-a-token", EVERYONE),
    Case("POST", "/still-happening/<token>", "/still-happening/not-a-token", EVERYONE),
    Case("GET", "/account/unsubscribe/<token>", "/account/unsubscribe/not-a-token", EVERYONE),
    Case("POST", "/account/unsubscribe/<token>", "/account/unsubscribe/not-a-token", EVERYONE),
    Case(
        "POST",
        "/account/mail-settings",
        "/account/mail-settings",
        VOLUNTEERS,
        {"alerts": "daily", "language": "en"},
    ),
    Case("GET", "/account/check-your-email", "/account/check-your-email", EVERYONE),
    Case("GET", "/account/confirm", "/account/confirm", EVERYONE),
    Case("POST", "/account/confirm", "/account/confirm", EVERYONE, {"email": "x@example.org"}),
    # Links from messages: anyone holding one may use it (a bad one is refused, 400).
    Case("GET", "/account/confirm/<token>", "/account/confirm/not-a-token", EVERYONE),
    Case("POST", "/account/confirm/<token>", "/account/confirm/not-a-token", EVERYONE),
    Case("GET", "/account/forgot-password", "/account/forgot-password", EVERYONE),
    Case(
        "POST",
        "/account/forgot-password",
        "/account/forgot-password",
        EVERYONE,
        {"email": "x@example.org"},
    ),
    Case("GET", "/account/reset/<token>", "/account/reset/not-a-token", EVERYONE),
    Case("POST", "/account/reset/<token>", "/account/reset/not-a-token", EVERYONE),
    Case("POST", "/account/sign-out-elsewhere", "/account/sign-out-elsewhere", VOLUNTEERS),
    Case(
        "POST", "/account/<int:user_id>/end-sessions", "/account/{author}/end-sessions", MODERATORS
    ),
    Case("GET", "/account/", "/account/", VOLUNTEERS),
    Case("POST", "/account/password", "/account/password", VOLUNTEERS),
    Case("GET", "/add", "/add?city={city}&q=bar", VOLUNTEERS),
    # A town id the offline list does not have: a 404 that adds nothing, for volunteers only.
    Case("POST", "/add/town", "/add/town", VOLUNTEERS, {"town": "999999999"}),
    Case(
        "POST",
        "/meetups/preview",
        "/meetups/preview?venue=cafe-central-paris",
        VOLUNTEERS,
        MEETUP_FORM,
    ),
    Case("GET", "/venues/new", "/venues/new?city={city}", VOLUNTEERS),
    Case("POST", "/venues/new", "/venues/new?city={city}", VOLUNTEERS, VENUE_FORM),
    Case("GET", "/v/<slug>/edit", "/v/cafe-central-paris/edit", VOLUNTEERS),
    Case("POST", "/v/<slug>/edit", "/v/cafe-central-paris/edit", VOLUNTEERS, VENUE_FORM),
    Case("GET", "/meetups/new", "/meetups/new?venue=cafe-central-paris", VOLUNTEERS),
    Case(
        "POST",
        "/meetups/new",
        "/meetups/new?venue=cafe-central-paris",
        VOLUNTEERS,
        MEETUP_FORM,
    ),
    Case("GET", "/m/<slug>/edit", "/m/open-coffee/edit", VOLUNTEERS),
    Case("POST", "/m/<slug>/edit", "/m/open-coffee/edit", VOLUNTEERS, MEETUP_FORM),
    Case("GET", "/m/<slug>/dates/<day>", "/m/open-coffee/dates/{day}", VOLUNTEERS),
    Case(
        "POST",
        "/m/<slug>/dates/<day>",
        "/m/open-coffee/dates/{day}",
        VOLUNTEERS,
        {"action": "cancel"},
    ),
    Case("POST", "/m/<slug>/confirm", "/m/open-coffee/confirm", VOLUNTEERS),
    Case("POST", "/m/<slug>/status", "/m/open-coffee/status", VOLUNTEERS, {"status": "paused"}),
    Case("POST", "/<any(m, v):kind>/<slug>/delete", "/v/bar-bis-paris/delete", VOLUNTEERS),
    Case("POST", "/<any(m, v):kind>/<slug>/restore", "/m/old-coffee/restore", TRUSTED),
    Case("POST", "/revisions/<id:revision_id>/revert", "/revisions/{revision}/revert", TRUSTED),
    Case(
        "POST",
        "/revisions/<id:revision_id>/restore-version",
        "/revisions/{creation}/restore-version",
        TRUSTED,
    ),
    Case("GET", "/moderation/", "/moderation/", MODERATORS),
    Case(
        "POST",
        "/moderation/revisions/<id:revision_id>/reviewed",
        "/moderation/revisions/{revision}/reviewed",
        MODERATORS,
    ),
    Case(
        "POST",
        "/moderation/reports/<id:report_id>/resolve",
        "/moderation/reports/{report}/resolve",
        MODERATORS,
    ),
    Case(
        "POST",
        "/moderation/users/<id:user_id>/trusted",
        "/moderation/users/{author}/trusted",
        MODERATORS,
        {"trusted": "yes"},
    ),
    Case(
        "POST",
        "/moderation/users/<id:user_id>/reviewed",
        "/moderation/users/{author}/reviewed",
        MODERATORS,
    ),
    Case(
        "POST",
        "/moderation/venues/merge",
        "/moderation/venues/merge",
        MODERATORS,
        {"keep": "cafe-central-paris", "duplicate": "bar-bis-paris"},
    ),
]


@pytest.fixture
def directory(make_user, make_venue, make_meetup) -> dict[str, int | str]:
    """A meetup with an edit by someone else, a meetup they deleted, a report, an empty venue."""
    author = make_user("author@example.org", "Author")
    make_user()
    make_user("trusted@example.org", "Trudy", trusted=True)
    make_user("mod@example.org", "Mo", role=Role.MODERATOR)
    meetup = make_meetup("Open Coffee")
    creation = history.record(db.session, meetup, "create", author, {})
    before = history.snapshot(meetup)
    meetup.name = "Open Coffee!"
    revision = history.record(db.session, meetup, "edit", author, before)
    operations.delete(db.session, make_meetup("Old Coffee"), author, utcnow())
    report = Report(meetup=meetup, kind=ReportKind.OTHER, message="Closed in August?")
    db.session.add(report)
    make_venue("Bar Bis", address="2 Rue Bis")
    db.session.commit()
    return {
        "city": meetup.venue.city_id,
        "revision": revision.id,
        "creation": creation.id,
        "report": report.id,
        "author": author.id,
        "day": next_thursday().isoformat(),
    }


EMAILS = {
    "volunteer": "volunteer@example.org",
    "trusted": "trusted@example.org",
    "moderator": "mod@example.org",
}


def outcome(response) -> str:
    assert response.status_code < 500, response.text
    if response.status_code == 403:
        return FORBIDDEN
    if response.status_code == 302 and "/account/sign-in" in response.headers["Location"]:
        return SIGN_IN
    return ALLOWED


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_who_may_use_each_route(client, auth, directory, case, role):
    if role != "anonymous":
        auth.sign_in(EMAILS[role])
    url = case.url.format(**directory)

    response = client.get(url) if case.method == "GET" else auth.post(url, case.data)

    assert outcome(response) == case.expected[role]


def test_the_table_covers_every_route(app):
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }

    assert routes == {(case.method, case.rule) for case in CASES}
