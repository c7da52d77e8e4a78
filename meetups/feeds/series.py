"""The series in feeds, loaded as plain rows and rendered once per edit.

Building ORM objects for every meetup, venue, city, tag and date change was
most of the cost of rendering a large feed; the feeds need none of their
behaviour, only their columns. Rows come from a few flat queries, and each
series' rendered bytes are kept under a key that changes whenever they would
(`series_key`), so a feed after one edit re-renders one series.
"""

from __future__ import annotations

from collections import defaultdict, namedtuple
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Integer, Select, any_, bindparam, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from meetups.feeds import ical
from meetups.lru import BytesLRU
from meetups.models import (
    City,
    Country,
    Meetup,
    MeetupChange,
    Tag,
    Venue,
    meetup_tags,
    schedule_columns,
    stored_change,
    stored_last_date,
    stored_schedule,
)
from meetups.stamps import epoch_milliseconds

_CHUNK = 2000


class Site(Protocol):
    """What a series' bytes depend on besides its data (calendars.SiteSettings is one)."""

    @property
    def base_url(self) -> str: ...

    @property
    def domain(self) -> str: ...


@dataclass(frozen=True)
class CachedSeries:
    """A series' bytes (None: it has no dates at all) and the key they were made under."""

    key: str
    rendered: ical.RenderedSeries | None


class SeriesCache(Protocol):
    def get(self, meetup_id: int) -> CachedSeries | None: ...

    def put(self, meetup_id: int, entry: CachedSeries) -> None: ...


class MemorySeriesCache:
    """A worker's rendered series, bounded in bytes: edits replace entries, never stale them."""

    def __init__(self, max_bytes: int) -> None:
        self._lru = BytesLRU[CachedSeries](max_bytes, size=_entry_size)

    def get(self, meetup_id: int) -> CachedSeries | None:
        return self._lru.get(meetup_id)

    def put(self, meetup_id: int, entry: CachedSeries) -> None:
        self._lru.replace(meetup_id, entry)


class JsonSeriesCache:
    """Rendered series as JSON-ready lists, for the export to keep between runs."""

    def __init__(self, data: dict[str, list] | None = None) -> None:
        self.data: dict[str, list] = {} if data is None else data

    def get(self, meetup_id: int) -> CachedSeries | None:
        entry = self.data.get(str(meetup_id))
        if not isinstance(entry, list) or len(entry) not in (2, 5):
            return None
        if entry[1] is None:
            return CachedSeries(entry[0], None)
        key, uid, body, zone, earliest = entry
        return CachedSeries(key, ical.RenderedSeries(uid, body.encode(), zone, _day(earliest)))

    def put(self, meetup_id: int, entry: CachedSeries) -> None:
        rendered = entry.rendered
        self.data[str(meetup_id)] = (
            [entry.key, None]
            if rendered is None
            else [
                entry.key,
                rendered.uid,
                rendered.body.decode(),
                rendered.zone,
                rendered.earliest.isoformat(),
            ]
        )

    def keep_only(self, meetup_ids: Iterable[int]) -> None:
        """Forget meetups that are gone, so the file does not grow for ever."""
        wanted = {str(i) for i in meetup_ids}
        for gone in set(self.data) - wanted:
            del self.data[gone]


# Which feeds hold a meetup, whether its rendered bytes still hold, and each feed's
# title and version: the meetup's own stamp and sequence (edits of its dates and of
# the venues its dates use touch them, see `sequencing`), its venue's and city's.
MEMBERS = (
    select(
        Meetup.id,
        Meetup.slug,
        Meetup.name,
        Meetup.updated_at,
        # As the database rounds it (SQLite to the nearest millisecond), for feed versions.
        epoch_milliseconds(Meetup.updated_at).label("stamp"),
        Meetup.sequence,
        Meetup.is_demo,
        Venue.slug.label("venue_slug"),
        Venue.name.label("venue_name"),
        Venue.updated_at.label("venue_updated_at"),
        City.country_code,
        Country.name.label("country_name"),
        City.slug.label("city_slug"),
        City.name.label("city_name"),
    )
    .join(Venue, Meetup.venue_id == Venue.id)
    .join(City, Venue.city_id == City.id)
    .join(Country, City.country_code == Country.code)
    .order_by(Meetup.id)
)

# Plain tuples, as `_SeriesRow`: cache keys and feed lists read each row's columns.
_MemberRow = namedtuple("_MemberRow", MEMBERS.selected_columns.keys())


def members(session: Session, condition: ColumnElement[bool] | None = None) -> list[Any]:
    """The membership rows of the meetups matching `condition` (all when None)."""
    query = MEMBERS if condition is None else MEMBERS.where(condition)
    return list(map(_MemberRow._make, session.execute(query)))


