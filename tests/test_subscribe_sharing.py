"""Subscribing from another device or person: a QR code drawn here, Web Share, topic pages.

The QR codes are checked module by module against a fresh encoding of the exact
address: the site's SVG must draw that matrix and nothing else.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ElementTree
from urllib.parse import urlencode

import icalendar
import pytest
import segno
from bs4 import BeautifulSoup
from playwright.sync_api import expect

from meetups.feeds import qr
from tests.conftest import DESKTOP, PHONE

BASE = "http://127.0.0.1:5000"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def directory(make_city, make_venue, make_meetup):
    paris = make_city("Paris")
    venue = make_venue("Café X", city=paris)
    make_meetup("Open Coffee Paris", venue=venue, tags=["startups"])
    make_meetup("Demo Lunch", venue=venue, tags=["startups"], is_demo=True)
    make_meetup("Knitting Club", venue=venue, tags=["crafts"])


def drawn_modules(svg: bytes) -> set[tuple[int, int]]:
    """The dark modules an SVG draws, read back from its path: horizontal runs, one
    module high, drawn along each row's middle (what segno writes)."""
    root = ElementTree.fromstring(svg)
    assert root.tag == SVG + "svg"
    (line,) = [p for p in root.iter(SVG + "path") if p.get("class") == "qrline"]
    dark: set[tuple[int, int]] = set()
    x = y = 0.0
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", line.get("d")):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            for column in range(int(x), int(x + float(a))):
                dark.add((int(y), column))
            x += float(a)
    return dark


def expected_modules(text: str) -> set[tuple[int, int]]:
    matrix = segno.make_qr(text, error=qr.ERROR_LEVEL, boost_error=False).matrix
    border = qr.QUIET_ZONE
    return {
        (row + border, column + border)
        for row, values in enumerate(matrix)
        for column, value in enumerate(values)
        if value
    }


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:5000/feeds/city/fr/paris.ics",
        "http://127.0.0.1:5000/trip.ics?city=fr/paris&arrive=2026-12-07&leave=2026-12-09",
    ],
)
def test_the_qr_code_draws_exactly_the_feed_address(url):
    drawn = drawn_modules(qr.qr_svg(url))

    assert drawn == expected_modules(url)
    assert drawn != expected_modules(url.replace("paris", "lyon"))


def test_the_qr_route_serves_a_cacheable_svg_of_our_feed(client, directory):
    url = f"{BASE}/feeds/city/fr/paris.ics"

    response = client.get("/feeds/qr.svg?" + urlencode({"url": url}))

    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert "public" in response.headers["Cache-Control"]
    assert drawn_modules(response.data) == expected_modules(url)
    again = client.get(
        "/feeds/qr.svg?" + urlencode({"url": url}),
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304
    assert again.data == b""


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("", 400),
        ("https://evil.example/feeds/city/fr/paris.ics", 400),
        (f"{BASE}/fr/paris/", 400),
        (f"{BASE}/feeds/city/fr/paris.ics?x=1", 400),
        (f"{BASE}/feeds/meetup/open-coffee-paris/2026-12-10.ics", 400),
        (f"{BASE}/feeds/" + "a" * 2000, 400),
        (f"{BASE}/feeds/city/fr/atlantis.ics", 404),
        (f"{BASE}/feeds/tag/nothing.ics", 404),
        (f"{BASE}/feeds/planet/earth.ics", 404),
    ],
)
def test_the_qr_route_draws_nothing_but_our_feeds(client, directory, url, status):
    response = client.get("/feeds/qr.svg?" + urlencode({"url": url}))

    assert response.status_code == status
    assert response.mimetype == "text/plain"
    assert response.text.strip()


@pytest.mark.parametrize(
    ("page_url", "feed_path"),
    [
        ("/fr/paris/", "city/fr/paris.ics"),
        ("/m/open-coffee-paris/", "meetup/open-coffee-paris.ics"),
        ("/v/cafe-x-paris/", "venue/cafe-x-paris.ics"),
        ("/t/startups/", "tag/startups.ics"),
    ],
)
def test_subscribe_blocks_offer_a_qr_code_behind_a_disclosure(
    client, directory, page_url, feed_path
):
    soup = BeautifulSoup(client.get(page_url).text, "html5lib")

    block = soup.select_one("section.subscribe")
    image = block.select_one("details.qr img")
    assert image is not None and image["alt"]
    assert not block.select_one("details.qr").has_attr("open")
    feed_url = f"{BASE}/feeds/{feed_path}"
    assert client.get(image["src"]).data == qr.qr_svg(feed_url)
    share = block.select_one("button.share")
    assert share.has_attr("hidden")
    assert share["data-share"] == block.select_one("input.feed-url")["id"]


