"""A traveller's whole walk, in one browser, as issue 18 asks: on a phone and a desktop,
in English and in French, with a full-page screenshot of every step.

Search lands on the city; a misspelt name and a small town lead to the cities that have
meetups; "near me" keeps the position when the radius changes; a meetup page offers
directions and a map that asks before loading tiles; a three-city trip shows its results
first and subscribes; a feed address copies in one tap. Throughout: the page speaks the
traveller's language, fits the screen, sets no cookie, and nothing leaves 127.0.0.1
(the map's tiles are answered here, by a 1x1 PNG, and only after the tap).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, Request, Route, expect

from meetups.web import display
from tests.test_i18n import i18n_word

pytestmark = [
    pytest.mark.browser,
    # The walk is about what a browser shows; both engines are covered by the page tests.
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

PHONE_390 = {"width": 390, "height": 844}
DESKTOP_1280 = {"width": 1280, "height": 900}
LOCALES = {"en": "en-GB", "fr": "fr-FR"}
HERE = {"latitude": 48.8566, "longitude": 2.3522}
EVERY_DAY = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU"
# The map's default tile server (config.MAP_TILE_URL): answered here, never reached.
TILES = re.compile(r"^https://tile\.openstreetmap\.org/\d+/\d+/\d+\.png$")
ONE_PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


def word(language: str, msgid: str, **values: object) -> str:
    """A label as the page shows it: the catalogue's French, or the English msgid."""
    text = msgid if language == "en" else i18n_word(language, msgid)
    return text % values if values else text


@pytest.fixture
def directory(make_city, make_venue, make_meetup):
    """Paris with meetups 0, 2 and 4 km north of the traveller, Lille and Lyon with one each;
    Roubaix, a small town next to Lille, with none."""
    paris = make_city("Paris", latitude=HERE["latitude"], longitude=HERE["longitude"])
    lille = make_city("Lille", latitude=50.63, longitude=3.06, population=230_000)
    lyon = make_city("Lyon", latitude=45.76, longitude=4.84, population=520_000)
    make_city("Roubaix", latitude=50.69, longitude=3.17, population=96_000)
    # 0.001° of latitude is about 111 m.
    spots = (
        ("Open Coffee Paris", "Café des Bâtisseurs", 0.0),
        ("Morning Founders", "Le Nord", 0.018),
        ("Far Coffee", "Le Loin", 0.036),
    )
    for name, venue_name, north in spots:
        venue = make_venue(
            venue_name,
            city=paris,
            address="12 rue de la Fontaine au Roi",
            latitude=HERE["latitude"] + north,
            longitude=HERE["longitude"],
        )
        make_meetup(name, venue=venue, rrule=EVERY_DAY, start_time=time(8))
    for city in (lille, lyon):
        venue = make_venue(f"Café de {city.name}", city=city)
        make_meetup(f"Open Coffee {city.name}", venue=venue, rrule=EVERY_DAY, start_time=time(8))


class Walk:
    """One traveller's tab: numbered screenshots, and checks every page must pass."""

    def __init__(self, page: Page, language: str, shots: Path) -> None:
        self.page, self.language, self.shots, self.step = page, language, shots, 0

    def _(self, msgid: str, **values: object) -> str:
        return word(self.language, msgid, **values)

    def snap(self, name: str) -> None:
        """Screenshot the whole page, after checking its language and its width."""
        page = self.page
        page.wait_for_load_state("load")
        assert page.locator("html").get_attribute("lang") == self.language
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name}: {overflow}px wider than the screen"
        self.step += 1
        page.screenshot(path=self.shots / f"{self.step:02d}-{name}.png", full_page=True)

    def search(self, text: str) -> None:
        """Type into the header's city search and press Enter, as without suggestions."""
        box = self.page.get_by_role("combobox", name=self._("Find a city"))
        box.fill(text)
        box.press("Enter")  # no suggestion chosen: the form itself is sent

    def travel(self, msgid: str) -> None:
        """Follow a travel link from the header: in the row on a desktop, the menu on a phone."""
        header = self.page.locator("header.site")
        if not header.locator("nav.travel").is_visible():
            header.locator("details.menu summary").click()
        header.locator("nav a:visible", has_text=self._(msgid)).click()


