"""The interface in six languages: chosen by `?lang=` or the browser, without a cookie.

French is tested most closely; German, Spanish, Italian and Portuguese each read a city
and a meetup page, every kind of schedule, and a phone visit in a browser.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date, datetime, time, timedelta
from io import BytesIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from flask import Flask
from playwright.sync_api import expect

from meetups import create_app
from meetups.extensions import db
from meetups.schedule import Rule, Schedule, describe
from meetups.web import display, i18n
from tests.conftest import PHONE
from tests.test_editing import WEEKLY_THURSDAY

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "meetups" / "translations"
TEMPLATE = TRANSLATIONS / "messages.pot"
FRENCH = TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po"
FRENCH_DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
FR = {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
EN = {"Accept-Language": "en-GB,en;q=0.8"}


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html5lib")


def text_of(element) -> str:
    return " ".join(element.get_text(" ").split())


@pytest.fixture
def coffee(make_meetup):
    """Every Thursday 09:00–11:00 in Paris, since 2024."""
    return make_meetup("Open Coffee Paris", slug="open-coffee-paris")


# A Thursday as French pages name it: this year's without the year.
FRENCH_THURSDAY = r"(jeudi \d{1,2} \w+( \d{4})?|Aujourd’hui|Demain)"


def next_thursday() -> date:
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    return today + timedelta(days=(3 - today.weekday()) % 7 or 7)


# --- Choosing the language ------------------------------------------------------------------


def test_a_french_browser_gets_the_pages_in_french(client, coffee):
    home = soup(client.get("/", headers=FR))
    city = soup(client.get("/fr/paris/", headers=FR))
    meetup = soup(client.get("/m/open-coffee-paris/", headers=FR))

    assert home.html["lang"] == "fr" and city.html["lang"] == "fr" and meetup.html["lang"] == "fr"
    assert text_of(home.h1) == "Où et quand rencontrer du monde, dans chaque ville"
    assert text_of(home.select_one("#countries + ul .count")) == "1 meetup dans 1 ville"
    assert text_of(city.h1) == "Meetups à Paris"
    assert text_of(city.select_one(".schedule")) == "Chaque jeudi, 09:00–11:00"
    assert re.match(FRENCH_THURSDAY + r", 09:00–11:00 CES?T$", city.select_one(".next time").text)
    assert text_of(meetup.select_one(".schedule")) == "Chaque jeudi, 09:00–11:00"
    assert text_of(meetup.select_one("#next-dates")) == "Prochaines dates"
    for listed in meetup.select("ol.dates time"):
        assert re.match(FRENCH_THURSDAY + r", 09:00–11:00 CES?T$", listed.get_text())


def test_english_is_the_default_and_a_browser_asking_for_english_gets_it(client, coffee):
    for headers in ({}, EN, {"Accept-Language": "ja-JP,ja;q=0.9"}):
        page = soup(client.get("/fr/paris/", headers=headers))

        assert page.html["lang"] == "en"
        assert text_of(page.select_one(".schedule")) == "Every Thursday, 09:00–11:00"


@pytest.mark.parametrize(
    ("accept", "language"),
    [("de-AT", "de"), ("es-MX", "es"), ("it-CH", "it"), ("pt-PT", "pt"), ("pt-BR", "pt")],
)
def test_a_regional_browser_language_gets_its_language(client, coffee, accept, language):
    page = soup(client.get("/fr/paris/", headers={"Accept-Language": accept}))

    assert page.html["lang"] == language


def test_the_address_wins_over_the_browser(client, coffee):
    english = soup(client.get("/fr/paris/?lang=en", headers=FR))
    french = soup(client.get("/fr/paris/?lang=fr", headers=EN))

    assert english.html["lang"] == "en" and text_of(english.h1) == "Meetups in Paris"
    assert french.html["lang"] == "fr" and text_of(french.h1) == "Meetups à Paris"


def test_an_unknown_language_in_the_address_is_ignored(client, coffee):
    page = soup(client.get("/fr/paris/?lang=xx", headers=FR))

    assert page.html["lang"] == "fr"
    assert "lang=xx" not in page.select_one("link[rel=canonical]")["href"]


# --- The switch and the links ---------------------------------------------------------------


def test_the_language_switch_links_to_this_page_in_each_language(client, coffee):
    page = soup(client.get("/search?q=par", headers=FR))

    links = page.select("header nav.languages a")
    codes = ("en", "de", "es", "fr", "it", "pt")
    names = ["English", "Deutsch", "Español", "Français", "Italiano", "Português"]
    assert [text_of(a) for a in links] == names
    assert [(a["lang"], a["hreflang"]) for a in links] == [(code, code) for code in codes]
    assert [a.get("aria-current") for a in links] == [None, None, None, "true", None, None]
    for link, code in zip(links, codes, strict=True):
        address = urlsplit(link["href"])
        assert address.path == "/search"
        assert parse_qs(address.query) == {"q": ["par"], "lang": [code]}


def test_links_keep_a_chosen_language_but_feeds_and_static_files_do_not_need_it(client, coffee):
    page = soup(client.get("/fr/paris/?lang=fr"))

    switch = page.select("nav.languages a")
    links = [link for link in page.select("a[href^='/'], link[href^='/']") if link not in switch]
    hrefs = [link["href"] for link in links]
    not_pages = ("/static/", "/feeds/", "/changes.atom")
    pages = [href for href in hrefs if not href.startswith(not_pages)]
    others = [href for href in hrefs if href.startswith(not_pages)]
    assert "/m/open-coffee-paris/?lang=fr" in pages and "/?lang=fr" in pages
    assert all("lang=fr" in href for href in pages)
    assert others and all("lang=" not in href for href in others)
    assert "lang=" not in page.select_one("#feed-url")["value"]
    # Forms sent with GET replace the action's query with their fields: they carry it too.
    for form in page.select("form[method=get]"):
        assert form.select_one("input[type=hidden][name=lang]")["value"] == "fr"


def test_a_french_visitor_follows_links_and_forms_in_french_without_a_cookie(client, coffee):
    page = soup(client.get("/?lang=fr"))
    city_link = page.select_one("a[href^='/fr/?']")["href"]
    country = soup(client.get(city_link))
    paris = soup(client.get(country.select_one("a[href^='/fr/paris/']")["href"]))
    searched = client.get("/search", query_string={"q": "paris", "list": "1", "lang": "fr"})

    assert text_of(country.h1) == "Meetups – France"
    assert text_of(paris.h1) == "Meetups à Paris"
    assert soup(searched).html["lang"] == "fr"
    assert client.get_cookie("session") is None


def test_without_a_chosen_language_links_stay_plain(client, coffee):
    page = soup(client.get("/fr/paris/", headers=FR))

    assert all("lang=" not in a["href"] for a in page.select("main a, .breadcrumbs a"))
    assert not page.select("input[name=lang]")


def test_redirects_keep_the_chosen_language(client, coffee):
    response = client.get("/trip?city=Paris&arrive=2026-12-01&leave=2026-12-03&lang=fr")

    assert response.status_code == 302
    assert response.headers["Location"] == (
        "/trip?city=fr/paris&arrive=2026-12-01&leave=2026-12-03&lang=fr"
    )
    page = soup(client.get(response.headers["Location"]))
    assert text_of(page.select_one(".trip-plan .count")) == (
        "du mardi 1 décembre 2026 au jeudi 3 décembre 2026"
    )
    assert page.select_one("link[rel=canonical]")["href"].endswith(
        "/trip?city=fr/paris&arrive=2026-12-01&leave=2026-12-03&lang=fr"
    )
    feed = page.select_one("a[download='trip.ics']")["href"]
    assert "/trip.ics?city=fr/paris" in feed and "lang=" not in feed


def test_volunteers_buttons_bring_them_back_in_the_chosen_language(client, auth, make_user, coffee):
    make_user()
    auth.sign_in()
    page = soup(client.get("/m/open-coffee-paris/?lang=fr"))
    buttons = [
        *page.select(".volunteer-actions form[method=post]"),
        page.select_one("nav.account form"),
    ]

    landed = [
        client.post(
            form["action"], data={field["name"]: field["value"] for field in form.select("input")}
        )
        for form in buttons
    ]

    assert len(landed) == 6  # still happening, watch, pause, end, delete, sign out
    assert [response.status_code for response in landed] == [302, 303, 302, 302, 302, 303]
    assert [urlsplit(response.headers["Location"]).query for response in landed] == ["lang=fr"] * 6


# --- Addresses for search engines -----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "headers", "canonical"),
    [
        ("/fr/paris/", FR, "/fr/paris/"),
        ("/fr/paris/?lang=fr", {}, "/fr/paris/?lang=fr"),
        ("/fr/paris/?lang=en&utm_source=x", FR, "/fr/paris/?lang=en"),
        ("/search?q=paris&list=1&lang=fr", {}, "/search?q=paris&lang=fr"),
    ],
)
def test_the_canonical_address_keeps_only_a_language_given_in_the_address(
    client, coffee, url, headers, canonical
):
    head = soup(client.get(url, headers=headers)).head

    assert head.select_one("link[rel=canonical]")["href"] == "http://127.0.0.1:5000" + canonical
    alternates = {
        link["hreflang"]: urlsplit(link["href"])
        for link in head.select("link[rel=alternate][hreflang]")
    }
    path, _, query = canonical.partition("?")
    others = {name: values for name, values in parse_qs(query).items() if name != "lang"}
    assert set(alternates) == {"en", "de", "es", "fr", "it", "pt", "x-default"}
    assert all(address.path == path for address in alternates.values())
    assert parse_qs(alternates["en"].query) == {**others, "lang": ["en"]}
    assert parse_qs(alternates["fr"].query) == {**others, "lang": ["fr"]}
    assert parse_qs(alternates["x-default"].query) == others


# --- Caches and cookies ---------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/fr/", "/fr/paris/", "/m/open-coffee-paris/", "/trip"])
@pytest.mark.parametrize("headers", [{}, FR, EN], ids=["none", "fr", "en"])
@pytest.mark.parametrize("query", ["", "?lang=fr", "?lang=en"], ids=["plain", "lang-fr", "lang-en"])
def test_visitors_get_no_cookie_in_any_language(client, coffee, path, headers, query):
    response = client.get(path + query, headers=headers)

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_the_page_cache_serves_each_language_its_own_page(client, coffee, count_queries):
    french = client.get("/fr/paris/", headers=FR)
    english = client.get("/fr/paris/", headers=EN)

    assert soup(french).html["lang"] == "fr" and soup(english).html["lang"] == "en"
    # Both are kept: asked again, each comes from memory, still in its own language.
    assert count_queries(lambda: client.get("/fr/paris/", headers=FR)) == 0
    assert client.get("/fr/paris/", headers=FR).data == french.data
    assert client.get("/fr/paris/", headers=EN).data == english.data
    assert client.get("/fr/paris/?lang=fr", headers=EN).data != english.data


def test_pages_chosen_by_the_browser_say_so_to_caches(client, coffee):
    negotiated = client.get("/fr/paris/", headers=FR)
    again = client.get("/fr/paris/", headers=FR)  # from the page cache
    chosen = client.get("/fr/paris/?lang=fr", headers=FR)

    for response in (negotiated, again):
        assert "Accept-Language" in response.headers.get("Vary", "")
        assert response.headers["Content-Language"] == "fr"
    assert "Accept-Language" not in chosen.headers.get("Vary", "")
    assert chosen.headers["Content-Language"] == "fr"


# --- Feeds, the API and the Atom feed stay English ------------------------------------------


def test_feeds_and_the_api_stay_english(client, coffee):
    feed = client.get("/feeds/meetup/open-coffee-paris.ics", headers=FR)
    api = client.get("/api/v1/meetups/open-coffee-paris", headers=FR)
    atom = client.get("/changes.atom", headers=FR)

    assert feed.status_code == 200 and "Accept-Language" not in feed.headers.get("Vary", "")
    assert api.json["schedule"]["description"] == "Every Thursday, 09:00–11:00"
    assert "Accept-Language" not in api.headers.get("Vary", "")
    assert b"Recent changes" in atom.data


# --- Countries and cities in the visitor's language -----------------------------------------


@pytest.fixture
def london_tea(make_city, make_venue, make_meetup):
    """London under its GeoNames id, whose French name is in the curated list
    `meetups/places/data/city_names_fr.csv`."""
    london = make_city("London", "GB", "United Kingdom", "Europe/London", id=2643743)
    return make_meetup("Tea Time", slug="tea-time", venue=make_venue("Tea Room", city=london))


def breadcrumb_names(page: BeautifulSoup) -> list[str]:
    for block in page.select('script[type="application/ld+json"]'):
        data = json.loads(block.string)
        if data["@type"] == "BreadcrumbList":
            return [item["name"] for item in data["itemListElement"]]
    raise AssertionError("no BreadcrumbList")


@pytest.mark.parametrize(
    ("headers", "country", "city", "all_countries"),
    [
        (FR, "Royaume-Uni", "Londres", "Tous les pays"),
        (EN, "United Kingdom", "London", "All countries"),
    ],
)
def test_pages_name_countries_and_cities_in_the_visitors_language(
    client, london_tea, headers, country, city, all_countries
):
    meetup = soup(client.get("/m/tea-time/", headers=headers))
    venue = soup(client.get("/v/tea-room-london/", headers=headers))
    city_page = soup(client.get("/gb/london/", headers=headers))

    for page in (meetup, venue, city_page):
        assert f"{all_countries} › {country} › {city}" in text_of(page.select_one(".breadcrumbs"))
        assert breadcrumb_names(page)[:3] == [all_countries, country, city]
    assert f", {city}." in meetup.find("meta", property="og:description")["content"]
    assert text_of(venue.title).startswith(f"Tea Room, {city} ·")
    assert city in text_of(city_page.h1) and city in text_of(city_page.title)
    description = city_page.find("meta", attrs={"name": "description"})["content"]
    assert city in description and country in description
    event = next(
        json.loads(block.string)
        for block in meetup.select('script[type="application/ld+json"]')
        if '"Event"' in block.string
    )
    assert event["location"]["address"]["addressCountry"] == "GB"


# What a traveller reads of Tea Time (every Thursday 09:00–11:00 in London) in each language.
TRAVELLERS = {
    "de": ("de-DE,de;q=0.9", "Treffen in London", "Jeden Donnerstag", "Vereinigtes Königreich"),
    "es": ("es-ES,es;q=0.9", "Encuentros en Londres", "Todos los jueves", "Reino Unido"),
    "it": ("it-IT,it;q=0.9", "Incontri a Londra", "Ogni giovedì", "Regno Unito"),
    "pt": ("pt-BR,pt;q=0.9", "Encontros em Londres", "Às quintas-feiras", "Reino Unido"),
}


def next_thursday_in_london() -> date:
    today = datetime.now(ZoneInfo("Europe/London")).date()
    return today + timedelta(days=(3 - today.weekday()) % 7 or 7)


def next_thursday_as_shown(language: str) -> str:
    """A date of this year reads without its year ("Donnerstag, 10. Dezember")."""
    day = next_thursday_in_london()
    this_year = datetime.now(ZoneInfo("Europe/London")).year
    if day.year == this_year:
        return display.day_in_year(day, language)
    return display.long_date(day, language)


@pytest.mark.parametrize("language", TRAVELLERS)
@pytest.mark.parametrize("asked_by", ["browser", "address"])
def test_a_city_and_a_meetup_page_read_in_each_language(client, london_tea, language, asked_by):
    accept, heading, weekly, country = TRAVELLERS[language]
    if asked_by == "browser":
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = accept
        query = ""
    else:
        query = f"?lang={language}"
    city = soup(client.get(f"/gb/london/{query}"))
    meetup = soup(client.get(f"/m/tea-time/{query}"))

    assert city.html["lang"] == language and meetup.html["lang"] == language
    assert text_of(city.h1) == heading
    assert text_of(city.select_one(".schedule")) == f"{weekly}, 09:00–11:00"
    assert text_of(meetup.select_one(".schedule")) == f"{weekly}, 09:00–11:00"
    for page in (city, meetup):
        assert country in breadcrumb_names(page)
    thursday = next_thursday_as_shown(language)
    assert thursday in text_of(meetup.select_one("ol.dates"))


def test_feeds_and_the_api_keep_the_stored_place_names(client, london_tea):
    feed = client.get("/feeds/city/gb/london.ics", headers=FR)
    api = client.get("/api/v1/cities/gb/london", headers=FR)

    assert b"London" in feed.data and b"Londres" not in feed.data
    assert (api.json["name"], api.json["country_name"]) == ("London", "United Kingdom")


# --- Schedules, dates and numbers in words --------------------------------------------------


def schedule(rule: Rule, at: time = time(9), minutes: int = 120) -> Schedule:
    return Schedule(rule, at, timedelta(minutes=minutes), "Europe/Paris", date(2026, 1, 1))


RULES = [
    (Rule("WEEKLY", (3,)), "Chaque jeudi, 09:00–11:00"),
    (Rule("WEEKLY", (0, 3)), "Chaque lundi et jeudi, 09:00–11:00"),
    (Rule("WEEKLY", (0, 2, 4)), "Chaque lundi, mercredi et vendredi, 09:00–11:00"),
    (Rule("WEEKLY", tuple(range(7))), "Tous les jours, 09:00–11:00"),
    (Rule("WEEKLY", (2,), interval=2), "Un mercredi sur deux, 09:00–11:00"),
    (Rule("WEEKLY", (1,), interval=3), "Toutes les 3 semaines, le mardi, 09:00–11:00"),
    (Rule("MONTHLY", (1,), week_of_month=1), "Le premier mardi du mois, 09:00–11:00"),
    (Rule("MONTHLY", (0,), week_of_month=2), "Le deuxième lundi du mois, 09:00–11:00"),
    (Rule("MONTHLY", (2,), week_of_month=3), "Le troisième mercredi du mois, 09:00–11:00"),
    (Rule("MONTHLY", (3,), week_of_month=4), "Le quatrième jeudi du mois, 09:00–11:00"),
    (Rule("MONTHLY", (4,), week_of_month=-1), "Le dernier vendredi du mois, 09:00–11:00"),
]


@pytest.mark.parametrize(("rule", "french"), RULES, ids=[french for _, french in RULES])
def test_every_kind_of_schedule_reads_naturally_in_both_languages(app, rule, french):
    series = schedule(rule)

    with app.test_request_context("/?lang=en"):
        app.preprocess_request()
        assert i18n.describe_schedule(series) == describe(series)
    with app.test_request_context("/?lang=fr"):
        app.preprocess_request()
        assert i18n.describe_schedule(series) == french


# Weekly on Thursday; on Monday and Thursday; every day; every other Wednesday; every 3 weeks on
# Tuesday; the first Tuesday and the last Sunday of the month (a feminine day in Italian).
SCHEDULE_KINDS = [
    Rule("WEEKLY", (3,)),
    Rule("WEEKLY", (0, 3)),
    Rule("WEEKLY", tuple(range(7))),
    Rule("WEEKLY", (2,), interval=2),
    Rule("WEEKLY", (1,), interval=3),
    Rule("MONTHLY", (1,), week_of_month=1),
    Rule("MONTHLY", (6,), week_of_month=-1),
]
SENTENCES = {
    "de": [
        "Jeden Donnerstag",
        "Jeden Montag und Donnerstag",
        "Jeden Tag",
        "Jeden zweiten Mittwoch",
        "Alle 3 Wochen am Dienstag",
        "Jeden ersten Dienstag im Monat",
        "Jeden letzten Sonntag im Monat",
    ],
    "es": [
        "Todos los jueves",
        "Todos los lunes y los jueves",
        "Todos los días",
        "Cada dos semanas, los miércoles",
        "Cada 3 semanas, los martes",
        "El primer martes de cada mes",
        "El último domingo de cada mes",
    ],
    "it": [
        "Ogni giovedì",
        "Ogni lunedì e giovedì",
        "Ogni giorno",
        "Ogni due settimane, di mercoledì",
        "Ogni 3 settimane, di martedì",
        "Il primo martedì del mese",
        "L'ultima domenica del mese",
    ],
    "pt": [
        "Às quintas-feiras",
        "Às segundas-feiras e às quintas-feiras",
        "Todos os dias",
        "A cada duas semanas, às quartas-feiras",
        "A cada 3 semanas, às terças-feiras",
        "Primeira terça-feira de cada mês",
        "Último domingo de cada mês",
    ],
}


@pytest.mark.parametrize("language", SENTENCES)
def test_every_kind_of_schedule_reads_naturally_in_each_language(app, language):
    with app.test_request_context(f"/?lang={language}"):
        app.preprocess_request()
        said = [i18n.describe_schedule(schedule(rule)) for rule in SCHEDULE_KINDS]

    assert said == [f"{sentence}, 09:00–11:00" for sentence in SENTENCES[language]]


def test_times_are_24_hour_in_both_languages_and_past_midnight(app):
    late = schedule(Rule("WEEKLY", (4,)), at=time(22), minutes=180)

    with app.test_request_context("/?lang=fr"):
        app.preprocess_request()
        assert i18n.describe_schedule(late) == "Chaque vendredi, 22:00–01:00"


def test_dates_and_distances_follow_the_language():
    assert display.long_date(date(2026, 12, 3)) == "Thursday 3 December 2026"
    assert display.long_date(date(2026, 12, 3), "en") == "Thursday 3 December 2026"
    assert display.long_date(date(2026, 12, 3), "fr") == "jeudi 3 décembre 2026"
    assert display.distance(2.4, "en") == "2.4 km" and display.distance(2.4, "fr") == "2,4 km"
    assert display.distance(0.35, "fr") == "350 m" and display.distance(27, "fr") == "27 km"
    assert display.distance(3, "fr") == "3 km"  # a radius chosen from the menu, as it says


@pytest.mark.parametrize(
    ("language", "day", "distance"),
    [
        ("de", "Donnerstag, 3. Dezember 2026", "2,4 km"),
        ("es", "jueves, 3 de diciembre de 2026", "2,4 km"),
        ("it", "giovedì 3 dicembre 2026", "2,4 km"),
        ("pt", "quinta-feira, 3 de dezembro de 2026", "2,4 km"),
    ],
)
def test_dates_and_distances_are_written_as_each_language_writes_them(language, day, distance):
    assert display.long_date(date(2026, 12, 3), language) == day
    assert display.distance(2.4, language) == distance


# --- Words from forms, flashes and errors ---------------------------------------------------


@pytest.fixture
def french_volunteer(client, make_user, auth):
    """A volunteer whose browser asks for French, signed in."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = FR["Accept-Language"]
    user = make_user(reviewed=True)
    assert auth.sign_in().status_code == 303
    return user


