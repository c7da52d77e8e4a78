"""Volunteers edit the directory: venues, meetups, single dates; everything is in the history."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import icalendar
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from meetups.editing import operations
from meetups.extensions import db
from meetups.models import (
    CoordinateSource,
    Meetup,
    MeetupStatus,
    Report,
    ReportKind,
    Revision,
    Role,
    Venue,
    utcnow,
)
from meetups.moderation import queue
from tests.browsers import form_fields
from tests.nominatim_stub import NominatimStub, Place, Scenario

WEEKLY_THURSDAY = {
    "name": "Open Coffee Lille",
    "description": "Come **early**.",
    "pattern": "weekly",
    "weekdays": ["3"],
    "interval": "1",
    "week_of_month": "1",
    "start_time": "08:30",
    "end_time": "10:00",
    "first_date": "2026-01-01",
    "end_date": "",
    "tags": "startups, Open Coffee",
    "languages": ["fr", "en"],
    "url": "",
}


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html5lib")


def next_thursday() -> date:
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    return today + timedelta(days=(3 - today.weekday()) % 7 or 7)


@pytest.fixture
def volunteer(make_user, auth):
    user = make_user(reviewed=True)
    auth.sign_in()
    return user


def test_a_volunteer_adds_a_venue_after_checking_for_duplicates(
    client, auth, volunteer, make_city, make_venue
):
    lille = make_city("Lille", latitude=50.6292, longitude=3.0573)
    make_venue("Le Comptoir", city=lille, address="3 place Vauban")
    form = {"name": "Le Comptoir Vauban", "address": "3 Place Vauban", "notes": "Wifi"}

    checked = auth.post(f"/venues/new?city={lille.id}", {**form, "action": "check"})
    assert checked.status_code == 200
    assert "This may already be listed" in checked.text
    assert db.session.scalar(select(func.count(Venue.id))) == 1

    saved = auth.post(f"/venues/new?city={lille.id}", {**form, "action": "save"})

    # Saved, the venue leads on to the meetup held there.
    assert saved.status_code == 302
    assert saved.headers["Location"] == "/meetups/new?venue=le-comptoir-vauban-lille"
    venue = db.session.scalar(select(Venue).where(Venue.slug == "le-comptoir-vauban-lille"))
    assert venue.coordinates_source == CoordinateSource.GAZETTEER
    assert (venue.latitude, venue.longitude) == (50.6292, 3.0573)
    assert venue.timezone == "Europe/Paris"
    revision = db.session.scalar(select(Revision).where(Revision.entity == "venue"))
    assert revision.action == "create" and revision.user_id == volunteer.id


def test_typed_coordinates_win_and_set_the_time_zone(auth, volunteer, make_city):
    city = make_city("Hendaye", latitude=43.36, longitude=-1.77)

    auth.post(
        f"/venues/new?city={city.id}",
        {
            "name": "Café de la Gare",
            "latitude": "43.3390",
            "longitude": "-1.7880",
            "action": "save",
        },
    )

    venue = db.session.scalar(select(Venue))
    assert venue.coordinates_source == CoordinateSource.MANUAL
    assert (venue.latitude, venue.longitude) == (43.339, -1.788)
    assert venue.timezone == "Europe/Madrid"


@pytest.mark.parametrize(
    ("scenario", "source", "message"),
    [
        (Scenario.FOUND, CoordinateSource.GEOCODER, "Saved."),
        (Scenario.NOTHING, CoordinateSource.GAZETTEER, "no place found"),
        (Scenario.SLOW, CoordinateSource.GAZETTEER, "did not answer"),
        (Scenario.ERROR_500, CoordinateSource.GAZETTEER, "HTTP 500"),
        (Scenario.MALFORMED, CoordinateSource.GAZETTEER, "could not be read"),
    ],
)
def test_whatever_the_geocoder_does_the_venue_is_saved(
    app, client, auth, volunteer, make_venue, scenario, source, message
):
    venue = make_venue("Café du Louvre", address="", coordinates_source=CoordinateSource.GAZETTEER)
    with NominatimStub(
        scenario=scenario, place=Place(48.8606, 2.3376, "Louvre"), delay=1.0
    ) as stub:
        app.config.update(
            GEOCODER_ENABLED=True,
            GEOCODER_DOMAIN=stub.domain,
            GEOCODER_SCHEME="http",
            GEOCODER_USER_AGENT="meetups tests",
            GEOCODER_TIMEOUT=0.3,
            GEOCODER_MIN_DELAY=0.0,
        )
        response = auth.post(
            f"/v/{venue.slug}/edit",
            {
                "name": venue.name,
                "address": "99 rue de Rivoli",
                "version": operations.version_token(venue),
            },
        )

    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and message in page.text
    db.session.expire_all()
    saved = db.session.get(Venue, venue.id)
    assert saved.address == "99 rue de Rivoli" and saved.coordinates_source == source
    assert len(stub.requests) == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "Give the venue’s name"),
        ({"name": "X", "latitude": "48.1"}, "Type both latitude and longitude"),
        ({"name": "X", "latitude": "north", "longitude": "2"}, "must be numbers"),
        ({"name": "X", "latitude": "95", "longitude": "2"}, "Latitude must be a number between"),
    ],
)
def test_bad_venue_input_is_explained_and_nothing_is_saved(
    auth, volunteer, make_city, fields, message
):
    city = make_city("Paris")

    response = auth.post(f"/venues/new?city={city.id}", {**fields, "action": "save"})

    assert response.status_code == 400
    assert message in soup(response).select_one(".field-error").get_text()
    assert db.session.scalar(select(func.count(Venue.id))) == 0


def test_a_volunteer_adds_a_weekly_meetup_with_the_schedule_builder(
    client, auth, volunteer, make_venue
):
    make_venue("Le Comptoir")

    response = auth.post("/meetups/new?venue=le-comptoir-paris", WEEKLY_THURSDAY)

    assert response.status_code == 302
    meetup = db.session.scalar(select(Meetup))
    assert meetup.rrule == "FREQ=WEEKLY;BYDAY=TH"
    assert meetup.start_time == time(8, 30) and meetup.timezone == "Europe/Paris"
    assert sorted(t.slug for t in meetup.tags) == ["open-coffee", "startups"]
    assert meetup.language_list == ["fr", "en"]
    assert meetup.last_confirmed is not None
    page = soup(client.get(response.headers["Location"]))
    assert page.select_one(".schedule").get_text() == "Every Thursday, 08:30–10:00"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weekdays": []}, "Pick the day(s) of the week."),
        ({"pattern": "weeks", "interval": ""}, "Say every how many weeks it meets"),
        ({"pattern": "weeks", "interval": "13"}, "Every 2 to 12 weeks"),
        ({"end_time": ""}, "Give the time it ends"),
        ({"start_time": "25:00"}, "Not a valid time value"),
        ({"first_date": "2026-02-30"}, "Not a valid date value"),
        ({"first_date": "2026-03-01", "end_date": "2026-02-01"}, "end"),
        ({"languages": ["français"]}, "Pick the languages from the list."),
        ({"description": "http://a http://b http://c http://d"}, "at most 3 links"),
        ({"url": "not a url"}, "Invalid URL"),
    ],
)
def test_bad_meetup_input_is_explained_and_nothing_is_saved(
    auth, volunteer, make_venue, changes, message
):
    make_venue("Le Comptoir")

    response = auth.post("/meetups/new?venue=le-comptoir-paris", {**WEEKLY_THURSDAY, **changes})

    assert response.status_code == 400
    errors = " ".join(e.get_text() for e in soup(response).select(".field-error, .error"))
    assert message in errors
    assert db.session.scalar(select(func.count(Meetup.id))) == 0


def test_cancelling_a_date_removes_it_from_the_feed(client, auth, volunteer, make_meetup):
    meetup = make_meetup("Coffee", first_date=date(2026, 1, 1))
    day = next_thursday()

    response = auth.post(
        f"/m/coffee/dates/{day.isoformat()}", {"action": "cancel", "note": "Holiday"}
    )

    assert response.status_code == 302
    feed = icalendar.Calendar.from_ical(client.get("/feeds/meetup/coffee.ics").data)
    master = next(iter(feed.walk("VEVENT")))
    assert [d.dt.date() for d in master["EXDATE"].dts] == [day]
    assert db.session.get(Meetup, meetup.id).sequence == 1
    assert db.session.scalar(select(Revision.action)) == "cancel-date"


def test_moving_a_date_to_another_time(client, auth, volunteer, make_meetup):
    make_meetup("Coffee")
    day = next_thursday()

    auth.post(
        f"/m/coffee/dates/{day.isoformat()}",
        {"action": "move", "new_start_time": "10:15", "note": "Later"},
    )

    rows = soup(client.get("/m/coffee/")).select("ol.dates li.moved time")
    assert datetime.fromisoformat(rows[0]["datetime"]).time() == time(10, 15)


@pytest.mark.parametrize(
    ("day", "data", "status"),
    [
        ("2026-13-01", {"action": "cancel"}, 400),
        ("not-a-date", {"action": "cancel"}, 400),
        ("2030-01-01", {"action": "cancel"}, 404),  # a Tuesday: not a date of the series
        ("next", {"action": "move"}, 400),  # a move that changes nothing
        ("next", {"action": "move", "venue": "/v/nowhere/"}, 400),
    ],
)
def test_bad_date_changes_are_refused(auth, volunteer, make_meetup, day, data, status):
    make_meetup("Coffee")
    day = next_thursday().isoformat() if day == "next" else day

    assert auth.post(f"/m/coffee/dates/{day}", data).status_code == status
    assert db.session.scalar(select(func.count(Revision.id))) == 0


def test_still_happening_is_one_click(auth, volunteer, make_meetup):
    meetup = make_meetup("Coffee", last_confirmed=date(2020, 1, 1))

    auth.post("/m/coffee/confirm")

    assert db.session.get(Meetup, meetup.id).last_confirmed > date(2020, 1, 1)
    assert db.session.scalar(select(Revision.action)) == "confirm"


def test_an_unconfirmed_meetup_asks_volunteers_first_and_stops_once_confirmed(
    app, client, auth, volunteer, make_meetup
):
    make_meetup("Coffee", last_confirmed=date(2020, 1, 1))

    page = soup(client.get("/m/coffee/"))
    check = page.main.find(["section", "article"])
    auth.post(check.form["action"])
    confirmed = soup(client.get("/m/coffee/"))
    visitor = soup(app.test_client().get("/m/coffee/"))
    first = confirmed.main.find(["section", "article"])

    assert "volunteer-check" in check["class"]
    assert " ".join(check.p.get_text().split()) == (
        "Unconfirmed since Wednesday 1 January 2020. Is it still happening?"
    )
    assert check.button.get_text() == "Still happening"
    assert page.select_one(check.a["href"]).select_one("a.button").get_text() == "Edit"
    # Once confirmed, nothing is asked, but Edit stays at the top, not at a phone page's foot.
    assert first.form is None and "Is it still happening?" not in first.get_text()
    assert [(a.get_text(), a["href"]) for a in first.select("a")] == [
        ("Edit", "/m/coffee/edit"),
        ("More actions", "#volunteer-actions"),
    ]
    assert visitor.select(".volunteer-check") == []


def test_a_second_editor_is_told_about_a_conflict_and_loses_nothing(
    client, auth, volunteer, make_meetup
):
    make_meetup("Coffee", first_date=date(2026, 1, 1))
    page = soup(client.get("/m/coffee/edit"))
    seen = page.select_one("input[name=version]")["value"]
    auth.post("/m/coffee/edit", {**WEEKLY_THURSDAY, "name": "First edit", "version": seen})

    second = auth.post(
        "/m/coffee/edit", {**WEEKLY_THURSDAY, "name": "Second edit", "version": seen}
    )

    assert second.status_code == 409
    page = soup(second)
    assert "First edit" in page.select_one(".conflict").get_text()
    assert page.select_one("input[name=name]")["value"] == "Second edit"
    assert db.session.scalar(select(Meetup.name)) == "First edit"


def test_the_form_sent_back_as_it_stands_changes_only_what_was_changed(
    client, auth, volunteer, make_meetup
):
    # Listed in this order; the form offers them alphabetically (English, French).
    meetup = make_meetup("Coffee", languages="fr,en")
    fields = form_fields(client.get("/m/coffee/edit").text)

    auth.post("/m/coffee/edit", {**fields, "start_time": "09:30"})

    revision = db.session.scalar(select(Revision).order_by(Revision.id.desc()))
    assert set(revision.changes) == {"start_time", "duration_minutes"}
    assert db.session.get(Meetup, meetup.id).languages == "fr,en"


@pytest.mark.parametrize(
    ("ticked", "kept"),
    [(["de", "en", "fr"], "fr,en,de"), (["en"], "en"), (["de", "fr"], "fr,de")],
)
def test_languages_keep_their_order_as_some_are_added_or_taken_away(
    client, auth, volunteer, make_meetup, ticked, kept
):
    meetup = make_meetup("Coffee", languages="fr,en")
    fields = form_fields(client.get("/m/coffee/edit").text)

    auth.post("/m/coffee/edit", {**fields, "languages": ticked})

    assert db.session.get(Meetup, meetup.id).languages == kept
    revision = db.session.scalar(select(Revision).order_by(Revision.id.desc()))
    assert revision.changes["languages"] == ["fr,en", kept]


def test_a_moderator_reverts_another_volunteers_edit(client, auth, make_user, make_meetup):
    make_meetup("Coffee", first_date=date(2026, 1, 1))
    make_user("vandal@example.org", "Vandal")
    make_user("mod@example.org", "Mod", role=Role.MODERATOR)
    auth.sign_in("vandal@example.org")
    version = soup(client.get("/m/coffee/edit")).select_one("input[name=version]")["value"]
    auth.post("/m/coffee/edit", {**WEEKLY_THURSDAY, "name": "SPAM", "version": version})
    vandalism = db.session.scalar(select(Revision).order_by(Revision.id.desc()))
    assert vandalism.reviewed_at is None
    auth.sign_out()

    auth.sign_in("mod@example.org")
    response = auth.post(f"/revisions/{vandalism.id}/revert")

    assert response.status_code == 302
    assert db.session.scalar(select(Meetup.name)) == "Coffee"
    history = soup(client.get("/m/coffee/history")).select("li.revision")
    assert "Mod undid a change by Vandal." in history[0].get_text()


def test_volunteers_cannot_revert_other_peoples_edits(auth, make_user, make_meetup):
    make_meetup("Coffee")
    author = make_user("a@example.org", "A")
    make_user("b@example.org", "B")
    revision = Revision(entity="meetup", entity_id=1, action="edit", user_id=author.id, changes={})
    db.session.add(revision)
    db.session.commit()
    auth.sign_in("b@example.org")

    assert auth.post(f"/revisions/{revision.id}/revert").status_code == 403


@pytest.mark.parametrize(
    "url",
    ["/venues/new?city=1", "/meetups/new?venue=x", "/m/coffee/edit", "/moderation/"],
)
def test_editing_pages_send_anonymous_visitors_to_sign_in(client, make_meetup, url):
    make_meetup("Coffee")

    response = client.get(url)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/sign-in")


def test_anyone_can_report_a_problem_and_a_moderator_resolves_it(
    client, auth, make_user, make_meetup
):
    make_meetup("Coffee")
    form = soup(client.get("/m/coffee/report"))
    token = form.select_one("input[name=csrf_token]")
    data = {"kind": "wrong-time", "message": "It starts at 9 now"}
    if token:
        data["csrf_token"] = token["value"]

    assert client.post("/m/coffee/report", data=data).status_code == 302
    report = db.session.scalar(select(Report))
    assert report.kind.value == "wrong-time" and report.resolved_at is None

    make_user("mod@example.org", "Mod", role=Role.MODERATOR)
    auth.sign_in("mod@example.org")
    dashboard = soup(client.get("/moderation/"))
    assert "It starts at 9 now" in dashboard.get_text()
    auth.post(f"/moderation/reports/{report.id}/resolve", {"resolution": "Time fixed"})
    db.session.expire_all()
    assert db.session.get(Report, report.id).resolved_at is not None


def test_a_report_two_moderators_resolve_at_once_keeps_the_first_resolution(
    client, auth, make_user, make_meetup
):
    coffee = make_meetup("Coffee")
    report = Report(meetup=coffee, kind=ReportKind.WRONG_TIME, message="9 now")
    db.session.add(report)
    db.session.commit()
    first = make_user("first@example.org", "First", role=Role.MODERATOR)
    make_user("second@example.org", "Second", role=Role.MODERATOR)
    queue.resolve_report(db.session, report.id, first, "Fixed the time", utcnow())
    db.session.commit()

    auth.sign_in("second@example.org")
    response = auth.post(f"/moderation/reports/{report.id}/resolve", {"resolution": "Spam"})

    assert response.status_code == 302
    assert "Another moderator resolved this report already." in client.get("/moderation/").text
    db.session.expire_all()
    resolved = db.session.get(Report, report.id)
    assert (resolved.resolution, resolved.resolved_by_id) == ("Fixed the time", first.id)


def test_a_robot_filling_the_hidden_field_is_thanked_and_ignored(client, make_meetup):
    make_meetup("Coffee")

    response = client.post(
        "/m/coffee/report", data={"kind": "other", "website": "http://spam.example"}
    )

    assert response.status_code in (302, 400)
    assert db.session.scalar(select(func.count(Report.id))) == 0


def test_volunteers_do_not_see_the_moderation_dashboard(client, auth, volunteer):
    assert client.get("/moderation/").status_code == 403


def test_pausing_shows_on_the_page_and_stops_the_feed(client, auth, volunteer, make_meetup):
    make_meetup("Coffee")

    auth.post("/m/coffee/status", {"status": "paused"})

    assert db.session.scalar(select(Meetup.status)) == MeetupStatus.PAUSED
    master = next(
        iter(
            icalendar.Calendar.from_ical(client.get("/feeds/meetup/coffee.ics").data).walk("VEVENT")
        )
    )
    assert "UNTIL" in master["RRULE"]


def test_edits_are_rate_limited_per_volunteer(app, auth, volunteer, make_meetup):
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_EDITS="2 per minute")
    make_meetup("Coffee", last_confirmed=date(2020, 1, 1))

    statuses = [auth.post("/m/coffee/confirm").status_code for _ in range(3)]

    assert statuses == [302, 302, 429]
    assert db.session.scalar(select(func.count(Revision.id))) == 2


def test_reports_are_rate_limited(app, auth, make_meetup):
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_REPORTS="2 per hour")
    make_meetup("Coffee")

    statuses = [auth.post("/m/coffee/report", {"kind": "other"}).status_code for _ in range(3)]

    assert statuses == [302, 302, 429]
    assert db.session.scalar(select(func.count(Report.id))) == 2


def test_recent_changes_are_an_atom_feed_with_text_kept_as_text(
    client, auth, volunteer, make_meetup
):
    make_meetup("Coffee <script>alert(1)</script>", slug="coffee")
    auth.post("/m/coffee/confirm")

    response = client.get("/changes.atom")

    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ElementTree.fromstring(response.data)
    (entry,) = feed.findall("a:entry", ns)
    assert entry.findtext("a:title", namespaces=ns) == (
        "Coffee <script>alert(1)</script>: Val Volunteer confirmed that the meetup still happens."
    )
    assert entry.findtext("a:author/a:name", namespaces=ns) == "Val Volunteer"
    assert entry.find("a:link", ns).get("href") == "http://127.0.0.1:5000/m/coffee/"
    assert entry.findtext("a:summary", namespaces=ns).endswith("still happens.")
    assert b"<script>" not in response.data


def test_control_characters_in_names_keep_the_atom_feed_valid_xml(
    client, auth, make_user, make_meetup
):
    make_user(display_name="Val\x1b[31m", reviewed=True)
    auth.sign_in()
    make_meetup("Coffee\x0bBreak\x08", slug="coffee")
    auth.post("/m/coffee/confirm")

    response = client.get("/changes.atom")

    ns = {"a": "http://www.w3.org/2005/Atom"}
    (entry,) = ElementTree.fromstring(response.data).findall("a:entry", ns)
    assert entry.findtext("a:author/a:name", namespaces=ns) == "Val[31m"
    assert "CoffeeBreak" in entry.findtext("a:title", namespaces=ns)
