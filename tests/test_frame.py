"""Every page's frame (its stylesheet links and the top of its header) is rendered once per
language, and no page's frame shows another page's language or search."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from meetups.web import frame


@pytest.fixture
def frame_renders(monkeypatch):
    """How many parts of the frame were rendered rather than taken from memory."""
    count = [0]
    render = frame._render

    def counting(*args):
        count[0] += 1
        return render(*args)

    monkeypatch.setattr(frame, "_render", counting)
    return count


def _page(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_the_frame_is_rendered_once_for_every_page_in_a_language(
    client, make_meetup, frame_renders
):
    coffee = make_meetup("Open Coffee Paris")
    client.get("/fr/paris/")
    rendered = frame_renders[0]
    assert rendered == 2  # the stylesheet links, the top of the header

    for address in (f"/m/{coffee.slug}/", f"/v/{coffee.venue.slug}/", "/fr/", "/near"):
        assert client.get(address, headers={"Cookie": "any=1"}).status_code == 200
    assert frame_renders[0] == rendered

    client.get("/fr/paris/?lang=fr")
    assert frame_renders[0] == rendered + 2


def test_a_frame_speaks_its_own_page_language(client, make_meetup):
    make_meetup("Open Coffee Paris")
    english = _page(client.get("/fr/paris/"))
    french = _page(client.get("/fr/paris/?lang=fr"))
    english_again = _page(client.get("/fr/"))

    assert english.find("a", class_="skip").text == "Skip to content"
    assert french.find("a", class_="skip").text == "Aller au contenu"
    assert french.find("form", class_="search").find("input", type="hidden")["value"] == "fr"
    assert "lang=fr" in french.find("nav", class_="travel").a["href"]
    assert english_again.find("a", class_="skip").text == "Skip to content"
    assert english_again.find("form", class_="search").find("input", type="hidden") is None
    assert "lang" not in english_again.find("nav", class_="travel").a["href"]


def test_the_home_page_frame_has_no_search_box_and_other_pages_keep_theirs(client, make_meetup):
    make_meetup("Open Coffee Paris")
    assert _page(client.get("/")).find("form", class_="search") is None
    assert _page(client.get("/fr/paris/")).find("form", class_="search") is not None
    assert _page(client.get("/")).find("form", class_="search") is None


def test_the_search_box_holds_what_was_searched_and_only_on_its_own_page(client, make_meetup):
    make_meetup("Open Coffee Paris")
    searched = _page(client.get("/search?q=nowhere+at+all"))
    after = _page(client.get("/fr/paris/"))

    assert searched.find("input", id="site-search")["value"] == "nowhere at all"
    assert after.find("input", id="site-search")["value"] == ""


def test_links_carry_the_language_only_where_the_address_chose_it(client, make_meetup):
    make_meetup("Open Coffee Paris")
    browser_chose = _page(client.get("/fr/paris/", headers={"Accept-Language": "fr"}))
    address_chose = _page(
        client.get("/fr/", headers={"Accept-Language": "fr"}, query_string={"lang": "fr"})
    )

    assert browser_chose.find("a", class_="skip").text == "Aller au contenu"
    assert "lang" not in browser_chose.find("nav", class_="travel").a["href"]
    assert "lang=fr" in address_chose.find("nav", class_="travel").a["href"]
