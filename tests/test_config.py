"""Configuration order, environment variables and the production secret-key guard."""

from __future__ import annotations

import pytest

from meetups import create_app
from meetups.config import (
    DEFAULTS,
    SHARED_FRONT_DOOR_BYTES,
    SHARED_PAGE_CACHE_BYTES,
    ConfigError,
    database_uri,
    load,
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("FLASK_DEBUG", "MEETUPS_SECRET_KEY", "MEETUPS_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize("secret", [None, "", "dev", "change-me"])
def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch, secret):
    if secret is not None:
        monkeypatch.setenv("MEETUPS_SECRET_KEY", secret)

    with pytest.raises(ConfigError, match="MEETUPS_SECRET_KEY"):
        create_app()


def test_production_starts_with_a_secret_key_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MEETUPS_SECRET_KEY", "a" * 64)
    monkeypatch.setenv("MEETUPS_DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")

    app = create_app()

    assert app.config["SECRET_KEY"] == "a" * 64
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/x.sqlite3"


def test_debug_mode_runs_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")

    app = create_app()

    assert app.debug and app.config["SECRET_KEY"]


def test_default_database_is_sqlite_in_the_instance_folder():
    app = create_app({"TESTING": True})

    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{app.instance_path}/meetups.sqlite3"


def test_test_config_overrides_the_environment(monkeypatch):
    monkeypatch.setenv("MEETUPS_SITE_NAME", "From env")

    assert create_app({"TESTING": True}).config["SITE_NAME"] == "From env"
    assert create_app({"TESTING": True, "SITE_NAME": "Test"}).config["SITE_NAME"] == "Test"


def test_numbers_from_the_environment_are_numbers(monkeypatch):
    monkeypatch.setenv("MEETUPS_STALE_AFTER_DAYS", "90")

    assert create_app({"TESTING": True}).config["STALE_AFTER_DAYS"] == 90


def test_a_malformed_number_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("MEETUPS_STALE_AFTER_DAYS", "six months")

    with pytest.raises(ConfigError, match="MEETUPS_STALE_AFTER_DAYS must be a whole number"):
        create_app({"TESTING": True})


def test_a_negative_cache_lifetime_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("MEETUPS_PAGE_MAX_AGE", "-60")

    with pytest.raises(ConfigError, match="MEETUPS_PAGE_MAX_AGE must be a number of seconds"):
        create_app({"TESTING": True})


SHARED = "redis://127.0.0.1:6379/13"


def test_a_shared_cache_halves_the_page_cache_unless_it_is_set(monkeypatch, tmp_path):
    monkeypatch.delenv("MEETUPS_PAGE_CACHE_BYTES", raising=False)

    alone = load(str(tmp_path), {})["PAGE_CACHE_BYTES"]
    shared = load(str(tmp_path), {"SHARED_CACHE_URL": SHARED})["PAGE_CACHE_BYTES"]
    monkeypatch.setenv("MEETUPS_PAGE_CACHE_BYTES", "1048576")
    chosen = load(str(tmp_path), {"SHARED_CACHE_URL": SHARED})["PAGE_CACHE_BYTES"]

    assert alone == DEFAULTS["PAGE_CACHE_BYTES"] == 2 * SHARED_PAGE_CACHE_BYTES
    assert shared == SHARED_PAGE_CACHE_BYTES
    assert chosen == 1048576


def test_a_shared_cache_moves_whole_pages_memory_to_the_front_door_unless_either_is_set(
    monkeypatch, tmp_path
):
    monkeypatch.delenv("MEETUPS_PAGE_CACHE_BYTES", raising=False)
    monkeypatch.delenv("MEETUPS_FRONT_DOOR_BYTES", raising=False)

    alone = load(str(tmp_path), {})
    shared = load(str(tmp_path), {"SHARED_CACHE_URL": SHARED})
    chosen = load(
        str(tmp_path),
        {"SHARED_CACHE_URL": SHARED, "PAGE_CACHE_BYTES": 2097152, "FRONT_DOOR_BYTES": 1048576},
    )

    assert alone["KEPT_PAGES_BYTES"] == alone["PAGE_CACHE_BYTES"]
    assert alone["FRONT_DOOR_BYTES"] == DEFAULTS["FRONT_DOOR_BYTES"]
    # Whole pages take half of the page cache's memory; the door gets as much more.
    assert shared["KEPT_PAGES_BYTES"] == SHARED_PAGE_CACHE_BYTES // 2
    assert shared["FRONT_DOOR_BYTES"] == SHARED_FRONT_DOOR_BYTES
    assert SHARED_FRONT_DOOR_BYTES - DEFAULTS["FRONT_DOOR_BYTES"] == SHARED_PAGE_CACHE_BYTES // 2
    assert (chosen["KEPT_PAGES_BYTES"], chosen["FRONT_DOOR_BYTES"]) == (2097152, 1048576)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql://u@h:5432/db", "postgresql+psycopg://u@h:5432/db"),
        ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
        ("", "sqlite:////srv/instance/meetups.sqlite3"),
    ],
)
def test_database_urls_use_psycopg_3_for_postgresql(given, expected):
    assert database_uri(given, "/srv/instance") == expected
