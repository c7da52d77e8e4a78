"""Recurring meetup schedules: a restricted RRULE subset, exceptions, local time.

Pure and Flask-free. Local wall-clock time is the truth: a 09:00 Paris
meetup is at 09:00 Paris time in January and in July. Occurrences are
computed from the rule, never stored one by one.

Dates are computed with plain calendar arithmetic rather than by walking the
series from its first date, so a window thirty years ahead costs the same as
next week. The expansion follows RFC 5545 with DTSTART set to
`first_occurrence_date`, so our dates and a calendar app's agree.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from meetups.texts import N_, NC_

WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

MAX_INTERVAL = 12
MAX_DURATION = timedelta(hours=24)
MAX_MOVE = timedelta(days=60)
"""How far a date may move from its usual day: further, it is another meetup, not this one."""
WEEKS_OF_MONTH = (1, 2, 3, 4, -1)

# English weekday names, as schema.org and the forms spell them.
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# The same names as a weekly schedule's sentence says them: in their own context, since
# some languages say them there with an article or in the plural ("los jueves").
WEEKDAYS_IN_SCHEDULES = (
    NC_("weekly schedule", "Monday"),
    NC_("weekly schedule", "Tuesday"),
    NC_("weekly schedule", "Wednesday"),
    NC_("weekly schedule", "Thursday"),
    NC_("weekly schedule", "Friday"),
    NC_("weekly schedule", "Saturday"),
    NC_("weekly schedule", "Sunday"),
)
# One whole phrase per week of the month and weekday, so that each language can agree
# its ordinal with the day ("la prima domenica", "o primeiro sábado").
MONTHLY_PHRASES = {
    1: (
        N_("First Monday of the month"),
        N_("First Tuesday of the month"),
        N_("First Wednesday of the month"),
        N_("First Thursday of the month"),
        N_("First Friday of the month"),
        N_("First Saturday of the month"),
        N_("First Sunday of the month"),
    ),
    2: (
        N_("Second Monday of the month"),
        N_("Second Tuesday of the month"),
        N_("Second Wednesday of the month"),
        N_("Second Thursday of the month"),
        N_("Second Friday of the month"),
        N_("Second Saturday of the month"),
        N_("Second Sunday of the month"),
    ),
    3: (
        N_("Third Monday of the month"),
        N_("Third Tuesday of the month"),
        N_("Third Wednesday of the month"),
        N_("Third Thursday of the month"),
        N_("Third Friday of the month"),
        N_("Third Saturday of the month"),
        N_("Third Sunday of the month"),
    ),
    4: (
        N_("Fourth Monday of the month"),
        N_("Fourth Tuesday of the month"),
        N_("Fourth Wednesday of the month"),
        N_("Fourth Thursday of the month"),
        N_("Fourth Friday of the month"),
        N_("Fourth Saturday of the month"),
        N_("Fourth Sunday of the month"),
    ),
    -1: (
        N_("Last Monday of the month"),
        N_("Last Tuesday of the month"),
        N_("Last Wednesday of the month"),
        N_("Last Thursday of the month"),
        N_("Last Friday of the month"),
        N_("Last Saturday of the month"),
        N_("Last Sunday of the month"),
    ),
}

# Open-ended series stop here so that date arithmetic never overflows.
_LAST_COMPUTABLE_DAY = date.max - timedelta(weeks=2 * MAX_INTERVAL)
# How many days an open-ended reading computes at once: at least one date of any rule.
_STRETCH = timedelta(weeks=2 * MAX_INTERVAL)
_ONE_DAY = timedelta(days=1)
# The days a series, a moved date or a question about dates may name: far wider than any
# meetup's, yet far enough from Python's limits (years 1 and 9999) that a few days or a
# UTC offset either side, and a zone's history from that year on, can always be computed.
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
# What a day out of those bounds is told, made once: every schedule read checks its days.
_FIRST_DATE_OUT_OF_RANGE = N_("The first date must be between %(first)d and %(last)d.")
_END_DATE_OUT_OF_RANGE = N_("The end date must be between %(first)d and %(last)d.")
_NEW_DAY_OUT_OF_RANGE = N_("The new day must be between %(first)d and %(last)d.")
_BYDAY_ITEM = re.compile(r"([+-]?[0-9]{1,2})?([A-Z]{2})")
_INTERVAL = re.compile(r"[0-9]{1,3}")


class ScheduleError(ValueError):
    """A schedule or change that cannot be honoured; the message is for people.

    The message is English; `msgid` and `params` let the web layer say it in the
    visitor's language (`msgid % params` is the English text).
    """

    def __init__(self, message: str, /, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.msgid = message
        self.params = params


@dataclass(frozen=True)
class Rule:
    """The RRULE subset a volunteer can pick from a form.

    weekdays: 0 = Monday … 6 = Sunday, sorted and unique.
    WEEKLY: one or more weekdays, every `interval` weeks (1 to 12).
    MONTHLY: exactly one weekday, on week_of_month 1 to 4 or -1 (last); interval 1.
    """

    freq: Literal["WEEKLY", "MONTHLY"]
    weekdays: tuple[int, ...]
    interval: int = 1
    week_of_month: int | None = None

    def __post_init__(self) -> None:
        """Refuse rules outside the subset, so every Rule can be expanded and exported."""
        weekdays = tuple(sorted(set(self.weekdays)))
        object.__setattr__(self, "weekdays", weekdays)
        if self.freq not in ("WEEKLY", "MONTHLY"):
            raise ScheduleError(f"Only weekly and monthly schedules exist, not {self.freq!r}.")
        if not weekdays:
            raise ScheduleError(N_("Pick at least one day of the week."))
        if any(day not in range(7) for day in weekdays):
            raise ScheduleError(N_("Days of the week are numbered 0 (Monday) to 6 (Sunday)."))
        if not isinstance(self.interval, int) or self.interval not in range(1, MAX_INTERVAL + 1):
            raise ScheduleError(
                N_("The interval must be between 1 and %(max)d weeks."), max=MAX_INTERVAL
            )
        if self.freq == "WEEKLY":
            self._check_weekly()
        else:
            self._check_monthly()

    def _check_weekly(self) -> None:
        if self.week_of_month is not None:
            raise ScheduleError(N_("A weekly schedule cannot name a week of the month."))

    def _check_monthly(self) -> None:
        if len(self.weekdays) != 1:
            raise ScheduleError(N_("A monthly schedule happens on exactly one day of the week."))
        if self.week_of_month not in WEEKS_OF_MONTH:
            raise ScheduleError(
                N_("A monthly schedule is on the first to fourth, or the last, week.")
            )
        if self.interval != 1:
            raise ScheduleError(N_("A monthly schedule happens every month."))

    def to_rrule(self) -> str:
        """The RRULE value (no prefix, DTSTART or UNTIL) in one canonical spelling.

        WKST=MO is written whenever INTERVAL > 1, because only then does the week
        start change which weeks are counted.
        """
        parts = [f"FREQ={self.freq}"]
        if self.interval > 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.freq == "MONTHLY":
            parts.append(f"BYDAY={self.week_of_month}{WEEKDAY_CODES[self.weekdays[0]]}")
        else:
            parts.append("BYDAY=" + ",".join(WEEKDAY_CODES[day] for day in self.weekdays))
        if self.interval > 1:
            parts.append("WKST=MO")
        return ";".join(parts)

    @classmethod
    def from_rrule(cls, text: str) -> Rule:
        """Parse the subset `to_rrule` writes; anything else is refused, not approximated."""
        parts = _rrule_parts(text)
        unknown = set(parts) - {"FREQ", "INTERVAL", "BYDAY", "WKST"}
        if unknown:
            raise ScheduleError(f"Unsupported RRULE part(s): {', '.join(sorted(unknown))}.")
        if parts.get("WKST", "MO") != "MO":
            raise ScheduleError("Only weeks starting on Monday (WKST=MO) are supported.")
        freq = parts.get("FREQ")
        if freq not in ("WEEKLY", "MONTHLY"):
            raise ScheduleError(f"Only FREQ=WEEKLY or FREQ=MONTHLY is supported, not {freq!r}.")
        interval = _parse_interval(parts.get("INTERVAL", "1"))
        ordinals, weekdays = _parse_byday(parts.get("BYDAY"))
        if freq == "WEEKLY":
            if any(ordinal is not None for ordinal in ordinals):
                raise ScheduleError("A weekly RRULE cannot number its days (like 1TU).")
            return cls("WEEKLY", weekdays, interval)
        if len(ordinals) != 1 or ordinals[0] is None:
            raise ScheduleError("A monthly RRULE needs exactly one numbered day, like BYDAY=1TU.")
        return cls("MONTHLY", weekdays, interval, ordinals[0])


def _rrule_parts(text: str) -> dict[str, str]:
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    parts: dict[str, str] = {}
    for part in body.split(";"):
        key, sep, value = part.partition("=")
        key, value = key.strip().upper(), value.strip().upper()
        if not sep or not key or not value:
            raise ScheduleError(f"Cannot read RRULE part {part!r} in {text!r}.")
        if key in parts:
            raise ScheduleError(f"RRULE part {key} appears twice in {text!r}.")
        parts[key] = value
    return parts


def _parse_interval(value: str) -> int:
    if _INTERVAL.fullmatch(value) is None:
        raise ScheduleError(f"INTERVAL must be a whole number, not {value!r}.")
    return int(value)


def _parse_byday(value: str | None) -> tuple[list[int | None], tuple[int, ...]]:
    if value is None:
        raise ScheduleError("The RRULE must name its day(s) of the week with BYDAY.")
    ordinals: list[int | None] = []
    weekdays: list[int] = []
    for item in value.split(","):
        match = _BYDAY_ITEM.fullmatch(item.strip())
        if match is None or match[2] not in WEEKDAY_CODES:
            raise ScheduleError(f"Cannot read BYDAY item {item!r}.")
        ordinals.append(None if match[1] is None else int(match[1]))
        weekdays.append(WEEKDAY_CODES.index(match[2]))
    return ordinals, tuple(weekdays)


@dataclass(frozen=True, slots=True)
class Schedule:
    """A series: its rule plus local start time, duration, zone and date bounds."""

    rule: Rule
    start_time: time
    duration: timedelta
    timezone: str
    first_date: date
    end_date: date | None = None

    def __post_init__(self) -> None:
        """Refuse series that could not be shown or exported consistently."""
        _load_zone(self.timezone)
        _check_wall_clock(self.start_time)
        _check_duration(self.duration)
        _check_day(self.first_date, _FIRST_DATE_OUT_OF_RANGE)
        if self.end_date is not None:
            _check_day(self.end_date, _END_DATE_OUT_OF_RANGE)
        if self.end_date is not None and self.end_date < self.first_date:
            raise ScheduleError(N_("The end date cannot be before the first date."))

    @property
    def zone(self) -> ZoneInfo:
        return time_zone(self.timezone)


@lru_cache(maxsize=1024)
def time_zone(key: str) -> ZoneInfo:
    """A zone held for good: ZoneInfo keeps only eight strongly, so a directory feed
    touching hundreds of zones reread their files for every meetup (most of its cost)."""
    return ZoneInfo(key)


def _load_zone(key: str) -> ZoneInfo:
    try:
        return time_zone(key)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ScheduleError(f"Unknown time zone {key!r}.") from None


def _check_wall_clock(at: time) -> None:
    if at.tzinfo is not None:
        raise ScheduleError(N_("Start times are local wall-clock times, without a zone."))


def is_supported_day(day: date) -> bool:
    """Whether a day lies within FIRST_DAY and LAST_DAY, where every computation is safe."""
    return FIRST_DAY <= day <= LAST_DAY


def _check_day(day: date, message: str) -> None:
    """`message` names the day and takes the first and last years (`_FIRST_DATE_OUT_OF_RANGE`)."""
    if not is_supported_day(day):
        raise ScheduleError(message, first=FIRST_DAY.year, last=LAST_DAY.year)


def _check_duration(duration: timedelta) -> None:
    if not timedelta(0) < duration <= MAX_DURATION:
        raise ScheduleError(N_("A meetup lasts more than zero and at most 24 hours."))


@dataclass(frozen=True)
class Change:
    """An exception for one date of a series: cancelled, or moved.

    A move may change the date, the start time, the duration and/or the venue;
    fields left None keep the series' value. `timezone` is the zone of the venue
    the date moved to: a date happens at its wall-clock time where it happens, so
    09:00 at a London venue is 09:00 London time, whatever the series' zone.
    """

    original_date: date
    cancelled: bool = False
    new_date: date | None = None
    new_start_time: time | None = None
    new_duration: timedelta | None = None
    venue_id: int | None = None
    note: str = ""
    timezone: str | None = None

    @property
    def has_move(self) -> bool:
        """Whether any field of a move is set (the note alone is not a move)."""
        fields = (self.new_date, self.new_start_time, self.new_duration, self.venue_id)
        return any(field is not None for field in fields)


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One computed date of a series, aware datetimes in the series' zone.

    Slotted: a worker keeps tens of thousands (`_ruled`), and without an instance
    dict each takes 128 bytes rather than 238.
    """

    original_date: date
    start: datetime
    end: datetime
    cancelled: bool = False
    moved: bool = False
    venue_id: int | None = None
    note: str = ""
    # The start in seconds since the epoch, to sort by: aware datetimes of many zones
    # compare slowly, and a rule's dates are shared (`_ruled`), so each is worked out once.
    instant: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "instant", self.start.timestamp())


