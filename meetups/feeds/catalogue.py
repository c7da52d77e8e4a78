"""The catalogue of iCalendar feeds: what each holds, its data version, its bytes.

Shared by the live routes and the static export, so both serve the same bytes.
A feed's version comes from one aggregate query (how many meetups, their
latest `updated_at`, the sums of their ids and of their stamps), so a 304
costs no rendering.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, BinaryIO

from sqlalchemy import ColumnElement, Select, and_, func, not_, or_, select
from sqlalchemy.orm import Session

from meetups.collection import collector_paused
from meetups.feeds import ical, series
from meetups.markup import markdown_to_text
from meetups.models import City, Country, Meetup, MeetupChange, Tag, Venue, meetup_tags
from meetups.stamps import stamp_sum

# Part of every ETag: bump when the bytes of unchanged data would change.
FEED_FORMAT = "2"
KINDS = ("all", "country", "city", "venue", "meetup", "tag")
# Series per chunk when a feed is written piece by piece.
_WRITE_CHUNK = 1000


@dataclass(frozen=True)
class SiteSettings:
    """What the bytes depend on besides the data."""

    base_url: str
    domain: str
    name: str
    refresh: timedelta = timedelta(hours=12)


def site_settings(config: Mapping[str, Any]) -> SiteSettings:
    """The site settings of an app's configuration: the live routes, trips and the export."""
    return _site_settings(
        config["BASE_URL"], config["SITE_DOMAIN"], config["SITE_NAME"], config["FEED_REFRESH_HOURS"]
    )


@lru_cache(maxsize=16)
def _site_settings(base_url: str, domain: str, name: str, refresh_hours: float) -> SiteSettings:
    """One object per configuration: every feed request asks, and it hashes them in memo keys."""
    return SiteSettings(
        base_url=base_url.rstrip("/"),
        domain=domain,
        name=name,
        refresh=timedelta(hours=refresh_hours),
    )


@dataclass(frozen=True, slots=True)
class Feed:
    """One feed: its stable path under /feeds/, title, and the meetups it holds."""

    kind: str
    slugs: tuple[str, ...]
    title: str
    page_path: str

    @property
    def path(self) -> str:
        """ "city/fr/paris.ics": the URL under /feeds/ and the exported file; never changes."""
        if self.kind == "all":
            return "all.ics"
        return f"{self.kind}/{'/'.join(self.slugs)}.ics"


@dataclass(frozen=True, slots=True)
class Version:
    count: int
    last_modified: datetime | None
    id_sum: int
    # Changes with every committed edit, whatever the order of commits (see stamps).
    stamp_sum: int = 0

    def etag(self, feed: Feed, site: SiteSettings) -> str:
        text = (
            f"{FEED_FORMAT}|{feed.path}|{_site_text(site)}"
            f"|{self.count}|{self.last_modified}|{self.id_sum}|{self.stamp_sum}"
        )
        return hashlib.sha256(text.encode()).hexdigest()[:32]


@lru_cache(maxsize=16)
def _site_text(site: SiteSettings) -> str:
    """The settings' part of every ETag, made once: an export makes some 20,000 ETags."""
    return f"{site.base_url}|{site.domain}|{site.name}|{site.refresh}"


def find(session: Session, kind: str, slugs: tuple[str, ...]) -> Feed | None:
    """The feed at /feeds/<kind>/<slugs>.ics, or None when nothing is there."""
    finders = {
        "all": _all_feed,
        "country": _country_feed,
        "city": _city_feed,
        "venue": _venue_feed,
        "meetup": _meetup_feed,
        "tag": _tag_feed,
    }
    finder = finders.get(kind)
    return None if finder is None else finder(session, *slugs)


def version(session: Session, feed: Feed) -> Version:
    """From the meetups the feed holds, and those with a date moved into it."""
    visiting = _visiting(feed)
    held = _condition(feed) if visiting is None else or_(_condition(feed), visiting)
    row = session.execute(_aggregate(held)).one()
    return _version(row)


