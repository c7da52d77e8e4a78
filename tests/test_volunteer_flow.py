"""The volunteers' whole loop in a real browser, through the forms people use, at phone width.

A newcomer signs up, adds a venue and a weekly meetup, and cancels one date; the city
page and the city's feed follow. A second volunteer changes the time; a moderator undoes
it from the history. Two visitors report problems without an account; the moderator
resolves the second one (so each report's form needs a label of its own). Only the
moderator account and the city exist beforehand.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urljoin
from urllib.request import urlopen
from zoneinfo import ZoneInfo

import pytest
from babel.support import Translations
from playwright.sync_api import Browser, Page, expect

import meetups
from meetups.models import Role
from meetups.schedule import WEEKDAY_NAMES
from meetups.web.display import day_in_year, long_date
from tests.calendar_parsers import Window, read_with_icalendar
from tests.conftest import PASSWORD, PHONE
from tests.mailbox import link_in, queued_to

pytestmark = pytest.mark.browser

WEEK = timedelta(days=7)
NEW_PASSWORD = "a long passphrase for the tests"
MEETUP = "Open Coffee Lumière"
FEED = "/feeds/city/fr/paris.ics"
TRANSLATIONS = Path(meetups.__file__).parent / "translations"


def english(text: str, **params: object) -> str:
    """The interface's words as English pages show them (other languages: `words_in`)."""
    return text % params if params else text


def words_in(language: str) -> Callable[..., str]:
    """The interface's words in `language`, from its catalogue: what a person there reads."""
    if language == "en":
        return english
    catalogue = Translations.load(str(TRANSLATIONS), [language], domain="messages")

    def say(text: str, **params: object) -> str:
        translated = catalogue.gettext(text)
        return translated % params if params else translated

    return say


def new_page(browser: Browser, language: str = "en", viewport: dict | None = None) -> Page:
    """A fresh browser context: no cookie, nobody signed in, set to `language`."""
    context = browser.new_context(viewport=viewport or PHONE, locale=language)
    return context.new_page()


def as_listed(day: date) -> str:
    """A Paris date as lists name it: "Tomorrow", "Thursday 10 December", a later year's in full."""
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    if day == today + timedelta(days=1):
        return "Tomorrow"
    return day_in_year(day) if day.year == today.year else long_date(day)


def open_menu(page: Page, _: Callable[..., str] = english) -> None:
    """The header's menu, where languages and signing in are."""
    page.locator("summary", has_text=_("Menu")).click()


def sign_up(page: Page, email: str, name: str, _: Callable[..., str] = english) -> None:
    """From any page: the menu's sign-in link, then "Become a volunteer", then the link in
    the confirmation message; back where we were."""
    open_menu(page, _)
    page.get_by_role("link", name=_("Volunteer sign in")).click()
    page.get_by_role("link", name=_("Become a volunteer")).click()
    page.get_by_label(_("Email"), exact=True).fill(email)
    page.get_by_label(_("Your name, as other volunteers will see it")).fill(name)
    page.get_by_label(_("Password"), exact=True).fill(NEW_PASSWORD)
    page.get_by_label(_("Password again")).fill(NEW_PASSWORD)
    page.get_by_role("button", name=_("Create my account")).click()
    expect(page.get_by_role("heading", name=_("Check your email"))).to_be_visible()
    confirm = link_in(queued_to(email)[-1].body_text, "/account/confirm/")
    page.goto(urljoin(page.url, confirm))
    page.get_by_role("button", name=_("Confirm and sign in")).click()
    expect(page.get_by_role("status")).to_have_text(
        _("Welcome, %(name)s! You can now add and edit meetups.", name=name)
    )


def sign_in(page: Page, email: str, password: str, _: Callable[..., str] = english) -> None:
    open_menu(page, _)
    page.get_by_role("link", name=_("Volunteer sign in")).click()
    page.get_by_label(_("Email"), exact=True).fill(email)
    page.get_by_label(_("Password"), exact=True).fill(password)
    page.get_by_role("button", name=_("Sign in"), exact=True).click()


