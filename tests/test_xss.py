"""What volunteers and visitors type stays text: on every page, in every feed, in a browser.

Every free-text field is filled, through the real forms, with an attack that tries to
leave a quoted attribute (either quote), open a <script> and add an event handler; each
is labelled with its field, so that we can tell where it shows. Every page and feed
showing that text is then fetched and parsed as a browser would (html5lib): the text
must be there, as text, with no script but the site's own, no on* attribute and no
javascript: address anywhere. Every payload sets `window.__xss` if it ever runs.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import icalendar
import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import expect

from meetups.markup import markdown_to_text
from meetups.models import Role
from tests.conftest import PASSWORD, PHONE

SCRIPT = "<script>window.__xss=1</script>"
IMG = "<img src=x onerror=window.__xss=1>"
SVG = "<svg onload=window.__xss=1>"
# Out of a single- or double-quoted attribute, then a script and an event handler.
ATTACK = f"'\">{SCRIPT}{IMG}"

VOLUNTEER = "eve@example.org"
MODERATOR = "mod@example.org"
DISPLAY_NAME = "Eve" + ATTACK
VENUE = {"name": "Venue" + ATTACK, "address": "Address" + ATTACK, "notes": "Notes" + ATTACK}
MEETUP_NAME = "Meetup" + ATTACK
URL = "https://example.org/url" + ATTACK
TAGS = [SVG, '">' + IMG]
TAG_SLUG = "svg-onload-window-xss-1"
CANCEL_NOTE = "Cancelled" + ATTACK
# Also tries to add lines to the calendar feeds: a javascript: URL and an HTML description.
MOVE_NOTE = f"Moved{ATTACK}\r\nURL:javascript:window.__xss=1\r\nX-ALT-DESC;FMTTYPE=text/html:{SVG}"
REPORT = "Report" + ATTACK
# Markdown: raw HTML, handlers, javascript: links in several spellings, quotes breaking out.
DESCRIPTION = "\n\n".join(
    [
        f"Description {SCRIPT}",
        '<img src=x onerror="window.__xss=1">',
        f"<svg>{SCRIPT}</svg>",
        '<a href="javascript:window.__xss=1">raw javascript link</a>',
        "[markdown javascript link](javascript:window.__xss=1)",
        "[encoded javascript link](&#106;avascript:window.__xss=1)",
        "[spaced javascript link]( javascript:window.__xss=1 )",
        "<javascript:window.__xss=1>",
        '[quote-breaking link](https://example.org/" onmouseover="window.__xss=1)',
        '![quote-breaking image](x" onerror="window.__xss=1)',
        "<a href='https://example.org/' onclick='window.__xss=1'>link with a handler</a>",
        '<https://example.org/" onmouseover="window.__xss=1>',
    ]
)
# The words of the description that must still be read: sanitising is not dropping.
DESCRIPTION_WORDS = [
    "raw javascript link",
    "markdown javascript link",
    "encoded javascript link",
    "spaced javascript link",
    "quote-breaking link",
    "link with a handler",
]
TOO_MANY_LINKS = " http://a.example http://b.example http://c.example http://d.example"

# The site's own scripts are files under /static/; data blocks are not run.
INERT_SCRIPT_TYPES = {"application/json", "application/ld+json"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcdoc"}
RUNNABLE_SCHEMES = ("javascript:", "vbscript:", "data:text/html")
# Elements the site never writes, through which markup could run or load from elsewhere.
FOREIGN_ELEMENTS = {"iframe", "object", "embed", "base", "svg", "math"}
# Calendar properties holding an address, which calendar apps make clickable.
ICAL_URI_PROPERTIES = {"URL", "ATTACH", "SOURCE", "TZURL", "IMAGE", "CONFERENCE"}


@dataclass(frozen=True)
class Site:
    """Where the payloads ended up: fills in the addresses below."""

    city: int
    venue: str
    meetup: str
    cancelled: str
    moved: str

    def url(self, template: str) -> str:
        return template.format(
            city=self.city,
            venue=self.venue,
            meetup=self.meetup,
            cancelled=self.cancelled,
            moved=self.moved,
            tag=TAG_SLUG,
            attack=quote(ATTACK),
        )


def paris_day(days_from_today: int) -> str:
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    return (today + timedelta(days=days_from_today)).isoformat()


def meetup_form(**changes: str) -> dict[str, Any]:
    """Every day of the week, so that the home page's "this week" shows it whatever the day."""
    return {
        "name": MEETUP_NAME,
        "description": DESCRIPTION,
        "pattern": "weekly",
        "weekdays": [str(day) for day in range(7)],
        "interval": "1",
        "week_of_month": "1",
        "start_time": "08:30",
        "end_time": "10:00",
        "first_date": paris_day(0),
        "end_date": "",
        "tags": ", ".join(TAGS),
        "languages": ["fr", "en"],
        "url": URL,
        **changes,
    }