def render(
    session: Session,
    feed: Feed,
    site: SiteSettings,
    cache: series.SeriesCache | None = None,
) -> bytes:
    """The feed's bytes: a pure function of its meetups and the site settings.

    `cache` (a worker's) keeps each series' bytes, so after an edit only the
    edited series is rendered again, whichever feeds hold it.
    """
    condition = _condition(feed)
    with collector_paused():  # a directory's rows are many small objects, none cyclic
        rows = series.keyed(session, condition)
        tags = series.tags_of(session, condition)
        rendered = series.rendered_series(session, site, rows, tags, cache, FEED_FORMAT)
        held = [*filter(None, rendered.values()), *_moved_here(session, feed, site)]
        return ical.assemble_calendar(_info(feed, site), held)


def write(
    session: Session,
    feed: Feed,
    site: SiteSettings,
    out: BinaryIO,
    cache: series.SeriesCache | None = None,
) -> None:
    """The bytes `render` gives, written a chunk of series at a time.

    For feeds too big to hold in memory (see `feed_files`): only one chunk's rows
    and bytes are held at once; the events wait in a temporary file until the
    VTIMEZONEs they need, which come first, are known.
    """
    condition = _condition(feed)
    found = session.scalars(series.MEMBERS.with_only_columns(Meetup.id).where(condition))
    ids = sorted(found, key=ical.series_order)
    earliest: dict[str, date] = {}
    with tempfile.TemporaryFile() as events, collector_paused():
        # Their UIDs ("<day>-meetup-…") sort before every series' ("meetup-…").
        for item in sorted(_moved_here(session, feed, site), key=lambda item: item.uid):
            ical.note_zone(earliest, item)
            events.write(item.body)
        for start in range(0, len(ids), _WRITE_CHUNK):
            chunk = ids[start : start + _WRITE_CHUNK]
            in_chunk = series.ids_in(session, Meetup.id, chunk)
            rendered = series.rendered_series(
                session,
                site,
                series.keyed(session, in_chunk),
                series.tags_of(session, in_chunk),
                cache,
                FEED_FORMAT,
            )
            for meetup_id in chunk:
                item = rendered.get(meetup_id)
                if item is not None:
                    ical.note_zone(earliest, item)
                    events.write(item.body)
        out.write(ical.calendar_head(_info(feed, site), earliest))
        events.seek(0)
        shutil.copyfileobj(events, out, 1024 * 1024)
    out.write(ical.CALENDAR_END)


