"""The catalogue of iCalendar feeds: what each holds, its data version, its bytes.

Shared by the live routes and the static export, so both serve the same bytes.
A feed's version comes from one aggregate query (how many meetups, their
latest `updated_at`, the sums of their ids and of their stamps), so a 304
costs no rendering.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from . import ical
from .markup import markdown_to_text
from .models import City, Country, Meetup, MeetupChange, Tag, Venue, meetup_tags
from .stamps import stamp_sum

# Part of every ETag: bump when the bytes of unchanged data would change.
FEED_FORMAT = "1"
KINDS = ("all", "country", "city", "venue", "meetup", "tag")


@dataclass(frozen=True)
class SiteSettings:
    """What the bytes depend on besides the data."""

    base_url: str
    domain: str
    name: str
    refresh: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Version:
    count: int
    last_modified: datetime | None
    id_sum: int
    # Changes with every committed edit, whatever the order of commits (see stamps).
    stamp_sum: int = 0

    def etag(self, feed: Feed, site: SiteSettings) -> str:
        parts = (FEED_FORMAT, feed.path, site.base_url, site.domain, site.name, site.refresh)
        data = (self.count, self.last_modified, self.id_sum, self.stamp_sum)
        text = "|".join(map(str, (*parts, *data)))
        return hashlib.sha256(text.encode()).hexdigest()[:32]


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
    row = session.execute(_aggregate(_condition(feed))).one()
    return _version(row)


def render(session: Session, feed: Feed, site: SiteSettings) -> bytes:
    """The feed's bytes: a pure function of its meetups and the site settings."""
    meetups = session.scalars(_with_details(select(Meetup).where(_condition(feed)))).unique()
    return ical.build_calendar(
        _info(feed, site), (series_record(m, site) for m in meetups if m.ever_happens)
    )


class FeedRenderer:
    """Renders many feeds from one load of the directory, each series once (for the export).

    A meetup is in about six feeds (everything, its country, city, venue, itself,
    its tags): rendering it once for all of them, and assembling each feed from
    those pieces, gives the same bytes as `render` for a fraction of the work.

    `cache` (a plain dict the caller may keep between runs, as the export does)
    holds each series' rendered bytes under a key that changes whenever they
    would: the next run loads and renders only the meetups edited since. Nothing
    is loaded until the first feed is asked for, so an export with nothing to do
    does no work.
    """

    def __init__(
        self, session: Session, site: SiteSettings, cache: dict[str, list] | None = None
    ) -> None:
        self.session = session
        self.site = site
        self.cache = {} if cache is None else cache
        self._members: dict[tuple[str, tuple[str, ...]], list[ical.RenderedSeries]] | None = None

    @property
    def loaded(self) -> bool:
        """Whether any feed was asked for, so that `cache` may hold new renderings."""
        return self._members is not None

    def render(self, feed: Feed) -> bytes:
        members = self._load().get((feed.kind, feed.slugs), [])
        return ical.assemble_calendar(_info(feed, self.site), members)

    def _load(self) -> dict[tuple[str, tuple[str, ...]], list[ical.RenderedSeries]]:
        if self._members is not None:
            return self._members
        rows = self.session.execute(_MEMBERSHIP).all()
        tags: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for meetup_id, slug, name in self.session.execute(_TAGS):
            tags[meetup_id].append((slug, name))
        keys = {str(row.id): _series_key(row, tags[row.id]) for row in rows}
        stale = [int(i) for i, key in keys.items() if self.cache.get(i, [None])[0] != key]
        for meetup in self._meetups(stale):
            rendered = meetup.ever_happens and ical.render_series(series_record(meetup, self.site))
            self.cache[str(meetup.id)] = _cache_entry(keys[str(meetup.id)], rendered or None)
        for gone in set(self.cache) - set(keys):
            del self.cache[gone]
        self._members = defaultdict(list)
        for row in rows:
            rendered = _from_cache(self.cache[str(row.id)])
            if rendered is not None:
                for feed in _feeds_holding(row, [slug for slug, _ in tags[row.id]]):
                    self._members[feed].append(rendered)
        return self._members

    def _meetups(self, ids: list[int]) -> Iterator[Meetup]:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            yield from self.session.scalars(
                _with_details(select(Meetup).where(Meetup.id.in_(chunk)))
            ).unique()


# What decides which feeds hold a meetup and whether its rendered bytes still hold:
# the meetup's own stamp and sequence (edits of its dates and of the venues its dates
# use touch them, see `sequencing`), its venue's and city's names, and its tags.
_MEMBERSHIP = (
    select(
        Meetup.id,
        Meetup.slug,
        Meetup.updated_at,
        Meetup.sequence,
        Venue.slug.label("venue_slug"),
        Venue.updated_at.label("venue_updated_at"),
        City.country_code,
        City.slug.label("city_slug"),
        City.name.label("city_name"),
    )
    .join(Venue, Meetup.venue_id == Venue.id)
    .join(City, Venue.city_id == City.id)
    .order_by(Meetup.id)
)
_TAGS = select(meetup_tags.c.meetup_id, Tag.slug, Tag.name).join(
    Tag, Tag.id == meetup_tags.c.tag_id
)


