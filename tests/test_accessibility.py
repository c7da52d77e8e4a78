"""Accessibility in a real browser: axe-core's WCAG checks, a visible focus, large tap targets.

axe-core (node_modules, see package.json) checks contrast, names, labels and the WCAG 2.2
minimum target size (24×24 px). It cannot tell whether keyboard focus shows, nor hold
targets to the 44×44 px a thumb needs on a phone: those two checks are ours.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from meetups.models import MeetupStatus
from tests.conftest import DESKTOP, PASSWORD, PHONE, require

if TYPE_CHECKING:
    from playwright.sync_api import ElementHandle, Page

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA; 2.2 AA brings `target-size`.
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])

# Weekly on every weekday: the schedules the site supports have no FREQ=DAILY.
EVERY_DAY = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU"
TRIP = "/trip?city=fr/paris&arrive={today}&leave={in_a_month}"
VISITOR_PAGES = [
    "/",
    "/fr/",
    "/fr/paris/",
    "/m/open-coffee-paris/",
    "/v/cafe-central-paris/",
    "/t/startups/",
    "/search?q=par",
    "/near?q=paris",
    TRIP,
    "/dates",
    "/account/sign-in",
    "/account/sign-up",
    "/account/forgot-password",
    "/account/confirm",
    "/account/check-your-email",
    "/m/open-coffee-paris/?lang=fr",
    "/embed/city/fr/paris?dates=8",
    "/embed/venue/cafe-central-paris?lang=fr",
    "/embed/meetup/open-coffee-paris",
]
VOLUNTEER_PAGES = [
    "/m/open-coffee-paris/",
    "/m/open-coffee-paris/edit",
    "/v/cafe-central-paris/edit",
    "/account/",
    "/add?q=paris",
    "/m/open-coffee-paris/history",
]

# Everything a visitor can tap, in the parts of a page that are ours to lay out.
TARGETS = (
    ":is(header.site, nav, main) :is(a[href], button, input:not([type=hidden]), select, textarea)"
)


@pytest.fixture
def directory(make_city, make_venue, make_meetup) -> None:
    """Paris with everything a page can show: changed, cancelled, paused, ended and demo."""
    paris = make_city("Paris")
    venue = make_venue("Café Central", city=paris, notes="Wifi; quiet upstairs.")
    today = date.today()
    make_meetup(
        "Open Coffee Paris",
        slug="open-coffee-paris",
        venue=venue,
        rrule=EVERY_DAY,
        first_date=today - timedelta(days=30),
        description="Coffee first. [Our notes](https://example.org/notes).",
        tags=["startups", "open-coffee"],
        languages="en,fr",
        url="https://example.org/",
        changes=[
            {"original_date": today + timedelta(days=1), "cancelled": True, "note": "Holiday"},
            {"original_date": today + timedelta(days=2), "new_start_time": time(10)},
        ],
    )
    make_meetup("Evening Drinks", venue=venue, status=MeetupStatus.PAUSED)
    make_meetup("Old Breakfast", venue=venue, status=MeetupStatus.ENDED)
    make_meetup("Demo Lunch", venue=venue, rrule=EVERY_DAY, is_demo=True)


@pytest.fixture
def open_page(browser, live_server, directory) -> Iterator[Callable[..., Page]]:
    """A page at a viewport, axe allowed in: the site's policy refuses inline scripts."""
    contexts = []

    def open_at(path: str, viewport: dict, *, signed_in: bool = False) -> Page:
        context = browser.new_context(viewport=viewport, bypass_csp=True)
        contexts.append(context)
        # Refused in the browser, never sent: a favicon or map tile asked for after the
        # page loaded could still be at the server, holding a connection, as it stops.
        context.route("**/favicon.ico", lambda route: route.abort())
        context.route("**/tiles/**", lambda route: route.abort())
        page = context.new_page()
        if signed_in:
            sign_in(page, live_server)
        response = page.goto(live_server + with_dates(path))
        assert response is not None and response.status == 200, path
        return page

    yield open_at
    for context in contexts:
        context.close()


