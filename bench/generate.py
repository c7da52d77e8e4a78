"""A large, realistic, deterministic directory for benchmarks.

Real cities (already loaded with `flask --app meetups load-cities`), invented
venues and meetups, drawn from one seeded random generator so that two runs
with the same seed on the same day build the same directory. Rows go in with
bulk Core inserts: 100,000 meetups take seconds, not minutes.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

from sqlalchemy import Insert, Table, UnaryExpression, insert, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from meetups.markup import markdown_to_text
from meetups.models import (
    City,
    CoordinateSource,
    Meetup,
    MeetupChange,
    MeetupStatus,
    Tag,
    Venue,
    meetup_tags,
)
from meetups.schedule import Rule, Schedule, next_occurrences
from meetups.slugs import name_key, unique_slug

T = TypeVar("T")

MEETUPS_PER_VENUE = 1.3
# The most populous city, which the benchmark drives, holds this many at any size: about what
# the busiest city would hold at 10,000 meetups.
SAMPLE_CITY_MEETUPS = 60
# Bigger cities get more venues, but less than in proportion to their population:
# at 10,000 meetups the biggest city has about fifty.
POPULATION_WEIGHT_EXPONENT = 0.75
MAX_VENUE_DISTANCE_KM = 4.0
HISTORY_DAYS = 3 * 365
KM_PER_DEGREE = 111.32
SEARCH_KEY_LENGTH = 520

TAGS = (
    "open-coffee",
    "startups",
    "founders",
    "freelancers",
    "investors",
    "tech",
    "developers",
    "design",
    "product",
    "marketing",
    "indie-hackers",
    "remote-work",
    "job-seekers",
    "fintech",
    "climate",
    "health",
    "ai",
    "nonprofits",
    "writers",
    "crafts",
)
MEETUP_NAMES = (
    "Open Coffee {city}",
    "{city} Founders Breakfast",
    "Indie Makers {city}",
    "{city} Tech Coffee",
    "Freelancers' Coffee {city}",
    "{city} Startup Morning",
    "Remote Workers {city}",
    "{city} Coffee & Code",
)
DISTRICTS = ("Centre", "North", "South", "East", "West", "Old Town", "Riverside", "Station")
VENUE_KINDS = ("Café", "Coffee House", "Bakery", "Library", "Coworking", "Tea Room", "Roastery")
VENUE_WORDS = ("Central", "Aurora", "Linden", "Harbour", "Meridian", "Juniper", "Atlas", "Kiln")
STREETS = ("Market Street", "Station Road", "Church Lane", "Park Avenue", "Mill Street", "Quay")
VENUE_NOTES = ("", "Wifi, a few power sockets.", "Big shared table at the back.", "Quiet upstairs.")
# Each meetup's own text, as volunteers write them: Markdown, naming the city, sometimes a
# second paragraph with a link. Seldom two alike, as in a real directory: a cache of
# rendered text must not make the benchmark look better than real use.
DESCRIPTIONS = (
    "Entrepreneurs, freelancers and the curious of {city} meet **every time**. "
    "Buy a coffee, say hello.",
    "No talks, no badges: just people building things in {city} ({district}), and coffee.",
    "Founders, investors and job seekers. Look for the table with the *laptop stickers*, "
    "near the {district} entrance.",
)
DESCRIPTION_EXTRAS = (
    "",
    "\n\nPhotos and past dates: [our page](https://example.org/{number}).",
    "\n\nFirst time? Ask for *{name}* at the counter.",
)
LANGUAGES = ("en", "en", "en,fr", "de,en", "es", "pt,en", "fr", "ja,en")
CHANGE_NOTES = ("The café is closed for a private event.", "Public holiday.", "")

# (share, kind): weekly on one day, two days, every other week, monthly nth and last weekday.
RULE_MIX = ((0.55, "weekly"), (0.10, "twice-weekly"), (0.15, "fortnightly"), (0.12, "monthly"))
STATUS_MIX = ((0.85, MeetupStatus.ACTIVE), (0.10, MeetupStatus.PAUSED))
CANCELLED_SHARE = 0.05
MOVED_SHARE = 0.03
GEOCODED_SHARE = 0.8


@dataclass(frozen=True)
class _City:
    id: int
    name: str
    latitude: float
    longitude: float
    timezone: str
    population: int


def generate_directory(
    session: Session,
    meetups: int = 10_000,
    cities: int = 2_000,
    seed: int = 1,
    today: date | None = None,
) -> dict:
    """Add venues, meetups, tags and date changes; the caller commits. Returns what was added.

    Dates are relative to `today` (default: the real today) so that cancelled and
    moved dates are really in the future, as they are on a live site. The most
    populous city gets `SAMPLE_CITY_MEETUPS` meetups whatever the size, so that
    its page costs the same work in a directory of 1,000 meetups or 100,000.
    """
    rng = random.Random(seed)
    today = today or date.today()
    chosen = _most_populous_cities(session, cities)
    if not chosen:
        raise ValueError("No cities are loaded: run `flask --app meetups load-cities` first.")
    sample, others = chosen[0], chosen[1:]
    in_sample = _sample_city_meetups(meetups, has_other_cities=bool(others))
    sample_venues = [sample] * max(1, round(in_sample / MEETUPS_PER_VENUE))
    other_venues = _spread_venues(rng, others, round((meetups - in_sample) / MEETUPS_PER_VENUE))
    venue_cities = sample_venues + other_venues
    venue_ids = _insert_venues(session, rng, venue_cities)
    city_of = dict(zip(venue_ids, venue_cities, strict=True))
    placed = _place_meetups(rng, venue_ids[: len(sample_venues)], in_sample) + _place_meetups(
        rng, venue_ids[len(sample_venues) :], meetups - in_sample
    )
    rows = [_meetup_row(rng, city_of[venue_id], venue_id, today) for venue_id in placed]
    _assign_unique_slugs(session, Meetup, rows)
    meetup_ids = _insert_with_ids(session, Meetup, rows)
    tagged = _insert_tags(session, rng, meetup_ids)
    changes = _insert_changes(session, rng, meetup_ids, rows, _neighbours(city_of), today)
    return {
        "cities": len(chosen),
        "venues": len(venue_ids),
        "meetups": len(meetup_ids),
        "tags": len(TAGS),
        "tagged": tagged,
        "statuses": dict(Counter(str(row["status"]) for row in rows)),
        "rules": dict(Counter(row["rrule"].split(";")[0] for row in rows)),
        **changes,
    }


def _sample_city_meetups(meetups: int, has_other_cities: bool) -> int:
    """How many meetups the most populous city gets: a fixed number, unless the run is tiny."""
    if not has_other_cities:
        return meetups
    return max(1, min(SAMPLE_CITY_MEETUPS, meetups // 2))


def most_populous_first() -> tuple[UnaryExpression[int], InstrumentedAttribute[int]]:
    """The order cities are chosen in; the first is the city the benchmark drives."""
    return City.population.desc(), City.id


def _most_populous_cities(session: Session, limit: int) -> list[_City]:
    query = (
        select(City.id, City.name, City.latitude, City.longitude, City.timezone, City.population)
        .order_by(*most_populous_first())
        .limit(limit)
    )
    return [_City(*row) for row in session.execute(query)]


def _spread_venues(rng: random.Random, cities: list[_City], count: int) -> list[_City]:
    """Every city gets a venue (while there are enough); the rest go mostly to big cities."""
    if not cities:
        return []
    base = cities[:count]
    weights = [city.population**POPULATION_WEIGHT_EXPONENT for city in cities]
    return base + rng.choices(cities, weights=weights, k=count - len(base))


def _neighbours(city_of: dict[int, _City]) -> dict[int, list[int]]:
    """Every venue of the same city, by venue."""
    by_city: dict[int, list[int]] = {}
    for venue_id, city in city_of.items():
        by_city.setdefault(city.id, []).append(venue_id)
    return {venue_id: by_city[city.id] for venue_id, city in city_of.items()}


def _place_meetups(rng: random.Random, venue_ids: list[int], count: int) -> list[int]:
    """One meetup per venue first, then the rest at random venues: some host two or three."""
    first = venue_ids[:count]
    return first + rng.choices(venue_ids, k=count - len(first))


def _insert_venues(session: Session, rng: random.Random, cities: list[_City]) -> list[int]:
    rows = [_venue_row(rng, city) for city in cities]
    _assign_unique_slugs(session, Venue, rows)
    return _insert_with_ids(session, Venue, rows)


def _venue_row(rng: random.Random, city: _City) -> dict:
    latitude, longitude = _near(rng, city.latitude, city.longitude)
    geocoded = rng.random() < GEOCODED_SHARE
    name = f"{rng.choice(VENUE_KINDS)} {rng.choice(VENUE_WORDS)}"
    address = f"{rng.randint(1, 200)} {rng.choice(STREETS)}"
    return {
        "name": name,
        "slug": f"{name} {city.name}",
        "address": address,
        # Bulk inserts skip the models' before_insert listeners, so do what they do.
        "search_key": name_key(f"{name} {address}")[:SEARCH_KEY_LENGTH],
        "city_id": city.id,
        "latitude": latitude,
        "longitude": longitude,
        "coordinates_source": CoordinateSource.GEOCODER if geocoded else CoordinateSource.MANUAL,
        "coordinates_updated_at": datetime(2024, 1, 1, tzinfo=UTC)
        + timedelta(days=rng.randrange(HISTORY_DAYS)),
        "timezone": city.timezone,
        "notes": rng.choice(VENUE_NOTES),
    }


def _near(rng: random.Random, latitude: float, longitude: float) -> tuple[float, float]:
    """A point a few kilometres from the city centre, in a random direction."""
    distance = rng.uniform(0.1, MAX_VENUE_DISTANCE_KM)
    bearing = rng.uniform(0, 2 * math.pi)
    north = distance * math.cos(bearing) / KM_PER_DEGREE
    east = (
        distance * math.sin(bearing) / (KM_PER_DEGREE * max(0.01, math.cos(math.radians(latitude))))
    )
    return round(latitude + north, 6), round((longitude + east + 180) % 360 - 180, 6)


def _meetup_row(rng: random.Random, city: _City, venue_id: int, today: date) -> dict:
    status = _pick(rng, STATUS_MIX, MeetupStatus.ENDED)
    listed_for = rng.randrange(60 if status != MeetupStatus.ACTIVE else 0, HISTORY_DAYS)
    first_date = today - timedelta(days=listed_for)
    created = datetime.combine(first_date, time(), UTC) - timedelta(days=rng.randrange(1, 60))
    district = rng.choice(DISTRICTS)
    name = rng.choice(MEETUP_NAMES).format(city=city.name) + f" {district}"
    description = (rng.choice(DESCRIPTIONS) + rng.choice(DESCRIPTION_EXTRAS)).format(
        city=city.name, district=district, name=name, number=rng.randrange(10**6)
    )
    confirmed = rng.randrange(400) if rng.random() < 0.95 else None
    return {
        "name": name,
        "slug": name,
        "search_key": name_key(name)[:SEARCH_KEY_LENGTH],
        "description": description,
        # Bulk inserts skip the models' before_insert listeners, so do what they do.
        "description_text": markdown_to_text(description),
        "venue_id": venue_id,
        "rrule": _random_rule(rng).to_rrule(),
        "start_time": time(7 + rng.randrange(26) // 2, 30 * rng.randrange(2)),
        "duration_minutes": rng.randrange(60, 181, 15),
        "timezone": city.timezone,
        "first_date": first_date,
        "status": status,
        "status_since": _status_since(rng, status, first_date, today),
        "languages": rng.choice(LANGUAGES),
        "url": "" if rng.random() < 0.5 else f"https://example.org/{rng.randrange(10**6)}",
        "last_confirmed": None if confirmed is None else today - timedelta(days=confirmed),
        "sequence": rng.randrange(4),
        "created_at": created,
        "updated_at": created + timedelta(days=rng.randrange(listed_for + 1)),
    }


def _random_rule(rng: random.Random) -> Rule:
    kind = _pick(rng, RULE_MIX, "monthly-last")
    day = rng.choices(range(7), weights=(4, 5, 5, 5, 4, 1, 0.5))[0]
    if kind == "weekly":
        return Rule("WEEKLY", (day,))
    if kind == "twice-weekly":
        return Rule("WEEKLY", tuple(rng.sample(range(5), 2)))
    if kind == "fortnightly":
        return Rule("WEEKLY", (day,), interval=2)
    week = rng.randint(1, 4) if kind == "monthly" else -1
    return Rule("MONTHLY", (day,), week_of_month=week)


def _status_since(
    rng: random.Random, status: MeetupStatus, first_date: date, today: date
) -> date | None:
    """A paused or ended series stopped some time after it began (never on its first day)."""
    if status == MeetupStatus.ACTIVE:
        return None
    return first_date + timedelta(days=rng.randint(30, (today - first_date).days))


def _pick(rng: random.Random, mix: Sequence[tuple[float, T]], rest: T) -> T:
    """The item whose share the draw falls in; `rest` takes what the shares leave."""
    draw = rng.random()
    for share, item in mix:
        if draw < share:
            return item
        draw -= share
    return rest


def _assign_unique_slugs(
    session: Session, model: type[Venue] | type[Meetup], rows: list[dict]
) -> None:
    """Turn each row's "slug" text into a slug no other row, or stored row, has."""
    taken = set(session.scalars(select(model.slug)))
    for row in rows:
        row["slug"] = unique_slug(row["slug"], taken.__contains__)
        taken.add(row["slug"])


