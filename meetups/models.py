"""The directory's data: countries, cities, venues, meetups and their date changes."""

from __future__ import annotations

import enum
import secrets
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import EllipsisType
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    event,
    false,
    select,
    true,
)
from sqlalchemy.orm import (
    Mapped,
    ORMExecuteState,
    Session,
    mapped_column,
    relationship,
    with_loader_criteria,
)

from meetups.extensions import db
from meetups.markup import markdown_to_text
from meetups.schedule import (
    Change,
    Occurrence,
    Rule,
    Schedule,
    is_supported_day,
    next_occurrences,
    occurrences,
    time_zone,
)
from meetups.slugs import name_key, slugify


@lru_cache(maxsize=1024)
def parse_rule(text: str) -> Rule:
    """A directory has few distinct rules: parse each once (Rule is immutable)."""
    return Rule.from_rrule(text)


def tags_named(session: Session, names: Iterable[str]) -> list[Tag]:
    """Tags for these names, each once and in order: existing ones by slug, new ones as typed."""
    found: dict[str, Tag] = {}
    for name in names:
        slug = slugify(name)
        if slug and slug not in found:
            existing = session.scalar(select(Tag).where(Tag.slug == slug))
            found[slug] = existing or Tag(slug=slug, name=name.strip()[:60])
    return list(found.values())


def schedule_columns() -> tuple:
    """The columns `stored_schedule` reads, for queries of plain rows."""
    return (
        Meetup.rrule,
        Meetup.start_time,
        Meetup.duration_minutes,
        Meetup.timezone,
        Meetup.first_date,
        Meetup.end_date,
    )


def stored_schedule(row: Any, end_date: date | EllipsisType | None = ...) -> Schedule:
    """The Schedule of a meetup, or of a plain row with the same column names.

    `end_date`, when given, replaces the row's (a calendar ends a paused series).
    """
    return _schedule(
        row.rrule,
        row.start_time,
        row.duration_minutes,
        row.timezone,
        row.first_date,
        row.end_date if end_date is ... else end_date,
    )


# About 500 bytes an entry: 4,096 hold every series of a 2,000-meetup directory in 2 MB
# (60% of the realistic mix's first pass found here; 67% at 16,384 and 8 MB).
@lru_cache(maxsize=4096)
def _schedule(
    rrule: str, start_time: time, minutes: int, timezone: str, first: date, end: date | None
) -> Schedule:
    """Each stored schedule built and checked once (Schedule is immutable): a month of the
    whole directory reads thousands, the same ones request after request."""
    return Schedule(
        rule=parse_rule(rrule),
        start_time=start_time,
        duration=timedelta(minutes=minutes),
        timezone=timezone,
        first_date=first,
        end_date=end,
    )


def stored_last_date(row: Any) -> date | None:
    """The last date a meetup (or a plain row like it) runs: its end date, or the eve
    of a pause or end."""
    if row.status == MeetupStatus.ACTIVE or row.status_since is None:
        return row.end_date
    eve = row.status_since - timedelta(days=1)
    return eve if row.end_date is None else min(eve, row.end_date)


def stored_change(row: Any) -> Change:
    """The Change of a date change, or of a plain row with the same column names."""
    return Change(
        original_date=row.original_date,
        cancelled=row.cancelled,
        new_date=row.new_date,
        new_start_time=row.new_start_time,
        new_duration=(
            None
            if row.new_duration_minutes is None
            else timedelta(minutes=row.new_duration_minutes)
        ),
        venue_id=row.venue_id,
        note=row.note,
        timezone=row.venue_timezone,
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every engine (SQLite keeps no offset of its own)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)

    def result_processor(self, dialect: Any, coltype: object) -> Any:
        """On SQLite, the stored text read as UTC in one step.

        SQLite keeps the text SQLAlchemy wrote ("2026-12-06 08:30:00.000000"); parsing it
        and then replacing the zone cost 2.7 µs a value, 1.7 of them the replace, and a
        city page of 60 meetups reads 420 such values (6% of its render).
        """
        if dialect.name == "sqlite":
            return _utc_from_sqlite
        return super().result_processor(dialect, coltype)


def _utc_from_sqlite(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value + "+00:00")


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SoftDeletable:
    """Deleting hides a row from every query (see `_hide_deleted`) but keeps it restorable."""

    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Country(db.Model):
    __tablename__ = "countries"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))

    @property
    def slug(self) -> str:
        return self.code.lower()


