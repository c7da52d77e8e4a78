"""The map: our own Leaflet, tiles only on request, the list always there."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from meetups.extensions import db
from tests.conftest import PHONE

STATIC = Path(__file__).resolve().parent.parent / "meetups" / "static"


def test_leaflet_is_served_from_our_static_folder_with_its_licence():
    script = (STATIC / "vendor" / "leaflet" / "leaflet.js").read_text(encoding="utf-8")

    assert re.search(r"Leaflet 1\.9\.4", script[:300])
    assert "BSD 2-Clause" in (STATIC / "vendor" / "leaflet" / "LICENSE").read_text()


def test_city_page_carries_markers_for_its_venues(client, make_city, make_venue, make_meetup):
    city = make_city("Paris")
    make_meetup("A", venue=make_venue("Café <A>", city=city, latitude=48.86, longitude=2.35))
    make_meetup("B", venue=make_venue("Café 'B'", city=city, latitude=48.87, longitude=2.36))

    soup = BeautifulSoup(client.get("/fr/paris/").text, "html5lib")

    container = soup.select_one("div.map")
    markers = json.loads(container["data-markers"])
    assert {m["name"] for m in markers} == {"Café <A>", "Café 'B'"}
    assert container["data-tiles"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert container.has_attr("hidden")
    scripts = [s["src"] for s in soup.select("script[src]")]
    # Under its content-hashed name (see test_assets).
    assert any(
        re.fullmatch(r"/static/vendor/leaflet/leaflet\.[0-9a-f]{12}\.js", s) for s in scripts
    )
    assert all(urlsplit(src).netloc == "" for src in scripts)


def test_no_tile_url_means_no_map(app, client, make_meetup):
    make_meetup()
    app.config["MAP_TILE_URL"] = ""

    soup = BeautifulSoup(client.get("/fr/paris/").text, "html5lib")

    assert soup.select_one("div.map") is None
    assert soup.select("li.card")


@pytest.mark.parametrize("path", ["/v/cafe-map-paris/", "/m/mapped/"], ids=["venue", "meetup"])
def test_tiles_load_only_after_the_visitor_asks(
    app, browser, live_server, make_venue, make_meetup, path
):
    venue = make_venue("Café Map", latitude=48.86, longitude=2.35)
    make_meetup("Mapped", venue=venue)
    app.config["MAP_TILE_URL"] = live_server + "/tiles/{z}/{x}/{y}.png"
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    tiles: list[str] = []
    page.on("request", lambda r: tiles.append(r.url) if "/tiles/" in r.url else None)

    page.goto(live_server + path)
    page.wait_for_load_state("networkidle")
    assert tiles == []
    page.get_by_role("button", name="Show map").click()
    page.wait_for_selector(".leaflet-marker-icon")

    assert page.locator(".leaflet-marker-icon").count() == 1
    assert page.locator(".leaflet-marker-icon").get_attribute("title") == "Café Map"
    page.wait_for_load_state("networkidle")
    assert tiles and all(url.startswith(live_server + "/tiles/") for url in tiles)
    context.close()


VOLUNTEER = {"Cookie": "session=volunteer"}  # any cookie skips the whole-page cache


def markers_on(client, path, root=""):
    page = client.get(path, headers=VOLUNTEER, base_url=f"http://localhost{root}/").text
    return json.loads(BeautifulSoup(page, "html5lib").select_one("div.map")["data-markers"])


def test_a_city_pages_markers_are_its_own_in_its_language_and_at_its_root(
    app, make_city, make_venue, make_meetup
):
    """They are kept once per data version, under all of these."""
    client = app.test_client(use_cookies=False)
    lyon = make_city("Lyon", latitude=45.76, longitude=4.84)
    make_meetup("A", venue=make_venue("Café Paris"))
    make_meetup("B", venue=make_venue("Café Lyon", city=lyon))

    assert [m["url"] for m in markers_on(client, "/fr/paris/")] == ["/v/cafe-paris-paris/"]
    assert [m["url"] for m in markers_on(client, "/fr/lyon/")] == ["/v/cafe-lyon-lyon/"]
    assert markers_on(client, "/fr/paris/?lang=de")[0]["url"] == "/v/cafe-paris-paris/?lang=de"
    assert markers_on(client, "/fr/paris/", root="/site")[0]["url"].startswith("/site/v/")


def test_a_renamed_venue_is_renamed_on_the_map_at_once(app, make_venue, make_meetup):
    client = app.test_client(use_cookies=False)
    venue = make_venue("Café Paris")
    make_meetup("A", venue=venue)
    markers_on(client, "/fr/paris/")

    venue.name = "Café Nouveau"
    db.session.commit()

    assert markers_on(client, "/fr/paris/")[0]["name"] == "Café Nouveau"