MEETUP_FORM = {
    **WEEKLY_THURSDAY,
    "name": "Café du matin",
    "description": "",
    "tags": "",
    "languages": "fr",
}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"weekdays": []}, "Choisissez le ou les jours de la semaine."),
        ({"pattern": "weeks", "interval": ""}, "toutes les combien de semaines"),
        ({"first_date": "2026-03-01", "end_date": "2026-02-01"}, "La date de fin"),
        ({"first_date": "1800-01-01"}, "La première date doit être comprise entre 1900 et 2999."),
        ({"end_time": ""}, "Indiquez l’heure de fin"),
        ({"name": ""}, "Donnez un nom au rendez-vous"),
        ({"start_time": "25:00"}, "horaire valide"),
    ],
)
def test_a_french_volunteer_reads_form_errors_in_french(
    client, auth, french_volunteer, make_venue, changes, message
):
    make_venue("Le Comptoir")

    response = auth.post("/meetups/new?venue=le-comptoir-paris", {**MEETUP_FORM, **changes})

    assert response.status_code == 400
    page = soup(response)
    assert page.html["lang"] == "fr"
    errors = " ".join(text_of(e) for e in page.select(".field-error, .error"))
    assert message in errors
    assert text_of(page.select_one("label[for=start_time]")) == "Commence à (heure locale)"
    weekdays = [text_of(label) for label in page.select("#weekdays label")]
    assert weekdays == list(FRENCH_DAYS)


