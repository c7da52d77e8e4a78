"""Loading the GeoNames gazetteer, and finding cities by any of their names."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from meetups.extensions import db
from meetups.models import City, CityName, Country
from meetups.places import gazetteer


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_gazetteer_has_every_city_of_15000_people_with_zone_and_names():
    cities = {(c.country_code, c.name): c for c in gazetteer.cities(country_codes=["DE", "FR"])}

    cologne = cities["DE", "Köln"]
    assert cologne.timezone == "Europe/Berlin"
    assert {"koln", "cologne"} <= cologne.name_keys
    assert cities["FR", "Lille"].slug == "lille"
    assert all(c.population >= 15000 for c in cities.values())


def test_gazetteer_slugs_are_unique_within_a_country_and_the_biggest_keeps_the_plain_one():
    cities = gazetteer.cities(country_codes=["US"])

    slugs = [c.slug for c in cities]
    assert len(slugs) == len(set(slugs))
    by_slug = {c.slug: c for c in cities}
    assert by_slug["springfield"].population == max(
        c.population for c in cities if c.name == "Springfield"
    )


def test_us_cities_name_their_state_and_others_no_region():
    springfields = {
        c.slug: c.region for c in gazetteer.cities(country_codes=["US"]) if c.name == "Springfield"
    }
    cologne = next(c for c in gazetteer.cities(country_codes=["DE"]) if c.name == "Köln")

    assert springfields["springfield-il"] == "Illinois"
    assert springfields["springfield-ma"] == "Massachusetts"
    assert len(set(springfields.values())) == len(springfields) == 8
    assert cologne.region == ""


def test_reloading_names_the_state_of_a_city_loaded_without_it(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["load-cities", "--country", "US"])
    springfield = db.session.scalar(select(City).where(City.slug == "springfield-il"))
    springfield.region = ""
    db.session.commit()

    again = runner.invoke(args=["load-cities", "--country", "US"])

    assert "Cities added: 0, updated: 1." in again.output
    assert db.session.get(City, springfield.id).region == "Illinois"


def test_load_cities_is_idempotent(app):
    runner = app.test_cli_runner()

    first = runner.invoke(args=["load-cities", "--country", "LU", "--country", "be"])
    loaded = (count(Country), count(City), count(CityName))
    second = runner.invoke(args=["load-cities", "--country", "LU", "--country", "BE"])

    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert "Cities added: 0, updated: 0. Names added: 0." in second.output
    assert (count(Country), count(City), count(CityName)) == loaded
    assert loaded[1] > 10
    assert db.session.scalar(select(Country.name).where(Country.code == "LU")) == "Luxembourg"


def test_loading_cities_gives_the_query_planner_statistics_of_them(app):
    """SQLite never gathers them by itself: without them it read a country's meetups
    through the index on their status, three times slower at 10,000 meetups."""
    app.test_cli_runner().invoke(args=["load-cities", "--country", "LU"])

    assert statistics_of("cities") > 0


def statistics_of(table: str) -> int:
    """Rows of planner statistics about `table` (none before the first ANALYZE)."""
    if db.engine.dialect.name == "postgresql":
        query = "SELECT count(*) FROM pg_stats WHERE tablename = :table"
    elif db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")):
        query = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = :table"
    else:
        return 0
    return db.session.scalar(text(query), {"table": table})


def test_load_cities_if_empty_skips_a_loaded_directory(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["load-cities", "--country", "LU"])

    result = runner.invoke(args=["load-cities", "--if-empty"])

    assert result.exit_code == 0
    assert "already loaded" in result.output
    assert db.session.scalar(select(func.count(City.id)).where(City.country_code != "LU")) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--country", "XX"], "unknown country code(s): XX"),
        (["--min-population", "100"], "100 is not in the range x>=15000"),
        (["--min-population", "many"], "'many' is not a valid integer"),
    ],
)
def test_load_cities_rejects_bad_arguments_and_loads_nothing(app, args, message):
    result = app.test_cli_runner().invoke(args=["load-cities", *args])

    assert result.exit_code == 2
    assert message in result.output
    assert count(City) == 0