@pytest.fixture
def open_map(app, open_page, live_server) -> Callable[[dict], Page]:
    """A city page with its map shown: controls, markers and attribution."""

    def open_at(viewport: dict) -> Page:
        # Tests reach no tile server, so the tiles are refused (see `open_page`). They are
        # decoration (Leaflet gives them alt=""); what is ours to check is around them.
        app.config["MAP_TILE_URL"] = live_server + "/tiles/{z}/{x}/{y}.png"
        page = open_page("/fr/paris/", viewport)
        page.get_by_role("button", name="Show map").click()
        page.wait_for_selector(".leaflet-marker-icon")
        return page

    return open_at


@pytest.fixture
def volunteer(make_user):
    """The account `sign_in` uses."""
    return make_user()


@VIEWPORTS
@pytest.mark.parametrize("path", VISITOR_PAGES)
def test_visitor_pages_pass_axe(open_page, path, viewport):
    page = open_page(path, viewport)

    violations = axe_violations(page)

    assert not violations, "\n".join(violations)


@VIEWPORTS
@pytest.mark.parametrize("path", VOLUNTEER_PAGES)
def test_volunteer_pages_pass_axe(open_page, volunteer, path, viewport):
    page = open_page(path, viewport, signed_in=True)

    violations = axe_violations(page)

    assert not violations, "\n".join(violations)


@VIEWPORTS
def test_an_open_map_passes_axe(open_map, viewport):
    page = open_map(viewport)

    violations = axe_violations(page)

    assert not violations, "\n".join(violations)


@pytest.mark.parametrize(
    "path", ["/", "/fr/paris/", "/m/open-coffee-paris/", TRIP, "/account/sign-in"]
)
def test_keyboard_focus_is_always_visible(open_page, path):
    page = open_page(path, PHONE)

    unmarked = focus_without_indicator(page)

    assert not unmarked, "\n".join(unmarked)


def test_keyboard_focus_is_visible_on_the_meetup_form(open_page, volunteer):
    page = open_page("/m/open-coffee-paris/edit", PHONE, signed_in=True)

    unmarked = focus_without_indicator(page)

    assert not unmarked, "\n".join(unmarked)


def test_the_focus_check_notices_a_hidden_outline(open_page):
    page = open_page("/account/sign-in", PHONE)
    page.add_style_tag(content=":focus, :focus-visible { outline: none !important; }")

    assert "#password" in focus_without_indicator(page)


@pytest.mark.parametrize("path", VISITOR_PAGES)
def test_tap_targets_are_large_on_a_phone(open_page, path):
    page = open_page(path, PHONE)

    small = small_tap_targets(page)

    assert not small, "\n".join(small)


@pytest.mark.parametrize("path", VOLUNTEER_PAGES)
def test_volunteers_tap_targets_are_large_on_a_phone(open_page, volunteer, path):
    page = open_page(path, PHONE, signed_in=True)

    small = small_tap_targets(page)

    assert not small, "\n".join(small)


def test_the_open_maps_tap_targets_are_large_on_a_phone(open_map):
    page = open_map(PHONE)

    small = small_tap_targets(page)

    assert not small, "\n".join(small)


def with_dates(path: str) -> str:
    """Fill in a trip that starts today, so that it always has dates to show."""
    today = date.today()
    return path.format(today=today, in_a_month=today + timedelta(days=30))


def sign_in(page: Page, live_server: str) -> None:
    """Through the form, as a volunteer does: the session cookie stays in the page's context."""
    page.goto(live_server + "/account/sign-in")
    page.get_by_label("Email").fill("volunteer@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/sign-in" not in url)


def axe_violations(page: Page) -> list[str]:
    """axe-core's WCAG A/AA violations on the page, one readable line per element."""
    require(AXE.exists(), "axe-core is missing from node_modules (run `npm ci`)")
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA
    )
    checked = {rule["id"] for rule in results["passes"] + results["violations"]}
    assert "target-size" in checked, "axe did not check the size of targets"
    return [
        f"{rule['id']} ({rule['impact']}) {' '.join(map(str, node['target']))}: "
        + f"{rule['help']}. "
        + " ".join(node["failureSummary"].split())
        for rule in results["violations"]
        for node in rule["nodes"]
    ]