def sign_up_form(**changes: str) -> dict[str, str]:
    return {
        "email": VOLUNTEER,
        "display_name": DISPLAY_NAME,
        "password": PASSWORD,
        "confirm": PASSWORD,
        **changes,
    }


def slug_from(response, prefix: str) -> str:
    path = urlsplit(response.headers["Location"]).path
    assert path.startswith(prefix), path
    return path.removeprefix(prefix).strip("/")


def venue_from(response) -> str:
    """A saved venue leads on to its meetup's form: the venue is in that address."""
    location = urlsplit(response.headers["Location"])
    assert location.path == "/meetups/new", location.path
    return parse_qs(location.query)["venue"][0]


@pytest.fixture
def site(auth, make_city, make_user) -> Site:
    """A volunteer with a hostile name lists a hostile venue and meetup; a visitor reports it."""
    paris = make_city("Paris")
    make_user(MODERATOR, "Mo Moderator", role=Role.MODERATOR)
    assert auth.post("/account/sign-up", sign_up_form()).status_code == 303
    assert auth.confirm_from_mail(VOLUNTEER).status_code == 303
    venue = venue_from(auth.post(f"/venues/new?city={paris.id}", {**VENUE, "action": "save"}))
    meetup = slug_from(auth.post(f"/meetups/new?venue={venue}", meetup_form()), "/m/")
    cancelled, moved = paris_day(2), paris_day(3)
    cancel = {"action": "cancel", "note": CANCEL_NOTE}
    move = {"action": "move", "new_start_time": "10:15", "note": MOVE_NOTE}
    assert auth.post(f"/m/{meetup}/dates/{cancelled}", cancel).status_code == 302
    assert auth.post(f"/m/{meetup}/dates/{moved}", move).status_code == 302
    auth.sign_out()
    assert auth.post(f"/m/{meetup}/report", {"kind": "other", "message": REPORT}).status_code == 302
    return Site(paris.id, venue, meetup, cancelled, moved)