def feed_starts(live_server: str, around: date) -> list[str]:
    """The city feed's local start times, from a week before `around` to a week after."""
    with urlopen(live_server + FEED) as response:
        feed = response.read()
    parsed = read_with_icalendar(feed, Window(around - WEEK, around + WEEK + timedelta(days=1)))
    return [instance.local_start for instance in parsed.instances]


def report_problem(
    page: Page, meetup_url: str, kind: str, details: str, _: Callable[..., str] = english
) -> None:
    """As a visitor: the meetup page's report link, what is wrong, a few words."""
    page.goto(meetup_url)
    sign_in_link = page.get_by_role("link", name=_("Volunteer sign in"), include_hidden=True)
    expect(sign_in_link).to_be_attached()
    page.get_by_role("link", name=_("Report a problem with this listing")).click()
    page.get_by_label(_(kind)).check()
    page.get_by_label(_("Details (optional)")).fill(details)
    page.get_by_role("button", name=_("Send report")).click()
    expect(page.get_by_role("status")).to_have_text(
        _("Thank you: a volunteer will check this listing.")
    )
    assert page.context.cookies() == []


def test_volunteers_list_a_meetup_cancel_a_date_undo_an_edit_and_resolve_a_report(
    browser, live_server, make_city, make_user
):
    make_city("Paris")
    make_user("mod@example.org", "Mo Moderator", role=Role.MODERATOR)
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    cancelled = today + timedelta(days=1)  # the first date to come, whatever the hour
    weekday = WEEKDAY_NAMES[cancelled.weekday()]

    # A newcomer, reading the Paris page, becomes a volunteer and comes back to it.
    volunteer = new_page(browser)
    volunteer.goto(live_server + "/fr/paris/")
    sign_up(volunteer, "val@example.org", "Val Newcomer")
    expect(volunteer).to_have_url(live_server + "/fr/paris/")

    # The venue: with the geocoder off, Check says it goes to the city centre; Save keeps it.
    volunteer.get_by_role("link", name="Add a venue in Paris").click()
    volunteer.get_by_label("Name", exact=True).fill("Café Lumière")
    volunteer.get_by_label("Address").fill("12 rue de la Paix")
    volunteer.get_by_label("Practical notes (wifi, power, quiet corner…)").fill("Wifi, sockets")
    volunteer.get_by_role("button", name="Check").click()
    expect(volunteer.get_by_role("region", name="Where we would put it")).to_contain_text(
        "approximate: the centre of Paris"
    )
    volunteer.get_by_role("button", name="Save", exact=True).click()

    # Saved, the venue leads on to its meetup: every week on the day of the first date to
    # come, listed from four weeks ago.
    expect(volunteer.get_by_text("Step 3 of 3: the schedule")).to_be_visible()
    expect(volunteer.get_by_role("heading", level=1)).to_have_text("New meetup at Café Lumière")
    volunteer.get_by_label("Name", exact=True).fill(MEETUP)
    volunteer.get_by_label("Every week", exact=True).check()
    volunteer.get_by_label(weekday, exact=True).check()
    volunteer.get_by_label("Starts at (local time)").fill("08:30")
    volunteer.get_by_label("Ends at (local time)").fill("10:00")
    volunteer.get_by_label("From", exact=True).fill((today - 4 * WEEK).isoformat())
    volunteer.get_by_role("button", name="Save", exact=True).click()
    expect(volunteer.get_by_role("heading", level=1)).to_have_text(MEETUP)
    expect(volunteer.get_by_text(f"Every {weekday}, 08:30–10:00")).to_be_visible()
    meetup_url = volunteer.url

    # Cancel the first date to come from its own page.
    next_dates = volunteer.get_by_role("region", name="Next dates")
    first_row = next_dates.get_by_role("listitem").filter(has_text=as_listed(cancelled))
    first_row.get_by_role("link", name="Cancel or move").click()
    expect(volunteer.get_by_role("heading", level=1)).to_have_text(
        f"{MEETUP}: {long_date(cancelled)}"
    )
    volunteer.get_by_label("Cancel it").check()
    volunteer.get_by_label("Note for people (optional)").fill("Closed for a private party")
    volunteer.get_by_role("button", name="Save this date").click()
    expect(volunteer.get_by_role("status")).to_contain_text("Date updated")
    expect(first_row).to_contain_text("Cancelled: Closed for a private party")
    expect(first_row.get_by_role("deletion")).to_contain_text(as_listed(cancelled))

    # The city page lists the meetup with the next date people can go to: a week later.
    breadcrumbs = volunteer.get_by_role("navigation", name="Breadcrumbs")
    breadcrumbs.get_by_role("link", name="Paris").click()
    card = volunteer.get_by_role("listitem").filter(
        has=volunteer.get_by_role("link", name=MEETUP, exact=True)
    )
    expect(card).to_contain_text(f"Next: {as_listed(cancelled + WEEK)}, 08:30–10:00")
    expect(card).not_to_contain_text(as_listed(cancelled))

    # The city feed leaves the cancelled date out and keeps the weeks either side.
    assert feed_starts(live_server, cancelled) == [
        f"{cancelled - WEEK}T08:30:00",
        f"{cancelled + WEEK}T08:30:00",
    ]

    # A second volunteer, in another browser, signs up from the meetup page and moves it to 10:00.
    editor = new_page(browser)
    editor.goto(meetup_url)
    sign_up(editor, "bea@example.org", "Bea Editor")
    expect(editor).to_have_url(meetup_url)
    # Edit is at the top of the page (and again with the other actions at its foot).
    editor.get_by_role("link", name="Edit", exact=True).first.click()
    editor.get_by_label("Starts at (local time)").fill("10:00")
    editor.get_by_label("Ends at (local time)").fill("11:30")
    editor.get_by_role("button", name="Save", exact=True).click()
    expect(editor.get_by_text(f"Every {weekday}, 10:00–11:30")).to_be_visible()
    assert feed_starts(live_server, cancelled) == [
        f"{cancelled - WEEK}T10:00:00",
        f"{cancelled + WEEK}T10:00:00",
    ]

    # The moderator undoes that edit from the meetup's history: 08:30 again, on the page and feed.
    moderator = new_page(browser)
    moderator.goto(meetup_url)
    sign_in(moderator, "mod@example.org", PASSWORD)
    expect(moderator).to_have_url(meetup_url)
    moderator.get_by_role("link", name="History").click()
    edit_by_bea = moderator.locator("li.revision").filter(
        has_text="Bea Editor changed the time from 08:30 to 10:00."
    )
    expect(edit_by_bea).to_contain_text("Start time")
    edit_by_bea.get_by_role("button", name="Undo this change").click()
    expect(moderator.get_by_role("status")).to_have_text("Change undone.")
    expect(moderator.get_by_text(f"Every {weekday}, 08:30–10:00")).to_be_visible()
    assert feed_starts(live_server, cancelled) == [
        f"{cancelled - WEEK}T08:30:00",
        f"{cancelled + WEEK}T08:30:00",
    ]

    # Two visitors, signed in nowhere, report problems from the meetup page.
    visitors = new_page(browser), new_page(browser)
    report_problem(visitors[0], meetup_url, "The place is wrong", "Is it next door now?")
    report_problem(visitors[1], meetup_url, "The day or time is wrong", "At 9, said the barista")

    # The moderator resolves the one about the time; it leaves the open reports, the other stays.
    moderator.goto(live_server + "/moderation/")
    open_reports = moderator.get_by_role("region", name=re.compile(r"^Open reports"))
    expect(open_reports.get_by_role("heading")).to_have_text("Open reports (2)")
    report = open_reports.locator(".report").filter(has_text="said the barista")
    expect(report).to_contain_text("wrong day or time")
    report.get_by_label("What was done (optional)").fill("Checked: still 08:30")
    report.get_by_role("button", name="Resolve").click()
    expect(moderator.get_by_role("status")).to_have_text("Report resolved.")
    expect(open_reports.get_by_role("heading")).to_have_text("Open reports (1)")
    expect(open_reports).not_to_contain_text("said the barista")
    expect(open_reports).to_contain_text("Is it next door now?")

    for page in (volunteer, editor, moderator, *visitors):
        page.context.close()