# How the focused element shows it has focus, and how to point at it in a failure.
FOCUS_LOOK = """element => {
  const style = getComputedStyle(element);
  return {
    name: element.id ? `#${element.id}` : element.outerHTML.slice(0, 80),
    outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
    outlined: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow,
  };
}"""


def focus_without_indicator(page: Page, most: int = 200) -> list[str]:
    """Tab through the page; name each element that looks the same focused as not.

    Its unfocused look is read once Tab has moved on from it.
    """
    missing: list[str] = []
    first = focused = focused_element(page)  # a field with `autofocus` starts focused
    for _ in range(most):
        look = focused.evaluate(FOCUS_LOOK) if focused else None
        page.keyboard.press("Tab")
        if same(page, focused, focused_element(page)):
            continue  # Tab moved within the field: from a date's day to its month
        if look and not shows_focus(look, focused.evaluate(FOCUS_LOOK)):
            missing.append(look["name"])
        focused = focused_element(page)
        if first and (not focused or same(page, first, focused)):
            return missing
        first = first or focused
    pytest.fail(f"Tab never left the page in {most} presses")


def same(page: Page, element: ElementHandle | None, other: ElementHandle | None) -> bool:
    """Whether two handles point at one element (handles themselves never compare equal)."""
    return bool(element and other and page.evaluate("([a, b]) => a === b", [element, other]))


def focused_element(page: Page) -> ElementHandle | None:
    """The element with keyboard focus; None while the page itself has it."""
    return page.evaluate_handle(
        "document.activeElement === document.body ? null : document.activeElement"
    ).as_element()


def shows_focus(focused: dict, unfocused: dict) -> bool:
    """An outline or a shadow that appears (or changes) with focus."""
    outline = focused["outlined"] and focused["outline"] != unfocused["outline"]
    shadow = focused["shadow"] != "none" and focused["shadow"] != unfocused["shadow"]
    return outline or shadow


# Each visible target smaller than `least` CSS px either way, unless it is a link in
# running text, as WCAG exempts inline targets: there the line height sets its size.
# A checkbox's or radio button's label is part of its target: a tap on it ticks the box.
SMALL_TARGETS = """([selector, least]) => {
  const isInline = element => getComputedStyle(element).display.startsWith("inline");
  const blockOf = node => {
    let block = node.parentElement;
    while (isInline(block)) block = block.parentElement;
    return block;
  };
  const inRunningText = target => {
    if (getComputedStyle(target).display !== "inline") return false;
    const block = blockOf(target);
    const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
    let words = "";
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      if (text.parentElement.closest("a, button") || blockOf(text) !== block) continue;
      words += text.data;
    }
    return /[\\p{L}\\p{N}]/u.test(words);
  };
  const size = target => {
    const labels = ["checkbox", "radio"].includes(target.type) ? [...target.labels] : [];
    const boxes = [target, ...labels].map(element => element.getBoundingClientRect());
    const width = Math.max(...boxes.map(b => b.right)) - Math.min(...boxes.map(b => b.left));
    const height = Math.max(...boxes.map(b => b.bottom)) - Math.min(...boxes.map(b => b.top));
    return {width, height};
  };
  const name = target => (target.id ? `#${target.id}` : target.outerHTML.slice(0, 80));
  return [...document.querySelectorAll(selector)]
    .filter(target => target.checkVisibility() && !inRunningText(target))
    .map(target => ({target, ...size(target)}))
    .filter(({width, height}) => width < least || height < least)
    .map(({target, width, height}) => `${name(target)}: ${width.toFixed(1)}×${height.toFixed(1)}`);
}"""


def small_tap_targets(page: Page, least: int = 44) -> list[str]:
    """Targets a thumb could miss, each with its size in CSS px."""
    return page.evaluate(SMALL_TARGETS, [TARGETS, least])
