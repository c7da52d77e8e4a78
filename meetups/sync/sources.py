"""Reading someone else's calendar: which event series it holds, and each one's dates.

Pure (no Flask). Google writes its zone once as X-WR-TIMEZONE (repaired with
`x-wr-timezone` into proper TZIDs), Outlook names zones the Windows way ("W. Europe
Standard Time", mapped to IANA names with icalendar's table), Meetup writes one VEVENT
per date with no RRULE, and our own feeds and Nextcloud write one VEVENT per series with
RRULE, EXDATE and RECURRENCE-ID overrides. A series is chosen by a key: `uid:<UID>` for
a recurring event, `summary:<SUMMARY>` for single events sharing a title.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from meetups.schedule import time_zone
from meetups.texts import N_

# The parsers are imported where a calendar is read: only volunteers linking a calendar
# and `sync-calendars` need them, and they hold some 4 MB in every web worker.
if TYPE_CHECKING:
    import icalendar

UID_KEY = "uid:"
SUMMARY_KEY = "summary:"
LISTED_DATES = 3


class SourceError(Exception):
    """A calendar that cannot be read as one; `msgid % params` is the English message."""

    def __init__(self, message: str, /, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.msgid = message
        self.params = params


@dataclass(frozen=True)
class Dated:
    """One date of a source series, in the source's own instant."""

    start: datetime
    end: datetime
    cancelled: bool = False


@dataclass(frozen=True)
class SourceSeries:
    """One series of the calendar: its master event (if recurring) and its instances."""

    key: str
    summary: str
    master: Any | None
    overrides: tuple[Any, ...]
    singles: tuple[Any, ...]

    @property
    def recurring(self) -> bool:
        return self.master is not None and self.master.get("RRULE") is not None


@dataclass(frozen=True)
class SeriesChoice:
    """What the volunteer picks from: the series' title and its next dates."""

    key: str
    summary: str
    next_dates: tuple[datetime, ...]


def read_calendar(body: bytes) -> icalendar.Calendar:
    """The calendar with every zone spelled the IANA way; SourceError when it is not one."""
    import icalendar
    import x_wr_timezone

    try:
        calendar = icalendar.Calendar.from_ical(body)
    except (ValueError, IndexError, KeyError, TypeError):
        raise SourceError(N_("The address does not hold an iCalendar file.")) from None
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise SourceError(N_("The address does not hold an iCalendar file."))
    try:
        return x_wr_timezone.to_standard(calendar)
    except (ValueError, KeyError, TypeError):
        raise SourceError(N_("The calendar names a time zone that does not exist.")) from None


def all_series(calendar: icalendar.Calendar) -> list[SourceSeries]:
    """Every series: recurring events by UID, and single events grouped by title."""
    by_uid: dict[str, list[Any]] = defaultdict(list)
    for event in calendar.walk("VEVENT"):
        if event.get("DTSTART") is not None:
            by_uid[str(event.get("UID", ""))].append(event)
    found: list[SourceSeries] = []
    singles: dict[str, list[Any]] = defaultdict(list)
    for uid, events in by_uid.items():
        master = next((e for e in events if e.get("RECURRENCE-ID") is None), None)
        if uid and master is not None and master.get("RRULE") is not None:
            overrides = tuple(e for e in events if e.get("RECURRENCE-ID") is not None)
            found.append(SourceSeries(UID_KEY + uid, _summary(master), master, overrides, ()))
        else:
            for event in events:
                singles[_summary(event)].append(event)
    for summary, events in singles.items():
        found.append(SourceSeries(SUMMARY_KEY + summary, summary, None, (), tuple(events)))
    return found


def find_series(calendar: icalendar.Calendar, key: str) -> SourceSeries | None:
    return next((series for series in all_series(calendar) if series.key == key), None)


def choices(calendar: icalendar.Calendar, now: datetime) -> list[SeriesChoice]:
    """The series with dates to come, soonest first, each with its next few dates."""
    found = []
    for series in all_series(calendar):
        coming = [d.start for d in dates(series, now, now + timedelta(days=400)) if not d.cancelled]
        if coming:
            found.append(SeriesChoice(series.key, series.summary, tuple(coming[:LISTED_DATES])))
    return sorted(found, key=lambda choice: (choice.next_dates[0], choice.summary))


def dates(series: SourceSeries, start: datetime, end: datetime) -> list[Dated]:
    """The series' dates starting in [start, end), moved ones where they went, in order."""
    events: list[Any]
    if series.recurring:
        import icalendar
        import recurring_ical_events

        holder = icalendar.Calendar()
        for event in (series.master, *series.overrides):
            holder.add_component(event)
        events = list(recurring_ical_events.of(holder).between(start, end))
    else:
        events = list(series.singles)
    found = []
    for event in events:
        begin, finish = event_times(event)
        if start <= begin < end:
            cancelled = str(event.get("STATUS", "")).upper() == "CANCELLED"
            found.append(Dated(begin, finish, cancelled))
    return sorted(found, key=lambda item: item.start)


def event_times(event: Any) -> tuple[datetime, datetime]:
    """An event's start and end as aware instants; all-day dates are refused."""
    start = aware(event.decoded("DTSTART"))
    if event.get("DTEND") is not None:
        end = aware(event.decoded("DTEND"))
    elif event.get("DURATION") is not None:
        end = start + event.decoded("DURATION")
    else:
        end = start
    return start, end


def aware(value: date | datetime) -> datetime:
    """A start as an aware instant. A floating time is read as UTC, and an all-day date
    is no meetup: SourceError."""
    if not isinstance(value, datetime):
        raise SourceError(N_("The series lasts whole days: it has no start time."))
    if value.tzinfo is None:
        return value.replace(tzinfo=ZoneInfo("UTC"))
    return value


def zone_name(event: Any) -> str | None:
    """The IANA name of the zone an event's start is written in (Windows names mapped)."""
    from icalendar.timezone.windows_to_olson import WINDOWS_TO_OLSON

    tzid = event["DTSTART"].params.get("TZID")
    if tzid is None:
        return None
    name = WINDOWS_TO_OLSON.get(str(tzid), str(tzid))
    try:
        time_zone(name)
    except (KeyError, ValueError, OSError):
        return None
    return name


def local(moment: datetime, zone: str) -> tuple[date, time]:
    """The wall-clock day and time of an instant where the meetup happens."""
    there = moment.astimezone(time_zone(zone))
    return there.date(), there.time().replace(tzinfo=None)


def _summary(event: Any) -> str:
    return str(event.get("SUMMARY", "")).strip()[:200]
