"""With a shared cache, a page one worker rendered is not rendered again by another."""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from datetime import time

import pytest
from flask import Flask, template_rendered
from sqlalchemy import event

from meetups.config import ConfigError
from meetups.extensions import db
from meetups.factory import create_app
from meetups.web import page_cache, shared_cache
from tests.conftest import require

# A database of its own on the local Redis, emptied before and after each test.
REDIS_URL = "redis://127.0.0.1:6379/13"


@pytest.fixture
def redis_client():
    try:
        import redis
    except ImportError:
        require(False, "the redis package is not installed (pip install 'meetups[redis]')")
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        require(False, f"Redis is not reachable at {REDIS_URL}")
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def _worker(database_url: str, towns_index, **settings: object) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "DATABASE_URL": database_url,
            "SITE_DOMAIN": "meetups.test",
            "TOWNS_INDEX": str(towns_index),
            **settings,
        }
    )


@pytest.fixture
def workers(
    app, database_url, towns_index, redis_client, monkeypatch
) -> Iterator[tuple[Flask, Flask]]:
    """Two workers of one site, sharing the test database and a Redis.

    Every page's time bucket begins as the test does: a test that began a second
    before its page's bucket ended would otherwise find the page gone, as it should be.
    And Redis gets longer to answer than a worker gives it, so a test machine busy with
    other tests is not taken for a Redis that stopped answering.
    """
    began = page_cache.time.time()
    monkeypatch.setattr(page_cache, "time_bucket", lambda _address, _seconds, _now: (0, began))
    monkeypatch.setattr(shared_cache, "TIMEOUT_SECONDS", 2.0)
    one = _worker(database_url, towns_index, SHARED_CACHE_URL=REDIS_URL)
    two = _worker(database_url, towns_index, SHARED_CACHE_URL=REDIS_URL)
    yield one, two
    for worker in (one, two):
        _stop(worker)


def _stop(worker: Flask) -> None:
    worker.extensions["shared_cache"].close()
    with worker.app_context():
        db.engine.dispose()


@pytest.fixture
def coffee(make_meetup):
    return make_meetup("Open Coffee Paris")


def _renders(worker: Flask, path: str) -> tuple[int, bytes]:
    """How many templates a request to `path` rendered, and the page."""
    names: list[str] = []

    def record(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(record, worker)
    try:
        page = worker.test_client().get(path).data
    finally:
        template_rendered.disconnect(record, worker)
    return len(names), page


@pytest.mark.parametrize("path", ["/fr/paris/", "/m/open-coffee-paris/", "/embed/city/fr/paris"])
def test_another_worker_serves_the_page_without_rendering_it(workers, coffee, path):
    one, two = workers
    rendered_by_one, page = _renders(one, path)

    rendered_by_two, same_page = _renders(two, path)

    assert rendered_by_one > 0
    assert rendered_by_two == 0
    assert same_page == page


def test_another_worker_sends_the_shared_page_gzipped_as_it_is(workers, coffee):
    one, two = workers
    gzip = {"Accept-Encoding": "gzip"}
    first = one.test_client().get("/fr/paris/", headers=gzip)
    statements = _statements_of(two)

    again = two.test_client().get("/fr/paris/", headers=gzip)

    assert again.headers["Content-Encoding"] == first.headers["Content-Encoding"] == "gzip"
    assert again.data == first.data
    assert len(statements) == 1


def _statements_of(worker: Flask) -> list[str]:
    """The SQL statements the worker runs from now on, as they run."""
    statements: list[str] = []
    with worker.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    return statements


def test_a_kept_redirect_is_shared_too(workers, coffee):
    one, two = workers
    first = one.test_client().get("/search?q=paris")
    statements = _statements_of(two)

    answer = two.test_client().get("/search?q=paris")

    assert answer.status_code == first.status_code == 302
    assert answer.headers["Location"] == first.headers["Location"]
    # Only the data version was read: no search ran.
    assert len(statements) == 1


def test_an_edit_is_not_hidden_by_a_shared_page(workers, coffee):
    one, two = workers
    one.test_client().get("/m/open-coffee-paris/")
    coffee.start_time = time(8, 15)
    db.session.commit()
    two.extensions["data_version"].invalidate()  # as it does within DATA_VERSION_SECONDS

    assert "08:15" in two.test_client().get("/m/open-coffee-paris/").text


def test_pages_expire_with_their_time_bucket(workers, coffee, redis_client):
    one, _ = workers
    one.test_client().get("/fr/paris/")

    lifetimes = [redis_client.ttl(key) for key in redis_client.scan_iter("meetups:page:*")]

    assert lifetimes
    assert all(0 < left <= one.config["PAGE_CACHE_SECONDS"] for left in lifetimes)


def test_volunteers_pages_are_never_shared(workers, coffee, redis_client):
    one, _ = workers
    client = one.test_client()
    client.set_cookie("session", "anything")
    client.get("/fr/paris/")

    assert list(redis_client.scan_iter("meetups:page:*")) == []


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_pages_are_rendered_when_redis_does_not_answer(
    app, database_url, towns_index, coffee, caplog
):
    worker = _worker(
        database_url, towns_index, SHARED_CACHE_URL=f"redis://127.0.0.1:{_closed_port()}/0"
    )
    client = worker.test_client()

    with caplog.at_level(logging.WARNING, logger="meetups.web.shared_cache"):
        answers = [client.get("/fr/paris/") for _ in range(3)]
    _stop(worker)

    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert "Open Coffee Paris" in answers[0].text
    assert len([r for r in caplog.records if "Shared cache unreachable" in r.getMessage()]) == 1


def test_a_shared_cache_that_is_not_redis_stops_the_app_at_start():
    with pytest.raises(ConfigError, match="MEETUPS_SHARED_CACHE_URL must be a Redis address"):
        create_app({"TESTING": True, "SHARED_CACHE_URL": "memcached://127.0.0.1:11211"})


def test_another_worker_answers_the_api_without_querying(workers, coffee):
    one, two = workers
    first = one.test_client().get("/api/v1/meetups?country=fr")
    statements = _statements_of(two)

    answer = two.test_client().get("/api/v1/meetups?country=fr")

    assert first.status_code == answer.status_code == 200
    assert answer.data == first.data
    assert answer.headers["ETag"] == first.headers["ETag"]
    assert len(statements) == 1  # the data version
