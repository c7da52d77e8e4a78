"""The meetup form's schedule builder: start and end times, the three kinds of schedule,
languages from a list, the preview of the next dates (on the server and as one types),
and the guided way from sign-up to a first meetup."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from meetups.extensions import db
from meetups.models import Meetup
from meetups.schedule import wall_clock_end, wall_clock_length
from tests.conftest import PASSWORD
from tests.test_volunteer_flow import sign_in, sign_up

PHONE_390 = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
NEW = "/meetups/new?venue=cafe-central-paris"
PREVIEW = "/meetups/preview?venue=cafe-central-paris"
FORM = {
    "name": "Open Coffee",
    "pattern": "weekly",
    "weekdays": ["3"],
    "interval": "2",
    "week_of_month": "1",
    "month_weekday": "0",
    "start_time": "08:30",
    "end_time": "10:30",
    "first_date": "2026-01-01",
}


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html5lib")


def preview_items(response) -> list[str]:
    return [" ".join(li.get_text(" ").split()) for li in soup(response).select("ol.dates li")]


@pytest.fixture
def volunteer(make_user, auth, make_venue):
    user = make_user(reviewed=True)
    auth.sign_in()
    make_venue()
    return user


# --- One rule for ends, shared with the date form --------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "length"),
    [
        (time(8, 30), time(10, 30), timedelta(hours=2)),
        (time(23, 30), time(2, 30), timedelta(hours=3)),
        (time(0, 0), time(0, 15), timedelta(minutes=15)),
        (time(9, 0), time(9, 0), timedelta(hours=24)),
    ],
)
def test_an_end_not_after_the_start_is_the_next_day(start, end, length):
    assert wall_clock_length(start, end) == length
    assert wall_clock_end(start, length) == end


def test_a_meetup_from_23_30_to_02_30_lasts_three_hours_and_reads_so(client, auth, volunteer):
    saved = auth.post(NEW, {**FORM, "start_time": "23:30", "end_time": "02:30"})

    meetup = db.session.scalar(select(Meetup))
    assert saved.status_code == 302
    assert meetup.duration_minutes == 180
    assert "Every Thursday, 23:30–02:30" in client.get(saved.headers["Location"]).text
    edit = soup(client.get(f"/m/{meetup.slug}/edit"))
    assert edit.select_one("#start_time")["value"] == "23:30"
    assert edit.select_one("#end_time")["value"] == "02:30"


def test_the_date_form_uses_the_same_rule(client, auth, volunteer, make_meetup):
    meetup = make_meetup("Late Coffee", slug="late", start_time=time(23, 30))
    day = meetup.next_dates(datetime.now(UTC), 1)[0]

    auth.post(f"/m/late/dates/{day.original_date}", {"action": "move", "new_end_time": "02:30"})

    db.session.expire_all()
    assert meetup.changes[0].new_duration_minutes == 180


# --- The kinds of schedule ---------------------------------------------------------------------


def test_every_few_weeks_saves_the_interval(client, auth, volunteer):
    auth.post(NEW, {**FORM, "pattern": "weeks", "interval": "3"})

    meetup = db.session.scalar(select(Meetup))
    assert meetup.rrule == "FREQ=WEEKLY;INTERVAL=3;BYDAY=TH;WKST=MO"
    edit = soup(client.get(f"/m/{meetup.slug}/edit"))
    assert edit.select_one("#pattern input[checked]")["value"] == "weeks"
    assert edit.select_one("#interval")["value"] == "3"


def test_the_fields_of_a_kind_not_chosen_are_not_checked(client, auth, volunteer):
    """Without JavaScript they stay on the page: what they hold must not block saving."""
    saved = auth.post(NEW, {**FORM, "pattern": "weekly", "interval": "99"})

    assert saved.status_code == 302
    assert db.session.scalar(select(Meetup.rrule)) == "FREQ=WEEKLY;BYDAY=TH"


def test_a_monthly_meetup_on_the_second_tuesday(client, auth, volunteer):
    monthly = {**FORM, "pattern": "monthly", "week_of_month": "2", "month_weekday": "1"}

    response = auth.post(NEW, {**monthly, "action": "preview"})

    dates = preview_items(response)
    assert response.status_code == 200 and len(dates) == 6
    assert all(day.startswith("Tuesday") for day in dates)
    assert all(8 <= int(day.split()[1]) <= 14 for day in dates)
    assert db.session.scalar(select(func.count(Meetup.id))) == 0


def test_without_javascript_every_kind_of_schedule_is_grouped_under_its_name(
    client, auth, volunteer
):
    page = soup(client.get(NEW))

    groups = {
        group["data-patterns"]: group.h3.get_text() if group.h3 else ""
        for group in page.select(".pattern-group")
    }
    assert groups == {
        "weekly weeks": "Every week, or every few weeks",
        "monthly": "Once a month",
    }
    assert page.select_one('[data-patterns="weeks"] #interval') is not None
    assert [label.get_text() for label in page.select("#pattern label")] == [
        "Every week",
        "Every few weeks",
        "Once a month",
    ]


# --- Languages from a list -------------------------------------------------------------------


def test_languages_are_picked_from_a_list_named_in_the_visitors_language(client, auth, volunteer):
    english = soup(client.get(NEW))
    french = soup(client.get(NEW + "&lang=fr"))

    def named(page: BeautifulSoup) -> dict[str, str]:
        return {
            box["value"]: page.find("label", attrs={"for": box["id"]}).get_text()
            for box in page.select("#languages input")
        }

    assert named(english)["fr"] == "French" and named(english)["de"] == "German"
    assert named(french)["fr"] == "Français" and named(french)["de"] == "Allemand"
    saved = auth.post(NEW, {**FORM, "languages": ["fr", "en"]})
    assert saved.status_code == 302
    assert db.session.scalar(select(Meetup.languages)) == "fr,en"


def test_a_language_outside_the_list_is_kept_when_editing(client, auth, volunteer, make_meetup):
    make_meetup("Kafe", slug="kafe", languages="br,fr")

    edit = soup(client.get("/m/kafe/edit"))

    checked = {box["value"] for box in edit.select("#languages input[checked]")}
    assert checked == {"br", "fr"}
    assert edit.find("label", attrs={"for": edit.select_one("#languages input[value=br]")["id"]})
    assert "Breton" in edit.select_one("#languages").get_text()


def test_a_language_nobody_offered_is_refused_with_a_message(client, auth, volunteer):
    response = auth.post(NEW, {**FORM, "languages": ["klingon"]})

    assert response.status_code == 400
    assert (
        "Pick the languages from the list."
        in soup(response).select_one("#error-summary").get_text()
    )
    assert db.session.scalar(select(func.count(Meetup.id))) == 0


# --- The preview -------------------------------------------------------------------------------


def test_a_form_sent_back_with_errors_still_previews_its_dates(client, auth, volunteer):
    response = auth.post(NEW, {**FORM, "name": ""})

    assert response.status_code == 400
    assert len(preview_items(response)) == 6
    assert "In local time in Paris (Europe/Paris)." in soup(response).select_one("#preview").text


def test_the_preview_endpoint_answers_the_dates_in_the_venues_local_time(client, auth, volunteer):
    response = auth.post(PREVIEW, {**FORM, "start_time": "23:30", "end_time": "02:30"})

    dates = preview_items(response)
    assert response.status_code == 200 and len(dates) == 6
    assert all(day.startswith("Thursday") and "23:30–02:30" in day for day in dates)
    assert soup(response).select_one("time")["datetime"].endswith(("+01:00", "+02:00"))
    assert db.session.scalar(select(func.count(Meetup.id))) == 0


@pytest.mark.parametrize(
    "changes",
    [
        {"start_time": ""},
        {"end_time": "25:99"},
        {"weekdays": []},
        {"pattern": "weeks", "interval": "x"},
        {"pattern": "monthly", "week_of_month": "9", "month_weekday": "x"},
        {"first_date": "0001-01-01"},
        {"first_date": "2026-03-01", "end_date": "2026-01-01"},
        {"pattern": "yearly"},
    ],
)
def test_a_half_filled_form_gets_a_hint_never_an_error_page(client, auth, volunteer, changes):
    response = auth.post(PREVIEW, {**FORM, **changes})

    assert response.status_code == 200
    assert preview_items(response) == []
    assert "to see the next dates here" in response.text or "no more dates" in response.text


def test_a_schedule_that_has_ended_says_so(client, auth, volunteer):
    response = auth.post(PREVIEW, {**FORM, "first_date": "2020-01-02", "end_date": "2020-02-01"})

    assert "This schedule makes no more dates" in response.text


def test_the_preview_is_for_volunteers_of_a_venue_that_exists(client, auth, make_user):
    make_user()
    assert auth.post(PREVIEW, FORM).status_code == 302  # to sign in
    auth.sign_in()
    assert auth.post("/meetups/preview?venue=nowhere", FORM).status_code == 404
    assert auth.post("/meetups/preview", FORM).status_code == 404


def test_previews_are_rate_limited(app, client, auth, volunteer):
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_PREVIEWS="2 per minute")

    statuses = [auth.post(PREVIEW, FORM).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


# --- The guided path ------------------------------------------------------------------------


def test_each_step_of_adding_a_meetup_says_where_one_is(client, auth, volunteer):
    first = soup(client.get("/add")).select_one("#step").get_text()
    paris = soup(client.get("/add?q=paris")).select_one("ul.plain a")["href"]
    second = soup(client.get(paris)).select_one("#step").get_text()
    venue_link = soup(client.get(paris)).select_one("ul.plain a")["href"]
    third = soup(client.get(venue_link)).select_one("#step").get_text()
    new_venue = soup(client.get(paris.replace("/add", "/venues/new"))).select_one("#step")

    assert first == "Step 1 of 3: the city"
    assert second == "Step 2 of 3: the venue"
    assert third == "Step 3 of 3: the schedule"
    assert new_venue.get_text() == "Step 2 of 3: the venue"
    assert soup(client.get("/m/none/edit")).select_one("#step") is None


# --- In a browser --------------------------------------------------------------------------


def shot(page: Page, name: str, folder: Path) -> None:
    page.screenshot(path=folder / f"{name}.png", full_page=True)


@pytest.mark.browser
def test_sign_up_leads_to_a_first_meetup_with_its_dates_previewed_at_390px(
    browser: Browser, live_server, make_venue, tmp_path
):
    make_venue("Café Central")
    page = browser.new_context(viewport=PHONE_390).new_page()
    page.goto(live_server + "/")

    sign_up(page, "nell@example.org", "Nell")

    expect(page.get_by_text("Step 1 of 3: the city")).to_be_visible()
    page.get_by_label("In which city or town does it meet?").fill("Paris")
    page.get_by_role("button", name="Find the city").click()
    page.get_by_role("link", name="Paris").click()
    expect(page.get_by_text("Step 2 of 3: the venue")).to_be_visible()
    page.get_by_role("link", name="Café Central").click()
    expect(page.get_by_text("Step 3 of 3: the schedule")).to_be_visible()
    # With JavaScript, only the chosen kind's controls show.
    expect(page.get_by_label("Which week of the month")).to_be_hidden()
    page.get_by_label("Once a month").check()
    expect(page.get_by_label("Which week of the month")).to_be_visible()
    expect(page.get_by_label("Tuesday", exact=True)).to_be_hidden()
    page.get_by_label("Which week of the month").select_option(label="Last")
    page.get_by_label("Which day").select_option(label="Friday")
    page.get_by_label("Starts at (local time)").fill("18:00")
    page.get_by_label("Ends at (local time)").fill("20:00")

    preview = page.get_by_role("region", name="The next dates")
    expect(preview.get_by_role("listitem")).to_have_count(6)
    expect(preview.get_by_role("listitem").first).to_contain_text("Friday")
    expect(preview.get_by_role("listitem").first).to_contain_text("18:00–20:00")
    preview.scroll_into_view_if_needed()
    shot(page, "guided-preview", tmp_path)

    page.get_by_label("Name", exact=True).fill("Apéro du dernier vendredi")
    page.get_by_label("French", exact=True).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Apéro du dernier vendredi")
    expect(page.get_by_text("Last Friday of the month, 18:00–20:00")).to_be_visible()
    page.context.close()


WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@pytest.mark.browser
def test_without_javascript_the_server_previews_the_dates(
    browser: Browser, live_server, make_user, make_venue
):
    make_user(reviewed=True)
    make_venue("Café Central")
    context = browser.new_context(viewport=PHONE_390, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/")
    sign_in(page, "volunteer@example.org", PASSWORD)
    page.goto(live_server + NEW)

    # Every kind's controls are there, grouped under its name.
    expect(page.get_by_label("Which week of the month")).to_be_visible()
    expect(page.get_by_label("Every how many weeks")).to_be_visible()
    expect(page.get_by_text("Choose the days and the start and end times")).to_be_visible()
    page.get_by_label("Every few weeks").check()
    page.get_by_label("Every how many weeks").fill("2")
    # A day three days off in Paris, the venue's zone: its first date is named by its
    # weekday, not "Today" or "Tomorrow" as the next two days are, whatever today is.
    day = WEEKDAYS[(datetime.now(ZoneInfo("Europe/Paris")) + timedelta(days=3)).weekday()]
    page.get_by_label(day, exact=True).check()
    page.get_by_label("Starts at (local time)").fill("08:30")
    page.get_by_label("Ends at (local time)").fill("10:00")
    page.get_by_role("button", name="Preview the dates").click()

    dates = page.get_by_role("region", name="The next dates").get_by_role("listitem")
    expect(dates).to_have_count(6)
    expect(dates.first).to_contain_text(day)
    expect(dates.first).to_contain_text("08:30–10:00")
    context.close()


def retime_coffee(client, auth, make_meetup, start: str, end: str) -> tuple[str, str]:
    """A 09:00–11:00 meetup saved with a new start and end: its history in English and French."""
    make_meetup("Coffee", slug="coffee", start_time=time(9), languages="fr")
    edit = soup(client.get("/m/coffee/edit"))
    version = edit.select_one("input[name=version]")["value"]
    auth.post(
        "/m/coffee/edit",
        {
            **FORM,
            "name": "Coffee",
            "start_time": start,
            "end_time": end,
            "first_date": "2024-01-01",
            "languages": ["fr"],
            "version": version,
        },
    )
    return tuple(
        " ".join(client.get(f"/m/coffee/history{query}").text.split()) for query in ("", "?lang=fr")
    )


def test_a_new_start_and_end_read_as_one_change_of_time(client, auth, volunteer, make_meetup):
    history, french = retime_coffee(client, auth, make_meetup, "23:30", "02:30")

    assert "changed the time from 09:00–11:00 to 23:30–02:30." in history
    assert "a changé l’heure de 09:00–11:00 à 23:30–02:30." in french


def test_a_new_end_alone_reads_as_how_long_it_lasts(client, auth, volunteer, make_meetup):
    history, french = retime_coffee(client, auth, make_meetup, "09:00", "11:30")

    assert "changed how long it lasts from 2 h to 2 h 30." in history
    assert "a changé la durée de 2 h à 2 h 30." in french