def local_datetime(day: date, at: time, zone: str | ZoneInfo) -> datetime:
    """The aware instant of a local wall-clock time, resolved as RFC 5545 §3.3.5 says.

    Calendar apps resolve DTSTART;TZID=… this way, so doing the same keeps the
    site and every subscribed calendar on the same instant:

    - a time that does not exist (skipped by a spring-forward gap) takes the UTC
      offset from before the gap, so 02:30 on 2026-03-29 in Europe/Paris is the
      instant of 03:30+02:00, and is returned as 03:30+02:00;
    - a time that exists twice (autumn fold) is the first, earlier instant, so
      02:30 on 2026-10-25 in Europe/Paris is 02:30+02:00.

    The result is always normalised: its wall-clock time and offset are real.
    """
    tz = zone if isinstance(zone, ZoneInfo) else _load_zone(zone)
    if at.tzinfo is not None or at.fold:
        at = at.replace(tzinfo=None, fold=0)
    return _resolved(day, at, tz)


# 4,096 entries hold about 1 MB and answer 42% of the realistic mix's calls (16,384 held
# 4.6 MB for 56%); the mix's first pass took no measurably longer.
@lru_cache(maxsize=4096)
def _resolved(day: date, at: time, zone: ZoneInfo) -> datetime:
    """`local_datetime` for a naive `at`, kept: a country's agenda asks for the same few
    days, times and zones thousands of times, and each answer is two zone conversions."""
    # fold=0 means "offset before the transition" in both gaps and folds (PEP 495).
    wall = datetime.combine(day, at, tzinfo=zone)
    return wall.astimezone(UTC).astimezone(zone)


