"""Country and city names in a visitor's language: "Allemagne", "Londres" on French pages.

Countries are named from Babel's CLDR data. Cities are named from small curated files,
`data/city_names_<language>.csv`: GeoNames' alternate names are loaded without saying
which language each is in, so each file picks, for well-known cities, the one a language
uses (checked against GeoNames and CLDR by tests/test_place_names.py). English is the
stored GeoNames name itself, so English pages, feeds and the API (which stay in English)
read what they always read. Pure: the web layer passes the language in.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from babel import Locale

from meetups.slugs import fold

ENGLISH = "en"
DATA = Path(__file__).resolve().parent / "data"

# CLDR's short names, which Babel does not keep: its long ones ("R.A.S. chinoise de
# Hong Kong") are official, and not what anyone looking for a coffee reads.
SHORT_COUNTRY_NAMES = {
    "de": {"HK": "Hongkong", "MO": "Macau"},
    "es": {"HK": "Hong Kong", "MO": "Macao"},
    "fr": {"HK": "Hong Kong", "MO": "Macao"},
    "it": {"HK": "Hong Kong", "MO": "Macao"},
    "pt": {"HK": "Hong Kong", "MO": "Macau"},
}


def country_name(code: str, english: str, language: str) -> str:
    """The country in `language` ("Allemagne"); its stored English name if CLDR has none."""
    if language == ENGLISH:
        return english
    return _country_names(language).get(code.upper(), english)


def country_named(code: str, language: str) -> str:
    """A country by its code alone (one not in the directory yet), as CLDR names it."""
    return _country_names(language).get(code.upper(), code)


def city_name(city_id: int, english: str, language: str) -> str:
    """The city in `language` where its curated file names it ("Londres"), else as stored."""
    if language == ENGLISH:
        return english
    return city_names(language).get(city_id, english)


def sort_key(name: str) -> tuple[str, str]:
    """Alphabetical order as readers expect it: "Égypte" among the E's, not after "Zambie"."""
    return fold(name), name


def other_names(city_id: int) -> list[str]:
    """The city's curated names in every language, so that search finds it by any of them."""
    return [names[city_id] for names in _all_city_names() if city_id in names]


@cache
def city_names(language: str) -> dict[int, str]:
    """GeoNames id → the city's name in `language`, from its curated file (none: empty)."""
    path = DATA / f"city_names_{language}.csv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as file:
        rows = csv.DictReader(line for line in file if not line.startswith("#"))
        return {int(row["geonameid"]): row["name"] for row in rows}


@cache
def _all_city_names() -> tuple[dict[int, str], ...]:
    languages = sorted(path.stem.rpartition("_")[2] for path in DATA.glob("city_names_*.csv"))
    return tuple(city_names(language) for language in languages)


@cache
def _country_names(language: str) -> dict[str, str]:
    names = dict(Locale.parse(language).territories)
    names.update(SHORT_COUNTRY_NAMES.get(language, {}))
    return names
