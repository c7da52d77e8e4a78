"""RFC 5545 feeds for meetup series: records in, bytes out.

Pure and Flask-free, shared by the live feed routes and the static export.
The bytes are a pure function of the records (DTSTAMP is the series'
LAST-MODIFIED, never "now"), so equal data gives equal bytes, ETags and files.

Each series is one VEVENT with DTSTART;TZID in local wall-clock time, an RRULE,
EXDATEs for cancelled dates and a RECURRENCE-ID override per moved date; every
TZID used gets a VTIMEZONE generated from the IANA database.

Calendar apps read some local times differently: one that a clock change skips
or repeats (RFC 5545 takes the offset before a gap and the first of a repeated
hour, ical.js neither), and the end of a date that spans a change (elapsed time
for some, wall clock for others). So every date of the rule, through
HORIZON_YEAR, whose start or end is skipped or repeated, or that spans a change,
gets an override too, and any override, moved date or single-date download
whose times are not each a local time that happens once is written in UTC:
every parser then reads the instants the schedule module computed.

Content lines are written here rather than through icalendar's Component
serialisation: that costs about half a millisecond per event (over five
seconds for a 10,000-series directory), while these few line formats are
simple enough to write, escape and fold directly.
"""

from __future__ import annotations

import calendar
import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from meetups.schedule import (
    WEEKDAY_CODES,
    Change,
    Occurrence,
    Schedule,
    exists_once,
    first_occurrence_date,
    local_datetime,
    occurrences,
    ruled_occurrence,
    time_zone,
)

HORIZON_YEAR = 2040
"""VTIMEZONEs list every transition through this year; rules still regular then
are written open-ended, so subscribers stay right beyond it unless a country
changes its rules (which a feed refresh then picks up)."""

MEDIA_TYPE = "text/calendar; charset=utf-8"
"""What feeds and single-date downloads are served as."""

MAX_LINE_OCTETS = 75
CALENDAR_END = b"END:VCALENDAR\r\n"

