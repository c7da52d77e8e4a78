"""schema.org JSON-LD for search engines: records in, dicts out. Pure, no Flask.

A meetup page describes its series as one `Event` with an `eventSchedule`, so a
search engine can show "every Thursday 09:00–11:00" and the next date, in the
meetup's own zone. `script_json` writes any of these dicts for a
`<script type="application/ld+json">` block, where no text may close the element.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from meetups.schedule import (
    WEEKDAY_NAMES,
    Change,
    Occurrence,
    Schedule,
    describe,
    first_occurrence_date,
    local_datetime,
    next_occurrences,
    occurrences,
)

SCHEMA = "https://schema.org"
# Cancelled dates listed in `exceptDate`: what a traveller may plan for, not the whole history.
EXCEPT_HORIZON = timedelta(days=183)
# Where to look back for the last date of a series that is over (rules repeat within 12 weeks).
_LOOKBACK = timedelta(days=400)

# A series' status as schema.org says it. There is no "ended" status: an ended series is a
# cancelled one (its coming dates will not happen), and a paused one is postponed ("the
# event has been postponed to a later date, but the date isn't known yet"), which is exactly
# what a pause is. Search engines keep `startDate` as the date that was planned.
EVENT_STATUS = {
    "active": f"{SCHEMA}/EventScheduled",
    "paused": f"{SCHEMA}/EventPostponed",
    "ended": f"{SCHEMA}/EventCancelled",
}

# Characters that must not appear raw inside <script>: "</script>" or "<!--" would end or
# confuse the element. They only ever occur inside JSON strings, where \u escapes mean
# the same; U+2028/2029 are escaped for the sake of any script that evaluates the text.
_SCRIPT_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


@dataclass(frozen=True)
class PlaceRecord:
    """A venue as search engines see it. Approximate coordinates (a city's centre) are
    not given: a pin there would send people to the wrong street."""

    name: str
    url: str
    street_address: str
    locality: str
    country_code: str
    latitude: float | None = None
    longitude: float | None = None
    approximate: bool = False


@dataclass(frozen=True)
class EventRecord:
    """A meetup series: `schedule` with its own dates (not shortened by a pause or end)."""

    name: str
    url: str
    description: str
    schedule: Schedule
    status: str
    place: PlaceRecord
    changes: tuple[Change, ...] = ()
    # The last date a paused or ended series ran (see Meetup.last_date).
    last_date: date | None = None
    # Venues that single dates moved to, by venue id.
    places: Mapping[int, PlaceRecord] = field(default_factory=dict)
    languages: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


def event(record: EventRecord, now: datetime) -> dict[str, Any]:
    """The series as a schema.org Event, its `startDate` the next date people can go to."""
    occurrence = _shown_occurrence(record, now)
    place = record.place
    if occurrence.venue_id is not None:
        place = record.places.get(occurrence.venue_id, place)
    data: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "Event",
        "name": record.name,
        "description": record.description or summary(record.schedule, record.place),
        "url": record.url,
        "startDate": occurrence.start.isoformat(),
        "endDate": occurrence.end.isoformat(),
        "eventSchedule": event_schedule(record, now),
        "eventStatus": EVENT_STATUS[record.status],
        "eventAttendanceMode": f"{SCHEMA}/OfflineEventAttendanceMode",
        "location": place_data(place),
        "isAccessibleForFree": True,
    }
    if record.languages:
        languages = list(record.languages)
        data["inLanguage"] = languages[0] if len(languages) == 1 else languages
    if record.keywords:
        data["keywords"] = ", ".join(record.keywords)
    return data


def summary(schedule: Schedule, place: PlaceRecord) -> str:
    """ "Every Thursday, 09:00–11:00 at Café Central, Paris.": the series in one line."""
    return f"{describe(schedule)} at {place.name}, {place.locality}."


def event_schedule(record: EventRecord, now: datetime) -> dict[str, Any]:
    """The rule as a schema.org Schedule, in local wall-clock time with its zone named."""
    schedule = record.schedule
    rule = schedule.rule
    first = first_occurrence_date(schedule) or schedule.first_date
    end = _schedule_end(record)
    data: dict[str, Any] = {
        "@type": "Schedule",
        "repeatFrequency": "P1M" if rule.freq == "MONTHLY" else f"P{rule.interval}W",
        "byDay": [f"{SCHEMA}/{WEEKDAY_NAMES[day]}" for day in rule.weekdays],
    }
    if rule.freq == "MONTHLY":
        # 1 to 4, or -1 for the last week, as RFC 5545's BYDAY=-1FR counts.
        data["byMonthWeek"] = rule.week_of_month
    start = datetime.combine(date(2000, 1, 3), schedule.start_time)
    data |= {
        "startTime": start.time().isoformat("seconds"),
        "endTime": (start + schedule.duration).time().isoformat("seconds"),
        "duration": iso_duration(schedule.duration),
        # The first date, not the first day typed: every-N-weeks series count from it.
        "startDate": first.isoformat(),
        "scheduleTimezone": schedule.timezone,
    }
    if end is not None:
        data["endDate"] = end.isoformat()
    cancelled = _cancelled_dates(record, now, end)
    if cancelled:
        data["exceptDate"] = [day.isoformat() for day in cancelled]
    return data


def place_data(place: PlaceRecord) -> dict[str, Any]:
    address: dict[str, Any] = {"@type": "PostalAddress"}
    if place.street_address:
        address["streetAddress"] = place.street_address
    address |= {"addressLocality": place.locality, "addressCountry": place.country_code}
    data: dict[str, Any] = {"@type": "Place", "name": place.name, "url": place.url}
    data["address"] = address
    if place.latitude is not None and place.longitude is not None and not place.approximate:
        data["geo"] = {
            "@type": "GeoCoordinates",
            "latitude": place.latitude,
            "longitude": place.longitude,
        }
    return data


def website(name: str, url: str) -> dict[str, Any]:
    return {"@context": SCHEMA, "@type": "WebSite", "name": name, "url": url}


def breadcrumbs(items: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """A BreadcrumbList from (name, absolute URL) pairs, from the home page down."""
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": position, "name": name, "item": url}
            for position, (name, url) in enumerate(items, start=1)
        ],
    }


def script_json(data: Any) -> str:
    """JSON safe inside a <script> element: no "<", ">" or "&" left raw, so a name such as
    "</script><script>…" stays a string. The same JSON once parsed."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escape in _SCRIPT_ESCAPES.items():
        text = text.replace(char, escape)
    return text


def iso_duration(duration: timedelta) -> str:
    """ "PT2H", "PT1H30M": an ISO 8601 duration in whole minutes."""
    hours, minutes = divmod(int(duration.total_seconds()) // 60, 60)
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes or not hours else "")


def _schedule_end(record: EventRecord) -> date | None:
    """The series' own end date; an ended series ended on its last date."""
    if record.status == "ended" and record.last_date is not None:
        end = record.schedule.end_date
        return record.last_date if end is None else min(end, record.last_date)
    return record.schedule.end_date


def _shown_occurrence(record: EventRecord, now: datetime) -> Occurrence:
    """The next date by the schedule (for a paused or ended series, the one that will not
    happen, as search engines ask), else the last one, else the first date as typed."""
    schedule, changes = record.schedule, record.changes
    coming = next_occurrences(schedule, changes, after=now, limit=1, include_cancelled=False)
    if coming:
        return coming[0]
    if schedule.end_date is not None:
        zone = schedule.zone
        end = datetime.combine(schedule.end_date + timedelta(days=2), time(), zone)
        past = occurrences(schedule, changes, start=end - _LOOKBACK, end=end)
        if past:
            return past[-1]
    start = local_datetime(schedule.first_date, schedule.start_time, schedule.zone)
    end = (start.astimezone(UTC) + schedule.duration).astimezone(start.tzinfo)
    return Occurrence(schedule.first_date, start, end)


def _cancelled_dates(record: EventRecord, now: datetime, end: date | None) -> list[date]:
    """Cancelled dates from today (in the meetup's zone) to the horizon, within the series."""
    today = now.astimezone(record.schedule.zone).date()
    last = today + EXCEPT_HORIZON
    if end is not None:
        last = min(last, end)
    return sorted(
        change.original_date
        for change in record.changes
        if change.cancelled and today <= change.original_date <= last
    )