def _bulk_insert(target: type | Table) -> Insert:
    """An INSERT that sends None as NULL, so rows differing only in which fields are None
    still go in one batch (otherwise the ORM splits them, about ten times slower)."""
    return insert(target).execution_options(render_nulls=True)


def _insert_with_ids(
    session: Session, model: type[Venue] | type[Meetup] | type[Tag], rows: list[dict]
) -> list[int]:
    """Insert rows with unique slugs and return their ids, in order.

    Ids are read back by slug: INSERT … RETURNING over many rows is several times slower.
    """
    if not rows:
        return []
    session.execute(_bulk_insert(model), rows)
    ids = dict(session.execute(select(model.slug, model.id)).all())
    return [ids[row["slug"]] for row in rows]


def _insert_tags(session: Session, rng: random.Random, meetup_ids: list[int]) -> int:
    """One to three tags per meetup; tags already stored are reused."""
    stored: dict[str, int] = dict(session.execute(select(Tag.slug, Tag.id)).all())
    missing = [slug for slug in TAGS if slug not in stored]
    new_rows = [{"slug": slug, "name": slug.replace("-", " ").capitalize()} for slug in missing]
    stored.update(zip(missing, _insert_with_ids(session, Tag, new_rows), strict=True))
    links = [
        {"meetup_id": meetup_id, "tag_id": stored[slug]}
        for meetup_id in meetup_ids
        for slug in rng.sample(TAGS, rng.choice((1, 1, 2, 2, 3)))
    ]
    session.execute(_bulk_insert(meetup_tags), links)
    return len(links)


