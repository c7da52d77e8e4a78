"""Read a feed with four independent iCalendar parsers, into comparable shapes.

1. icalendar + recurring-ical-events (Python, dateutil rules);
2. ical, the strict pydantic parser behind Home Assistant's calendar;
3. ical.js, the parser inside Thunderbird, run with node on tests/icaljs_expand.mjs,
   with the feed's own VTIMEZONE components as its only time zones;
4. libical, the C library behind Evolution and GNOME Calendar, from Debian's
   libical-dev, through tests/libical_expand.c (`make libical` builds it), also
   with the feed's own VTIMEZONEs.

Each reader returns the instances that start in a window, and the UTC offset
each VTIMEZONE gives at some local wall-clock times on every day of it.
icalendar and ical place events with their own IANA data when they know the
TZID, so their reading of our VTIMEZONEs is checked through those offsets.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path

import icalendar
import recurring_ical_events
from ical.calendar_stream import IcsCalendarStream
from ical.timezone import IcsTimezoneInfo

from tests.conftest import require

REPO = Path(__file__).resolve().parent.parent
ICALJS_SCRIPT = REPO / "tests" / "icaljs_expand.mjs"
ICALJS_PACKAGE = REPO / "node_modules" / "ical.js" / "package.json"
LIBICAL_PROGRAM = REPO / "build" / "libical_expand"

# Moved dates may leave or enter the window: ask the libraries for a wider one.
_MARGIN = timedelta(days=62)


@dataclass(frozen=True)
class Window:
    """Instances starting in [first_day, end_day) at 00:00 UTC; offsets read on each day."""

    first_day: date
    end_day: date
    wall_clocks: tuple[time, ...] = (time(0, 30), time(3, 30), time(12))

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time(), UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.end_day, time(), UTC)

    def local_times(self) -> list[datetime]:
        """Every wall-clock time to read offsets at, naive, day by day."""
        days = (self.end_day - self.first_day).days
        return [
            datetime.combine(self.first_day + timedelta(days=offset), at)
            for offset in range(days)
            for at in self.wall_clocks
        ]


@dataclass(frozen=True)
class Instance:
    """One expanded occurrence as a parser sees it."""

    uid: str
    recurrence_id: str | None  # the original local start, "YYYY-MM-DDTHH:MM:SS"
    start: datetime  # UTC
    end: datetime  # UTC
    local_start: str  # the wall clock the parser states, "YYYY-MM-DDTHH:MM:SS"
    tzid: str | None
    location: str


@dataclass(frozen=True)
class ParsedFeed:
    """What one parser made of a feed, over a window."""

    instances: list[Instance]
    offsets: dict[str, dict[datetime, timedelta]]  # TZID -> local wall clock -> UTC offset

    def by_uid(self, uid: str) -> list[Instance]:
        return [instance for instance in self.instances if instance.uid == uid]


Reader = Callable[[bytes, Window], ParsedFeed]


def read_with_icalendar(feed: bytes, window: Window) -> ParsedFeed:
    """recurring-ical-events expands; icalendar turns each VTIMEZONE into a tzinfo."""
    calendar = icalendar.Calendar.from_ical(feed)
    found = recurring_ical_events.of(calendar).between(window.start - _MARGIN, window.end + _MARGIN)
    instances = [_icalendar_instance(event) for event in found]
    offsets = {
        component.tz_name: _offsets(component.to_tz(lookup_tzid=False), window)
        for component in calendar.timezones
    }
    return ParsedFeed(_in_window(instances, window), offsets)


def _icalendar_instance(event: icalendar.Event) -> Instance:
    start, end = event.DTSTART, event.DTEND
    recurrence_id = event.get("RECURRENCE-ID")
    return Instance(
        uid=str(event["UID"]),
        recurrence_id=_wall_clock(recurrence_id.dt) if recurrence_id else None,
        start=start.astimezone(UTC),
        end=end.astimezone(UTC),
        local_start=_wall_clock(start),
        tzid=str(start.tzinfo),
        location=str(event.get("LOCATION", "")),
    )


def read_with_ical(feed: bytes, window: Window) -> ParsedFeed:
    """ical's timeline expands; its IcsTimezoneInfo reads each VTIMEZONE."""
    calendar = IcsCalendarStream.calendar_from_ics(feed.decode())
    found = calendar.timeline_tz(UTC).overlapping(window.start - _MARGIN, window.end + _MARGIN)
    instances = [
        Instance(
            uid=event.uid,
            recurrence_id=_ical_recurrence_id(event.recurrence_id),
            start=event.dtstart.astimezone(UTC),
            end=event.end.astimezone(UTC),
            local_start=_wall_clock(event.dtstart),
            tzid=str(event.dtstart.tzinfo),
            location=event.location or "",
        )
        for event in found
    ]
    offsets = {
        zone.tz_id: _offsets(IcsTimezoneInfo.from_timezone(zone), window)
        for zone in calendar.timezones
    }
    return ParsedFeed(_in_window(instances, window), offsets)