def _series_key(row: Any, tags: list[tuple[str, str]]) -> str:
    parts = (
        FEED_FORMAT,
        row.updated_at.isoformat(),
        row.sequence,
        row.venue_updated_at.isoformat(),
        row.city_name,
        *sorted(name for _, name in tags),
    )
    return "|".join(map(str, parts))


def _cache_entry(key: str, rendered: ical.RenderedSeries | None) -> list:
    if rendered is None:
        return [key, None]
    body = rendered.body.decode()
    return [key, rendered.uid, body, rendered.zone, rendered.earliest.isoformat()]


def _from_cache(entry: list) -> ical.RenderedSeries | None:
    if entry[1] is None:
        return None
    _, uid, body, zone, earliest = entry
    return ical.RenderedSeries(uid, body.encode(), zone, date.fromisoformat(earliest))


def _feeds_holding(row: Any, tag_slugs: list[str]) -> Iterator[tuple[str, tuple[str, ...]]]:
    """The (kind, slugs) of every feed a meetup is in: the in-memory twin of `_condition`."""
    country = row.country_code.lower()
    yield "all", ()
    yield "country", (country,)
    yield "city", (country, row.city_slug)
    yield "venue", (row.venue_slug,)
    yield "meetup", (row.slug,)
    for slug in tag_slugs:
        yield "tag", (slug,)


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
    )


def place_of(venue: Venue) -> ical.Place:
    address = ", ".join(part for part in (venue.address, venue.city.name) if part)
    if venue.city.name in venue.address:
        address = venue.address
    return ical.Place(venue.name, address, venue.latitude, venue.longitude)


def all_feeds(session: Session) -> Iterator[tuple[Feed, Version]]:
    """Every feed that exists, with its version, in a handful of grouped queries."""
    yield from _grouped(session, "all", (), lambda row: _all_feed(session))
    yield from _grouped(
        session,
        "country",
        (Country.code, Country.name),
        lambda row: Feed(
            "country", (row.code.lower(),), f"Meetups in {row.name}", f"/{row.code.lower()}/"
        ),
    )
    yield from _grouped(
        session,
        "city",
        (City.country_code, City.slug, City.name),
        lambda row: _city(row.country_code, row.slug, row.name),
    )
    yield from _grouped(
        session, "venue", (Venue.slug, Venue.name), lambda row: _venue(row.slug, row.name)
    )
    yield from _grouped(
        session, "meetup", (Meetup.slug, Meetup.name), lambda row: _meetup(row.slug, row.name)
    )
    yield from _grouped(session, "tag", (Tag.slug, Tag.name), lambda row: _tag(row.slug, row.name))


def _grouped(
    session: Session, kind: str, columns: tuple, make_feed
) -> Iterator[tuple[Feed, Version]]:
    query = select(*columns, *_version_columns()).select_from(Meetup)
    query = _join_for(kind, query)
    if columns:
        query = query.group_by(*columns)
    for row in session.execute(query):
        if row.count:
            yield make_feed(row), _version(row)


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


def _join_for(kind: str, query: Select) -> Select:
    if kind in ("country", "city", "venue"):
        query = query.join(Venue, Meetup.venue_id == Venue.id)
    if kind in ("country", "city"):
        query = query.join(City, Venue.city_id == City.id)
    if kind == "country":
        query = query.join(Country, City.country_code == Country.code)
    if kind == "tag":
        query = query.join(meetup_tags, meetup_tags.c.meetup_id == Meetup.id).join(
            Tag, Tag.id == meetup_tags.c.tag_id
        )
    return query


def _condition(feed: Feed) -> ColumnElement[bool]:
    """Which meetups a feed holds, as a condition on Meetup alone (for any query shape)."""
    if feed.kind == "all":
        return Meetup.id.is_not(None)
    if feed.kind == "meetup":
        return Meetup.slug == feed.slugs[0]
    if feed.kind == "tag":
        tagged = select(meetup_tags.c.meetup_id).join(Tag).where(Tag.slug == feed.slugs[0])
        return Meetup.id.in_(tagged)
    venues = select(Venue.id)
    if feed.kind == "venue":
        venues = venues.where(Venue.slug == feed.slugs[0])
    elif feed.kind == "city":
        venues = venues.join(City).where(
            City.country_code == feed.slugs[0].upper(), City.slug == feed.slugs[1]
        )
    else:
        venues = venues.join(City).where(City.country_code == feed.slugs[0].upper())
    return Meetup.venue_id.in_(venues)


def _with_details(query: Select) -> Select:
    return query.order_by(Meetup.id).options(
        joinedload(Meetup.venue, innerjoin=True).joinedload(Venue.city, innerjoin=True),
        selectinload(Meetup.tags),
        selectinload(Meetup.changes).joinedload(MeetupChange.venue).joinedload(Venue.city),
    )


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
    return Feed("tag", (slug,), f"Meetups about {name}", "/")