def first_occurrence_date(schedule: Schedule) -> date | None:
    """The first date on or after first_date that fits the rule, or None if the series ends first.

    This is the iCalendar DTSTART: RFC 5545 leaves a DTSTART off the rule
    undefined, and every-N-weeks series count their weeks from it.
    """
    first = _next_matching_day(schedule.rule, schedule.first_date)
    if schedule.end_date is not None and first > schedule.end_date:
        return None
    return first


def occurrences(
    schedule: Schedule,
    changes: Iterable[Change] = (),
    *,
    start: datetime,
    end: datetime,
    include_cancelled: bool = False,
) -> list[Occurrence]:
    """Occurrences whose start instant lies in [start, end), sorted by start.

    Moved dates count where they went: one moved into the window appears, one
    moved out of it does not. Cancelled dates appear (flagged) only on request.
    Changes for dates that are not in the series are ignored.
    """
    _check_aware(start, "start")
    _check_aware(end, "end")
    by_date = _changes_by_date(schedule, changes)
    zone = schedule.zone
    # One day of margin each side: a gap can push a start onto the next local day.
    first = start.astimezone(zone).date() - _ONE_DAY
    last = end.astimezone(zone).date() + _ONE_DAY
    candidates = [
        _base_occurrence(schedule, day)
        for day in _rule_days(schedule, first, last)
        if day not in by_date
    ]
    candidates += _changed_occurrences(schedule, by_date.values(), include_cancelled)
    return _sorted([item for item in candidates if start <= item.start < end])