class FeedRenderer:
    """Every feed of the directory from one load of it, each series rendered once (the export).

    A meetup is in about six feeds (everything, its country, city, venue, itself,
    its tags): rendering it once for all of them, and assembling each feed from
    those pieces, gives the same bytes as `render` for a fraction of the work.

    `cache` (which the export keeps between runs) holds each series' bytes under
    a key that changes whenever they would, and `zones` the VTIMEZONEs: the next
    run renders only the meetups edited since. Series are rendered only when the
    first feed is asked for, so an export with nothing to do renders nothing.
    """

    def __init__(
        self,
        session: Session,
        site: SiteSettings,
        cache: series.JsonSeriesCache | None = None,
        zones: dict[str, str] | None = None,
    ) -> None:
        self.session = session
        self.site = site
        self.cache = series.JsonSeriesCache() if cache is None else cache
        self.zones = {} if zones is None else zones
        self._rows = series.members(session)
        self._tags = series.tags_of(session)
        self._feeds = _feed_rows(self._rows, self._tags)
        self._moves = _moves_by_feed(self._rows, series.moves(session))
        self._rendered: dict[int, ical.RenderedSeries | None] | None = None
        self._moved: dict[int, list[tuple[int, ical.RenderedSeries]]] | None = None

    @property
    def loaded(self) -> bool:
        """Whether any feed was asked for, so that `cache` may hold new renderings."""
        return self._rendered is not None

    def feeds(self) -> list[tuple[Feed, Version]]:
        """Every feed that exists and its version: what `find` and `version` would say."""
        return _versions(self._rows, self._feeds, self._moves)

    def render(self, feed: Feed) -> bytes:
        rendered = self._load()
        _name, indexes = self._feeds.get((feed.kind, feed.slugs), ("", []))
        members = [rendered[self._rows[i].id] for i in indexes]
        return ical.assemble_calendar(
            _info(feed, self.site),
            [*filter(None, members), *self._moved_here(feed)],
            self._vtimezone,
        )

    def _moved_here(self, feed: Feed) -> list[ical.RenderedSeries]:
        """What `_moved_here` gives the live feed, from the moves loaded once."""
        _name, pairs = self._moves.get((feed.kind, feed.slugs), ("", set()))
        if not pairs:
            return []
        if self._moved is None:
            ids = {
                self._rows[index].id for _name, moved in self._moves.values() for index, _ in moved
            }
            self._moved = series.rendered_moves(self.session, self.site, ids)
        return [
            item
            for index, venue_id in pairs
            for moved_to, item in self._moved.get(self._rows[index].id, [])
            if moved_to == venue_id
        ]

    def _load(self) -> dict[int, ical.RenderedSeries | None]:
        if self._rendered is None:
            self._rendered = series.rendered_series(
                self.session, self.site, self._rows, self._tags, self.cache, FEED_FORMAT
            )
            self.cache.keep_only(self._rendered)
        return self._rendered

    def _vtimezone(self, zone: str, first_year: int) -> bytes:
        key = f"{zone} {first_year}"
        if key not in self.zones:
            self.zones[key] = ical.vtimezone(zone, first_year).decode()
        return self.zones[key].encode()


FeedKey = tuple[str, tuple[str, ...]]


def _feed_rows(
    rows: list[Any], tags: dict[int, list[tuple[str, str]]]
) -> dict[FeedKey, tuple[str, list[int]]]:
    """Every feed holding some row: the name in its title, and its rows' indexes in row
    order. The twin of `_condition`, in one pass over some 150,000 memberships."""
    feeds: dict[FeedKey, tuple[str, list[int]]] = {}
    if rows:
        feeds["all", ()] = ("", list(range(len(rows))))
    for index, row in enumerate(rows):
        code = row.country_code.lower()
        held = [
            (("country", (code,)), row.country_name),
            (("city", (code, row.city_slug)), row.city_name),
            (("venue", (row.venue_slug,)), row.venue_name),
            (("meetup", (row.slug,)), row.name),
        ]
        held += [(("tag", (slug,)), name) for slug, name in tags.get(row.id, ())]
        for key, name in held:
            entry = feeds.get(key)
            if entry is None:
                feeds[key] = (name, [index])
            else:
                entry[1].append(index)
    return feeds


MovedIn = dict[FeedKey, tuple[str, set[tuple[int, int]]]]


def _moves_by_feed(rows: list[Any], moves: list[Any]) -> MovedIn:
    """The dates moved into each venue's, city's and country's feed from series it does not
    hold, as (row index, venue id): the twin of `_visiting`."""
    index_of = {row.id: index for index, row in enumerate(rows)}
    found: MovedIn = {}
    for move in moves:
        index = index_of.get(move.meetup_id)
        if index is None:
            continue
        row, code = rows[index], move.country_code.lower()
        places = (
            (("country", (code,)), move.country_name, row.country_code == move.country_code),
            (
                ("city", (code, move.city_slug)),
                move.city_name,
                (row.country_code, row.city_slug) == (move.country_code, move.city_slug),
            ),
            (("venue", (move.venue_slug,)), move.venue_name, row.venue_slug == move.venue_slug),
        )
        for key, name, held in places:
            if not held:
                found.setdefault(key, (name, set()))[1].add((index, move.venue_id))
    return found


