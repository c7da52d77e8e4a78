"""Migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from meetups import create_app
from meetups.extensions import db
from meetups.factory import PACKAGE_ROOT
from meetups.migration_heads import heads
from tests.conftest import POSTGRES_URL, require


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    require(request.getfixturevalue("postgres_engine") is not None, "PostgreSQL is not reachable")
    name = f"meetups_migrations_{os.getpid()}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(sa.text(f"CREATE DATABASE {name}"))
    yield sa.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def test_upgrade_builds_the_models_schema_and_downgrade_removes_it(empty_database):
    app = create_app({"TESTING": True, "DATABASE_URL": empty_database})
    runner = app.test_cli_runner()

    upgraded = runner.invoke(args=["db", "upgrade"])

    assert upgraded.exit_code == 0, upgraded.output
    with app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []
        assert app.test_client().get("/healthz").status_code == 200
    downgraded = runner.invoke(args=["db", "downgrade", "base"])
    assert downgraded.exit_code == 0, downgraded.output
    with app.app_context():
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_the_heads_healthz_expects_are_alembics():
    scripts = ScriptDirectory(str(PACKAGE_ROOT / "migrations"))

    assert heads() == frozenset(scripts.get_heads())


def flask(*args: str, database: Path) -> subprocess.CompletedProcess[str]:
    """The `flask` command as the Makefile and README run it, in a fresh process."""
    environment = {
        **os.environ,
        "MEETUPS_DATABASE_URL": f"sqlite:///{database}",
        "MEETUPS_SECRET_KEY": "x" * 32,
    }
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "meetups", *args],
        capture_output=True,
        text=True,
        cwd=PACKAGE_ROOT.parent,
        env=environment,
    )


def test_the_db_command_migrates_from_the_command_line(tmp_path):
    """Flask-Migrate is loaded only when used (see meetups.migrating); its commands are intact."""
    database = tmp_path / "cli.sqlite3"

    listed = flask("--help", database=database)
    helped = flask("db", "--help", database=database)
    upgraded = flask("db", "upgrade", database=database)
    current = flask("db", "current", database=database)
    heads = flask("db", "heads", database=database)

    assert listed.returncode == 0, listed.stderr
    assert "Perform database migrations." in listed.stdout
    assert helped.returncode == 0, helped.stderr
    assert {"upgrade", "downgrade", "current", "history", "heads"} <= {
        line.split()[0] for line in helped.stdout.split("Commands:")[1].splitlines() if line
    }
    assert "--x-arg" in helped.stdout
    assert upgraded.returncode == 0, upgraded.stderr
    assert current.returncode == 0, current.stderr
    assert current.stdout.split() == heads.stdout.split()
    assert current.stdout.split()[1:] == ["(head)"]


def test_flask_migrate_functions_set_it_up_on_first_use(tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'api.sqlite3'}"})

    with app.app_context():
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        record = app.extensions["migrate"]
        db.engine.dispose()

    assert {"alembic_version", "venues", "meetups"} <= tables
    assert type(record).__module__ == "flask_migrate"
    assert record.db is db
    assert record.directory == str(PACKAGE_ROOT / "migrations")
    assert {"compare_type": True, "render_as_batch": True}.items() <= record.configure_args.items()


def test_the_plain_text_of_existing_descriptions_is_filled_in(empty_database):
    app = create_app({"TESTING": True, "DATABASE_URL": empty_database})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "582f2efbdd3c"]).exit_code == 0
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO countries (code, name) VALUES ('FR', 'France')"))
        connection.execute(
            sa.text(
                "INSERT INTO cities (id, name, slug, country_code, latitude, longitude,"
                " timezone, population) VALUES (1, 'Paris', 'paris', 'FR', 48.85, 2.35,"
                " 'Europe/Paris', 2000000)"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO venues (id, name, slug, address, city_id, search_key, timezone,"
                " notes, coordinates_source, is_demo, created_at, updated_at) VALUES (1,"
                " 'Café X', 'cafe-x', '1 rue X', 1, 'cafe x', 'Europe/Paris', '', 'MANUAL',"
                " false, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO meetups (id, slug, name, description, venue_id, rrule, start_time,"
                " duration_minutes, timezone, first_date, status, sequence, search_key,"
                " languages, url, is_demo, created_at, updated_at) VALUES (1, 'oc', 'OC',"
                " 'Meet **us** at [X](https://x.example).', 1, 'FREQ=WEEKLY;BYDAY=TH',"
                " '08:30:00', 120, 'Europe/Paris', '2026-01-01', 'ACTIVE', 0, 'oc', 'en', '',"
                " false, '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
            )
        )

    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0

    with app.app_context():
        with db.engine.connect() as connection:
            text = connection.execute(sa.text("SELECT description_text FROM meetups")).scalar_one()
        db.engine.dispose()
    assert text == "Meet us at X."


def test_us_cities_already_loaded_get_their_state(empty_database):
    app = create_app({"TESTING": True, "DATABASE_URL": empty_database})
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "upgrade", "b5d1c8e3a9f7"]).exit_code == 0
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO countries (code, name) VALUES ('US', 'United States'),"
                " ('FR', 'France')"
            )
        )
        # GeoNames' Springfield, Illinois and Paris, France.
        connection.execute(
            sa.text(
                "INSERT INTO cities (id, name, slug, country_code, latitude, longitude,"
                " timezone, population) VALUES (4250542, 'Springfield', 'springfield-il', 'US',"
                " 39.8, -89.64, 'America/Chicago', 114394), (2988507, 'Paris', 'paris', 'FR',"
                " 48.85, 2.35, 'Europe/Paris', 2000000)"
            )
        )

    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0

    with app.app_context():
        with db.engine.connect() as connection:
            regions = dict(connection.execute(sa.text("SELECT slug, region FROM cities")).all())
        db.engine.dispose()
    assert regions == {"springfield-il": "Illinois", "paris": ""}