def test_a_french_volunteer_is_thanked_in_french_and_sees_the_schedule_in_french(
    client, auth, french_volunteer, make_venue
):
    make_venue("Le Comptoir")

    response = auth.post("/meetups/new?venue=le-comptoir-paris", MEETUP_FORM)
    page = soup(client.get(response.headers["Location"]))

    assert text_of(page.select_one(".flash")) == "Meetup ajouté. Merci !"
    assert text_of(page.select_one(".schedule")) == "Chaque jeudi, 08:30–10:00"


def test_sign_in_errors_and_the_sign_in_prompt_are_in_french(client, make_user, auth):
    make_user()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"

    refused = soup(auth.sign_in(password="not the password at all"))
    prompt = client.get("/meetups/new?venue=anything")
    signed_in_page = soup(client.get(prompt.headers["Location"]))

    assert "Adresse e-mail ou mot de passe incorrect." in text_of(refused.select_one(".error"))
    assert text_of(signed_in_page.select_one(".flash")) == "Veuillez vous connecter pour continuer."


def test_a_traveller_reads_mistakes_in_a_trip_in_french(client, coffee):
    response = client.get(
        "/trip?city=Atlantis&arrive=2026-12-01&leave=2026-12-03"
        "&city=Paris&arrive=2026-12-05&leave=2026-12-04",
        headers=FR,
    )

    problems = [text_of(li) for li in soup(response).select(".error li")]
    assert response.status_code == 400
    assert problems == [
        "Étape 1 : aucune ville connue ne s’appelle « Atlantis ».",
        "Étape 2 : vous quittez Paris avant d’y arriver.",
    ]