@pytest.mark.parametrize("viewport", [PHONE_390, DESKTOP_1280], ids=["390", "1280"])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_traveller_walks_from_search_to_a_subscribed_trip(
    browser, live_server, directory, tmp_path, language, viewport
):
    context = browser.new_context(
        viewport=viewport,
        locale=LOCALES[language],
        geolocation=HERE,
        permissions=["geolocation", "clipboard-read", "clipboard-write"],
    )
    outside: list[str] = []
    context.route(_leaves(live_server), _answer_tiles_here(outside))
    page = context.new_page()
    walk = Walk(page, language, tmp_path)
    _ = walk._
    heading = page.get_by_role("heading", level=1)

    # 1. "Paris" in the home page's search: Paris's page, in one step.
    page.goto(live_server + "/")
    home_search = page.get_by_role("combobox", name=_("Which city are you in, or going to?"))
    home_search.fill("Paris")
    home_search.press("Enter")
    page.wait_for_url(re.compile(r"/fr/paris/"))
    expect(heading).to_have_text(_("Meetups in %(city)s", city="Paris"))
    expect(page.get_by_role("link", name="Open Coffee Paris").first).to_be_visible()
    walk.snap("search-paris-lands")

    # 2. A misspelt name: the cities spelt like it, Paris first.
    walk.search("Pariss")
    page.wait_for_url(re.compile(r"/search\?"))
    expect(page.locator("main")).to_contain_text(
        _("No city is called “%(query)s”. Did you mean one of these?", query="Pariss")
    )
    expect(page.locator("ul.cities a").first).to_have_text("Paris, France")
    walk.snap("misspelt-did-you-mean")

    # 3. A small town without meetups: its page names the nearest cities that have some.
    walk.search("Roubaix")
    page.wait_for_url(re.compile(r"/fr/roubaix/"))
    nearest = page.get_by_role("region", name=_("Nearest cities with meetups"))
    expect(nearest).to_be_visible()
    expect(nearest.locator("li a").first).to_have_text("Lille, France")
    expect(nearest.locator("li").first).to_contain_text("10 km")
    expect(page.get_by_role("link", name=_("Know one? Add it."))).to_be_visible()
    walk.snap("small-town-nearest-cities")

    # 4. Near me: the browser's position, then a new radius keeps it.
    walk.travel("Near me")
    expect(heading).to_have_text(_("Meetups near you"))
    page.get_by_role("button", name=_("Use my location")).click()
    page.wait_for_url(re.compile(r"lat=48\.8566"))
    expect(page.locator("ol.near-results li")).to_have_count(3)  # within the first 5 km
    walk.snap("near-me-located")
    page.get_by_label(_("Distance")).select_option("3")
    page.wait_for_url(re.compile(r"km=3\b"))
    sent = parse_qs(urlsplit(page.url).query)
    assert (float(sent["lat"][0]), float(sent["lon"][0])) == (HERE["latitude"], HERE["longitude"])
    expect(heading).to_have_text(
        _(
            "Meetups within %(distance)s of you, near %(place)s",
            distance=display.distance(3, language),
            place="Paris",
        )
    )
    expect(page.locator("ol.near-results h2 a")).to_have_text(
        ["Open Coffee Paris", "Morning Founders"]
    )
    walk.snap("near-me-radius-3km-kept")

    # 5. A meetup: directions a tap away, a map whose tiles wait for the tap.
    page.locator("ol.near-results").get_by_role(
        "link", name="Open Coffee Paris", exact=True
    ).click()
    expect(heading).to_contain_text("Open Coffee Paris")
    every_day = _(
        "%(pattern)s, %(start)s–%(end)s", pattern=_("Every day"), start="08:00", end="10:00"
    )
    expect(page.locator("main .schedule").first).to_have_text(every_day)
    directions = page.get_by_role("link", name=_("Directions"), exact=True)
    expect(directions).to_be_visible()
    assert urlsplit(directions.get_attribute("href")).netloc == "www.openstreetmap.org"
    address = page.locator(".getting-there .address a")
    expect(address).to_have_text("12 rue de la Fontaine au Roi")
    assert address.get_attribute("href").startswith("geo:48.856600,2.352200")
    page.wait_for_load_state("networkidle")
    assert outside == [], "nothing may leave before the map is asked for"
    walk.snap("meetup-directions")
    page.get_by_role("button", name=_("Show map")).click()
    expect(page.locator(".leaflet-marker-icon")).to_have_count(1)
    expect(page.locator("img.leaflet-tile-loaded").first).to_be_attached()
    assert outside and all(TILES.match(url) for url in outside), outside
    walk.snap("meetup-map-shown")

    # 6. A three-city trip: the results come first, then the ways to subscribe.
    walk.travel("Plan a trip")
    expect(heading).to_have_text(_("Plan a trip"))
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    cities = ("Paris", "Lyon", "Lille")
    legs = [
        (today + timedelta(days=3 * n + 1), today + timedelta(days=3 * n + 2)) for n in range(3)
    ]
    for number, (name, (arrive, leave)) in enumerate(zip(cities, legs, strict=True)):
        fields = page.get_by_role("group", name=_("Leg %(number)d", number=number + 1))
        fields.get_by_label(_("City")).fill(name)
        fields.get_by_label(_("Arrive")).fill(arrive.isoformat())
        fields.get_by_label(_("Leave")).fill(leave.isoformat())
    walk.snap("trip-form-filled")
    page.get_by_role("button", name=_("Show my meetups")).click()
    results = page.get_by_role("heading", name=_("Your meetups"))
    expect(results).to_be_in_viewport()
    for name, (arrive, _leave) in zip(cities, legs, strict=True):
        plan = page.get_by_role("region", name=name, exact=True)
        expect(plan.locator(".day-heading time").first).to_have_attribute(
            "datetime", arrive.isoformat()
        )
        expect(plan.get_by_role("link", name=f"Open Coffee {name}").first).to_be_visible()
    expect(page.locator("details.trip-edit summary")).to_have_text(_("Change the trip"))
    walk.snap("trip-results-first")
    subscribe = page.get_by_role("region", name=_("Add your trip to your calendar"))
    outlook = subscribe.get_by_role("link", name=_("Add to Outlook.com"))
    assert outlook.get_attribute("href").startswith(
        "https://outlook.live.com/calendar/0/addfromweb?"
    )
    download = subscribe.get_by_role("link", name=_("Download (.ics)"))
    feed = urlsplit(download.get_attribute("href"))
    assert feed.path == "/trip.ics"
    assert parse_qs(feed.query)["city"] == ["fr/paris", "fr/lyon", "fr/lille"]
    subscribe.scroll_into_view_if_needed()
    walk.snap("trip-subscribe")

    # 7. The feed address, copied in one tap.
    subscribe.get_by_role("button", name=_("Copy"), exact=True).click()
    expect(subscribe.get_by_role("button", name=_("Copied"))).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("#trip-feed-url").input_value()
    assert urlsplit(copied).path == "/trip.ics" and "city=fr/lyon" in copied
    walk.snap("feed-address-copied")

    assert context.cookies() == []
    assert all(TILES.match(url) for url in outside), outside
    context.close()


def _leaves(live_server: str) -> Callable[[str], bool]:
    """Any address that is not the site under test."""
    return lambda url: not url.startswith(live_server + "/")


def _answer_tiles_here(outside: list[str]) -> Callable[[Route, Request], None]:
    """Note every request that would leave; answer map tiles with one pixel, refuse the rest."""

    def answer(route: Route, request: Request) -> None:
        outside.append(request.url)
        if TILES.match(request.url):
            route.fulfill(status=200, content_type="image/png", body=ONE_PIXEL_PNG)
        else:
            route.abort()

    return answer