def _insert_changes(
    session: Session,
    rng: random.Random,
    meetup_ids: list[int],
    rows: list[dict],
    neighbours: dict[int, list[int]],
    today: date,
) -> dict[str, int]:
    """Cancel or move real coming dates of some active series, as volunteers do.

    `neighbours` maps a venue to every venue of its city, for moves to another place.
    """
    after = datetime.combine(today + timedelta(days=1), time(), UTC)
    changes: list[dict] = []
    for meetup_id, row in zip(meetup_ids, rows, strict=True):
        cancel, move = rng.random() < CANCELLED_SHARE, rng.random() < MOVED_SHARE
        if row["status"] != MeetupStatus.ACTIVE or not (cancel or move):
            continue
        coming = next_occurrences(_schedule(row), after=after, limit=6)
        if cancel:
            day = rng.choice(coming[:3]).original_date
            changes.append(
                _change_row(meetup_id, day, cancelled=True, note=rng.choice(CHANGE_NOTES))
            )
        if move:
            day = rng.choice(coming[3:]).original_date
            changes.append(_move(rng, meetup_id, row, day, neighbours[row["venue_id"]]))
    if changes:
        session.execute(_bulk_insert(MeetupChange), changes)
    return {
        "cancelled": sum(change["cancelled"] for change in changes),
        "moved": sum(not change["cancelled"] for change in changes),
    }