def test_a_topic_page_lists_its_meetups_and_subscribes_to_its_feed(client, directory):
    soup = BeautifulSoup(client.get("/t/startups/").text, "html5lib")

    assert "startups" in soup.h1.text
    names = [a.text for a in soup.select("ul.cards h3 a")]
    assert names == ["Demo Lunch", "Open Coffee Paris"]
    assert (
        soup.select_one("section.subscribe input.feed-url")["value"]
        == f"{BASE}/feeds/tag/startups.ics"
    )
    feed = client.get("/feeds/tag/startups.ics").text
    assert "SUMMARY:Open Coffee Paris" in feed and "Knitting" not in feed
    assert f"URL:{BASE}/t/startups/" in feed.replace("\r\n ", "")


def test_meetup_pages_link_their_topics(client, directory):
    soup = BeautifulSoup(client.get("/m/open-coffee-paris/").text, "html5lib")

    links = [a["href"] for a in soup.select("dl.facts a.tag")]
    assert links == ["/t/startups/"]
    assert client.get(links[0]).status_code == 200


def test_an_unknown_topic_is_a_404(client, directory):
    assert client.get("/t/nothing/").status_code == 404


def test_a_topic_page_in_french(client, directory):
    soup = BeautifulSoup(client.get("/t/startups/?lang=fr").text, "html5lib")

    assert soup.h1.text == "Meetups sur le thème startups"
    assert soup.select_one("details.qr summary").text == "Afficher le code QR"


@pytest.mark.parametrize(
    "feed_url",
    ["/feeds/tag/startups.ics", "/feeds/city/fr/paris.ics", "/feeds/meetup/demo-lunch.ics"],
)
def test_demo_listings_are_marked_in_feeds_and_real_ones_are_not(client, directory, feed_url):
    calendar = icalendar.Calendar.from_ical(client.get(feed_url).data)

    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    summaries = {str(e["SUMMARY"]) for e in events.values()}
    assert "[Demo] Demo Lunch" in summaries
    assert "Open Coffee Paris" in summaries or feed_url.endswith("demo-lunch.ics")
    for event in events.values():
        demo = str(event["SUMMARY"]).startswith("[Demo] ")
        assert str(event["DESCRIPTION"]).startswith("Demo listing") == demo


def test_one_demo_date_downloaded_alone_is_marked_too(client, directory):
    page = BeautifulSoup(client.get("/m/demo-lunch/").text, "html5lib")
    single = next(
        a["href"]
        for a in page.select("a[href$='.ics']")
        if "/feeds/meetup/demo-lunch/" in a["href"]
    )

    event = icalendar.Calendar.from_ical(client.get(single).data).walk("VEVENT")[0]

    assert str(event["SUMMARY"]) == "[Demo] Demo Lunch"


# The Web Share API exists on phones and some desktops, not in a headless Chromium on
# Linux: a page script stands in for it, recording what the site hands over.
FAKE_SHARE = """
window.__shared = [];
navigator.share = (data) => { window.__shared.push(data); return Promise.resolve(); };
"""


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    ("viewport", "language", "show", "share"),
    [(PHONE, "en", "Show QR code", "Share"), (DESKTOP, "fr", "Afficher le code QR", "Partager")],
    ids=["phone-en", "desktop-fr"],
)
def test_the_qr_code_opens_on_request_and_stays_small(
    browser, live_server, directory, viewport, language, show, share
):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(f"{live_server}/fr/paris/?lang={language}")
    block = page.locator("section.subscribe")

    expect(block.get_by_role("button", name=share)).to_be_hidden()
    image = block.locator("details.qr img")
    expect(image).to_be_hidden()
    block.get_by_text(show).click()

    expect(image).to_be_visible()
    loaded = "img => img.complete && img.naturalWidth > 0"
    page.wait_for_function(loaded, arg=image.element_handle())
    box = image.bounding_box()
    assert 120 <= box["width"] <= 200 and box["x"] + box["width"] <= viewport["width"]
    assert context.cookies() == []
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_where_the_browser_can_share_the_feed_address_goes_in_one_tap(
    browser, live_server, directory
):
    context = browser.new_context(viewport=PHONE)
    context.add_init_script(FAKE_SHARE)
    page = context.new_page()
    page.goto(f"{live_server}/t/startups/")

    page.locator("section.subscribe").get_by_role("button", name="Share").click()

    shared = page.evaluate("window.__shared")
    assert shared == [{"title": "Meetups about startups", "url": f"{BASE}/feeds/tag/startups.ics"}]
    context.close()