# Of MEMBERS' columns, those `series_key` reads: a feed's own rendering needs no other
# feed's title or version (a third of reading a 10,000-series feed's members).
KEYED = MEMBERS.with_only_columns(
    Meetup.id,
    Meetup.updated_at,
    Meetup.sequence,
    Meetup.is_demo,
    Venue.updated_at.label("venue_updated_at"),
    City.name.label("city_name"),
    maintain_column_froms=True,
)
_KeyedRow = namedtuple("_KeyedRow", KEYED.selected_columns.keys())


def keyed(session: Session, condition: ColumnElement[bool]) -> list[Any]:
    """The rows `rendered_series` takes, of the meetups matching `condition`."""
    return list(map(_KeyedRow._make, session.execute(KEYED.where(condition))))


# Dates moved to a venue: the feeds of that venue, its city and its country hold them
# (see `ical.render_moved_dates`) when they do not hold their series already.
MOVES = (
    select(
        MeetupChange.meetup_id,
        MeetupChange.venue_id,
        Venue.slug.label("venue_slug"),
        Venue.name.label("venue_name"),
        City.country_code,
        Country.name.label("country_name"),
        City.slug.label("city_slug"),
        City.name.label("city_name"),
    )
    .join(Meetup, MeetupChange.meetup_id == Meetup.id)
    .join(Venue, MeetupChange.venue_id == Venue.id)
    .join(City, Venue.city_id == City.id)
    .join(Country, City.country_code == Country.code)
    .where(MeetupChange.cancelled.is_(False), MeetupChange.venue_id != Meetup.venue_id)
    .order_by(MeetupChange.meetup_id, MeetupChange.original_date)
)


def moves(session: Session) -> list[Any]:
    """Every date moved to another venue than its series', with where that venue is."""
    return list(session.execute(MOVES))


def rendered_moves(
    session: Session, site: Site, meetup_ids: Iterable[int]
) -> dict[int, list[tuple[int, ical.RenderedSeries]]]:
    """Meetup id → its dates moved to other venues, each on its own, with the venue's id.

    Rendered afresh: few series move a date to another place, and only the feeds
    of those places need them.
    """
    ids = sorted(set(meetup_ids))
    if not ids:
        return {}
    tags = tags_of(session, ids_in(session, Meetup.id, ids))
    return {
        meetup_id: ical.render_moved_dates(record) if record else []
        for meetup_id, record in series_records(session, ids, site, tags)
    }


def tags_of(
    session: Session, condition: ColumnElement[bool] | None = None
) -> dict[int, list[tuple[str, str]]]:
    """Meetup id → its tags' (slug, name), in name order as pages and feeds show them."""
    query = (
        select(meetup_tags.c.meetup_id, Tag.slug, Tag.name)
        .join(Tag, Tag.id == meetup_tags.c.tag_id)
        .order_by(Tag.name, Tag.id)
    )
    if condition is not None:
        query = query.where(meetup_tags.c.meetup_id.in_(select(Meetup.id).where(condition)))
    found: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for meetup_id, slug, name in session.execute(query):
        found[meetup_id].append((slug, name))
    return found


def series_key(row: Any, tags: list[tuple[str, str]], format_version: str) -> str:
    """Changes whenever the series' rendered bytes would (site settings aside)."""
    parts = (
        format_version,
        row.updated_at.isoformat(),
        row.sequence,
        row.is_demo,
        row.venue_updated_at.isoformat(),
        row.city_name,
        *sorted(name for _, name in tags),
    )
    return "|".join(map(str, parts))


def rendered_series(
    session: Session,
    site: Site,
    rows: list[Any],
    tags: Mapping[int, list[tuple[str, str]]],
    cache: SeriesCache | None,
    format_version: str,
) -> dict[int, ical.RenderedSeries | None]:
    """Every row's rendered series, rendering only those the cache lacks or holds stale.

    Without a cache every series is rendered, and no key is made for it: a key is
    a sixth of the work of reading a series' rows.
    """
    if cache is None:
        ids = [row.id for row in rows]
        return {
            meetup_id: None if record is None else ical.render_series(record)
            for meetup_id, record in series_records(session, ids, site, tags)
        }
    keys = {row.id: series_key(row, tags.get(row.id, []), format_version) for row in rows}
    found: dict[int, ical.RenderedSeries | None] = {}
    stale = []
    for meetup_id, key in keys.items():
        entry = cache.get(meetup_id)
        if entry is not None and entry.key == key:
            found[meetup_id] = entry.rendered
        else:
            stale.append(meetup_id)
    for meetup_id, record in series_records(session, stale, site, tags):
        rendered = None if record is None else ical.render_series(record)
        found[meetup_id] = rendered
        cache.put(meetup_id, CachedSeries(keys[meetup_id], rendered))
    return found