def test_a_bad_date_range_is_explained_in_french(client, coffee):
    response = client.get("/fr/paris/?from=2026-12-10&to=2026-12-01", headers=FR)

    assert response.status_code == 400
    assert text_of(soup(response).select_one(".error")) == (
        "La date de fin précède la date de début."
    )


def test_error_pages_are_in_french(client, coffee):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = FR["Accept-Language"]
    missing = client.get("/m/nowhere/")
    refused = client.get("/moderation/", follow_redirects=True)

    assert missing.status_code == 404
    assert text_of(soup(missing).h1) == "Page introuvable"
    assert soup(missing).title.get_text().startswith("404 Introuvable")
    assert text_of(soup(refused).select_one(".flash")) == "Veuillez vous connecter pour continuer."


# --- The catalogues -------------------------------------------------------------------------


def messages(path: Path) -> dict[object, object]:
    with path.open("rb") as file:
        catalog = read_po(file)
    return {message.id: message for message in catalog if message.id}


def test_the_template_lists_every_word_marked_in_the_code_and_templates(tmp_path):
    fresh = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    keywords = ["-k", "_l", "-k", "lazy_gettext", "-k", "NC_:1c,2"]
    command = ["extract", "-F", "babel.cfg", *keywords, "-o", fresh, "."]
    subprocess.run(
        [pybabel, "-q", *command],
        cwd=ROOT,
        check=True,
    )

    marked, listed = set(messages(fresh)), set(messages(TEMPLATE))

    assert marked - listed == set(), "run `make messages`, then translate the new words"
    assert listed - marked == set(), "run `make messages` to drop words no longer used"


