"""Where a venue is: a volunteer's pin, the geocoder's answer, or the city centre.

Pure (no Flask, no database), so the chain can be tested and reused on its own.
Geocoders change terms, go down and rate-limit; a volunteer is waiting on the
page. So every failure ends in the city centre from the gazetteer, marked
approximate, with a short message saying why, never in an exception; each
query is sent at most once (answers are cached by a normalised key); and
requests keep to the provider's pace (Nominatim: one a second) without retrying.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from meetups.places.geo import check_point
from meetups.slugs import name_key
from meetups.texts import N_

if TYPE_CHECKING:
    from timezonefinder import TimezoneFinder

    from meetups.places.geopy_client import GeopyClient

logger = logging.getLogger(__name__)

Source = Literal["geocoder", "gazetteer", "manual"]

# The length of GeocodeAnswer.query_key.
MAX_KEY_LENGTH = 500

NOT_FOUND = N_("no place found for this address")
NO_ADDRESS = N_("no address to look up")
DISABLED = N_("geocoding is turned off")
UNREADABLE = N_("the geocoder's answer could not be read")
UNREACHABLE = N_("the geocoder could not be reached")


@dataclass(frozen=True)
class GeocoderSettings:
    """How to reach the geocoder; `enabled` is off unless configuration turns it on.

    An empty `domain` means the provider's own (nominatim.openstreetmap.org for
    Nominatim), so switching provider needs no second setting.
    """

    enabled: bool = False
    provider: str = "nominatim"
    domain: str = ""
    scheme: str = "https"
    user_agent: str = ""
    timeout: float = 5.0
    min_delay_seconds: float = 1.0
    api_key: str = ""


@dataclass(frozen=True)
class Answer:
    """What the geocoder said about a query: worth keeping, whether a place or nothing."""

    found: bool
    latitude: float | None = None
    longitude: float | None = None
    display_name: str = ""
    provider: str = ""


class AnswerCache(Protocol):
    """Where answers are kept between requests (the database, in the app)."""

    def get(self, key: str) -> Answer | None: ...

    def put(self, key: str, answer: Answer) -> None: ...


@dataclass(frozen=True)
class CityCentre:
    """The gazetteer's city: named in the query, and the fallback position."""

    name: str
    country_code: str
    country_name: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Location:
    """Coordinates and how they were obtained; `error` says, for people, why they are approximate.

    `retry_later` is set when the geocoder failed (nothing was cached), so asking
    again later may give a better answer.
    """

    latitude: float
    longitude: float
    source: Source
    display_name: str = ""
    error: str | None = None
    retry_later: bool = False

    @property
    def is_approximate(self) -> bool:
        return self.source == "gazetteer"


def query_key(address: str, city_name: str, country_code: str) -> str:
    """One key for one place however it is typed: case, accents, spacing and punctuation aside."""
    key = "|".join(name_key(part) for part in (country_code, city_name, address))
    if len(key) <= MAX_KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: MAX_KEY_LENGTH - len(digest) - 1]}#{digest}"


def query_text(address: str, city: CityCentre) -> str:
    """The free-form query: address, city and country, the form geocoders match best.

    The city is left out when the address already ends with it ("…, 75001 Paris"):
    a repeated city name can make Nominatim find nothing.
    """
    parts = [address.strip().rstrip(","), city.name, city.country_name]
    if _ends_with_city(address, city.name):
        del parts[1]
    return ", ".join(part for part in parts if part)


def _ends_with_city(address: str, city_name: str) -> bool:
    segments = address.split(",")
    if len(segments) < 2:
        return False
    words = [word for word in name_key(segments[-1]).split() if not word.isdigit()]
    return " ".join(words) == name_key(city_name)


def manual_location(latitude: float, longitude: float) -> Location:
    """A volunteer's own coordinates, refused with a clear message if no place has them."""
    latitude, longitude = float(latitude), float(longitude)
    check_point(latitude, longitude)
    return Location(latitude, longitude, "manual")


def approximate(city: CityCentre, error: str | None, *, retry_later: bool = False) -> Location:
    """The city centre, marked approximate: better than no pin, and honest about it."""
    return Location(
        city.latitude, city.longitude, "gazetteer", city.name, error, retry_later=retry_later
    )


class Geocoder:
    """Asks the configured geopy geocoder, at its pace, and turns every outcome into a Location.

    Keep one per process (and settings): the rate limit holds across the calls
    made through one instance, from any thread.
    """

    def __init__(self, settings: GeocoderSettings) -> None:
        self.settings = settings
        self._client: GeopyClient | None = None
        if settings.enabled:
            # Imported here: geopy costs each worker some 20 MB, and geocoding is off by default.
            from meetups.places.geopy_client import GeopyClient

            self._client = GeopyClient(settings)

    def locate(self, address: str, city: CityCentre, cache: AnswerCache) -> Location:
        """Coordinates for an address in a city: cached, asked, or the city centre."""
        if self._client is None:
            return approximate(city, DISABLED)
        if not name_key(address):
            return approximate(city, NO_ADDRESS)
        key = query_key(address, city.name, city.country_code)
        answer = cache.get(key)
        if answer is None:
            from meetups.places.geopy_client import FAILURES, failure_message

            try:
                answer = self._ask(self._client, address, city)
            except FAILURES as error:
                logger.warning("Geocoding %r failed: %r", key, error)
                return approximate(
                    city, failure_message(error, self.settings.timeout), retry_later=True
                )
            cache.put(key, answer)
        return _from_answer(answer, city)

    def _ask(self, client: GeopyClient, address: str, city: CityCentre) -> Answer:
        place = client.geocode(
            query_text(address, city), city.country_code, timeout=self.settings.timeout
        )
        if place is None:
            return Answer(found=False, provider=self.settings.provider)
        check_point(place.latitude, place.longitude)
        return Answer(
            True, place.latitude, place.longitude, place.address or "", self.settings.provider
        )


def resolve(
    manual: tuple[float, float] | None,
    address: str,
    city: CityCentre,
    geocoder: Geocoder,
    cache: AnswerCache,
) -> Location:
    """Manual coordinates win without asking anyone; otherwise the geocoding chain decides."""
    if manual is not None:
        return manual_location(*manual)
    return geocoder.locate(address, city, cache)


def _from_answer(answer: Answer, city: CityCentre) -> Location:
    if not answer.found or answer.latitude is None or answer.longitude is None:
        return approximate(city, NOT_FOUND)
    return Location(answer.latitude, answer.longitude, "geocoder", answer.display_name)


def timezone_at(latitude: float, longitude: float, fallback: str) -> str:
    """The IANA zone at a point; `fallback` (the city's) at sea or when no usable zone is found.

    Ocean zones (Etc/GMT+2…) are never returned: a meetup is on land, and a
    zone our tzdata lacks would break its schedule.
    """
    try:
        check_point(latitude, longitude)
        zone = _timezone_finder().timezone_at_land(lng=longitude, lat=latitude)
    except (ValueError, TypeError, OSError):
        return fallback
    return zone if zone is not None and _is_known_zone(zone) else fallback


@cache
def _timezone_finder() -> TimezoneFinder:
    """Imported and created on first use, then shared: it costs each worker some 20 MB,
    and only workers that geocode an address need it."""
    from timezonefinder import TimezoneFinder

    return TimezoneFinder()


def _is_known_zone(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