def series_records(
    session: Session, ids: list[int], site: Site, tags: Mapping[int, list[tuple[str, str]]]
) -> Iterator[tuple[int, ical.SeriesRecord | None]]:
    """The series of these meetups, as the iCalendar builder sees them, from flat rows.

    `tags` are theirs, as `tags_of` gives them. None for a meetup paused or ended
    before its first date: it has no dates at all.
    """
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        changes: dict[int, list[Any]] = defaultdict(list)
        changed = ids_in(session, MeetupChange.meetup_id, chunk)
        for change in session.execute(_CHANGES.where(changed)):
            changes[change.meetup_id].append(change)
        found = session.execute(_SERIES.where(ids_in(session, Meetup.id, chunk)))
        for row in map(_SeriesRow._make, found):
            yield row.id, _record(row, tags.get(row.id, []), changes.get(row.id, []), site)


def ids_in(session: Session, column: Any, ids: list[int]) -> ColumnElement[bool]:
    """`column IN ids`; on PostgreSQL `= ANY` one array parameter, since writing and
    parsing a query with thousands of parameters cost psycopg more than running it
    (0.2 s of a 10,000-series render)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, ids, type_=ARRAY(Integer)))
    return column.in_(ids)


def _record(
    row: Any, tags: list[tuple[str, str]], changes: list[Any], site: Site
) -> ical.SeriesRecord | None:
    last_date = stored_last_date(row)
    if last_date is not None and last_date < row.first_date:
        return None
    schedule = stored_schedule(row, end_date=last_date)
    return ical.SeriesRecord(
        uid=f"meetup-{row.id}@{site.domain}",
        sequence=row.sequence,
        summary=row.name,
        description=row.description_text,
        url=f"{site.base_url}/m/{row.slug}/",
        place=place(row.venue_name, row.address, row.city_name, row.latitude, row.longitude),
        categories=tuple(name for _, name in tags),
        schedule=schedule,
        changes=tuple(stored_change(change) for change in changes),
        places={
            change.venue_id: place(
                change.venue_name,
                change.address,
                change.city_name,
                change.latitude,
                change.longitude,
            )
            for change in changes
            if change.venue_name is not None
        },
        created=row.created_at,
        last_modified=row.updated_at,
        is_demo=row.is_demo,
    )


def place(
    name: str, address: str, city_name: str, latitude: float | None, longitude: float | None
) -> ical.Place:
    """A venue as a calendar's LOCATION: its address, with the city unless already in it."""
    if city_name not in address:
        address = ", ".join(part for part in (address, city_name) if part)
    return ical.Place(name, address, latitude, longitude)


_SERIES: Select = (
    select(
        Meetup.id,
        Meetup.slug,
        Meetup.name,
        Meetup.description_text,
        *schedule_columns(),
        Meetup.status,
        Meetup.status_since,
        Meetup.sequence,
        Meetup.created_at,
        Meetup.updated_at,
        Meetup.is_demo,
        Venue.name.label("venue_name"),
        Venue.address,
        Venue.latitude,
        Venue.longitude,
        City.name.label("city_name"),
    )
    .join(Venue, Meetup.venue_id == Venue.id)
    .join(City, Venue.city_id == City.id)
)
# Plain tuples of _SERIES' columns: a Row's attribute costs ten times a tuple's, and
# `_record` reads twenty of each series' (80 ms of a 10,000-series render).
_SeriesRow = namedtuple("_SeriesRow", _SERIES.selected_columns.keys())
_CHANGES: Select = (
    select(
        MeetupChange.meetup_id,
        MeetupChange.original_date,
        MeetupChange.cancelled,
        MeetupChange.new_date,
        MeetupChange.new_start_time,
        MeetupChange.new_duration_minutes,
        MeetupChange.venue_id,
        MeetupChange.note,
        Venue.name.label("venue_name"),
        Venue.address,
        Venue.latitude,
        Venue.longitude,
        Venue.timezone.label("venue_timezone"),
        City.name.label("city_name"),
    )
    .outerjoin(Venue, MeetupChange.venue_id == Venue.id)
    .outerjoin(City, Venue.city_id == City.id)
    .order_by(MeetupChange.meetup_id, MeetupChange.original_date)
)


def _entry_size(entry: CachedSeries) -> int:
    return 200 + (len(entry.rendered.body) if entry.rendered else 0)


def _day(text: str) -> date:
    return date.fromisoformat(text)