CATALOGUES = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def test_every_language_offered_has_a_catalogue():
    offered = set(i18n.LANGUAGES) - {i18n.DEFAULT_LANGUAGE}

    assert {path.parts[-3] for path in CATALOGUES} == offered


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: path.parts[-3])
def test_each_language_translates_every_message_of_the_template(catalogue):
    template, translated = messages(TEMPLATE), messages(catalogue)

    assert set(template) <= set(translated), "run `make messages`, then translate the new words"
    for msgid in template:
        message = translated[msgid]
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"untranslated: {msgid!r}"
        assert not message.fuzzy, f"fuzzy (check it, then remove the flag): {msgid!r}"


@pytest.mark.parametrize("catalogue", CATALOGUES, ids=lambda path: path.parts[-3])
def test_each_catalogue_compiles_with_the_same_placeholders(catalogue):
    with catalogue.open("rb") as file:
        catalog = read_po(file)
    problems = [
        (message.id, [str(error) for error in errors]) for message, errors in catalog.check()
    ]
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)

    assert problems == []
    assert not catalog.fuzzy
    assert read_mo(compiled).get("Every %(days)s").string


def test_french_catalogue_compiles_to_what_the_pages_use():
    with FRENCH.open("rb") as file:
        compiled = BytesIO()
        write_mo(compiled, read_po(file))
    compiled.seek(0)

    assert read_mo(compiled).get("Every %(days)s").string == "Chaque %(days)s"