def _versions(
    rows: list[Any], feeds: dict[FeedKey, tuple[str, list[int]]], moved_in: MovedIn
) -> list[tuple[Feed, Version]]:
    """Each feed's version, summed over its rows as `version` sums in SQL (the rows of
    series with a date moved into it included)."""
    ids = [row.id for row in rows]
    updated = [row.updated_at for row in rows]
    stamps = [row.stamp for row in rows]
    feeds = dict(feeds)
    for key, (name, pairs) in moved_in.items():
        held_name, indexes = feeds.get(key, (name, []))
        feeds[key] = (held_name, indexes + sorted({index for index, _ in pairs}))
    found = []
    for (kind, slugs), (name, indexes) in feeds.items():
        if len(indexes) == 1:
            first = indexes[0]
            version = Version(1, updated[first], ids[first], stamps[first])
        else:
            version = Version(
                len(indexes),
                max(map(updated.__getitem__, indexes)),
                sum(map(ids.__getitem__, indexes)),
                sum(map(stamps.__getitem__, indexes)),
            )
        found.append((_titled(kind, slugs, name), version))
    return found


def _titled(kind: str, slugs: tuple[str, ...], name: str) -> Feed:
    """The feed as `find` names it."""
    if kind == "all":
        return ALL
    if kind == "country":
        return Feed("country", slugs, f"Meetups in {name}", f"/{slugs[0]}/")
    if kind == "city":
        return _city(slugs[0], slugs[1], name)
    return {"venue": _venue, "meetup": _meetup, "tag": _tag}[kind](slugs[0], name)


def _info(feed: Feed, site: SiteSettings) -> ical.CalendarInfo:
    return ical.CalendarInfo(
        name=f"{feed.title} · {site.name}",
        description=f"{feed.title}: dates and places, kept up to date by volunteers.",
        url=site.base_url + feed.page_path,
        refresh=site.refresh,
    )


def series_record(meetup: Meetup, site: SiteSettings) -> ical.SeriesRecord:
    """A meetup as the iCalendar builder sees it. The UID is id-based: names change."""
    schedule = replace(meetup.schedule, end_date=meetup.last_date)
    page = f"{site.base_url}/m/{meetup.slug}/"
    return ical.SeriesRecord(
        uid=f"meetup-{meetup.id}@{site.domain}",
        sequence=meetup.sequence,
        summary=meetup.name,
        description=markdown_to_text(meetup.description),
        url=page,
        place=place_of(meetup.venue),
        categories=tuple(tag.name for tag in meetup.tags),
        schedule=schedule,
        changes=meetup.schedule_changes,
        places={c.venue_id: place_of(c.venue) for c in meetup.changes if c.venue is not None},
        created=meetup.created_at,
        last_modified=meetup.updated_at,
        is_demo=meetup.is_demo,
    )


def place_of(venue: Venue) -> ical.Place:
    return series.place(venue.name, venue.address, venue.city.name, venue.latitude, venue.longitude)


def all_feeds(session: Session) -> list[tuple[Feed, Version]]:
    """Every feed that exists, with its version, from one load of the directory."""
    rows = series.members(session)
    moved = _moves_by_feed(rows, series.moves(session))
    return _versions(rows, _feed_rows(rows, series.tags_of(session)), moved)


def _version_columns() -> tuple:
    return (
        func.count(Meetup.id).label("count"),
        func.max(Meetup.updated_at).label("last_modified"),
        func.sum(Meetup.id).label("id_sum"),
        stamp_sum(Meetup.updated_at).label("stamp_sum"),
    )


def _version(row: Any) -> Version:
    return Version(row.count, row.last_modified, row.id_sum or 0, int(row.stamp_sum or 0))


def _aggregate(condition: ColumnElement[bool]) -> Select:
    return select(*_version_columns()).where(condition)


