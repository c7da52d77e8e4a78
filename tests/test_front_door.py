"""A visitor's repeated request is answered before Flask, exactly as Flask answered it."""

from __future__ import annotations

import math
from datetime import time

import pytest
from werkzeug.test import Client

from meetups.extensions import db
from meetups.factory import create_app
from meetups.web import front_door, page_cache

# Time stands still, so that an answer and its repeat state the same lifetime left.
pytestmark = pytest.mark.usefixtures("still_clock")


@pytest.fixture
def coffee(make_meetup):
    return make_meetup("Open Coffee Paris")


def _same(first, again) -> None:
    """Two answers are the same but for the time they were sent."""
    assert again.status == first.status
    assert again.data == first.data
    strip = {"Date"}
    assert [h for h in again.headers if h[0] not in strip] == [
        h for h in first.headers if h[0] not in strip
    ]


@pytest.mark.parametrize("url", ["/fr/paris/", "/m/open-coffee-paris/", "/fr/", "/?lang=de"])
def test_a_page_asked_again_is_answered_as_flask_answered_it(client, coffee, through_flask, url):
    first = client.get(url)
    answers = []

    sent = through_flask(lambda: answers.append(client.get(url)))

    assert sent == 0
    _same(first, answers[0])


def test_a_kept_redirect_is_answered_as_flask_answered_it(client, coffee, through_flask):
    first = client.get("/search?q=paris")
    answers = []

    assert through_flask(lambda: answers.append(client.get("/search?q=paris"))) == 0
    assert first.status_code == 302
    _same(first, answers[0])


def test_the_etag_sent_back_gets_flasks_304_without_flask(client, coffee, through_flask):
    etag = client.get("/fr/paris/").headers["ETag"]
    flasks = client.get("/fr/paris/", headers={"If-None-Match": etag})
    answers = []

    sent = through_flask(
        lambda: answers.append(client.get("/fr/paris/", headers={"If-None-Match": etag}))
    )

    assert sent == 0
    assert flasks.status_code == 304
    _same(flasks, answers[0])


def test_a_stale_etag_gets_the_page(client, coffee, through_flask):
    client.get("/fr/paris/")
    answers = []

    sent = through_flask(
        lambda: answers.append(client.get("/fr/paris/", headers={"If-None-Match": '"p-old"'}))
    )

    assert sent == 0
    assert answers[0].status_code == 200
    assert "Open Coffee Paris" in answers[0].text


def test_head_gets_the_headers_alone(client, coffee, through_flask):
    page = client.get("/fr/paris/")
    answers = []

    assert through_flask(lambda: answers.append(client.head("/fr/paris/"))) == 0
    assert answers[0].data == b""
    assert answers[0].headers["Content-Length"] == page.headers["Content-Length"]
    assert answers[0].headers["ETag"] == page.headers["ETag"]


def test_an_edit_goes_through_flask_and_shows_at_once(client, coffee, through_flask):
    client.get("/m/open-coffee-paris/")
    coffee.start_time = time(8, 15)
    db.session.commit()
    answers = []

    assert through_flask(lambda: answers.append(client.get("/m/open-coffee-paris/"))) == 1
    assert "08:15" in answers[0].text


def test_a_page_whose_time_bucket_ended_goes_through_flask(
    app, client, coffee, through_flask, monkeypatch
):
    client.get("/fr/paris/")
    seconds = app.config["PAGE_CACHE_SECONDS"]
    _, start = page_cache.time_bucket("/fr/paris/?", seconds, page_cache.time.time())
    monkeypatch.setattr(page_cache.time, "time", lambda: start + seconds)

    assert through_flask(lambda: client.get("/fr/paris/")) == 1


def test_the_lifetime_left_shrinks_as_the_time_bucket_ends(app, client, coffee, monkeypatch):
    seconds = app.config["PAGE_CACHE_SECONDS"]
    _, start = page_cache.time_bucket("/fr/paris/?", seconds, page_cache.time.time())
    monkeypatch.setattr(page_cache.time, "time", lambda: start + 1)
    client.get("/fr/paris/")

    monkeypatch.setattr(page_cache.time, "time", lambda: start + seconds - 10)
    again = client.get("/fr/paris/")

    assert again.cache_control.max_age == 10


