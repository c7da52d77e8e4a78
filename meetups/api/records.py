"""The open-data API's vocabulary: query parameters in, JSON-ready records out.

Pure and Flask-free: the blueprint (`meetups.api.routes`) hands in the query string
as a plain mapping and directory items as loaded, and gets back dicts whose
shapes the OpenAPI document (`meetups.api.schema`) describes field by field.
Names are snake_case and stable; dates are ISO 8601, times local wall-clock
times with their zone named, as everywhere on the site.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urlencode

from meetups.markup import markdown_to_text, render_markdown
from meetups.schedule import (
    FIRST_DAY,
    LAST_DAY,
    Occurrence,
    describe,
    end_time,
    is_supported_day,
)

API_PREFIX = "/api/v1"
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
# Far beyond any directory; keeps OFFSET within every engine's integers.
MAX_PAGE = 100_000
MAX_WINDOW_DAYS = 92
MAX_QUERY_LENGTH = 100
MAX_SLUG_LENGTH = 80
STATUSES = ("active", "paused", "ended")
COORDINATE_SOURCES = ("geocoder", "gazetteer", "manual")
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
COUNTRY_PATTERN = r"^[A-Za-z]{2}$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_SLUG = re.compile(SLUG_PATTERN)
_COUNTRY = re.compile(COUNTRY_PATTERN)
_DATE = re.compile(DATE_PATTERN)
_INTEGER = re.compile(r"^[+]?[0-9]{1,9}$")
_NUMBER = re.compile(r"^[+-]?(?:[0-9]+(?:[.][0-9]*)?|[.][0-9]+)(?:[eE][+-]?[0-9]{1,4})?$")


class ApiError(Exception):
    """A request the API cannot answer; `message` is for the person writing the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_record(status: int, message: str) -> dict[str, Any]:
    return {"error": {"status": status, "message": message}}