class City(db.Model):
    """A GeoNames city; its id is the GeoNames id so reloading is idempotent."""

    __tablename__ = "cities"
    __table_args__ = (UniqueConstraint("country_code", "slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(200))
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    latitude: Mapped[float] = mapped_column(Float)
    longitude: Mapped[float] = mapped_column(Float)
    timezone: Mapped[str] = mapped_column(String(64))
    population: Mapped[int] = mapped_column(Integer, default=0)
    # Its state, for a city of the United States ("Illinois"): eight Springfields are told
    # apart by it. Empty elsewhere: the offline gazetteer names no other country's regions.
    region: Mapped[str] = mapped_column(String(100), default="", server_default="")

    # "unnested": under an outer join, SQLite would otherwise materialise every city.
    country: Mapped[Country] = relationship(lazy="joined", innerjoin="unnested")


class CityName(db.Model):
    """One searchable name of a city (its own, ASCII or alternate), folded for search."""

    __tablename__ = "city_names"
    __table_args__ = (UniqueConstraint("key", "city_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(200))


class CoordinateSource(enum.StrEnum):
    GEOCODER = "geocoder"
    GAZETTEER = "gazetteer"
    MANUAL = "manual"


class Venue(SoftDeletable, Timestamps, db.Model):
    __tablename__ = "venues"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")
    city_id: Mapped[int] = mapped_column(ForeignKey("cities.id"), index=True)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    coordinates_source: Mapped[CoordinateSource] = mapped_column(
        Enum(
            CoordinateSource,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=CoordinateSource.GAZETTEER,
    )
    coordinates_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    timezone: Mapped[str] = mapped_column(String(64))
    notes: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    # Folded name and address ("cafe des batisseurs 12 rue …") for accent-insensitive search.
    search_key: Mapped[str] = mapped_column(String(520), default="")

    city: Mapped[City] = relationship()
    meetups: Mapped[list[Meetup]] = relationship(back_populates="venue", order_by="Meetup.name")

    @property
    def is_approximate(self) -> bool:
        return self.coordinates_source == CoordinateSource.GAZETTEER


class VenueRedirect(db.Model):
    """The address of a venue merged into another keeps working (a permanent redirect)."""

    __tablename__ = "venue_redirects"

    old_slug: Mapped[str] = mapped_column(String(80), primary_key=True)
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id", ondelete="CASCADE"), index=True)


class GeocodeAnswer(db.Model):
    """What the geocoder said for a normalised query, so it is never asked twice.

    Only answers are kept (a place, or "nothing found"); errors and timeouts are not.
    """

    __tablename__ = "geocode_answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    query_key: Mapped[str] = mapped_column(String(500), unique=True)
    found: Mapped[bool] = mapped_column(Boolean)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    display_name: Mapped[str] = mapped_column(String(500), default="")
    provider: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ZoneRules(db.Model):
    """Each zone's rules as the last applied tzdata release states them (a digest):
    the next release re-dates only the series in zones whose digest changes."""

    __tablename__ = "zone_rules"

    zone: Mapped[str] = mapped_column(String(64), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64))


class MeetupStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


meetup_tags = Table(
    "meetup_tags",
    db.metadata,
    Column("meetup_id", ForeignKey("meetups.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(60))


class Meetup(SoftDeletable, Timestamps, db.Model):
    """A recurring series. Its schedule is an RRULE subset in local wall-clock time."""

    __tablename__ = "meetups"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # The description as plain text, kept in step with it (see `_keep_plain_description`):
    # feeds need it for every meetup, and Markdown costs a quarter of a millisecond each.
    description_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    venue_id: Mapped[int] = mapped_column(ForeignKey("venues.id"), index=True)
    rrule: Mapped[str] = mapped_column(String(120))
    start_time: Mapped[time] = mapped_column(Time)
    duration_minutes: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    first_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[MeetupStatus] = mapped_column(
        Enum(
            MeetupStatus,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=MeetupStatus.ACTIVE,
        index=True,
    )
    # Comma-separated language codes ("en,fr"), as few as a meetup has.
    languages: Mapped[str] = mapped_column(String(60), default="")
    url: Mapped[str] = mapped_column(String(500), default="")
    # The day the current status began: a paused or ended series stops the day before.
    status_since: Mapped[date | None] = mapped_column(Date)
    last_confirmed: Mapped[date | None] = mapped_column(Date)
    # Bumped when time, date, place or status change: calendar apps rely on it.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # Folded name, for accent-insensitive search.
    search_key: Mapped[str] = mapped_column(String(520), default="")

    venue: Mapped[Venue] = relationship(back_populates="meetups")
    tags: Mapped[list[Tag]] = relationship(secondary=meetup_tags, order_by=Tag.name)
    changes: Mapped[list[MeetupChange]] = relationship(
        back_populates="meetup", cascade="all, delete-orphan", order_by="MeetupChange.original_date"
    )

    @property
    def schedule(self) -> Schedule:
        return stored_schedule(self)

    @property
    def last_date(self) -> date | None:
        return stored_last_date(self)

    @property
    def ever_happens(self) -> bool:
        """False for a series paused or ended before its first date: it has no dates at all."""
        last = self.last_date
        return last is None or last >= self.first_date

    @property
    def schedule_changes(self) -> tuple[Change, ...]:
        return tuple(change.as_change() for change in self.changes)

    @property
    def language_list(self) -> list[str]:
        """In the order listed; none for a meetup not yet saved (its default is not set)."""
        return [code for code in (self.languages or "").split(",") if code]

    def next_dates(
        self, after: datetime, limit: int, include_cancelled: bool = True
    ) -> list[Occurrence]:
        """Coming dates, cancelled ones included so people see them struck through."""
        if self.status != MeetupStatus.ACTIVE:
            return []
        return next_occurrences(
            self.schedule,
            self.schedule_changes,
            after=after,
            limit=limit,
            include_cancelled=include_cancelled,
        )

    def next_happening(self, after: datetime) -> Occurrence | None:
        """The next date people can actually go to (cancelled ones skipped): what a listing
        shows of each meetup, so it computes that one date, not a page of them."""
        return next(iter(self.next_dates(after, 1, include_cancelled=False)), None)

    def occurrence_on(self, original_date: date) -> Occurrence | None:
        """The date the rule gives on `original_date`, where it went if moved; None if none."""
        if not is_supported_day(original_date):
            return None  # no series reaches it, and the days around it may not exist
        change = next((c for c in self.changes if c.original_date == original_date), None)
        target = (change.new_date if change and change.new_date else None) or original_date
        zone = time_zone(self.timezone)
        start = datetime.combine(min(original_date, target) - timedelta(days=1), time(), zone)
        end = datetime.combine(max(original_date, target) + timedelta(days=2), time(), zone)
        found = occurrences(
            self.schedule, self.schedule_changes, start=start, end=end, include_cancelled=True
        )
        return next((o for o in found if o.original_date == original_date), None)

    def confirmed_recently(self, today: date, stale_after: timedelta) -> bool:
        return self.last_confirmed is not None and today - self.last_confirmed <= stale_after


class MeetupChange(Timestamps, db.Model):
    """One date of a series cancelled or moved (time, date and/or venue)."""

    __tablename__ = "meetup_changes"
    __table_args__ = (UniqueConstraint("meetup_id", "original_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meetup_id: Mapped[int] = mapped_column(ForeignKey("meetups.id", ondelete="CASCADE"), index=True)
    original_date: Mapped[date] = mapped_column(Date)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    new_date: Mapped[date | None] = mapped_column(Date)
    new_start_time: Mapped[time | None] = mapped_column(Time)
    new_duration_minutes: Mapped[int | None] = mapped_column(Integer)
    venue_id: Mapped[int | None] = mapped_column(ForeignKey("venues.id"), index=True)
    note: Mapped[str] = mapped_column(String(500), default="")

    meetup: Mapped[Meetup] = relationship(back_populates="changes")
    venue: Mapped[Venue | None] = relationship()

    @property
    def venue_timezone(self) -> str | None:
        """The zone of the venue the date moved to: its times are that venue's local times."""
        return None if self.venue is None else self.venue.timezone

    def as_change(self) -> Change:
        return stored_change(self)


@event.listens_for(Venue, "before_insert")
@event.listens_for(Venue, "before_update")
def _venue_search_key(mapper: object, connection: object, venue: Venue) -> None:
    venue.search_key = name_key(f"{venue.name} {venue.address}")[:520]


@event.listens_for(Meetup, "before_insert")
@event.listens_for(Meetup, "before_update")
def _meetup_search_key(mapper: object, connection: object, meetup: Meetup) -> None:
    meetup.search_key = name_key(meetup.name)[:520]


@event.listens_for(Meetup, "before_insert")
@event.listens_for(Meetup, "before_update")
def _keep_plain_description(mapper: object, connection: object, meetup: Meetup) -> None:
    """Whatever writes the description (a form, the API, an undo), its plain text follows."""
    meetup.description_text = markdown_to_text(meetup.description or "")


class Role(enum.StrEnum):
    VOLUNTEER = "volunteer"
    MODERATOR = "moderator"


class AlertFrequency(enum.StrEnum):
    """How often a volunteer hears about what they follow (moderators: reports too)."""

    IMMEDIATE = "immediate"
    DAILY = "daily"
    NEVER = "never"


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(UserMixin, Timestamps, db.Model):
    """A volunteer who edits; visitors never need one."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased, so "Ann@X.org" and "ann@x.org" are one account.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]),
        default=Role.VOLUNTEER,
    )
    # A new volunteer's edits wait in the moderators' queue until someone marks them reviewed.
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Marked by a moderator: may undo anyone's edit and put a listing back to an earlier version.
    trusted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of every session and remember-me cookie: a new one ends all of them at once.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    email_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The language of the messages we send them, whatever page they happen to be on.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    alerts: Mapped[AlertFrequency] = mapped_column(
        Enum(
            AlertFrequency,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=AlertFrequency.IMMEDIATE,
        server_default=AlertFrequency.IMMEDIATE.value,
    )
    # Adding or editing a venue or meetup watches it, unless the volunteer turned that off.
    watch_own_edits: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    @property
    def is_moderator(self) -> bool:
        return self.role == Role.MODERATOR

    def get_id(self) -> str:
        """What sessions and remember-me cookies keep: the account and its current token."""
        return f"{self.id}.{self.session_token}"


class Revision(db.Model):
    """One change to a venue or meetup: who, when, what (field by field), revertible."""

    __tablename__ = "revisions"
    __table_args__ = (Index("ix_revisions_entity", "entity", "entity_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entity: Mapped[str] = mapped_column(String(16))
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(24))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # {"field": [before, after]}, JSON-ready values.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    reverts_id: Mapped[int | None] = mapped_column(ForeignKey("revisions.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What the field diff cannot say, such as which venue a duplicate was merged into.
    summary: Mapped[str] = mapped_column(String(300), default="")

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    # The revision this one undid, so that its history can say whose change it was.
    reverts: Mapped[Revision | None] = relationship(remote_side=[id], foreign_keys=[reverts_id])


class ReportKind(enum.StrEnum):
    NO_LONGER_HAPPENS = "no-longer-happens"
    WRONG_TIME = "wrong-time"
    WRONG_PLACE = "wrong-place"
    OTHER = "other"


class Report(db.Model):
    """Anyone, without an account, can say a listing is wrong."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    meetup_id: Mapped[int] = mapped_column(ForeignKey("meetups.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReportKind] = mapped_column(
        Enum(
            ReportKind, native_enum=False, length=24, values_callable=lambda e: [m.value for m in e]
        )
    )
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str] = mapped_column(String(500), default="")

    meetup: Mapped[Meetup] = relationship()


class OutboxMessage(db.Model):
    """A message waiting to be sent, written in the same transaction as what caused it.

    `flask --app meetups send-mail` delivers it; until then an SMTP outage loses nothing.
    """

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When a worker may next try it: now for a new message, later after a failure.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # A worker sending it holds it until then, so no other worker sends it too.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    gave_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PendingAlert(db.Model):
    """Something a volunteer is to be told (a report, a newcomer's edit), written with the
    change that causes it; `send-mail` turns it into a message, at once or in a daily digest,
    in the volunteer's language."""

    __tablename__ = "pending_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # What happened ("report", "first-edit"), and the names the sentence needs.
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # The page to look at, as a path on the site.
    path: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# A watch is of a meetup, a venue or a city, never of two at once.
ONE_WATCHED_THING = (
    " + ".join(
        f"CASE WHEN {column} IS NULL THEN 0 ELSE 1 END"
        for column in ("meetup_id", "venue_id", "city_id")
    )
    + " = 1"
)


class Watch(db.Model):
    """A volunteer follows a meetup (told of its changes, asked whether it still happens),
    a venue (the venue and its meetups) or a city (its meetups): exactly one of the three."""

    __tablename__ = "watches"
    __table_args__ = (
        UniqueConstraint("user_id", "meetup_id"),
        # Named in full: the naming convention would give all three "uq_watches_user_id".
        UniqueConstraint("user_id", "venue_id", name="uq_watches_user_id_venue_id"),
        UniqueConstraint("user_id", "city_id", name="uq_watches_user_id_city_id"),
        CheckConstraint(
            ONE_WATCHED_THING,
            name="one_thing",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    meetup_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetups.id", ondelete="CASCADE"), index=True
    )
    venue_id: Mapped[int | None] = mapped_column(
        ForeignKey("venues.id", ondelete="CASCADE"), index=True
    )
    city_id: Mapped[int | None] = mapped_column(
        ForeignKey("cities.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meetup: Mapped[Meetup | None] = relationship()
    venue: Mapped[Venue | None] = relationship()
    city: Mapped[City | None] = relationship()


class ConfirmationRequest(db.Model):
    """The last time watchers were asked whether a meetup still happens, and when the
    moderators were asked because nobody answered: what keeps `ask-confirmations` from
    asking twice."""

    __tablename__ = "confirmation_requests"

    meetup_id: Mapped[int] = mapped_column(
        ForeignKey("meetups.id", ondelete="CASCADE"), primary_key=True
    )
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# Execution option that lets a query see deleted venues and meetups (history, restore, slugs).
INCLUDE_DELETED = "include_deleted"
WITH_DELETED = {INCLUDE_DELETED: True}


# Built once: building them for every query cost a rendered city page some 5 %. A function of
# the class, not a fixed expression: an alias (`aliased(Venue)`) must test its own column, or its
# join tests the unaliased table's and turns into a correlated scan of it.
_NOT_DELETED = (
    with_loader_criteria(Venue, lambda venue: venue.deleted_at.is_(None), include_aliases=True),
    with_loader_criteria(Meetup, lambda meetup: meetup.deleted_at.is_(None), include_aliases=True),
)


@event.listens_for(Session, "do_orm_execute")
def _hide_deleted(state: ORMExecuteState) -> None:
    """Deleted venues and meetups vanish from every page, feed, count and search at once.

    One rule here rather than a filter in each query: a query written later cannot
    forget it. Relationship and column loads inherit it from the query that loaded
    their parent, so a deleted item fetched on purpose still shows its own links.
    """
    if (
        state.is_select
        and not state.is_column_load
        and not state.is_relationship_load
        and not state.execution_options.get(INCLUDE_DELETED, False)
    ):
        state.statement = state.statement.options(*_NOT_DELETED)


Index("ix_venues_coordinates", Venue.latitude, Venue.longitude)
# text_pattern_ops lets PostgreSQL use the index for prefix LIKE under any collation.
Index("ix_city_names_key", CityName.key, postgresql_ops={"key": "text_pattern_ops"})


class CalendarLink(db.Model):
    """A meetup that follows its own public calendar (see `meetups.sync`).

    `base` is what the calendar said at the last sync, in a revision snapshot's terms:
    the sync compares it with the listing now and the calendar now, so a volunteer's
    edit since is kept, and one that clashes with the calendar waits in `conflicts`.
    """

    __tablename__ = "calendar_links"

    meetup_id: Mapped[int] = mapped_column(
        ForeignKey("meetups.id", ondelete="CASCADE"), primary_key=True
    )
    url: Mapped[str] = mapped_column(String(500))
    # Which series of the calendar: "uid:<UID>" or "summary:<SUMMARY>"; "" until picked.
    series_key: Mapped[str] = mapped_column(String(500), default="")
    series_name: Mapped[str] = mapped_column(String(200), default="")
    etag: Mapped[str] = mapped_column(String(300), default="")
    last_modified: Mapped[str] = mapped_column(String(100), default="")
    base: Mapped[dict] = mapped_column(JSON, default=dict)
    # {field: [ours, theirs]} that a volunteer is to choose between.
    conflicts: Mapped[dict] = mapped_column(JSON, default=dict)
    # Why the calendar cannot become our schedule: {"msgid", "params", "dates"}; {} if it can.
    mismatch: Mapped[dict] = mapped_column(JSON, default=dict)
    # The last failure, {"msgid", "params"}, and since when it has failed without a break.
    last_error: Mapped[dict] = mapped_column(JSON, default=dict)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the sync last asked for the listing to be confirmed, so it asks once per outage.
    confirmation_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    meetup: Mapped[Meetup] = relationship()
