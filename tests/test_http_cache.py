"""Any HTTP cache may keep visitors' pages and revalidate them cheaply, never a volunteer's."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import time
from urllib.parse import urlsplit

import pytest
from flask import template_rendered

from meetups.extensions import db
from meetups.lru import BytesLRU
from meetups.web import http_cache, page_cache

PUBLIC_PAGES = [
    "/",
    "/fr/",
    "/fr/paris/",
    "/m/open-coffee-paris/",
    "/v/cafe-central-paris/",
    "/search?q=nowhere",
    "/near?q=paris",
    "/dates?when=week",
    "/trip",
    "/m/open-coffee-paris/history",
    "/v/cafe-central-paris/history",
    "/changes",
]


class StillClock:
    """Time stands still in a test, so that no page's time bucket ends under it."""

    def __init__(self, app, monkeypatch) -> None:
        self.seconds = app.config["PAGE_CACHE_SECONDS"]
        self.monkeypatch = monkeypatch
        self.stop_at(page_cache.time.time())

    def stop_at(self, moment: float) -> None:
        self.monkeypatch.setattr(page_cache.time, "time", lambda: moment)

    def early_for(self, url: str) -> None:
        """Just after the page at `url` began its time bucket (each address has its own)."""
        _, start = page_cache.time_bucket(_address(url), self.seconds, page_cache.time.time())
        self.stop_at(start + 1)

    def bucket_end(self, url: str) -> float:
        _, start = page_cache.time_bucket(_address(url), self.seconds, page_cache.time.time())
        return start + self.seconds