def test_a_visitor_with_a_cookie_always_goes_through_flask(client, coffee, through_flask):
    client.get("/fr/paris/")
    client.set_cookie("theme", "dark")

    assert through_flask(lambda: client.get("/fr/paris/")) == 1


def test_errors_are_never_answered_here(client, coffee, through_flask):
    client.get("/m/nowhere/")

    assert through_flask(lambda: client.get("/m/nowhere/")) == 1


def test_each_browser_language_gets_its_own_page(client, coffee, through_flask):
    french = {"Accept-Language": "fr-FR,fr;q=0.9"}
    english = {"Accept-Language": "en-GB,en;q=0.9"}
    client.get("/fr/paris/", headers=french)
    client.get("/fr/paris/", headers=english)
    answers = []

    sent = through_flask(
        lambda: answers.extend(
            [client.get("/fr/paris/", headers=french), client.get("/fr/paris/", headers=english)]
        )
    )

    assert sent == 0
    assert answers[0].headers["Content-Language"] == "fr"
    assert answers[1].headers["Content-Language"] == "en"
    assert "Accept-Language" in answers[0].headers["Vary"]


def test_each_host_gets_its_own_page(client, coffee, through_flask):
    client.get("/fr/paris/", base_url="http://one.example")
    answers = []

    sent = through_flask(
        lambda: answers.append(client.get("/fr/paris/", base_url="http://two.example"))
    )

    assert sent == 1
    assert answers[0].status_code == 200


def test_a_feed_pollers_304_is_answered_without_flask(client, coffee, through_flask):
    plain = client.get("/feeds/city/fr/paris.ics")
    etag = plain.headers["ETag"]
    flasks = client.get("/feeds/city/fr/paris.ics", headers={"If-None-Match": etag})
    answers = []

    sent = through_flask(
        lambda: answers.append(
            client.get("/feeds/city/fr/paris.ics", headers={"If-None-Match": etag})
        )
    )

    assert sent == 0
    assert flasks.status_code == 304
    _same(flasks, answers[0])


def test_a_gzip_poller_gets_the_gzip_etag(client, coffee):
    gzip = {"Accept-Encoding": "gzip"}
    etag = client.get("/feeds/city/fr/paris.ics", headers=gzip).headers["ETag"]
    client.get("/feeds/city/fr/paris.ics", headers={**gzip, "If-None-Match": etag})
    plain_etag = client.get("/feeds/city/fr/paris.ics").headers["ETag"]

    again = client.get("/feeds/city/fr/paris.ics", headers={**gzip, "If-None-Match": etag})

    assert again.status_code == 304
    assert again.headers["ETag"] == etag != plain_etag


@pytest.mark.parametrize("encoding", [{}, {"Accept-Encoding": "gzip"}])
def test_a_feed_asked_again_is_answered_as_flask_answered_it(
    client, coffee, through_flask, encoding
):
    first = client.get("/feeds/city/fr/paris.ics", headers=encoding)
    answers = []

    sent = through_flask(
        lambda: answers.append(client.get("/feeds/city/fr/paris.ics", headers=encoding))
    )

    assert sent == 0
    _same(first, answers[0])


def test_a_body_too_big_for_its_share_of_memory_goes_through_flask(
    app, client, coffee, through_flask
):
    door = app.extensions["front_door"]
    feed_bytes = len(client.get("/feeds/city/fr/paris.ics").data)
    app.wsgi_app = front_door.FrontDoor(
        door.app, door.data, max_bytes=feed_bytes * front_door.LARGEST_SHARE // 2
    )
    etag = client.get("/feeds/city/fr/paris.ics").headers["ETag"]
    client.get("/feeds/city/fr/paris.ics", headers={"If-None-Match": etag})

    assert through_flask(lambda: client.get("/feeds/city/fr/paris.ics")) == 1
    assert (
        through_flask(
            lambda: client.get("/feeds/city/fr/paris.ics", headers={"If-None-Match": etag})
        )
        == 0
    )


def test_an_api_answer_asked_again_is_answered_as_flask_answered_it(client, coffee, through_flask):
    first = client.get("/api/v1/cities?country=fr")
    answers = []

    sent = through_flask(lambda: answers.append(client.get("/api/v1/cities?country=fr")))

    assert sent == 0
    assert first.status_code == 200
    _same(first, answers[0])