_ONE_SECOND = timedelta(seconds=1)
_ONE_DAY = timedelta(days=1)
_ZONE_SCAN_STEP = 7 * 86400
"""Seconds between zone probes: no IANA zone since 1990 has two offset changes
less than a week apart (checked against every zone, 1990–2040)."""
_SCAN_WEEK = timedelta(seconds=_ZONE_SCAN_STEP)
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Anything `_text` would change: most names and summaries have none of it.
_TEXT_SPECIALS = re.compile(r"[\\;,\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Place:
    """Where a meetup happens, as a calendar app shows it."""

    name: str
    address: str
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class CalendarInfo:
    """What a subscriber's calendar app shows about the feed itself."""

    name: str
    description: str
    url: str
    refresh: timedelta = timedelta(hours=12)
    prodid: str = "-//meetups//Meetups directory//EN"


@dataclass(frozen=True)
class SeriesRecord:
    """One meetup series, as the feed needs it.

    schedule.end_date is the effective end: the series' end date, or the date
    it was paused. places holds the places of the venues that moved dates go to.
    """

    uid: str
    sequence: int
    summary: str
    description: str
    url: str
    place: Place
    categories: tuple[str, ...]
    schedule: Schedule
    changes: tuple[Change, ...]
    places: Mapping[int, Place]
    created: datetime
    last_modified: datetime
    # A made-up listing (the demo data): marked in its title and description.
    is_demo: bool = False


# Feeds are one set of bytes for every subscriber whatever their language (one URL,
# shared caches, the static export), and their calendar names are in English: so is
# the demo marker. The title carries it because that is all most calendar views show.
DEMO_PREFIX = "[Demo] "
DEMO_NOTE = "Demo listing, made up to show how the site works: nobody meets here."


class RenderedSeries(NamedTuple):
    """A series' VEVENTs as bytes, ready to go into any feed that holds it, and the
    zone and earliest day its VTIMEZONE must cover there."""

    uid: str
    body: bytes
    zone: str
    earliest: date


def build_calendar(info: CalendarInfo, series: Iterable[SeriesRecord]) -> bytes:
    """A subscribable feed: one master VEVENT per series (by UID), plus overrides."""
    return assemble_calendar(info, filter(None, map(render_series, series)))


def assemble_calendar(
    info: CalendarInfo,
    rendered: Iterable[RenderedSeries],
    vtimezone: Callable[[str, int], bytes] | None = None,
) -> bytes:
    """A feed from series rendered beforehand: a series in many feeds is rendered once.

    `vtimezone(zone, first_year)` may come from a store of VTIMEZONEs made earlier.
    """
    ordered = sorted(rendered, key=lambda item: item.uid)
    earliest: dict[str, date] = {}
    for item in ordered:
        note_zone(earliest, item)
    head = calendar_head(info, earliest, vtimezone)
    return b"".join([head, *(item.body for item in ordered), CALENDAR_END])


def series_order(meetup_id: int) -> str:
    """Sorts meetup ids as feeds order their series: by UID, "meetup-<id>@<domain>"."""
    return f"{meetup_id}@"


def note_zone(earliest: dict[str, date], item: RenderedSeries) -> None:
    """Widen `earliest` (zone → first day a VTIMEZONE must cover) to hold `item`."""
    known = earliest.get(item.zone)
    if known is None or item.earliest < known:
        earliest[item.zone] = item.earliest


def calendar_head(
    info: CalendarInfo,
    earliest: Mapping[str, date],
    vtimezone: Callable[[str, int], bytes] | None = None,
) -> bytes:
    """What comes before a feed's events: its properties and the VTIMEZONEs they need.

    With `CALENDAR_END` after the events, a feed can be written piece by piece,
    events sorted as `series_order` sorts their meetups.
    """
    make_vtimezone = vtimezone or _vtimezone_bytes
    parts = [_serialize([*_calendar_header(info), *_subscription_properties(info)])]
    parts += [make_vtimezone(zone, earliest[zone].year) for zone in sorted(earliest)]
    return b"".join(parts)


def build_occurrence_event(
    info: CalendarInfo, series: SeriesRecord, occurrence: Occurrence
) -> bytes:
    """One date as a stand-alone event, for "add this date to my calendar"."""
    return build_occurrences(info, [(series, occurrence)])


def build_occurrences(
    info: CalendarInfo, dated: Iterable[tuple[SeriesRecord, Occurrence]], subscribable: bool = False
) -> bytes:
    """Single dates as stand-alone events (one date, or a traveller's trip).

    Each UID is the date plus the series UID: stable, the same in every such
    file, and distinct from the series so that it never replaces a subscribed one.
    """
    dated = sorted(dated, key=lambda pair: (pair[1].start, pair[0].uid))
    earliest: dict[str, int] = {}
    for series, occurrence in dated:
        zone = series.schedule.timezone
        earliest[zone] = min(earliest.get(zone, occurrence.start.year), occurrence.start.year)
    lines = _calendar_header(info)
    if subscribable:
        lines.extend(_subscription_properties(info))
    for zone in sorted(earliest):
        lines.extend(_vtimezone_lines(zone, earliest[zone], HORIZON_YEAR))
    for series, occurrence in dated:
        lines += [
            "BEGIN:VEVENT",
            *_common_properties(series, single_date_uid(series, occurrence)),
            f"STATUS:{'CANCELLED' if occurrence.cancelled else 'CONFIRMED'}",
            *_occurrence_properties(series, occurrence),
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return _serialize(lines)


def _calendar_header(info: CalendarInfo) -> list[str]:
    return [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{_text(info.prodid)}",
        "METHOD:PUBLISH",
    ]


def _subscription_properties(info: CalendarInfo) -> list[str]:
    """Name, description and refresh rate, in RFC 7986 and in the X-WR dialect."""
    refresh = _duration(info.refresh)
    return [
        f"NAME:{_text(info.name)}",
        f"X-WR-CALNAME:{_text(info.name)}",
        f"DESCRIPTION:{_text(info.description)}",
        f"X-WR-CALDESC:{_text(info.description)}",
        f"URL:{info.url}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}",
        f"X-PUBLISHED-TTL:{refresh}",
    ]


# Events


def render_series(series: SeriesRecord) -> RenderedSeries | None:
    """The master VEVENT and its overrides; None for a series with no date at all."""
    schedule = series.schedule
    first = first_occurrence_date(schedule)
    if first is None:
        return None
    exceptions = _exceptions(schedule, series.changes)
    cancelled = [item.original_date for item in exceptions if item.cancelled]
    changed = {item.original_date for item in exceptions}
    overrides = sorted(
        [item for item in exceptions if not item.cancelled]
        + _read_two_ways(schedule, first, changed),
        key=lambda item: item.original_date,
    )
    common = _common_properties(series, series.uid)
    lines = _master_event(series, common, first, cancelled)
    for occurrence in overrides:
        lines.extend(_override_event(series, common, occurrence))
    earliest = min([first, *(item.start.date() for item in overrides)])
    return RenderedSeries(series.uid, _serialize(lines), schedule.timezone, earliest)


def render_moved_dates(series: SeriesRecord) -> list[tuple[int, RenderedSeries]]:
    """Each date moved to another venue as a stand-alone event, with that venue's id.

    The feeds of the place a date moved to (another city's, another venue's) hold
    the date without the series: an override without its master reads differently
    in every calendar app, a stand-alone event the same in all. Its UID is the one
    of the date's single-date download, so either replaces the other, never the
    series; its times are the venue's local ones, in UTC where those read two ways.
    """
    found = []
    for occurrence in _exceptions(series.schedule, series.changes):
        if occurrence.cancelled or occurrence.venue_id is None:
            continue
        zone = getattr(occurrence.start.tzinfo, "key", series.schedule.timezone)
        lines = [
            "BEGIN:VEVENT",
            *_common_properties(series, single_date_uid(series, occurrence)),
            "STATUS:CONFIRMED",
            *_exact_times(zone, occurrence),
            *_place_properties(series.places.get(occurrence.venue_id, series.place)),
            f"DESCRIPTION:{_text(_description(series, occurrence.note))}",
            "END:VEVENT",
        ]
        rendered = RenderedSeries(
            single_date_uid(series, occurrence), _serialize(lines), zone, occurrence.start.date()
        )
        found.append((occurrence.venue_id, rendered))
    return found


def single_date_uid(series: SeriesRecord, occurrence: Occurrence) -> str:
    """The UID of one date on its own: stable, and never the series' own."""
    return f"{occurrence.original_date:%Y%m%d}-{series.uid}"


def _exceptions(schedule: Schedule, changes: tuple[Change, ...]) -> list[Occurrence]:
    """The occurrences that changes cancel or move, by original date.

    The schedule module decides what a change means; a change whose original
    date is not an occurrence of the series does not come back from it. Each
    change is looked for only around its own days: one window spanning all of
    them would expand every date between changes years or centuries apart.
    """
    found: dict[date, Occurrence] = {}
    for change in changes:
        for day in {change.original_date, change.new_date or change.original_date}:
            # Two days of margin either side cover any UTC offset.
            start = datetime.combine(day - timedelta(days=2), time(), UTC)
            end = datetime.combine(day + timedelta(days=3), time(), UTC)
            for item in occurrences(
                schedule, (change,), start=start, end=end, include_cancelled=True
            ):
                if item.original_date == change.original_date and (item.cancelled or item.moved):
                    found[item.original_date] = item
    return sorted(found.values(), key=lambda item: item.original_date)


def _read_two_ways(schedule: Schedule, first: date, changed: set[date]) -> list[Occurrence]:
    """The rule's unchanged dates through HORIZON_YEAR that a calendar app could misread.

    Only dates whose local span comes within a few hours of one of the zone's
    offset changes can be; each is checked as it reads: a start skipped or
    repeated, an end repeated, or a span across the change.
    """
    last = date(HORIZON_YEAR, 12, 31)
    if schedule.end_date is not None:
        last = min(last, schedule.end_date)
    days = set()
    start_time, weekdays = schedule.start_time, schedule.rule.weekdays
    for onset, jump in _change_onsets(schedule.timezone, first.year):
        # The local times a change skips or repeats are [onset, onset + jump): the days
        # whose stated start is from `earliest` to `latest` are those a span can meet.
        earliest, latest = onset - schedule.duration - jump, onset + jump
        day = earliest.date() if earliest.time() <= start_time else earliest.date() + _ONE_DAY
        last_day = latest.date() if start_time <= latest.time() else latest.date() - _ONE_DAY
        while day <= last_day:
            if first <= day <= last and day.weekday() in weekdays:
                days.add(day)
            day += _ONE_DAY
    found = []
    for day in sorted(days - changed):
        occurrence = ruled_occurrence(schedule, day)
        if occurrence is not None and not _reads_one_way(schedule, occurrence):
            found.append(occurrence)
    return found


def _reads_one_way(schedule: Schedule, occurrence: Occurrence) -> bool:
    """Whether the rule's instance on its day means one instant range to every parser."""
    tz = schedule.zone
    stated = datetime.combine(occurrence.original_date, schedule.start_time)
    return (
        exists_once(stated, tz)
        and exists_once(occurrence.end.replace(tzinfo=None), tz)
        and occurrence.start.utcoffset() == occurrence.end.utcoffset()
    )


@lru_cache(maxsize=4096)
def _change_onsets(zone: str, first_year: int) -> tuple[tuple[datetime, timedelta], ...]:
    """When the zone's offset changes, from first_year through HORIZON_YEAR, on the local
    clock before each change (naive), and by how much."""
    transitions = _zone_transitions(zone, first_year, HORIZON_YEAR)
    return tuple((item.onset, abs(item.offset_to - item.offset_from)) for item in transitions)


def _master_event(
    series: SeriesRecord, common: list[str], first: date, cancelled: list[date]
) -> list[str]:
    schedule = series.schedule
    zone = schedule.timezone
    start = _wall_clock(first, schedule.start_time, zone)
    lines = [
        "BEGIN:VEVENT",
        *common,
        "STATUS:CONFIRMED",
        f"DTSTART;TZID={zone}:{_local(start)}",
        _end_property(start, schedule.duration, zone),
        f"RRULE:{_rrule(schedule)}",
        *_place_properties(series.place),
        f"DESCRIPTION:{_text(_description(series))}",
    ]
    if cancelled:
        exdates = ",".join(_local(_wall_clock(day, schedule.start_time, zone)) for day in cancelled)
        lines.append(f"EXDATE;TZID={zone}:{exdates}")
    lines.append("END:VEVENT")
    return lines


def _override_event(series: SeriesRecord, common: list[str], occurrence: Occurrence) -> list[str]:
    """The one instance a change moved, replacing the rule's instance."""
    schedule = series.schedule
    zone = schedule.timezone
    original = _wall_clock(occurrence.original_date, schedule.start_time, zone)
    return [
        "BEGIN:VEVENT",
        *common,
        "STATUS:CONFIRMED",
        f"RECURRENCE-ID;TZID={zone}:{_local(original)}",
        *_occurrence_properties(series, occurrence),
        "END:VEVENT",
    ]


def _common_properties(series: SeriesRecord, uid: str) -> list[str]:
    """What every VEVENT of a series says, whatever the date."""
    modified = _utc(series.last_modified)
    lines = [
        f"UID:{_text(uid)}",
        f"DTSTAMP:{modified}",
        f"CREATED:{_utc(series.created)}",
        f"LAST-MODIFIED:{modified}",
        f"SEQUENCE:{series.sequence}",
        f"SUMMARY:{_text(_summary(series))}",
        f"URL:{series.url}",
        "TRANSP:TRANSPARENT",
    ]
    if series.categories:
        lines.append(f"CATEGORIES:{','.join(_text(tag) for tag in series.categories)}")
    return lines


def _occurrence_properties(series: SeriesRecord, occurrence: Occurrence) -> list[str]:
    """Start, end, place and note of one computed date."""
    place = series.places.get(occurrence.venue_id, series.place)
    return [
        *_exact_times(series.schedule.timezone, occurrence),
        *_place_properties(place),
        f"DESCRIPTION:{_text(_description(series, occurrence.note))}",
    ]


def _exact_times(zone: str, occurrence: Occurrence) -> list[str]:
    """DTSTART and DTEND in local time where each happens once on that clock, else in UTC.

    A repeated local time is read as its first instance by some parsers and its
    second by others; UTC cannot be read two ways. A date moved to a venue in
    another zone is in UTC too: the feed's VTIMEZONEs are the series' zones.
    """
    tz = time_zone(zone)
    start, end = occurrence.start.astimezone(tz), occurrence.end.astimezone(tz)
    elsewhere = getattr(occurrence.start.tzinfo, "key", zone) != zone
    if not elsewhere and all(exists_once(item.replace(tzinfo=None), tz) for item in (start, end)):
        return [f"DTSTART;TZID={zone}:{_local(start)}", f"DTEND;TZID={zone}:{_local(end)}"]
    return [f"DTSTART:{_utc(start)}", f"DTEND:{_utc(end)}"]


def _place_properties(place: Place) -> list[str]:
    location = ", ".join(part for part in (place.name, place.address) if part)
    lines = [f"LOCATION:{_text(location)}"]
    if place.latitude is not None and place.longitude is not None:
        lines.append("GEO:%.6f;%.6f" % (place.latitude, place.longitude))  # noqa: UP031 (as _local)
    return lines


def _summary(series: SeriesRecord) -> str:
    return DEMO_PREFIX + series.summary if series.is_demo else series.summary


def _description(series: SeriesRecord, note: str = "") -> str:
    """Plain text ending with the meetup page, which is where people check."""
    demo = DEMO_NOTE if series.is_demo else ""
    parts = (demo, note.strip(), series.description.strip(), series.url)
    return "\n\n".join(part for part in parts if part)


def _rrule(schedule: Schedule) -> str:
    """The rule, bounded by UNTIL at the last second of the end date, in UTC.

    UNTIL must be UTC because DTSTART has a TZID. The end of the end date,
    rather than the last occurrence's start, needs no expansion, keeps every
    start on the end date whatever its time, and stays right even in clients
    that wrongly compare UNTIL with local times, unless a meetup starts within
    the zone's UTC offset of midnight.
    """
    rule = schedule.rule.to_rrule()
    if schedule.end_date is None:
        return rule
    next_day = local_datetime(schedule.end_date + timedelta(days=1), time(), schedule.timezone)
    return f"{rule};UNTIL={_utc(next_day - _ONE_SECOND)}"


def _wall_clock(day: date, at: time, zone: str) -> datetime:
    """The local time as the rule states it, even in a DST gap.

    Written with its TZID, RFC 5545 reads a time in a gap with the offset
    before the gap, as zoneinfo does for fold=0; resolving it first would
    shift every later instance of a rule.
    """
    return datetime.combine(day, at, time_zone(zone))


def _end_property(start: datetime, duration: timedelta, zone: str) -> str:
    """DTEND, or DURATION when the first date spans a clock change.

    Parsers take each instance's length from DTEND - DTSTART: ical.js as
    elapsed time, icalendar and ical on the wall clock. These agree unless the
    first date spans a clock change; then only DURATION means the same to all.
    """
    end = (start.astimezone(UTC) + duration).astimezone(start.tzinfo)
    # The wall clocks are `duration` apart unless the offset changed in between (compared
    # rather than the clocks: `replace(tzinfo=None)` costs several times `utcoffset()`).
    if end.utcoffset() != start.utcoffset():
        return f"DURATION:{_duration(duration)}"
    return f"DTEND;TZID={zone}:{_local(end)}"


# Time zones


class _Transition(NamedTuple):
    """One change of a zone's UTC offset, as a VTIMEZONE observance states it."""

    onset: datetime  # local time in the offset before the change, naive
    instant: datetime  # UTC
    offset_from: timedelta
    offset_to: timedelta
    name: str
    is_daylight: bool

    @property
    def kind(self) -> tuple[bool, timedelta, timedelta, str]:
        return (self.is_daylight, self.offset_from, self.offset_to, self.name)


def vtimezone(zone: str, first_year: int) -> bytes:
    """The VTIMEZONE a feed holding `zone` from `first_year` on carries."""
    return _vtimezone_bytes(zone, first_year)


RULES_SINCE_YEAR = 1970
"""Offset changes from this year on make a zone's digest: no meetup in a feed is older."""


def zone_rules_digest(tz: ZoneInfo) -> str:
    """A digest of every offset change a feed can state for the zone, 1970 to the horizon.

    Two releases that give a zone the same digest place every meetup there at
    the same instants and write the same VTIMEZONE, so a tzdata upgrade need
    re-date only the series in zones whose digest changed.
    """
    transitions = _transitions(tz, RULES_SINCE_YEAR, HORIZON_YEAR)
    text = "\n".join(
        f"{item.instant.isoformat()} {item.offset_from} {item.offset_to} {item.name} "
        f"{item.is_daylight}"
        for item in transitions
    )
    return hashlib.sha256(text.encode()).hexdigest()


@lru_cache(maxsize=2048)
def _vtimezone_bytes(zone: str, first_year: int) -> bytes:
    return _serialize(_vtimezone_lines(zone, first_year, HORIZON_YEAR))


@lru_cache(maxsize=2048)
def _vtimezone_lines(zone: str, first_year: int, last_year: int) -> tuple[str, ...]:
    """A VTIMEZONE valid from 1 January of first_year, through last_year and,
    where the rules are regular, beyond.

    A yearly rule still in force becomes an open-ended RRULE observance; all
    other changes are listed as RDATEs. Cached: a zone costs milliseconds to scan.
    """
    last_year = max(first_year, last_year)
    transitions = _zone_transitions(zone, first_year, last_year)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{zone}"]
    for _onset, observance in sorted(_observances(transitions, last_year)):
        lines.extend(observance)
    lines.append("END:VTIMEZONE")
    return tuple(lines)


def _transitions(tz: ZoneInfo, first_year: int, last_year: int) -> list[_Transition]:
    """The change in effect on 1 January of first_year, and every later one
    through last_year.

    The change in effect is the real one if it happened in the year before,
    else a change to the same offset at that 1 January: RFC 5545 leaves times
    before a VTIMEZONE's first onset undefined (ical.js reads them as UTC).
    """
    window_start = datetime(first_year, 1, 1, tzinfo=tz)
    start = int(window_start.timestamp())
    end = int(datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp())
    return _in_effect_from(tz, window_start, list(_scan(tz, start - 366 * 86400, end)))


def _zone_transitions(zone: str, first_year: int, last_year: int) -> list[_Transition]:
    """`_transitions` of a zone by name, cut from one scan of it per decade.

    A directory's series start in a handful of years, and each scan of a zone
    probes it a thousand times: a scan for each of those years was most of the
    zone work of a directory feed's first render.
    """
    if last_year > HORIZON_YEAR:
        return _transitions(time_zone(zone), first_year, last_year)
    tz = time_zone(zone)
    window_start = datetime(first_year, 1, 1, tzinfo=tz)
    # The range `_transitions` scans: open at both ends, as `_scan` is.
    low = datetime.fromtimestamp(int(window_start.timestamp()) - 366 * 86400, UTC)
    high = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    scanned = _decade_scan(zone, first_year // 10 * 10)
    return _in_effect_from(tz, window_start, [i for i in scanned if low < i.instant < high])


@lru_cache(maxsize=1024)
def _decade_scan(zone: str, decade: int) -> tuple[_Transition, ...]:
    """The zone's offset changes from a year before `decade` began through HORIZON_YEAR:
    every range `_transitions` scans for a year of that decade lies within it."""
    tz = time_zone(zone)
    start = int(datetime(decade, 1, 1, tzinfo=tz).timestamp())
    end = int(datetime(HORIZON_YEAR + 1, 1, 1, tzinfo=UTC).timestamp())
    return tuple(_scan(tz, start - 366 * 86400, end))


def _in_effect_from(
    tz: ZoneInfo, window_start: datetime, found: list[_Transition]
) -> list[_Transition]:
    """The change in effect at `window_start` and those after it, of the changes found
    from a year before it on (see `_transitions`)."""
    before = [item for item in found if item.instant <= window_start]
    if before:
        return [before[-1], *found[len(before) :]]
    return [_transition(tz, int(window_start.timestamp()), window_start.utcoffset()), *found]


def _scan(tz: ZoneInfo, start: int, end: int) -> Iterator[_Transition]:
    """Offset changes in (start, end): probe weekly, bisect each to the second.

    A week of UTC time is a week on the local clock unless the offset changed
    in between: comparing local times needs no offset per probe, and `fromutc`
    alone is a quarter of the cost of `fromtimestamp` (a feed's cold render
    probes some 250,000 times).
    """
    # UTC's fields labelled with the zone, as `fromutc` takes them.
    utc = datetime.fromtimestamp(start, UTC).replace(tzinfo=tz)
    local = tz.fromutc(utc)
    previous = local.utcoffset()
    for probe in range(start + _ZONE_SCAN_STEP, end + _ZONE_SCAN_STEP, _ZONE_SCAN_STEP):
        utc += _SCAN_WEEK
        later = tz.fromutc(utc)
        if later - local == _SCAN_WEEK:  # same tzinfo: the difference of the local clocks
            local = later
            continue
        local = later
        low, high = probe - _ZONE_SCAN_STEP, probe  # the offset changes in (low, high]
        while high - low > 1:
            middle = (low + high) // 2
            if _offset(tz, middle) == previous:
                low = middle
            else:
                high = middle
        if high < end:
            yield _transition(tz, high, previous)
        previous = _offset(tz, high)


def _offset(tz: ZoneInfo, timestamp: int) -> timedelta | None:
    return datetime.fromtimestamp(timestamp, tz).utcoffset()


def _transition(tz: ZoneInfo, timestamp: int, offset_from: timedelta | None) -> _Transition:
    """The observance that starts at that instant, coming from offset_from."""
    moment = datetime.fromtimestamp(timestamp, tz)
    instant = moment.astimezone(UTC)
    assert offset_from is not None and moment.utcoffset() is not None
    return _Transition(
        onset=(instant + offset_from).replace(tzinfo=None),
        instant=instant,
        offset_from=offset_from,
        offset_to=moment.utcoffset(),
        name=moment.tzname() or _utc_offset(moment.utcoffset()),
        is_daylight=_is_daylight(moment.dst()),
    )


def _is_daylight(dst: timedelta | None) -> bool:
    """Only a positive saving is daylight time (Ireland's negative one is not)."""
    return dst is not None and dst > timedelta(0)


def _observances(
    transitions: list[_Transition], last_year: int
) -> Iterator[tuple[datetime, list[str]]]:
    """STANDARD/DAYLIGHT components, each with its first onset for sorting.

    Only a rule still in force in last_year becomes an RRULE, open-ended; all
    other changes are listed as RDATEs. A bounded RRULE would need a UTC UNTIL,
    which ical rejects (dateutil refuses it beside a local DTSTART) and
    dateutil's tzical, behind icalendar, compares with local times.
    """
    by_kind: dict[tuple[bool, timedelta, timedelta, str], list[_Transition]] = {}
    for transition in transitions:
        by_kind.setdefault(transition.kind, []).append(transition)
    for same_kind in by_kind.values():
        listed: list[_Transition] = []
        for run, byday in _yearly_runs(same_kind):
            if len(run) < 3 or run[-1].onset.year < last_year:
                listed.extend(run)
                continue
            rule = f"RRULE:FREQ=YEARLY;BYMONTH={run[0].onset.month};{byday}"
            yield run[0].onset, _observance_lines(run[0], [rule])
        if listed:
            # One RDATE per onset, DTSTART's included: ical.js reads only the
            # first value of each RDATE, and it and ical take the onsets of a
            # component without RRULE from its RDATEs alone.
            rdates = [f"RDATE:{_local(item.onset)}" for item in listed]
            yield listed[0].onset, _observance_lines(listed[0], rdates)


def _observance_lines(first: _Transition, extra: list[str]) -> list[str]:
    component = "DAYLIGHT" if first.is_daylight else "STANDARD"
    return [
        f"BEGIN:{component}",
        f"DTSTART:{_local(first.onset)}",
        f"TZOFFSETFROM:{_utc_offset(first.offset_from)}",
        f"TZOFFSETTO:{_utc_offset(first.offset_to)}",
        f"TZNAME:{_text(first.name)}",
        *extra,
        f"END:{component}",
    ]


def _yearly_runs(transitions: list[_Transition]) -> Iterator[tuple[list[_Transition], str]]:
    """Split same-kind changes into runs that one yearly rule describes.

    A run is changes in consecutive years, in the same month, at the same local
    time, on the same weekday, with a BYDAY (or BYMONTHDAY+BYDAY) form that
    fits every one of them.
    """
    run: list[_Transition] = []
    forms: list[str] = []
    for transition in transitions:
        candidates = _rule_forms(transition.onset)
        shared = [form for form in forms if form in candidates]
        if run and _follows(run[-1].onset, transition.onset) and shared:
            run.append(transition)
            forms = shared
            continue
        if run:
            yield run, forms[0]
        run, forms = [transition], candidates
    if run:
        yield run, forms[0]


def _follows(previous: datetime, onset: datetime) -> bool:
    return (
        onset.year == previous.year + 1
        and onset.month == previous.month
        and onset.time() == previous.time()
        and onset.weekday() == previous.weekday()
    )


def _rule_forms(onset: datetime) -> list[str]:
    """Yearly-rule forms that give this onset's day, most widely supported first.

    "Last Sunday", "second Sunday", then "the Friday on or after the 23rd"
    (BYMONTHDAY list with BYDAY, as in Israel or Chile).
    """
    weekday = WEEKDAY_CODES[onset.weekday()]
    month_length = calendar.monthrange(onset.year, onset.month)[1]
    forms = []
    if onset.day > month_length - 7:
        forms.append(f"BYDAY=-1{weekday}")
    if onset.day <= 28:
        forms.append(f"BYDAY={(onset.day - 1) // 7 + 1}{weekday}")
    for first_day in range(max(1, onset.day - 6), min(onset.day, month_length - 6) + 1):
        days = ",".join(str(day) for day in range(first_day, first_day + 7))
        forms.append(f"BYMONTHDAY={days};BYDAY={weekday}")
    return forms


# Values and lines


def _text(value: str) -> str:
    """A TEXT value: escaped, newlines as \\n, control characters dropped."""
    if _TEXT_SPECIALS.search(value) is None:
        return value
    value = _CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    # Chained replaces: str.translate looks every character up in a dict, ten times slower.
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _utc(moment: datetime) -> str:
    """A UTC DATE-TIME; naive datetimes are taken as UTC already."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return _local(moment) + "Z"


def _local(moment: datetime) -> str:
    """The wall-clock DATE-TIME, to be written with a TZID (or in a VTIMEZONE)."""
    # Not strftime, which is several times slower and dominated rendering large feeds, nor
    # an f-string, whose format specs cost three times a %: a 10,000-series feed writes 40,000.
    return "%04d%02d%02dT%02d%02d%02d" % (  # noqa: UP031
        moment.year,
        moment.month,
        moment.day,
        moment.hour,
        moment.minute,
        moment.second,
    )


def _utc_offset(offset: timedelta) -> str:
    sign = "-" if offset < timedelta(0) else "+"
    minutes, seconds = divmod(int(abs(offset).total_seconds()), 60)
    text = f"{sign}{minutes // 60:02d}{minutes % 60:02d}"
    return f"{text}{seconds:02d}" if seconds else text


def _duration(value: timedelta) -> str:
    """A DURATION such as PT12H or P1DT6H."""
    minutes, seconds = divmod(value.seconds, 60)
    hours, minutes = divmod(minutes, 60)
    day_part = f"{value.days}D" if value.days else ""
    time_part = "".join(
        f"{amount}{unit}"
        for amount, unit in ((hours, "H"), (minutes, "M"), (seconds, "S"))
        if amount
    )
    if not day_part and not time_part:
        return "PT0S"
    return f"P{day_part}{'T' + time_part if time_part else ''}"


def _serialize(lines: Iterable[str]) -> bytes:
    encoded = [line.encode() for line in lines]
    encoded.append(b"")
    return b"\r\n".join(line if len(line) <= MAX_LINE_OCTETS else _fold(line) for line in encoded)


def _fold(line: bytes) -> bytes:
    """Fold at 75 octets, never inside a UTF-8 sequence (RFC 5545 §3.1)."""
    if len(line) <= MAX_LINE_OCTETS:
        return line
    parts = []
    start, limit = 0, MAX_LINE_OCTETS
    while len(line) - start > limit:
        cut = start + limit
        while line[cut] & 0xC0 == 0x80:  # a continuation byte: cut before its lead byte
            cut -= 1
        parts.append(line[start:cut])
        start, limit = cut, MAX_LINE_OCTETS - 1  # continuation lines start with a space
    parts.append(line[start:])
    return b"\r\n ".join(parts)