def _schedule(row: dict) -> Schedule:
    return Schedule(
        rule=Rule.from_rrule(row["rrule"]),
        start_time=row["start_time"],
        duration=timedelta(minutes=row["duration_minutes"]),
        timezone=row["timezone"],
        first_date=row["first_date"],
    )


def _move(rng: random.Random, meetup_id: int, row: dict, day: date, venues: list[int]) -> dict:
    """One date an hour later (or earlier), a day later, or at another venue of the city."""
    others = [venue_id for venue_id in venues if venue_id != row["venue_id"]]
    kind = rng.choice(("time", "date", "venue") if others else ("time", "date"))
    if kind == "date":
        return _change_row(meetup_id, day, new_date=day + timedelta(days=1), note="Public holiday.")
    if kind == "venue":
        return _change_row(meetup_id, day, venue_id=rng.choice(others), note="Café closed.")
    start = row["start_time"]
    shifted = time(start.hour + 1 if start.hour < 18 else start.hour - 1, start.minute)
    return _change_row(meetup_id, day, new_start_time=shifted, note="An hour apart, just once.")


def _change_row(meetup_id: int, day: date, **fields: object) -> dict:
    """A full row, so that every row of the bulk insert has the same columns."""
    row = {
        "meetup_id": meetup_id,
        "original_date": day,
        "cancelled": False,
        "new_date": None,
        "new_start_time": None,
        "new_duration_minutes": None,
        "venue_id": None,
        "note": "",
    }
    row.update(fields)
    return row
