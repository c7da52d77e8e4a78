"""Any town, not only cities of 15,000+: a volunteer finds a town of 500+ people the
directory has not loaded, and it joins the directory on its first use.

Bright, Victoria (GeoNames 2174041, 2,620 people, Australia/Melbourne; also spelt
"Брайт") is below the 15,000 that `load-cities` loads.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from playwright.sync_api import expect
from sqlalchemy import func, select

from meetups import queries
from meetups.extensions import db
from meetups.models import City, CityName, Country
from meetups.places.towns import TownIndex
from tests.conftest import PASSWORD
from tests.test_volunteer_flow import open_menu, sign_in, words_in

BRIGHT = 2174041


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html5lib")


def offered_towns(client, search: str) -> list[str]:
    """The towns the city step offers to add, as a volunteer reads them."""
    page = soup(client.get(search if search.startswith("/") else f"/add?q={search}"))
    return [" ".join(item.get_text(" ").split()) for item in page.select("section.towns li")]


@pytest.fixture
def volunteer(auth, make_user):
    make_user()
    auth.sign_in()
    return auth


def test_the_index_names_a_town_by_its_own_name_before_others_called_so(towns_index):
    found = TownIndex(towns_index).search("Villeneuve", limit=50)

    assert found[0].name == "Villeneuve"
    assert {town.name for town in found[:5]} == {"Villeneuve"}
    assert TownIndex(towns_index).search("   ") == []


def test_a_volunteer_adds_a_small_town_once_with_its_zone_names_and_slug(client, volunteer):
    offered = offered_towns(client, "bright")

    added = volunteer.post("/add/town", {"town": BRIGHT})
    again = volunteer.post("/add/town", {"town": BRIGHT})

    assert any(o.startswith("Bright Australia · about 2,620 people") for o in offered)
    assert added.status_code == again.status_code == 302
    assert added.headers["Location"] == again.headers["Location"] == f"/add?city={BRIGHT}"
    bright = db.session.get(City, BRIGHT)
    assert (bright.name, bright.country_code, bright.slug) == ("Bright", "AU", "bright")
    assert bright.timezone == "Australia/Melbourne"
    assert (round(bright.latitude, 2), round(bright.longitude, 2)) == (-36.73, 146.96)
    assert db.session.get(Country, "AU").name == "Australia"
    assert db.session.scalar(select(func.count()).where(City.id == BRIGHT)) == 1
    # Its alternate names find it in the directory now, and it is no longer offered to add.
    assert [city.id for city in queries.search_cities("Брайт")] == [BRIGHT]
    assert not any(o.startswith("Bright Australia") for o in offered_towns(client, "bright"))
    assert client.get("/au/bright/").status_code == 200


def test_a_town_whose_slug_a_city_holds_gets_its_region_in_its_slug(client, volunteer, make_city):
    make_city("Bright", "AU", "Australia", "Australia/Sydney", -33.9, 151.2, id=1)

    volunteer.post("/add/town", {"town": BRIGHT})

    assert db.session.get(City, BRIGHT).slug == "bright-07"
    assert db.session.get(City, 1).slug == "bright"


@pytest.mark.parametrize("town", ["99999999", "abc", str(2**63), ""])
def test_an_unknown_town_is_explained_and_adds_nothing(client, volunteer, town):
    response = volunteer.post("/add/town", {"town": town, "q": "bright"})

    assert response.status_code == 404
    assert "That town is not in the offline list of towns." in response.text
    assert db.session.scalar(select(func.count(City.id))) == 0
    assert db.session.scalar(select(func.count(CityName.id))) == 0
    assert db.session.scalar(select(func.count()).select_from(Country)) == 0


def test_only_a_signed_in_volunteer_adds_a_town(client, auth):
    response = auth.post("/add/town", {"town": BRIGHT})

    assert response.status_code == 302 and "/account/sign-in" in response.headers["Location"]
    assert db.session.get(City, BRIGHT) is None


def test_smaller_towns_are_offered_on_request_when_cities_match(client, volunteer, make_city):
    make_city("Brighton", "GB", "United Kingdom", "Europe/London", 50.83, -0.14)

    page = soup(client.get("/add?q=bright"))
    more = page.find("a", string="Not in this list? Look among smaller towns")["href"]

    assert page.select("section.towns") == []
    assert any(o.startswith("Bright Australia") for o in offered_towns(client, more))


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("language", ["en", "fr"])
def test_a_volunteer_picks_a_small_town_in_a_browser(
    browser, live_server, make_user, tmp_path, towns_index, language, width
):
    _ = words_in(language)
    TownIndex(towns_index).ensure()  # as `index-towns` does at deploy time
    make_user()
    page = browser.new_context(viewport={"width": width, "height": 900}, locale=language).new_page()
    page.goto(live_server + "/")
    sign_in(page, "volunteer@example.org", PASSWORD, _)
    open_menu(page, _)
    page.get_by_role("link", name=_("Add a meetup")).click()
    page.get_by_label(_("In which city or town does it meet?")).fill("Bright")
    page.get_by_role("button", name=_("Find the city")).click()
    towns = page.get_by_role("region", name=_("Towns not yet in the directory"))
    australian = towns.get_by_role("listitem").filter(has_text=PEOPLE[language])
    page.screenshot(path=tmp_path / f"towns-{language}-{width}.png", full_page=True)

    australian.get_by_role("button", name="Bright").click()

    expect(page.get_by_text(CITY_STEP[language])).to_be_visible()
    page.screenshot(path=tmp_path / f"town-added-{language}-{width}.png", full_page=True)
    assert db.session.get(City, BRIGHT).timezone == "Australia/Melbourne"
    page.context.close()


PEOPLE = {"en": "about 2,620 people", "fr": "environ 2\u202f620 habitants"}
CITY_STEP = {"en": "City: Bright, Australia.", "fr": "Ville : Bright, Australie."}


# --- Visitors ---------------------------------------------------------------------------------


def test_a_visitor_searching_a_small_town_is_pointed_to_the_nearest_meetups(
    client, towns_index, make_city, make_venue, make_meetup
):
    TownIndex(towns_index).ensure()
    melbourne = make_city("Melbourne", "AU", "Australia", "Australia/Melbourne", -37.81, 144.96)
    make_meetup("Open Coffee Melbourne", venue=make_venue("Café Degraves", city=melbourne))

    page = soup(client.get("/search?q=bright"))

    towns = page.select_one("section[aria-labelledby=town-results]")
    bright = next(li for li in towns.select("li") if "Australia" in li.get_text())
    assert " ".join(bright.get_text(" ").split()).startswith("Bright, Australia no meetups yet")
    assert bright.find("a", string=lambda text: text.startswith("Melbourne, 2")) is not None
    assert db.session.get(City, BRIGHT) is None  # a visitor adds nothing


def test_a_visitor_never_waits_for_the_towns_file_to_be_built(app, client, tmp_path):
    app.config["TOWNS_INDEX"] = str(tmp_path / "towns.sqlite3")

    response = client.get("/search?q=bright")

    assert response.status_code == 200 and "town-results" not in response.text
    assert not (tmp_path / "towns.sqlite3").exists()


def test_the_city_step_tells_namesakes_apart(client, volunteer, make_city):
    us = ("US", "United States", "America/Chicago")
    make_city("Springfield", *us, 39.8, -89.64, 114_394, region="Illinois")
    make_city("Springfield", *us, 37.2, -93.3, 170_188, slug="springfield-mo", region="Missouri")
    brazil = ("BR", "Brazil", "America/Sao_Paulo")
    make_city("Springfield", *brazil, -24.62, -53.32, 19_000, slug="springfield")
    make_city("Springfield", *brazil, -21.80, -49.61, 17_000, slug="springfield-2")
    make_city("Cascavel", *brazil, -24.96, -53.46, 286_000)

    page = soup(client.get("/add?q=springfield"))

    assert [" ".join(item.get_text(" ").split()) for item in page.select("ul.plain li")] == [
        "Springfield, Missouri United States",
        "Springfield, Illinois United States",
        "Springfield Brazil · near Cascavel",
        "Springfield Brazil",
    ]
