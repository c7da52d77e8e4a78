"""Loading gazetteer records into the database, idempotently; adding one town on first use."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from meetups.models import City, CityName, Country
from meetups.places import gazetteer
from meetups.places.gazetteer import CityRecord
from meetups.places.geocoding import timezone_at
from meetups.places.towns import Town, TownIndex

_BATCH = 5000


@dataclass(frozen=True)
class LoadReport:
    countries_added: int
    cities_added: int
    cities_updated: int
    names_added: int


def load_cities(
    session: Session, country_names: Mapping[str, str], records: Iterable[CityRecord]
) -> LoadReport:
    """Insert what is missing and refresh what changed; existing slugs never change (URLs)."""
    records = list(records)
    countries_added = _load_countries(session, country_names, {r.country_code for r in records})
    existing = {city.id: city for city in session.scalars(select(City))}
    new = [record for record in records if record.id not in existing]
    updated = sum(_refresh(existing[r.id], r) for r in records if r.id in existing)
    taken = {(city.country_code, city.slug) for city in existing.values()}
    _insert_batches(
        session,
        City,
        [
            {
                "id": r.id,
                "name": r.name,
                "country_code": r.country_code,
                "slug": _unused_slug(r, taken),
                "latitude": r.latitude,
                "longitude": r.longitude,
                "timezone": r.timezone,
                "population": r.population,
                "region": r.region,
            }
            for r in new
        ],
    )
    names_added = _load_names(session, records)
    session.commit()
    return LoadReport(countries_added, len(new), updated, names_added)


def _load_countries(session: Session, names: Mapping[str, str], needed: set[str]) -> int:
    known = set(session.scalars(select(Country.code)))
    missing = [
        {"code": code, "name": names.get(code, code)}
        for code in sorted(set(names) | needed)
        if code not in known
    ]
    _insert_batches(session, Country, missing)
    return len(missing)


def _refresh(city: City, record: CityRecord) -> bool:
    fields = {
        "name": record.name,
        "latitude": record.latitude,
        "longitude": record.longitude,
        "timezone": record.timezone,
        "population": record.population,
        "region": record.region,
    }
    changed = {key: value for key, value in fields.items() if getattr(city, key) != value}
    for key, value in changed.items():
        setattr(city, key, value)
    return bool(changed)


def _unused_slug(record: CityRecord, taken: set[tuple[str, str]]) -> str:
    """A new city whose slug an already-loaded namesake holds gets its id appended."""
    if (record.country_code, record.slug) in taken:
        return f"{record.slug}-{record.id}"
    return record.slug


def _load_names(session: Session, records: list[CityRecord]) -> int:
    have: dict[int, set[str]] = defaultdict(set)
    for city_id, key in session.execute(select(CityName.city_id, CityName.key)):
        have[city_id].add(key)
    rows = [
        {"city_id": record.id, "key": key}
        for record in records
        for key in sorted(record.name_keys - have[record.id])
    ]
    _insert_batches(session, CityName, rows)
    return len(rows)


def _insert_batches(session: Session, model: type, rows: list[dict]) -> None:
    for start in range(0, len(rows), _BATCH):
        session.execute(insert(model), rows[start : start + _BATCH])


class UnknownTown(LookupError):
    """No place of the offline data has that id."""


def add_town(session: Session, index: TownIndex, town_id: int) -> City:
    """The directory's city for a town of the offline data, added on its first use.

    Its slug follows the loaded cities' rules and is free in its country; its names are
    searchable at once. Flushed, not committed: the caller's transaction decides.
    """
    existing = session.get(City, town_id)
    if existing is not None:
        return existing
    town = index.town(town_id)
    if town is None:
        raise UnknownTown(town_id)
    if not town.timezone:
        # GeoNames names every town's zone today; should a release not, its coordinates do.
        town = replace(town, timezone=timezone_at(town.latitude, town.longitude, "UTC"))
    taken = set(session.scalars(select(City.slug).where(City.country_code == town.country_code)))
    record = town.record(taken)
    _load_countries(session, gazetteer.countries(), {record.country_code})
    session.add(
        City(
            id=record.id,
            name=record.name,
            country_code=record.country_code,
            slug=record.slug,
            latitude=record.latitude,
            longitude=record.longitude,
            timezone=record.timezone,
            population=record.population,
            region=record.region,
        )
    )
    session.flush()
    session.add_all(CityName(city_id=record.id, key=key) for key in sorted(record.name_keys))
    session.flush()
    return session.get(City, town_id)


def towns_to_add(session: Session, index: TownIndex, text: str, limit: int = 10) -> list[Town]:
    """Towns of the offline data a search names that the directory does not hold yet."""
    found = index.search(text, limit=limit * 4)
    loaded = set(session.scalars(select(City.id).where(City.id.in_([t.id for t in found]))))
    return [town for town in found if town.id not in loaded][:limit]