def test_after_an_edit_a_poller_gets_the_new_feed(client, coffee):
    etag = client.get("/feeds/city/fr/paris.ics").headers["ETag"]
    client.get("/feeds/city/fr/paris.ics", headers={"If-None-Match": etag})
    coffee.start_time = time(8, 15)
    db.session.commit()

    again = client.get("/feeds/city/fr/paris.ics", headers={"If-None-Match": etag})

    assert again.status_code == 200
    assert "T081500" in again.text


def test_posts_always_go_through_flask(client, coffee, through_flask):
    client.get("/fr/paris/")

    assert through_flask(lambda: client.post("/fr/paris/")) == 1


def test_the_front_door_can_be_closed():
    app = create_app(
        {"TESTING": True, "SECRET_KEY": "test", "DATABASE_URL": "sqlite://", "FRONT_DOOR_BYTES": 0}
    )

    assert "front_door" not in app.extensions


def test_made_up_query_strings_do_not_grow_the_door_past_its_memory(app, client, coffee):
    door = app.extensions["front_door"]
    memory = 512 * 1024
    small = front_door.FrontDoor(door.app, door.data, max_bytes=memory)
    app.wsgi_app = small

    for number in range(400):
        client.get(f"/fr/paris/?utm={number}", headers={"Accept-Encoding": "gzip"})

    assert memory // 2 < small.held_bytes <= memory + memory // 8
    assert small.addresses_remembered == memory // 8 // front_door.VARY_OVERHEAD < 400


def test_the_door_takes_no_more_memory_than_it_counts(app, client, coffee, counted_and_freed):
    """Its memory is a bound a deployer sets: every entry costs what it is counted at.

    Feed polls answered 304 keep no body, so what they hold is all overhead: the
    headers, the validators, the key and the address's `Vary` names.
    """
    door = app.extensions["front_door"]
    roomy = front_door.FrontDoor(door.app, door.data, max_bytes=64 * 1024 * 1024)
    app.wsgi_app = roomy
    gzip = {"Accept-Encoding": "gzip"}
    etag = client.get("/feeds/city/fr/paris.ics", headers=gzip).headers["ETag"]
    polls = 300

    def poll() -> None:
        for number in range(polls):
            client.get(
                f"/feeds/city/fr/paris.ics?poll={number}", headers={**gzip, "If-None-Match": etag}
            )

    counted, freed = counted_and_freed(poll, roomy)

    assert roomy.addresses_remembered == 0
    assert counted >= polls * front_door.ENTRY_OVERHEAD
    assert counted // 3 < freed <= counted


class StillData:
    """The data version, as the front door reads it, when nothing ever changes."""

    def peek(self) -> tuple:
        return (1,)


def _offering_app(headers: list[tuple[str, str]]):
    """A WSGI app that offers every answer to the front door, with these headers."""

    def answer(environ, start_response):
        front_door.offer(
            environ,
            front_door.Offer((1,), math.inf, lambda tags, since: False, front_door.Plain(b"hi")),
        )
        start_response("200 OK", [("Content-Type", "text/plain"), *headers])
        return [b"hi"]

    return answer


@pytest.mark.parametrize(
    "headers",
    [
        [("Set-Cookie", "session=abc; HttpOnly")],
        [("Cache-Control", "private, no-store")],
    ],
)
def test_an_answer_that_sets_a_cookie_or_is_private_is_never_repeated(headers):
    calls = []
    inner = _offering_app(headers)

    def counted(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    # Without a cookie jar: the next visitor does not have the cookie the first was given.
    client = Client(
        front_door.FrontDoor(counted, StillData(), max_bytes=1024 * 1024), use_cookies=False
    )
    client.get("/page")
    client.get("/page")

    assert calls == ["/page", "/page"]


def test_a_public_answer_from_the_same_app_is_repeated():
    calls = []
    inner = _offering_app([("Cache-Control", "public, max-age=60")])

    def counted(environ, start_response):
        calls.append(environ["PATH_INFO"])
        return inner(environ, start_response)

    client = Client(front_door.FrontDoor(counted, StillData(), max_bytes=1024 * 1024))
    first, again = client.get("/page"), client.get("/page")

    assert calls == ["/page"]
    assert again.data == first.data == b"hi"