def _shown(text: str, limit: int = 40) -> str:
    """A value quoted back in an error message, cut short."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


class Params:
    """One request's query parameters, each read once, typed, and checked.

    Unknown or repeated parameters are refused rather than ignored: a typo such
    as `contry=fr` would otherwise silently return the whole directory.
    """

    def __init__(self, args: Mapping[str, Sequence[str]], allowed: Iterable[str]) -> None:
        allowed = tuple(allowed)
        unknown = sorted(name for name in args if name not in allowed)
        if unknown:
            names = ", ".join(_shown(name) for name in unknown[:5])
            known = ", ".join(allowed) or "none"
            raise ApiError(400, f"Unknown parameter {names}; this endpoint takes: {known}.")
        for name, values in args.items():
            if len(values) > 1:
                raise ApiError(400, f"Give {name} at most once.")
        self._values = {name: values[0] for name, values in args.items() if values}

    def _raw(self, name: str) -> str | None:
        return self._values.get(name)

    def text(self, name: str, max_length: int = MAX_QUERY_LENGTH) -> str:
        value = self._raw(name) or ""
        if len(value) > max_length:
            raise ApiError(400, f"{name} must be at most {max_length} characters.")
        return value.strip()

    def slug(self, name: str) -> str | None:
        value = self._raw(name)
        if value is None:
            return None
        if len(value) > MAX_SLUG_LENGTH or not _SLUG.match(value):
            raise ApiError(
                400,
                f"{name} must be a slug (lower-case letters, digits and hyphens), "
                f"not {_shown(value)}.",
            )
        return value

    def country(self, name: str = "country") -> str | None:
        """An ISO 3166-1 alpha-2 code, in either case; returned upper-case."""
        value = self._raw(name)
        if value is None:
            return None
        if not _COUNTRY.match(value):
            raise ApiError(400, f"{name} must be a two-letter country code, not {_shown(value)}.")
        return value.upper()

    def choice(self, name: str, choices: Sequence[str]) -> str | None:
        value = self._raw(name)
        if value is not None and value not in choices:
            raise ApiError(400, f"{name} must be one of {', '.join(choices)}, not {_shown(value)}.")
        return value

    def integer(self, name: str, default: int, minimum: int, maximum: int) -> int:
        value = self._raw(name)
        if value is None:
            return default
        if not _INTEGER.match(value) or not minimum <= int(value) <= maximum:
            raise ApiError(
                400,
                f"{name} must be a whole number from {minimum} to {maximum}, not {_shown(value)}.",
            )
        return int(value)

    def number(
        self, name: str, minimum: float, maximum: float, default: float | None = None
    ) -> float:
        value = self._raw(name)
        if value is None or value == "":
            if default is None:
                raise ApiError(400, f"{name} is required.")
            return default
        if not _NUMBER.match(value):
            raise ApiError(400, f"{name} must be a number, not {_shown(value)}.")
        number = float(value)
        if not math.isfinite(number) or not minimum <= number <= maximum:
            raise ApiError(400, f"{name} must be a number from {minimum:g} to {maximum:g}.")
        return number

    def day(self, name: str) -> date:
        value = self._raw(name)
        if value is None:
            raise ApiError(400, f"{name} is required, as YYYY-MM-DD.")
        try:
            if not _DATE.match(value):
                raise ValueError
            day = date.fromisoformat(value)
        except ValueError:
            raise ApiError(
                400, f"{name} must be a date as YYYY-MM-DD, not {_shown(value)}."
            ) from None
        if not is_supported_day(day):
            raise ApiError(
                400, f"{name} must be between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}."
            )
        return day

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self._raw(name)
        if value is None:
            return default
        if value not in ("true", "false"):
            raise ApiError(400, f"{name} must be true or false, not {_shown(value)}.")
        return value == "true"


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int

    @classmethod
    def from_params(cls, params: Params) -> Paging:
        return cls(
            page=params.integer("page", 1, 1, MAX_PAGE),
            per_page=params.integer("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
        )

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def last_page(self, total: int) -> int:
        return max(1, -(-total // self.per_page))

    def envelope(self, items: list[dict[str, Any]], total: int) -> dict[str, Any]:
        return {"items": items, "page": self.page, "per_page": self.per_page, "total": total}

    def link_header(self, url: str, args: Mapping[str, Sequence[str]], total: int) -> str:
        """RFC 8288 links to the first, previous, next and last pages, the query otherwise kept."""
        last = self.last_page(total)
        targets = {"first": 1, "last": last}
        if self.page > 1:
            targets["prev"] = min(self.page - 1, last)
        if self.page < last:
            targets["next"] = self.page + 1
        order = ("first", "prev", "next", "last")
        return ", ".join(
            f'<{_with_page(url, args, targets[rel])}>; rel="{rel}"'
            for rel in order
            if rel in targets
        )


def _with_page(url: str, args: Mapping[str, Sequence[str]], page: int) -> str:
    pairs = [(name, values[0]) for name, values in args.items() if name != "page" and values]
    return f"{url}?{urlencode([*pairs, ('page', str(page))])}"


def paginate(items: Sequence[Any], paging: Paging) -> list[Any]:
    return list(items[paging.offset : paging.offset + paging.per_page])


@dataclass(frozen=True)
class Links:
    """Absolute addresses, built from the site's public base URL as feeds and pages do."""

    base_url: str

    def page(self, path: str) -> str:
        return self.base_url + path

    def feed(self, path: str) -> str:
        return f"{self.base_url}/feeds/{path}"

    def api(self, path: str) -> str:
        return f"{self.base_url}{API_PREFIX}{path}"


def country_record(country: Any, city_count: int, meetup_count: int, links: Links) -> dict:
    code = country.code.lower()
    return {
        "code": country.code,
        "name": country.name,
        "city_count": city_count,
        "meetup_count": meetup_count,
        "cities_url": links.api(f"/cities?country={code}"),
        "page_url": links.page(f"/{code}/"),
        "feed_url": links.feed(f"country/{code}.ics"),
    }