def _ical_recurrence_id(value: str | None) -> str | None:
    """ical keeps RECURRENCE-ID as its iCalendar text, like 20260305T083000."""
    if value is None:
        return None
    return _wall_clock(datetime.strptime(value, "%Y%m%dT%H%M%S"))


def read_with_icaljs(feed: bytes, window: Window) -> ParsedFeed:
    """node runs ical.js on the feed; see tests/icaljs_expand.mjs."""
    require_icaljs()
    return _read_with_program(["node", str(ICALJS_SCRIPT)], "ical.js", feed, window)


def read_with_libical(feed: bytes, window: Window) -> ParsedFeed:
    """libical's recurrence iterator and VTIMEZONE reading; see tests/libical_expand.c."""
    require(
        LIBICAL_PROGRAM.exists(),
        "libical cannot run: build/libical_expand is missing (run `make libical`)",
    )
    return _read_with_program([str(LIBICAL_PROGRAM)], "libical", feed, window)


def _read_with_program(command: list[str], name: str, feed: bytes, window: Window) -> ParsedFeed:
    """Run a parser that prints the JSON of tests/icaljs_expand.mjs for the window."""
    arguments = [window.first_day.isoformat(), window.end_day.isoformat()]
    arguments += [at.strftime("%H:%M") for at in window.wall_clocks]
    completed = subprocess.run(
        [*command, *arguments],
        input=feed,
        capture_output=True,
        check=False,
        cwd=REPO,
    )
    if completed.returncode != 0:
        raise AssertionError(f"{name} failed: {completed.stderr.decode()}")
    result = json.loads(completed.stdout)
    instances = [
        Instance(
            uid=uid,
            recurrence_id=item["recurrence_id"],
            start=_utc_from_iso(item["start"]),
            end=_utc_from_iso(item["end"]),
            local_start=item["local_start"],
            tzid=item["tzid"],
            location=item["location"] or "",
        )
        for uid, items in result["events"].items()
        for item in items
    ]
    offsets = {
        tzid: {
            datetime.fromisoformat(local): timedelta(seconds=seconds)
            for local, seconds in values.items()
        }
        for tzid, values in result["offsets"].items()
    }
    return ParsedFeed(_in_window(instances, window), offsets)


def require_icaljs() -> None:
    """Skip where node or ical.js is missing; in CI (CI=true) fail instead."""
    require(shutil.which("node") is not None, "ical.js cannot run: node is not on PATH")
    require(
        ICALJS_PACKAGE.exists(),
        "ical.js cannot run: node_modules/ical.js is missing (run `npm ci`)",
    )


READERS: dict[str, Reader] = {
    "icalendar+recurring-ical-events": read_with_icalendar,
    "ical": read_with_ical,
    "ical.js": read_with_icaljs,
    "libical": read_with_libical,
}


def _offsets(zone: tzinfo, window: Window) -> dict[datetime, timedelta]:
    offsets = {}
    for local in window.local_times():
        offset = local.replace(tzinfo=zone).utcoffset()
        assert offset is not None
        offsets[local] = offset
    return offsets


def _in_window(instances: list[Instance], window: Window) -> list[Instance]:
    inside = [item for item in instances if window.start <= item.start < window.end]
    return sorted(inside, key=lambda item: (item.uid, item.start))


def _wall_clock(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _utc_from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