def next_occurrences(
    schedule: Schedule,
    changes: Iterable[Change] = (),
    *,
    after: datetime,
    limit: int,
    include_cancelled: bool = True,
) -> list[Occurrence]:
    """The next `limit` occurrences starting at or after `after`, moved ones by their new start.

    Cancelled dates are included by default so pages can show them struck through.
    """
    _check_aware(after, "after")
    if limit <= 0:
        return []
    by_date = _changes_by_date(schedule, changes)
    first = after.astimezone(schedule.zone).date() - _ONE_DAY
    base: list[Occurrence] = []
    for day in _rule_days_from(schedule, first):
        if len(base) == limit:
            break
        if day in by_date:
            continue
        occurrence = _base_occurrence(schedule, day)
        if occurrence.start >= after:
            base.append(occurrence)
    changed = _changed_occurrences(schedule, by_date.values(), include_cancelled)
    return _sorted(base + [item for item in changed if item.start >= after])[:limit]


def ruled_occurrence(schedule: Schedule, day: date) -> Occurrence | None:
    """The rule's occurrence on `day`, changes aside; None when the rule gives no date then.

    For the feed, which must know how the rule's own instance on a day reads.
    """
    if not _is_rule_day(schedule, day):
        return None
    return _base_occurrence(schedule, day)