def city_ref(city: Any, links: Links) -> dict:
    code = city.country_code.lower()
    return {
        "name": city.name,
        "slug": city.slug,
        "region": city.region,
        "country_code": city.country_code,
        "country_name": city.country.name,
        "api_url": links.api(f"/cities/{code}/{city.slug}"),
    }


def city_record(city: Any, meetup_count: int, links: Links) -> dict:
    code = city.country_code.lower()
    return {
        **city_ref(city, links),
        "geonames_id": city.id,
        "latitude": city.latitude,
        "longitude": city.longitude,
        "timezone": city.timezone,
        "population": city.population,
        "meetup_count": meetup_count,
        "page_url": links.page(f"/{code}/{city.slug}/"),
        "feed_url": links.feed(f"city/{code}/{city.slug}.ics"),
    }


def venue_record(venue: Any, links: Links) -> dict:
    source = str(venue.coordinates_source)
    return {
        "slug": venue.slug,
        "name": venue.name,
        "address": venue.address,
        "city": city_ref(venue.city, links),
        "latitude": venue.latitude,
        "longitude": venue.longitude,
        "coordinates_source": source,
        "approximate": source == "gazetteer",
        "timezone": venue.timezone,
        "notes": venue.notes,
        "api_url": links.api(f"/venues/{venue.slug}"),
        "page_url": links.page(f"/v/{venue.slug}/"),
        "feed_url": links.feed(f"venue/{venue.slug}.ics"),
    }


def schedule_record(meetup: Any) -> dict:
    """The series as an RFC 5545 rule in local wall-clock time, and in words.

    `end_date` is the last day the series can run: its own end date, or the eve
    of a pause or end, as the calendar feeds' UNTIL.
    """
    schedule = meetup.schedule
    last = meetup.last_date
    return {
        "rrule": schedule.rule.to_rrule(),
        "start_time": schedule.start_time.isoformat(timespec="minutes"),
        "end_time": end_time(schedule).isoformat(timespec="minutes"),
        "duration_minutes": meetup.duration_minutes,
        "timezone": schedule.timezone,
        "first_date": schedule.first_date.isoformat(),
        "end_date": None if last is None else last.isoformat(),
        "description": describe(schedule),
    }


def meetup_ref(meetup: Any, links: Links) -> dict:
    return {
        "slug": meetup.slug,
        "name": meetup.name,
        "status": str(meetup.status),
        "api_url": links.api(f"/meetups/{meetup.slug}"),
        "page_url": links.page(f"/m/{meetup.slug}/"),
    }


def meetup_record(meetup: Any, links: Links) -> dict:
    return {
        **meetup_ref(meetup, links),
        "description": markdown_to_text(meetup.description),
        "description_html": render_markdown(meetup.description),
        "status_since": _iso(meetup.status_since),
        "schedule": schedule_record(meetup),
        "venue": venue_record(meetup.venue, links),
        "tags": [{"slug": tag.slug, "name": tag.name} for tag in meetup.tags],
        "languages": meetup.language_list,
        "url": meetup.url or None,
        "last_confirmed": _iso(meetup.last_confirmed),
        "feed_url": links.feed(f"meetup/{meetup.slug}.ics"),
    }


def occurrence_record(meetup: Any, occurrence: Occurrence, venue: Any, links: Links) -> dict:
    """One date, at the place it happens (a moved date's venue), in that place's local time."""
    return {
        "meetup": meetup_ref(meetup, links),
        "original_date": occurrence.original_date.isoformat(),
        "start": _local(occurrence.start),
        "end": _local(occurrence.end),
        "timezone": getattr(occurrence.start.tzinfo, "key", meetup.timezone),
        "cancelled": occurrence.cancelled,
        "moved": occurrence.moved,
        "note": occurrence.note,
        "venue": venue_record(venue, links),
    }


def near_record(meetup: Any, distance_km: float, links: Links) -> dict:
    return {"distance_km": round(distance_km, 3), "meetup": meetup_record(meetup, links)}


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _local(moment: datetime) -> str:
    """RFC 3339 with the local offset: "2026-03-26T09:00:00+01:00"."""
    return moment.isoformat(timespec="seconds")