def parse(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html5lib")


def live_markup(page: BeautifulSoup) -> list[str]:
    """What in a parsed page a browser would run, or what the site never writes itself."""
    found = []
    for element in page.find_all(True):
        if element.name == "script":
            own = element.get("src", "").startswith("/static/") and not element.string
            if not own and element.get("type") not in INERT_SCRIPT_TYPES:
                found.append(f"script: {element}")
        if element.name in FOREIGN_ELEMENTS:
            found.append(f"element: {element}")
        for name, value in element.attrs.items():
            value = " ".join(value) if isinstance(value, list) else value
            if name.lower().startswith("on"):
                found.append(f"handler: {name}={value!r} on <{element.name}>")
            address = re.sub(r"[\x00-\x20]", "", value).lower()
            if name.lower() in URL_ATTRIBUTES and address.startswith(RUNNABLE_SCHEMES):
                found.append(f"address: {name}={value!r} on <{element.name}>")
    return found


def missing(texts: list[str], page: BeautifulSoup) -> list[str]:
    """The texts a page does not hold as data: in its text or in an attribute's value."""
    values = [
        " ".join(value) if isinstance(value, list) else value
        for element in page.find_all(True)
        for value in element.attrs.values()
    ]
    data = "\n".join([page.get_text(), *values])
    return [text for text in texts if text not in data]


def with_lf(text: str) -> str:
    """A text as pages and feeds give it back: HTML parsers and feeds write CR LF as LF."""
    return text.replace("\r\n", "\n")


VENUE_TEXTS = list(VENUE.values())
# Each page showing the payloads: who looks at it, and which payloads it must show.
PAGES = {
    "/m/{meetup}/": (
        VOLUNTEER,
        [MEETUP_NAME, *VENUE_TEXTS[:2], URL, *TAGS, CANCEL_NOTE, with_lf(MOVE_NOTE)],
    ),
    # History shows the start of a long description's words, on one line.
    "/m/{meetup}/history": (
        VOLUNTEER,
        [MEETUP_NAME, URL, " ".join(markdown_to_text(DESCRIPTION).split())[:100], DISPLAY_NAME],
    ),
    "/m/{meetup}/edit": (VOLUNTEER, [MEETUP_NAME, URL, ", ".join(sorted(TAGS)), DESCRIPTION]),
    "/m/{meetup}/dates/{cancelled}": (VOLUNTEER, [MEETUP_NAME]),
    "/m/{meetup}/report": (VOLUNTEER, [MEETUP_NAME]),
    "/v/{venue}/": (VOLUNTEER, [*VENUE_TEXTS, MEETUP_NAME]),
    "/v/{venue}/history": (VOLUNTEER, [*VENUE_TEXTS, DISPLAY_NAME]),
    "/v/{venue}/edit": (VOLUNTEER, VENUE_TEXTS),
    "/fr/paris/": (VOLUNTEER, [MEETUP_NAME, VENUE["name"]]),
    "/fr/": (VOLUNTEER, [DISPLAY_NAME]),  # only the header's volunteer name
    "/": (VOLUNTEER, [MEETUP_NAME]),
    "/search?q={attack}": (VOLUNTEER, [ATTACK, MEETUP_NAME, *VENUE_TEXTS[:2]]),
    "/changes": (VOLUNTEER, [MEETUP_NAME, VENUE["name"], DISPLAY_NAME]),
    "/account/": (VOLUNTEER, [DISPLAY_NAME]),
    "/moderation/": (MODERATOR, [REPORT, MEETUP_NAME, VENUE["name"], DISPLAY_NAME]),
}


@pytest.mark.parametrize("path", PAGES)
def test_pages_show_typed_text_as_text_never_as_markup(client, auth, site, path):
    viewer, texts = PAGES[path]
    auth.sign_in(viewer)

    response = client.get(site.url(path))

    assert response.status_code == 200
    page = parse(response)
    assert live_markup(page) == []
    assert missing(texts, page) == []


def test_a_description_keeps_its_words_and_loses_its_scripts(client, site):
    page = parse(client.get(f"/m/{site.meetup}/"))

    description = page.find("section", attrs={"aria-label": "About"})

    assert live_markup(description) == []
    assert missing(DESCRIPTION_WORDS, description) == []
    addresses = [link["href"] for link in description.find_all("a", href=True)]
    assert addresses and all(href.startswith("https://example.org/") for href in addresses)


@pytest.mark.parametrize("path", ["/v/{venue}/", "/fr/paris/"])
def test_map_markers_carry_the_venue_name_as_data(client, site, path):
    page = parse(client.get(site.url(path)))

    markers = json.loads(page.find(attrs={"data-markers": True})["data-markers"])

    assert [marker["name"] for marker in markers] == [VENUE["name"]]


def test_the_welcome_after_signing_up_shows_the_name_as_text(auth):
    auth.post("/account/sign-up", sign_up_form())
    response = auth.confirm_from_mail(VOLUNTEER)
    response = auth.client.get(response.headers["Location"])

    page = parse(response)
    assert live_markup(page) == []
    assert page.find(role="status").get_text() == (
        f"Welcome, {DISPLAY_NAME}! You can now add and edit meetups."
    )


# Forms sent back with an error (or a conflict) show what was typed: as text too.
REFUSED = {
    "javascript: website": (
        "/meetups/new?venue={venue}",
        meetup_form(url="javascript:window.__xss=1//https://example.org/"),
        400,
        "Invalid URL",
        "javascript:window.__xss=1//https://example.org/",
    ),
    "hostile languages": (
        "/meetups/new?venue={venue}",
        meetup_form(languages=ATTACK),
        400,
        "Pick the languages from the list.",
        "",
    ),
    "edit in conflict": (
        "/m/{meetup}/edit",
        meetup_form(name="Second" + ATTACK, version="an older version"),
        409,
        "Compare below",
        "Second" + ATTACK,
    ),
    "venue checked for duplicates": (
        "/venues/new?city={city}",
        {"name": "Other" + ATTACK, "address": VENUE["address"], "action": "check"},
        200,
        "This may already be listed",
        VENUE["name"],
    ),
    "venue without a name": (
        "/venues/new?city={city}",
        {"name": "", "address": VENUE["address"], "notes": VENUE["notes"], "action": "save"},
        400,
        "Give the venue’s name",
        VENUE["notes"],
    ),
    "date note with too many links": (
        "/m/{meetup}/dates/{moved}",
        {"action": "cancel", "note": CANCEL_NOTE + TOO_MANY_LINKS},
        400,
        "at most 3 links",
        CANCEL_NOTE,
    ),
    "report with too many links": (
        "/m/{meetup}/report",
        {"kind": "other", "message": REPORT + TOO_MANY_LINKS},
        400,
        "at most 3 links",
        REPORT,
    ),
    "sign-up with passwords that differ": (
        "/account/sign-up",
        sign_up_form(email="eve2@example.org", confirm="something else entirely"),
        400,
        "not the same",
        DISPLAY_NAME,
    ),
}


@pytest.mark.parametrize("case", REFUSED)
def test_forms_sent_back_show_what_was_typed_as_text(auth, site, case):
    path, data, status, message, typed = REFUSED[case]
    auth.sign_in(VOLUNTEER)

    response = auth.post(site.url(path), data)

    assert response.status_code == status
    page = parse(response)
    assert message in page.get_text()
    assert live_markup(page) == []
    assert missing([typed], page) == []


FEEDS = {
    "/feeds/meetup/{meetup}.ics": MEETUP_NAME,
    "/feeds/meetup/{meetup}/{moved}.ics": None,
    "/feeds/venue/{venue}.ics": f"Meetups at {VENUE['name']}",
    "/feeds/tag/{tag}.ics": f"Meetups about {TAGS[0]}",
    "/feeds/city/fr/paris.ics": "Meetups in Paris",
    "/feeds/country/fr.ics": "Meetups in France",
    "/feeds/all.ics": None,
}


def ical_properties(calendar: icalendar.Calendar) -> list[tuple[str, Any]]:
    """Every property of every component, one (name, value) pair per value."""
    return [
        (name, value)
        for component in calendar.walk()
        for name, values in component.items()
        for value in (values if isinstance(values, list) else [values])
    ]


@pytest.mark.parametrize("path", FEEDS)
def test_feeds_carry_typed_text_as_calendar_text_only(client, site, path):
    response = client.get(site.url(path))

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    calendar = icalendar.Calendar.from_ical(response.data)
    if FEEDS[path]:
        assert str(calendar["NAME"]).startswith(FEEDS[path])
    events = calendar.walk("VEVENT")
    assert {str(event["SUMMARY"]) for event in events} == {MEETUP_NAME}
    assert {str(event["LOCATION"]) for event in events} == {
        f"{VENUE['name']}, {VENUE['address']}, Paris"
    }
    assert all(sorted(event.categories) == sorted(TAGS) for event in events)
    properties = ical_properties(calendar)
    assert [name for name, _ in properties if name == "X-ALT-DESC"] == []
    assert [name for name, value in properties if "FMTTYPE" in getattr(value, "params", {})] == []
    addresses = [str(value) for name, value in properties if name in ICAL_URI_PROPERTIES]
    assert addresses and all(address.startswith("http://127.0.0.1:5000/") for address in addresses)
    (moved,) = [event for event in events if event.DTSTART.date().isoformat() == site.moved]
    assert str(moved["DESCRIPTION"]).startswith(with_lf(MOVE_NOTE) + "\n\n")


def test_the_changes_feed_keeps_typed_text_as_xml_text(client, site):
    response = client.get("/changes.atom")

    assert response.mimetype == "application/atom+xml"
    atom = {"a": "http://www.w3.org/2005/Atom"}
    entries = ElementTree.fromstring(response.data).findall("a:entry", atom)
    titles = {entry.findtext("a:title", namespaces=atom) for entry in entries}
    assert {
        f"{VENUE['name']}: {DISPLAY_NAME} added the venue.",
        f"{MEETUP_NAME}: {DISPLAY_NAME} added the meetup.",
    } <= titles
    authors = {entry.findtext("a:author/a:name", namespaces=atom) for entry in entries}
    assert authors == {DISPLAY_NAME}
    texts = [element for entry in entries for element in entry.iter() if element.text]
    assert [element.tag for element in texts if len(element)] == []
    assert b"<script" not in response.data and b"<img" not in response.data


@pytest.mark.browser
@pytest.mark.parametrize("payload", [SCRIPT, IMG, SVG, ATTACK])
def test_the_sentinel_is_set_by_a_payload_that_runs(browser, payload):
    """The check below can fail: each payload, let loose in a page, sets the sentinel."""
    page = browser.new_page()

    page.set_content(f"<p>{payload}</p>")

    page.wait_for_function("window.__xss === 1", timeout=5000)
    page.close()


@pytest.mark.browser
def test_no_payload_runs_on_the_meetup_page_or_the_moderation_dashboard(browser, live_server, site):
    # Without the Content-Security-Policy, which would block inline scripts anyway:
    # this checks that the pages never write a payload as markup in the first place.
    context = browser.new_context(viewport=PHONE, bypass_csp=True)
    page = context.new_page()

    page.goto(f"{live_server}/m/{site.meetup}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(MEETUP_NAME)
    expect(page.get_by_text(CANCEL_NOTE)).to_be_visible()
    assert page.evaluate("typeof window.__xss") == "undefined"

    page.locator("summary", has_text="Menu").click()
    page.get_by_role("link", name="Volunteer sign in").click()
    page.get_by_label("Email", exact=True).fill(MODERATOR)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.goto(f"{live_server}/moderation/")
    expect(page.get_by_text(REPORT)).to_be_visible()
    assert page.evaluate("typeof window.__xss") == "undefined"
    context.close()