def exists_once(wall_clock: datetime, zone: ZoneInfo) -> bool:
    """Whether a naive local time happens exactly once: neither skipped nor repeated."""
    first, second = wall_clock.replace(tzinfo=zone, fold=0), wall_clock.replace(tzinfo=zone, fold=1)
    return first.utcoffset() == second.utcoffset()


def validate_change(schedule: Schedule, change: Change, today: date | None = None) -> None:
    """Refuse a change that could not be shown or exported as the volunteer meant it.

    With `today` (in the meetup's zone), a move into the past is refused too: nobody can
    go to it, and calendars would show a date that never was.
    """
    if not _is_rule_day(schedule, change.original_date):
        raise ScheduleError(
            N_("%(day)s is not a date of this meetup."), day=change.original_date.isoformat()
        )
    if change.cancelled:
        if change.has_move:
            raise ScheduleError(N_("A cancelled date cannot also be moved."))
        return
    if change.new_date is not None:
        _check_day(change.new_date, _NEW_DAY_OUT_OF_RANGE)
        if abs(change.new_date - change.original_date) > MAX_MOVE:
            raise ScheduleError(
                N_("A date can move at most %(days)d days from its usual day."),
                days=MAX_MOVE.days,
            )
    if today is not None and (change.new_date or change.original_date) < today:
        raise ScheduleError(N_("A date cannot be moved into the past: pick today or a later day."))
    if change.new_start_time is not None:
        _check_wall_clock(change.new_start_time)
    if change.timezone is not None:
        _load_zone(change.timezone)
    if change.new_duration is not None:
        _check_duration(change.new_duration)
    if not _changes_something(schedule, change):
        raise ScheduleError(N_("This change keeps the same date, time, duration and place."))


def english(msgid: str, /, **params: object) -> str:
    """Say a message as written: the feeds, the API and the command line speak English."""
    return msgid % params if params else msgid


def wall_clock_length(start: time, end: time) -> timedelta:
    """How long a date lasts from the start and end people state, on the wall clock.

    The one rule for every form: an end not after the start is the next day's, so
    "23:30 to 02:30" lasts three hours and "09:00 to 09:00" a whole day. Stored as a
    length, the end stays a wall-clock time on clock-change nights (see `_end`).
    """
    start_at = datetime.combine(date.min, start.replace(tzinfo=None))
    end_at = datetime.combine(date.min, end.replace(tzinfo=None))
    minutes = (end_at - start_at) // timedelta(minutes=1) % (24 * 60)
    return timedelta(minutes=minutes or 24 * 60)


def wall_clock_end(start: time, length: timedelta) -> time:
    """The end people state for a start and a length: `wall_clock_length`'s inverse."""
    return (datetime.combine(date(2000, 1, 1), start.replace(tzinfo=None)) + length).time()


def end_time(schedule: Schedule) -> time:
    """The wall-clock time a date of the series ends at (the next day if not after the start)."""
    return wall_clock_end(schedule.start_time, schedule.duration)


