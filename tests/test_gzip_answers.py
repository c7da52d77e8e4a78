"""Pages and API answers go gzipped to the clients that take gzip (nearly all), as kept.

A phone loads a fifth of the bytes, and a kept answer is sent as it is kept: it is
neither inflated nor compressed again. Each encoding is a representation of its
own, with its own strong ETag, and every answer says it varies on the encoding,
so that a cache never gives gzip to a client that did not ask for it.
"""

from __future__ import annotations

import gzip

import pytest

from meetups.web import page_cache

GZIP = {"Accept-Encoding": "gzip, deflate, br, zstd"}
PAGES = ["/fr/paris/", "/m/open-coffee-paris/", "/fr/", "/embed/city/fr/paris"]


# Time stands still, so that one page's answers state the same lifetime left.
pytestmark = pytest.mark.usefixtures("still_clock")


@pytest.fixture
def coffee(make_meetup):
    return make_meetup("Open Coffee Paris")


@pytest.fixture
def visitor(app):
    """A visitor's browser: no cookie, ever."""
    return app.test_client(use_cookies=False)


@pytest.mark.parametrize("path", PAGES)
def test_a_browser_that_takes_gzip_gets_the_same_page_gzipped(visitor, coffee, path):
    plain = visitor.get(path)
    zipped = visitor.get(path, headers=GZIP)

    assert plain.status_code == zipped.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert int(zipped.headers["Content-Length"]) == len(zipped.data) < len(plain.data) / 2
    assert "Accept-Encoding" in plain.vary and "Accept-Encoding" in zipped.vary


@pytest.mark.parametrize("path", PAGES)
def test_each_encoding_has_its_own_etag(visitor, coffee, path):
    plain = visitor.get(path).headers["ETag"]
    zipped = visitor.get(path, headers=GZIP).headers["ETag"]

    assert zipped == plain[:-1] + '-gzip"'


def test_the_first_answer_and_the_kept_one_are_the_same_bytes(app, coffee):
    first = app.test_client(use_cookies=False).get("/m/open-coffee-paris/", headers=GZIP)
    app.extensions["front_door"].clear()

    kept = app.test_client(use_cookies=False).get("/m/open-coffee-paris/", headers=GZIP)

    assert kept.data == first.data
    assert kept.headers["ETag"] == first.headers["ETag"]


@pytest.mark.parametrize("taken", ["gzip, br", ""])
@pytest.mark.parametrize("sent", ["gzip, br", ""])
def test_either_etag_gets_a_304_naming_the_representation_asked_for(visitor, coffee, taken, sent):
    etag = visitor.get("/fr/paris/", headers={"Accept-Encoding": taken}).headers["ETag"]

    again = visitor.get("/fr/paris/", headers={"Accept-Encoding": sent, "If-None-Match": etag})

    assert again.status_code == 304
    assert again.headers["ETag"].endswith('-gzip"') == bool(sent)
    assert "Accept-Encoding" in again.vary


@pytest.mark.parametrize("refusal", ["gzip;q=0, br", "identity", "x-gzip"])
def test_a_client_that_refuses_gzip_gets_the_page_plain(visitor, coffee, refusal):
    page = visitor.get("/fr/paris/", headers={"Accept-Encoding": refusal})

    assert "Content-Encoding" not in page.headers
    assert "Open Coffee Paris" in page.text


def test_the_front_door_gives_each_encoding_its_own_answer(visitor, coffee, through_flask):
    plain = visitor.get("/fr/paris/")
    zipped = visitor.get("/fr/paris/", headers=GZIP)
    answers = []

    sent = through_flask(
        lambda: answers.extend([visitor.get("/fr/paris/"), visitor.get("/fr/paris/", headers=GZIP)])
    )

    assert sent == 0
    assert answers[0].data == plain.data and "Content-Encoding" not in answers[0].headers
    assert answers[1].data == zipped.data and answers[1].headers["Content-Encoding"] == "gzip"


def test_a_redirect_is_not_gzipped(visitor, coffee):
    answer = visitor.get("/search?q=paris", headers=GZIP)

    assert answer.status_code == 302
    assert "Content-Encoding" not in answer.headers


def test_a_volunteers_page_stays_private_and_readable(client, auth, make_user, coffee):
    make_user()
    auth.sign_in()

    page = client.get("/fr/paris/", headers=GZIP)

    assert page.headers["Cache-Control"] == "private, no-store"
    body = page.data
    if page.headers.get("Content-Encoding") == "gzip":
        body = gzip.decompress(body)
    assert "Open Coffee Paris" in body.decode()


API_MONTH = "/api/v1/occurrences?from=2027-03-01&to=2027-03-31"


@pytest.mark.parametrize("path", [API_MONTH, "/api/v1/meetups?country=fr"])
def test_an_api_client_that_takes_gzip_gets_the_same_json_gzipped(visitor, coffee, path):
    plain = visitor.get(path)
    zipped = visitor.get(path, headers=GZIP)

    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["ETag"] == plain.headers["ETag"][:-1] + '-gzip"'
    assert "Accept-Encoding" in plain.vary and "Accept-Encoding" in zipped.vary
    for etag in (plain.headers["ETag"], zipped.headers["ETag"]):
        again = visitor.get(path, headers={**GZIP, "If-None-Match": etag})
        assert again.status_code == 304


def test_the_front_door_gives_each_api_client_its_encoding(visitor, coffee, through_flask):
    plain = visitor.get(API_MONTH)
    zipped = visitor.get(API_MONTH, headers=GZIP)
    answers = []

    sent = through_flask(
        lambda: answers.extend([visitor.get(API_MONTH, headers=GZIP), visitor.get(API_MONTH)])
    )

    assert sent == 0
    assert answers[0].data == zipped.data and answers[0].headers["Content-Encoding"] == "gzip"
    assert answers[1].data == plain.data and "Content-Encoding" not in answers[1].headers


def test_a_client_without_gzip_is_sent_the_page_again_without_inflating_it(
    visitor, coffee, monkeypatch
):
    first = visitor.get("/fr/paris/")
    inflated = []
    gunzipped = page_cache.gunzipped
    monkeypatch.setattr(page_cache, "gunzipped", lambda data: inflated.append(1) or gunzipped(data))

    again = visitor.get("/fr/paris/")

    assert again.data == first.data
    assert inflated == []