def test_without_compiled_catalogues_the_site_speaks_english(database_url, tmp_path):
    app: Flask = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path),
        }
    )
    with app.app_context():
        if database_url.startswith("sqlite"):
            db.create_all()
        response = app.test_client().get("/", headers=FR)
        db.session.remove()
        db.engine.dispose()

    assert response.status_code == 200
    page = soup(response)
    assert text_of(page.h1) == "Where and when to meet people, in every city"
    assert page.html["lang"] == "en"


# --- In a browser ---------------------------------------------------------------------------


@pytest.mark.browser
def test_a_french_traveller_plans_a_trip_through_three_cities_on_a_phone(
    browser, live_server, make_city, make_venue, make_meetup
):
    every_day = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU"
    cities = [
        make_city("Paris"),
        make_city("Lyon", latitude=45.75, longitude=4.85),
        make_city("Lille", latitude=50.63, longitude=3.06),
    ]
    for city in cities:
        venue = make_venue(f"Café de {city.name}", city=city)
        make_meetup(f"Open Coffee {city.name}", venue=venue, rrule=every_day, start_time=time(8))
    today = datetime.now(ZoneInfo("Europe/Paris")).date()
    legs = [
        (today + timedelta(days=3 * n + 1), today + timedelta(days=3 * n + 2)) for n in range(3)
    ]

    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    page = context.new_page()
    page.goto(live_server + "/")
    page.get_by_role("link", name="Préparer un voyage").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Préparer un voyage")
    for number, (city, (arrive, leave)) in enumerate(zip(cities, legs, strict=True)):
        leg = page.get_by_role("group", name=f"Étape {number + 1}")
        leg.get_by_label("Ville").fill(city.name)
        leg.get_by_label("Arrivée").fill(arrive.isoformat())
        leg.get_by_label("Départ").fill(leave.isoformat())
    page.get_by_role("button", name="Afficher mes meetups").click()

    expect(page.get_by_role("heading", name="Vos meetups")).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "fr"
    for city, (arrive, leave) in zip(cities, legs, strict=True):
        plan = page.get_by_role("region", name=city.name)
        expect(plan).to_contain_text(
            f"du {display.long_date(arrive, 'fr')} au {display.long_date(leave, 'fr')}"
        )
        first_day = plan.locator(".day-heading time").first
        expect(first_day).to_have_attribute("datetime", arrive.isoformat())
        expect(plan.locator(".clock").first).to_have_text(re.compile(r"^08:00–10:00 CES?T$"))
    feed = page.get_by_role("link", name="Télécharger (.ics)")
    expect(feed).to_be_visible()
    href = feed.get_attribute("href") or ""
    assert "/trip.ics?city=fr/paris" in href and "city=fr/lyon" in href and "city=fr/lille" in href
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    assert context.cookies() == []
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("language", TRAVELLERS)
def test_a_traveller_finds_a_meetup_in_their_language_on_a_phone(
    browser, live_server, london_tea, language
):
    _, heading, weekly, country = TRAVELLERS[language]
    city = heading.rpartition(" ")[2]
    context = browser.new_context(viewport=PHONE, locale=language)
    page = context.new_page()
    page.goto(live_server + "/")

    assert page.locator("html").get_attribute("lang") == language
    page.get_by_role("link", name=country, exact=True).click()
    page.get_by_role("link", name=city, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    page.get_by_role("link", name="Tea Time").first.click()
    expect(page.locator(".schedule")).to_have_text(f"{weekly}, 09:00–11:00")
    thursday = next_thursday_as_shown(language)
    expect(page.locator("ol.dates time").first).to_contain_text(thursday)
    page.locator("details.menu summary").click()  # the switch is in the header's menu
    switch = page.get_by_role("navigation", name=i18n_word(language, "Language"))
    for name in i18n.LANGUAGES.values():
        expect(switch.get_by_role("link", name=name, exact=True)).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    switch.get_by_role("link", name="English", exact=True).click()
    expect(page.locator(".schedule")).to_have_text("Every Thursday, 09:00–11:00")
    assert context.cookies() == []
    context.close()


def i18n_word(language: str, msgid: str) -> str:
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file)[msgid].string


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda path: path.parts[-3])
def test_the_committed_compiled_catalogue_matches_its_po_file(po):
    """An installed copy serves the committed .mo files: a stale one would show old words."""

    def plain(part):
        return tuple(part) if isinstance(part, list | tuple) else part

    def words(messages) -> dict:
        return {plain(m.id): plain(m.string) for m in messages if m.id and not m.fuzzy}

    with po.open("rb") as source:
        expected = words(read_po(source))
    with po.with_suffix(".mo").open("rb") as compiled:
        served = words(read_mo(compiled))

    assert served == expected, "run `make messages` (or pybabel compile) and commit the .mo"
