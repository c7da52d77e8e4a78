"""The pages in a real browser (Debian's Chromium through Playwright), at phone width."""

from __future__ import annotations

from datetime import date, time, timedelta
from urllib.parse import urlsplit

import pytest

from tests.conftest import DESKTOP, PHONE

pytestmark = pytest.mark.browser


@pytest.fixture
def directory(make_city, make_venue, make_meetup) -> None:
    paris = make_city("Paris")
    venue = make_venue("Café des Bâtisseurs avec un nom très long pour tester", city=paris)
    make_meetup(
        "Open Coffee Paris, the long-running Thursday morning gathering",
        slug="open-coffee-paris",
        venue=venue,
        description="A [link](https://example.org/" + "x" * 120 + ") that is long.",
        tags=["startups", "open-coffee"],
    )
    make_meetup("Evening", venue=venue, start_time=time(18, 30), rrule="FREQ=MONTHLY;BYDAY=-1FR")


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize(
    "path",
    ["/", "/fr/", "/fr/paris/", "/m/open-coffee-paris/", "/v/", "/search?q=par", "/trip", "/dates"],
)
def test_pages_fit_the_screen_and_load_nothing_from_elsewhere(
    browser, live_server, directory, tmp_path, viewport, path
):
    if path == "/v/":
        path = "/v/cafe-des-batisseurs-avec-un-nom-tres-long-pour-tester-paris/"
    if path == "/trip":  # a planned trip, with its results and subscribe buttons
        today = date.today()
        path += f"?city=fr/paris&arrive={today}&leave={today + timedelta(days=30)}"
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    response = page.goto(live_server + path)
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)

    assert response is not None and response.status == 200
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {viewport['width']}px"
    assert {urlsplit(url).netloc for url in requested} == {urlsplit(live_server).netloc}
    assert context.cookies() == []
    context.close()


def test_a_trip_asking_which_city_a_name_means_fits_a_phone(
    browser, live_server, make_city, make_venue, make_meetup
):
    us = ("US", "United States", "America/New_York")
    new_york = make_city("New York City", *us, 40.71, -74.01, 8_000_000, slug="new-york-city")
    make_meetup("NYC Coffee", venue=make_venue("Bean", city=new_york))
    make_city("Springfield", *us, 42.1, -72.59, 154_000, region="Massachusetts")
    make_city("Springfield", *us, 39.8, -89.64, 114_000, slug="springfield-il", region="Illinois")
    page = browser.new_page(viewport=PHONE)

    response = page.goto(f"{live_server}/trip?city=Springfield&arrive=2026-12-10&leave=2026-12-12")

    assert response is not None and response.status == 400
    assert page.get_by_label("Which Springfield?").is_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the trip's choice scrolls sideways by {overflow}px"
    page.close()


def test_city_search_works_from_the_home_page_without_javascript(browser, live_server, directory):
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server + "/")

    page.get_by_label("Which city are you in, or going to?").fill("paris")
    page.get_by_role("button", name="Find meetups").click()

    assert page.url == live_server + "/fr/paris/?q=paris"
    assert page.get_by_role("heading", level=1).inner_text() == "Meetups in Paris"
    context.close()