def describe(schedule: Schedule, say: Callable[..., str] = english) -> str:
    """The schedule in words for people, in local 24-hour time.

    `say(msgid, **params)` words each part: English by default, the visitor's
    language on pages (`meetups.web.i18n.describe_schedule`).
    """
    start = datetime.combine(date(2000, 1, 1), schedule.start_time.replace(tzinfo=None))
    end = start + schedule.duration
    sentence = say(
        N_("%(pattern)s, %(start)s–%(end)s"),
        pattern=_pattern(schedule.rule, say),
        start=f"{start:%H:%M}",
        end=f"{end:%H:%M}",
    )
    return _capitalised(sentence)


def describe_rule(rule: Rule, say: Callable[..., str] = english) -> str:
    """ "Every other Thursday", "Last Friday of the month": how often, without the time."""
    return _capitalised(_pattern(rule, say))


def _pattern(rule: Rule, say: Callable[..., str]) -> str:
    days = _join_words([say(WEEKDAYS_IN_SCHEDULES[day]) for day in rule.weekdays], say)
    if rule.freq == "MONTHLY":
        assert rule.week_of_month is not None
        return say(MONTHLY_PHRASES[rule.week_of_month][rule.weekdays[0]])
    if rule.interval == 1 and len(set(rule.weekdays)) == len(WEEKDAYS_IN_SCHEDULES):
        # Not seven day names in a row: the wall of text a daily meetup would otherwise get.
        return say(N_("Every day"))
    if rule.interval == 1:
        return say(N_("Every %(days)s"), days=days)
    if rule.interval == 2:
        return say(N_("Every other %(days)s"), days=days)
    return say(N_("Every %(interval)d weeks on %(days)s"), interval=rule.interval, days=days)


def _capitalised(sentence: str) -> str:
    """A language may open the sentence with its days ("às quintas-feiras, 08:30–10:00")."""
    return sentence[:1].upper() + sentence[1:]


def _join_words(words: list[str], say: Callable[..., str]) -> str:
    if len(words) == 1:
        return words[0]
    return say(N_("%(first)s and %(last)s"), first=", ".join(words[:-1]), last=words[-1])


def _check_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ScheduleError(f"{name} must be an aware datetime (with a time zone).")


def _changes_by_date(schedule: Schedule, changes: Iterable[Change]) -> dict[date, Change]:
    return {
        change.original_date: change
        for change in changes
        if _is_rule_day(schedule, change.original_date)
    }


def _base_occurrence(schedule: Schedule, day: date) -> Occurrence:
    return _ruled(day, schedule.start_time, schedule.duration, schedule.zone)


# About 360 bytes an entry: 8,192 hold a month of a 2,000-meetup directory (some 6,200)
# in 3 MB. A month of 10,000 meetups (some 31,000) no longer fits, so that rare API answer
# costs twice as much when not kept (some 800 ms in `make bench`, 400 at 32,768), but each
# worker keeps 6 MB less, and the realistic mix's first pass found 29% here rather than 31%.
@lru_cache(maxsize=8192)
def _ruled(day: date, at: time, length: timedelta, zone: ZoneInfo) -> Occurrence:
    """A rule's date, shared by every series at that time and zone (an Occurrence is
    immutable): a month of a directory is thousands of dates of a few dozen kinds a day."""
    start = local_datetime(day, at, zone)
    return Occurrence(day, start, _end(day, at, length, start))


def _changed_occurrences(
    schedule: Schedule, changes: Iterable[Change], include_cancelled: bool
) -> list[Occurrence]:
    result = []
    for change in changes:
        if not change.cancelled:
            result.append(_moved_occurrence(schedule, change))
        elif include_cancelled:
            base = _base_occurrence(schedule, change.original_date)
            result.append(replace(base, cancelled=True, note=change.note))
    return result


def _moved_occurrence(schedule: Schedule, change: Change) -> Occurrence:
    day = change.new_date or change.original_date
    at = change.new_start_time or schedule.start_time
    zone = schedule.zone if change.timezone is None else _load_zone(change.timezone)
    start = local_datetime(day, at, zone)
    duration = schedule.duration if change.new_duration is None else change.new_duration
    end = _end(day, at, duration, start)
    return Occurrence(
        change.original_date, start, end, moved=True, venue_id=change.venue_id, note=change.note
    )