def _condition(feed: Feed) -> ColumnElement[bool]:
    """Which meetups a feed holds, as a condition on Meetup alone (for any query shape)."""
    if feed.kind == "all":
        return Meetup.id.is_not(None)
    if feed.kind == "meetup":
        return Meetup.slug == feed.slugs[0]
    if feed.kind == "tag":
        tagged = select(meetup_tags.c.meetup_id).join(Tag).where(Tag.slug == feed.slugs[0])
        return Meetup.id.in_(tagged)
    return Meetup.venue_id.in_(_venues(feed))


def _venues(feed: Feed) -> Select:
    """The ids of the venues a place's feed (a venue's, a city's, a country's) covers."""
    venues = select(Venue.id)
    if feed.kind == "venue":
        return venues.where(Venue.slug == feed.slugs[0])
    if feed.kind == "city":
        return venues.join(City).where(
            City.country_code == feed.slugs[0].upper(), City.slug == feed.slugs[1]
        )
    return venues.join(City).where(City.country_code == feed.slugs[0].upper())


def _visiting(feed: Feed) -> ColumnElement[bool] | None:
    """Meetups a place's feed does not hold but one of whose dates moved into it."""
    if feed.kind not in ("venue", "city", "country"):
        return None
    moved_in = (
        select(MeetupChange.meetup_id)
        .join(Meetup, MeetupChange.meetup_id == Meetup.id)
        .where(
            MeetupChange.venue_id.in_(_venues(feed)),
            MeetupChange.cancelled.is_(False),
            MeetupChange.venue_id != Meetup.venue_id,
        )
    )
    return and_(Meetup.id.in_(moved_in), not_(_condition(feed)))


def _moved_here(session: Session, feed: Feed, site: SiteSettings) -> list[ical.RenderedSeries]:
    """The dates moved into a place's feed from series it does not hold, each on its own."""
    visiting = _visiting(feed)
    if visiting is None:
        return []
    meetup_ids = list(session.scalars(select(Meetup.id).where(visiting)))
    if not meetup_ids:
        return []
    here = set(session.scalars(_venues(feed)))
    moved = series.rendered_moves(session, site, meetup_ids)
    return [item for dates in moved.values() for venue_id, item in dates if venue_id in here]


ALL = Feed("all", (), "All meetups", "/")


def _all_feed(session: Session) -> Feed:
    return ALL


def _country_feed(session: Session, code: str) -> Feed | None:
    if code != code.lower():
        return None
    country = session.get(Country, code.upper())
    return country and Feed("country", (code,), f"Meetups in {country.name}", f"/{code}/")


def _city_feed(session: Session, code: str, slug: str) -> Feed | None:
    if code != code.lower():
        return None
    city = session.scalar(select(City).where(City.country_code == code.upper(), City.slug == slug))
    return city and _city(city.country_code, city.slug, city.name)


def _venue_feed(session: Session, slug: str) -> Feed | None:
    venue = session.scalar(select(Venue).where(Venue.slug == slug))
    return venue and _venue(venue.slug, venue.name)


def _meetup_feed(session: Session, slug: str) -> Feed | None:
    meetup = session.scalar(select(Meetup).where(Meetup.slug == slug))
    return meetup and _meetup(meetup.slug, meetup.name)


def _tag_feed(session: Session, slug: str) -> Feed | None:
    tag = session.scalar(select(Tag).where(Tag.slug == slug))
    return tag and _tag(tag.slug, tag.name)


def _city(country_code: str, slug: str, name: str) -> Feed:
    code = country_code.lower()
    return Feed("city", (code, slug), f"Meetups in {name}", f"/{code}/{slug}/")


def _venue(slug: str, name: str) -> Feed:
    return Feed("venue", (slug,), f"Meetups at {name}", f"/v/{slug}/")


def _meetup(slug: str, name: str) -> Feed:
    return Feed("meetup", (slug,), name, f"/m/{slug}/")


def _tag(slug: str, name: str) -> Feed:
    return Feed("tag", (slug,), f"Meetups about {name}", f"/t/{slug}/")
