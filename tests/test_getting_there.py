"""Getting there: a tappable address for the phone's maps app, directions a tap away."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup

from meetups.places.directions import geo_uri, osm_directions, osm_map


def test_a_geo_link_puts_a_named_pin_in_the_maps_app():
    assert geo_uri(48.8566, 2.3522, "Café des Bâtisseurs") == (
        "geo:48.856600,2.352200?q=48.856600,2.352200(Caf%C3%A9%20des%20B%C3%A2tisseurs)"
    )


def test_openstreetmap_links_lead_to_the_venue():
    directions = urlsplit(osm_directions(48.8566, 2.3522))
    assert directions.netloc == "www.openstreetmap.org" and directions.path == "/directions"
    assert parse_qs(directions.query) == {"route": [";48.856600,2.352200"]}
    assert osm_map(48.8566, 2.3522).endswith("#map=18/48.856600/2.352200")


def links(client, path):
    page = BeautifulSoup(client.get(path).text, "html5lib")
    return page, {a.get_text(strip=True): a["href"] for a in page.select(".getting-there a")}


def test_meetup_and_venue_pages_offer_the_way_there(client, make_venue, make_meetup):
    venue = make_venue(
        "Café des Bâtisseurs",
        address="12 rue de la Fontaine au Roi",
        latitude=48.8686,
        longitude=2.3714,
        notes="Wifi; quieter upstairs.",
    )
    make_meetup("Open Coffee", venue=venue)

    for path in ("/m/open-coffee/", "/v/cafe-des-batisseurs-paris/"):
        page, found = links(client, path)

        assert found["12 rue de la Fontaine au Roi"].startswith("geo:48.868600,2.371400?q=")
        assert found["Directions"].startswith("https://www.openstreetmap.org/directions?")
        assert found["Open in a maps app"].startswith("geo:")
        assert "48.86860" not in page.main.get_text()  # no coordinates as text
        assert page.select_one(".notes").get_text() == "Wifi; quieter upstairs."
        assert page.select_one("div.map[data-markers]")


def test_an_approximate_position_says_so(client, make_venue, make_meetup):
    make_meetup("Open Coffee", venue=make_venue("Somewhere", coordinates_source="gazetteer"))

    page, _ = links(client, "/m/open-coffee/")

    assert (
        "Position approximate: the centre of Paris." in page.select_one(".getting-there").get_text()
    )