def _address(url: str) -> str:
    """The address as Flask's `request.full_path` spells it: always with a `?`."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.fixture(autouse=True)
def clock(app, monkeypatch) -> StillClock:
    return StillClock(app, monkeypatch)


@pytest.fixture
def coffee(make_meetup):
    return make_meetup("Open Coffee Paris")


@pytest.fixture
def rendered(app):
    """The templates rendered while the test runs."""
    names: list[str] = []

    def record(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    yield names
    template_rendered.disconnect(record, app)


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_public_page_can_be_kept_by_any_cache(client, clock, coffee, url):
    clock.early_for(url)

    response = client.get(url)

    assert response.status_code == 200
    etag, weak = response.get_etag()
    assert etag and not weak
    assert response.last_modified is not None
    assert response.headers["Cache-Control"] == "public, max-age=60, stale-while-revalidate=300"


def test_the_etag_sent_back_gets_a_304_without_rendering_or_querying(
    app, client, coffee, rendered, count_queries
):
    etag = client.get("/fr/paris/").get_etag()[0]
    app.extensions["pages"] = BytesLRU[page_cache.Kept](1024, size=len)  # another worker
    rendered.clear()

    answers = []
    queries = count_queries(
        lambda: answers.append(client.get("/fr/paris/", headers={"If-None-Match": f'"{etag}"'}))
    )

    assert answers[0].status_code == 304
    assert answers[0].data == b""
    assert answers[0].get_etag() == (etag, False)
    assert answers[0].headers["Cache-Control"].startswith("public, max-age=")
    assert rendered == []
    assert queries == 0


def test_a_proxy_that_gzipped_the_page_still_gets_a_304(client, coffee):
    etag = client.get("/m/open-coffee-paris/").get_etag()[0]

    response = client.get("/m/open-coffee-paris/", headers={"If-None-Match": f'W/"{etag}"'})

    assert response.status_code == 304


def test_if_modified_since_gets_a_304_for_a_page_known_to_be_there(client, coffee, rendered):
    first = client.get("/m/open-coffee-paris/")
    rendered.clear()

    response = client.get(
        "/m/open-coffee-paris/", headers={"If-Modified-Since": first.headers["Last-Modified"]}
    )

    assert response.status_code == 304
    assert rendered == []


def test_if_modified_since_never_hides_a_missing_page(client, coffee):
    last_modified = client.get("/m/open-coffee-paris/").headers["Last-Modified"]

    response = client.get("/m/nowhere/", headers={"If-Modified-Since": last_modified})

    assert response.status_code == 404
    assert "public" not in response.headers.get("Cache-Control", "")


def test_any_etag_never_hides_a_missing_page(client, coffee):
    client.get("/m/open-coffee-paris/")

    assert client.get("/m/nowhere/", headers={"If-None-Match": "*"}).status_code == 404
    assert client.get("/m/open-coffee-paris/", headers={"If-None-Match": "*"}).status_code == 304


def test_an_edit_changes_the_etag_and_the_old_one_gets_the_new_page(client, coffee):
    before = client.get("/m/open-coffee-paris/")

    coffee.start_time = time(8, 15)
    db.session.commit()
    after = client.get("/m/open-coffee-paris/", headers={"If-None-Match": before.headers["ETag"]})

    assert after.status_code == 200
    assert "08:15" in after.text
    assert after.get_etag() != before.get_etag()
    assert after.last_modified >= before.last_modified


def test_each_language_has_its_own_etag(client, coffee):
    english = client.get("/fr/paris/", headers={"Accept-Language": "en"})
    french = client.get("/fr/paris/", headers={"Accept-Language": "fr"})
    chosen = client.get("/fr/paris/?lang=fr")

    assert english.get_etag() != french.get_etag()
    assert "Accept-Language" in french.vary
    assert "Accept-Language" not in chosen.vary
    etag = french.headers["ETag"]
    assert client.get("/fr/paris/", headers={"If-None-Match": etag}).status_code == 200


def test_the_page_changes_validators_when_its_dates_move_on(client, coffee, monkeypatch):
    now = page_cache.time.time()
    before = client.get("/fr/paris/")

    monkeypatch.setattr(page_cache.time, "time", lambda: now + 3600)
    after = client.get("/fr/paris/", headers={"If-None-Match": before.headers["ETag"]})

    assert after.status_code == 200
    assert after.get_etag() != before.get_etag()


def test_caches_keep_a_page_no_longer_than_its_time_bucket(client, clock, coffee):
    clock.stop_at(clock.bucket_end("/fr/paris/") - 10)

    response = client.get("/fr/paris/")

    assert response.cache_control.max_age == 10


def test_a_deployer_sets_how_long_caches_keep_pages(app, client, clock, coffee):
    app.config.update(PAGE_MAX_AGE=30, PAGE_STALE_WHILE_REVALIDATE=86400)
    # Early in the page's time bucket: within 30 s of its end, max-age would be shorter.
    clock.early_for("/fr/paris/?lang=en")

    response = client.get("/fr/paris/?lang=en")

    assert response.headers["Cache-Control"] == "public, max-age=30, stale-while-revalidate=86400"


def test_another_site_name_changes_every_etag(app, client, coffee):
    before = client.get("/fr/paris/").get_etag()
    # A deploy with another setting: new workers, with nothing kept.
    app.config["SITE_NAME"] = "Coffee Map"
    app.extensions["code_version"] = http_cache.code_version(app.config)
    app.extensions["front_door"].clear()

    assert client.get("/fr/paris/").get_etag() != before


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_a_volunteers_page_is_never_marked_public(client, auth, make_user, coffee, url):
    visitor_etag = client.get(url).headers["ETag"]
    make_user()
    auth.sign_in()

    response = client.get(url, headers={"If-None-Match": visitor_etag})

    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers
    assert "Last-Modified" not in response.headers


def test_a_page_that_sets_a_cookie_is_private(client):
    response = client.get("/account/sign-in")

    assert "Set-Cookie" in response.headers
    assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("url", ["/search?q=" + "x" * 200, "/m/nowhere/", "/dates?when=soon"])
def test_errors_are_not_marked_public(client, coffee, url):
    response = client.get(url)

    assert response.status_code >= 400
    assert "ETag" not in response.headers
    assert "public" not in response.headers.get("Cache-Control", "")


def test_every_worker_gives_a_page_the_same_etag(database_url):
    """Workers are separate processes, each with its own hash seed (and set order)."""
    script = (
        "from meetups import create_app; "
        f"app = create_app({{'TESTING': True, 'DATABASE_URL': {database_url!r}}}); "
        "print(app.extensions['code_version'])"
    )
    versions = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }

    assert len(versions) == 1


# --- The language in the address (MEETUPS_LANGUAGE_IN_ADDRESS) ----------------------------


@pytest.fixture
def language_in_address(app):
    app.config["LANGUAGE_IN_ADDRESS"] = True


@pytest.mark.parametrize(
    ("url", "accept", "target"),
    [
        ("/fr/paris/", "fr-FR,fr;q=0.9", "/fr/paris/?lang=fr"),
        ("/fr/paris/", "nl-NL", "/fr/paris/?lang=en"),
        ("/search?q=caf%C3%A9", "fr-CA", "/search?q=caf%C3%A9&lang=fr"),
        ("/m/open-coffee-paris/?lang=nl", "fr", "/m/open-coffee-paris/?lang=fr"),
    ],
)
def test_a_browsers_language_leads_to_the_address_in_it(
    client, coffee, language_in_address, url, accept, target
):
    response = client.get(url, headers={"Accept-Language": accept})

    assert response.status_code == 302
    assert response.location == target
    assert "Accept-Language" in response.vary
    assert response.headers["Cache-Control"].startswith("public, max-age=")


def test_the_page_in_its_language_varies_on_no_header_but_the_cookie_and_the_encoding(
    client, coffee, language_in_address
):
    response = client.get("/fr/paris/?lang=fr", headers={"Accept-Language": "en"})

    assert response.status_code == 200
    assert "Paris" in response.text and 'lang="fr"' in response.text
    assert set(response.vary) == {"Cookie", "Accept-Encoding"}


def test_volunteers_are_not_redirected(client, auth, make_user, coffee, language_in_address):
    make_user()
    auth.sign_in()

    assert client.get("/fr/paris/", headers={"Accept-Language": "fr"}).status_code == 200


def test_by_default_the_browsers_language_is_served_at_the_plain_address(client, coffee):
    response = client.get("/fr/paris/", headers={"Accept-Language": "fr"})

    assert response.status_code == 200
    assert 'lang="fr"' in response.text
