"""Visitors' pages come from memory until the data changes or the time bucket moves on."""

from __future__ import annotations

from datetime import time

import pytest

from meetups.extensions import db
from meetups.web import page_cache


@pytest.fixture
def coffee(make_meetup):
    return make_meetup("Open Coffee Paris")


def test_a_visitor_gets_the_same_page_again_without_a_query(client, coffee, count_queries):
    first = client.get("/fr/paris/")

    queries = count_queries(lambda: client.get("/fr/paris/"))

    assert queries == 0
    assert client.get("/fr/paris/").data == first.data
    assert client.get("/fr/paris/").headers["Content-Type"] == "text/html; charset=utf-8"


def test_an_edit_shows_to_visitors_at_once(client, coffee):
    assert "09:00" in client.get("/m/open-coffee-paris/").text

    coffee.start_time = time(8, 15)
    db.session.commit()

    assert "08:15" in client.get("/m/open-coffee-paris/").text


def test_the_page_is_rendered_again_in_the_next_time_bucket(
    client, coffee, count_queries, monkeypatch
):
    client.get("/fr/paris/")
    later = page_cache.time.time() + 3600
    monkeypatch.setattr(page_cache.time, "time", lambda: later)

    assert count_queries(lambda: client.get("/fr/paris/")) > 0


def test_volunteers_get_their_own_fresh_page(client, auth, make_user, coffee):
    make_user()
    visitor_page = client.get("/m/open-coffee-paris/").text
    auth.sign_in()

    volunteer_page = client.get("/m/open-coffee-paris/").text
    auth.sign_out()
    client.delete_cookie("session")

    assert "Still happening" in volunteer_page
    assert "Still happening" not in visitor_page
    assert "Still happening" not in client.get("/m/open-coffee-paris/").text


def test_errors_are_not_kept(client, coffee, count_queries):
    client.get("/m/nowhere/")

    assert count_queries(lambda: client.get("/m/nowhere/")) > 0


def test_caching_can_be_turned_off(app, client, coffee, count_queries):
    app.config["PAGE_CACHE_SECONDS"] = 0
    client.get("/fr/paris/")

    assert count_queries(lambda: client.get("/fr/paris/")) > 0


def test_a_search_that_names_a_city_is_a_redirect_kept_like_a_page(client, coffee, count_queries):
    first = client.get("/search?q=paris")

    answers = []
    queries = count_queries(lambda: answers.append(client.get("/search?q=paris")))

    assert first.status_code == answers[0].status_code == 302
    assert answers[0].location == first.location == "/fr/paris/?q=paris"
    assert queries == 0
    assert answers[0].headers["Cache-Control"].startswith("public, max-age=")
    assert answers[0].get_etag() == first.get_etag() and first.get_etag()[0]


def test_an_edit_moves_a_kept_redirect_on(client, coffee):
    # The city, with the meetup named after it among the other results.
    assert client.get("/search?q=paris").location == "/fr/paris/?q=paris"

    coffee.name = "Open Coffee"
    db.session.commit()

    assert client.get("/search?q=paris").location == "/fr/paris/"


def test_a_volunteers_redirect_is_never_marked_public(client, auth, make_user, coffee):
    make_user()
    auth.sign_in()

    answer = client.get("/search?q=paris")

    assert answer.status_code == 302
    assert "public" not in answer.headers.get("Cache-Control", "")


def test_pages_are_kept_compressed_so_more_fit_in_the_same_memory(
    app, client, coffee, count_queries
):
    addresses = ["/fr/paris/", "/m/open-coffee-paris/", "/v/cafe-central-paris/"]
    pages = {address: client.get(address).data for address in addresses}
    app.config["KEPT_PAGES_BYTES"] = sum(map(len, pages.values())) // 2
    page_cache.init_app(app)
    for address in addresses:
        client.get(address)

    again = {}
    queries = count_queries(lambda: again.update((a, client.get(a).data) for a in addresses))

    assert queries == 0
    assert again == pages