def _end(day: date, at: time, length: timedelta, start: datetime) -> datetime:
    """The end as the wall clock states it: `length` after the stated start, on the clock.

    "23:30 to 02:30" is what people mean and what the page says, so a London
    Saturday 23:30-02:30 ends at 02:30 on the night the clocks go forward (two
    hours later) and on the night they go back (four). The end is resolved as
    RFC 5545 resolves a local time, as the start is: one a gap skips is read with
    the offset before the gap (02:30 is 03:30 summer time), one a change repeats
    is its first pass. Should that put the end at or before a start the same gap
    pushed later, the date lasts its wall-clock length from its start.
    """
    stated = datetime.combine(day, at.replace(tzinfo=None)) + length
    end = local_datetime(stated.date(), stated.time(), start.tzinfo)
    if end <= start:
        return (start.astimezone(UTC) + length).astimezone(start.tzinfo)
    return end


def _changes_something(schedule: Schedule, change: Change) -> bool:
    return (
        change.venue_id is not None
        or change.new_date not in (None, change.original_date)
        or change.new_start_time not in (None, schedule.start_time)
        or change.new_duration not in (None, schedule.duration)
    )


def _sorted(items: list[Occurrence]) -> list[Occurrence]:
    return sorted(items, key=lambda item: (item.start, item.original_date))


def _is_rule_day(schedule: Schedule, day: date) -> bool:
    return bool(_rule_days(schedule, day, day))


def _rule_days(schedule: Schedule, first: date, last: date) -> list[date]:
    """Dates of the series from `first` to `last`, in order, by arithmetic.

    A list made at once, not a chain of generators: a directory's month asks
    thousands of series for their few dates each.
    """
    anchor = first_occurrence_date(schedule)
    if anchor is None:
        return []
    first, last = max(first, anchor), min(last, _last_computable_day(schedule))
    if first > last:
        return []
    if schedule.rule.freq == "MONTHLY":
        days = _monthly_days(schedule.rule, first, last)
    else:
        days = _weekly_days(schedule.rule, anchor, first, last)
    return [day for day in days if first <= day <= last]


def _rule_days_from(schedule: Schedule, first: date) -> Iterator[date]:
    """Dates of the series from `first` on, in order, a stretch of weeks at a time."""
    anchor = first_occurrence_date(schedule)
    if anchor is None:
        return
    first, end = max(first, anchor), _last_computable_day(schedule)
    while first <= end:
        last = min(first + _STRETCH, end)
        yield from _rule_days(schedule, first, last)
        first = last + _ONE_DAY


def _last_computable_day(schedule: Schedule) -> date:
    if schedule.end_date is None:
        return _LAST_COMPUTABLE_DAY
    return min(schedule.end_date, _LAST_COMPUTABLE_DAY)


def _weekly_days(rule: Rule, anchor: date, first: date, last: date) -> list[date]:
    """Rule days of the weeks from `first`'s to `last`'s, counting `interval` weeks from the
    anchor's week; in day numbers (ordinals), which cost less than timedeltas."""
    anchor_monday = anchor.toordinal() - anchor.weekday()
    weeks = (first.toordinal() - anchor_monday) // 7
    step = rule.interval * 7
    monday = anchor_monday + -(-weeks // rule.interval) * step
    return [
        date.fromordinal(week + weekday)
        for week in range(monday, last.toordinal() + 1, step)
        for weekday in rule.weekdays
    ]


def _monthly_days(rule: Rule, first: date, last: date) -> list[date]:
    """Rule days of the months from `first`'s to `last`'s."""
    assert rule.week_of_month is not None
    months = range(first.year * 12 + first.month - 1, last.year * 12 + last.month)
    return [
        _nth_weekday(month // 12, month % 12 + 1, rule.weekdays[0], rule.week_of_month)
        for month in months
    ]


def _next_matching_day(rule: Rule, day: date) -> date:
    """The first day on or after `day` with the rule's weekday pattern, ignoring the interval."""
    if rule.freq == "WEEKLY":
        ahead = min((weekday - day.weekday()) % 7 for weekday in rule.weekdays)
        return date.fromordinal(day.toordinal() + ahead)
    assert rule.week_of_month is not None
    this_month = _nth_weekday(day.year, day.month, rule.weekdays[0], rule.week_of_month)
    if this_month >= day:
        return this_month
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return _nth_weekday(year, month, rule.weekdays[0], rule.week_of_month)


def _nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    """The nth (1 to 4) or last (-1) given weekday of a month."""
    if nth == -1:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
