"""Search that lands: the city a traveller names, or the nearest ones that have meetups."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup

from meetups.places.city_search import Candidate, close_spellings, landing, nearest, rank
from tests.conftest import DESKTOP, PHONE


def city(id: int, *names: str, meetups: int = 0, population: int = 100_000, **place) -> Candidate:
    keys = tuple(name.lower() for name in names)
    return Candidate(
        id=id,
        own_keys=keys[:1],
        matched_keys=keys,
        population=population,
        meetups=meetups,
        latitude=place.get("latitude", 48.85),
        longitude=place.get("longitude", 2.35),
    )


PARIS = city(1, "paris", meetups=3, population=2_138_551)
PARIS_TEXAS = city(2, "paris", population=25_000, latitude=33.66, longitude=-95.55)
ARRONDISSEMENT = city(3, "paris 15 vaugirard", population=229_713, latitude=48.84)
WARSAW = Candidate(4, ("warsaw",), ("paris of the north",), 1_702_139, 0, 52.23, 21.01)


def test_a_city_name_ranks_exact_matches_first_and_drops_the_noise():
    ranked = rank([ARRONDISSEMENT, WARSAW, PARIS_TEXAS, PARIS], "paris")

    assert [c.id for c in ranked] == [PARIS.id, PARIS_TEXAS.id]


def test_districts_are_found_when_nothing_else_matches():
    assert rank([ARRONDISSEMENT], "paris 15") == [ARRONDISSEMENT]


def test_cities_with_meetups_rank_before_bigger_ones_without():
    big = city(5, "springfield", population=160_000)
    small = city(6, "springfield", meetups=1, population=60_000, latitude=40.0, longitude=-89.6)

    assert rank([big, small], "springfield") == [small, big]


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        ([PARIS, PARIS_TEXAS], PARIS),  # the only Paris with meetups
        ([PARIS_TEXAS], PARIS_TEXAS),  # the only city of that name
        ([city(7, "springfield"), city(8, "springfield", longitude=-70)], None),  # ask
    ],
)
def test_the_city_a_search_lands_on(candidates, expected):
    assert (
        landing(rank(candidates, candidates[0].own_keys[0]), candidates[0].own_keys[0]) == expected
    )


def test_misspelt_names_find_their_closest_spellings():
    assert close_spellings("pariss", ["paris", "parma", "lille"]) == ["paris"]
    assert close_spellings("atlantis", ["paris", "lille"]) == []


def test_nearest_places_come_with_their_distance():
    places = [("Lille", 50.63, 3.06), ("Lyon", 45.76, 4.83), ("Paris", 48.85, 2.35)]

    found = nearest(50.69, 3.17, places, limit=2)  # Roubaix

    assert [name for name, _ in found] == ["Lille", "Paris"]
    assert round(found[0][1]) == 10


@pytest.fixture
def france(make_city, make_venue, make_meetup):
    paris = make_city("Paris", alternate_names=("Parigi",))
    make_city("Paris", "US", "United States", "America/Chicago", 33.66, -95.55, 25_000)
    make_city("Paris 15 Vaugirard", latitude=48.84, longitude=2.30, population=229_713)
    make_city(
        "Warsaw",
        "PL",
        "Poland",
        "Europe/Warsaw",
        52.23,
        21.01,
        1_702_139,
        alternate_names=("Paris of the North",),
    )
    make_city("Roubaix", latitude=50.69, longitude=3.17, population=96_000)
    lille = make_city("Lille", latitude=50.63, longitude=3.06, population=230_000)
    make_meetup("Open Coffee Paris", venue=make_venue("Le Comptoir", city=paris))
    make_meetup("Open Coffee Lille", venue=make_venue("La Tasse", city=lille))


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html5lib")


def text_of(node) -> str:
    return " ".join(node.get_text().split())


@pytest.mark.parametrize("query", ["Paris", "paris ", "PARIGI"])
def test_searching_a_city_goes_straight_to_its_page(client, france, query):
    response = client.get("/search", query_string={"q": query})

    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/fr/paris/"


def test_the_city_page_offers_every_other_result(client, france):
    city_page = soup_of(client.get("/search?q=Paris", follow_redirects=True))
    link = city_page.select_one(".search-note a")

    results = soup_of(client.get(link["href"]))

    assert parse_qs(urlsplit(link["href"]).query) == {"q": ["Paris"], "list": ["1"]}
    rows = results.select("ul.cities li")
    assert [row.a["href"] for row in rows] == ["/fr/paris/", "/us/paris/"]
    assert text_of(rows[0].select_one(".count")) == "1 meetup"
    assert text_of(rows[1].select_one(".count")) == "no meetups yet · Lille, 7733 km away"
    names = [text_of(row) for row in rows]
    assert not any("Vaugirard" in name or "Poland" in name for name in names)


def test_a_district_is_found_by_its_own_name(client, france):
    response = client.get("/search?q=Paris 15")

    assert urlsplit(response.headers["Location"]).path == "/fr/paris-15-vaugirard/"


def test_a_french_search_stays_french(client, france):
    response = client.get("/search?q=Paris&lang=fr")

    assert parse_qs(urlsplit(response.headers["Location"]).query) == {
        "q": ["Paris"],
        "lang": ["fr"],
    }


def test_a_town_without_meetups_shows_the_nearest_cities_that_have_some(client, france):
    response = client.get("/search?q=Roubaix", follow_redirects=True)
    page = soup_of(response)

    assert page.select_one(".search-note") is None  # Roubaix is the only result
    nearest_cities = [text_of(li) for li in page.select("ul.nearest li")]
    assert nearest_cities[0] == "Lille, France 10 km · 1 meetup"
    assert nearest_cities[1].startswith("Paris, France 2")
    add = page.find("a", string="Know one? Add it.")
    assert add["href"].startswith("/account/sign-in?next=")


def test_a_misspelt_city_offers_the_ones_spelt_like_it(client, france):
    page = soup_of(client.get("/search?q=Pariss"))

    assert "No city is called “Pariss”. Did you mean one of these?" in text_of(page.main)
    assert page.select("ul.cities a")[0]["href"] == "/fr/paris/"


def test_an_unknown_name_says_so(client, france):
    # No city or town anywhere has this name: once the offline towns are indexed (by an
    # earlier test), "Atlantis" finds the town and its nearest cities with meetups.
    page = soup_of(client.get("/search?q=Xqzvwatlantis"))

    assert page.select("ul.results li") == []
    assert "Nothing called “Xqzvwatlantis”" in text_of(page.main)


def test_search_french_words_are_translated(client, france):
    page = soup_of(client.get("/search?q=Pariss&lang=fr"))

    assert "Vouliez-vous dire" in text_of(page.main)


@pytest.mark.browser
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_suggestions_while_typing_open_the_city_by_keyboard(browser, live_server, france, viewport):
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.goto(live_server + "/fr/lille/")
    box = page.get_by_role("combobox", name="Find a city")

    box.fill("Par")
    option = page.get_by_role("option", name="Paris France")
    option.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == option.get_attribute("id")
    box.press("Enter")

    page.wait_for_url(live_server + "/fr/paris/")
    assert context.cookies() == []
    context.close()


@pytest.fixture
def london(make_city, make_venue, make_meetup):
    """London under its GeoNames id, which the curated French names call Londres."""
    city = make_city(
        "London", "GB", "United Kingdom", "Europe/London", 51.5, -0.13, 8_900_000, id=2643743
    )
    make_meetup("Tea Time", venue=make_venue("Tea Room", city=city))
    return city


@pytest.mark.parametrize(
    ("language", "name", "where", "url"),
    [
        ("fr", "Londres", "Royaume-Uni", "/gb/london/?lang=fr"),
        ("en", "London", "United Kingdom", "/gb/london/?lang=en"),
    ],
)
def test_suggestions_name_cities_in_the_pages_language(client, london, language, name, where, url):
    response = client.get(f"/suggest?q=lon&lang={language}")

    assert response.json == {"items": [{"name": name, "where": where, "url": url}]}
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    assert "Set-Cookie" not in response.headers


def test_suggestions_offer_names_that_start_so_first_then_the_biggest(
    client, make_city, make_venue, make_meetup
):
    for name, population, others in [
        ("Parma", 200_000, ()),
        ("Paris", 2_000_000, ()),
        ("Barcelona", 1_600_000, ("Parcelona",)),
        ("Parthenay", 10_000, ()),
    ]:
        city = make_city(name, population=population, alternate_names=others)
        make_meetup(f"Coffee {name}", venue=make_venue(f"Café {name}", city=city))
    make_city("Paray", population=9_000_000)  # no meetup: never suggested

    names = [item["name"] for item in client.get("/suggest?q=par").json["items"]]

    assert names == ["Paris", "Parma", "Parthenay", "Barcelona"]


@pytest.mark.browser
def test_a_french_visitor_is_suggested_londres_and_lands_on_it_in_french(
    browser, live_server, london
):
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(live_server + "/gb/?lang=fr")
    box = page.get_by_role("combobox", name="Trouver une ville")

    box.fill("Lon")
    page.get_by_role("option", name="Londres Royaume-Uni").wait_for()
    box.press("ArrowDown")
    box.press("Enter")

    page.wait_for_url(live_server + "/gb/london/?lang=fr")
    context.close()


@pytest.mark.parametrize("query", ["", "p", "?" * 500, "zzzz"])
def test_suggestions_for_too_little_or_nothing_known_are_none(client, london, query):
    response = client.get("/suggest", query_string={"q": query})

    assert response.status_code == 200
    assert response.json == {"items": []}


def test_cafes_with_meetups_come_before_towns_without_any(
    client, make_city, make_venue, make_meetup
):
    make_city("Cafelândia", "BR", "Brazil", "America/Sao_Paulo", -21.8, -49.6, 17_000)
    make_meetup("Open Coffee Paris", venue=make_venue("Café Central"))

    page = soup_of(client.get("/search?q=cafe"))

    sections = [section["aria-labelledby"] for section in page.select("main section")]
    assert sections == ["venue-results", "city-results"]


def test_a_city_with_meetups_comes_before_cafes(client, make_city, make_venue, make_meetup):
    cafelandia = make_city("Cafelândia", "BR", "Brazil", "America/Sao_Paulo", -21.8, -49.6, 17_000)
    make_meetup("Open Coffee", venue=make_venue("Bar Central", city=cafelandia))
    make_venue("Café Central")

    page = soup_of(client.get("/search?q=cafe&list=1"))

    sections = [section["aria-labelledby"] for section in page.select("main section")]
    assert sections == ["city-results", "venue-results"]


def test_namesakes_of_one_country_are_told_apart_by_their_state(client, make_city):
    us = ("US", "United States", "America/Chicago")
    make_city("Springfield", *us, 39.8, -89.64, 114_394, slug="springfield-il", region="Illinois")
    make_city("Springfield", *us, 37.2, -93.3, 170_188, slug="springfield", region="Missouri")

    results = soup_of(client.get("/search?q=springfield"))
    city = soup_of(client.get("/us/springfield-il/"))

    assert [text_of(row.a) for row in results.select("ul.cities li")] == [
        "Springfield, Missouri, United States",
        "Springfield, Illinois, United States",
    ]
    assert text_of(city.h1) == "Meetups in Springfield, Illinois"
    assert city.title.get_text().startswith("Meetups in Springfield, Illinois")


def test_namesakes_without_a_region_are_told_apart_by_a_bigger_city_near_each(client, make_city):
    brazil = ("BR", "Brazil", "America/Sao_Paulo")
    make_city("Cafelândia", *brazil, -24.62, -53.32, 19_000, slug="cafelandia")
    make_city("Cafelândia", *brazil, -21.80, -49.61, 17_000, slug="cafelandia-27")
    make_city("Cascavel", *brazil, -24.96, -53.46, 286_000)
    make_city("Lins", *brazil, -21.68, -49.74, 72_000)
    make_city("Cafelândia do Norte", *brazil, -10.0, -50.0, 1_000_000)

    page = soup_of(client.get("/search?q=cafelandia&lang=fr"))

    assert [text_of(row.a) for row in page.select("ul.cities li")] == [
        "Cafelândia, Brésil, près de Cascavel",
        "Cafelândia, Brésil, près de Lins",
        "Cafelândia do Norte, Brésil",
    ]


@pytest.mark.parametrize(
    ("language", "said"),
    [("fr", "près d’Assis Chateaubriand"), ("en", "near Assis Chateaubriand")],
)
def test_french_elides_near_before_a_city_that_begins_with_a_vowel(
    client, make_city, language, said
):
    brazil = ("BR", "Brazil", "America/Sao_Paulo")
    make_city("Cafelândia", *brazil, -24.62, -53.32, 19_000, slug="cafelandia")
    make_city("Cafelândia", *brazil, -21.80, -49.61, 17_000, slug="cafelandia-27")
    make_city("Assis Chateaubriand", *brazil, -24.42, -53.52, 33_000)

    page = soup_of(client.get(f"/search?q=cafelandia&lang={language}"))

    assert text_of(page.select_one("ul.cities li a")).endswith(f", {said}")


def test_a_countrys_list_of_cities_names_their_states(client, make_city, make_venue, make_meetup):
    us = ("US", "United States", "America/Chicago")
    illinois = make_city("Springfield", *us, 39.8, -89.64, 114_394, region="Illinois")
    make_meetup("Coffee", venue=make_venue("Bean", city=illinois))

    page = soup_of(client.get("/us/"))

    assert [text_of(link) for link in page.select("ul.columns li a")] == ["Springfield, Illinois"]
