"""A source series turned into our schedule model, or a plain "this does not fit".

Pure (no Flask). Our schedules are a small RRULE subset (see `meetups.schedule`), so
a source is never approximated: a rule outside the subset, or single dates with no
weekly, every-N-weeks or monthly pattern, give a `Mismatch` that says why and lists the
source's next dates for the volunteer to compare. Dates are read as wall-clock times
where the meetup happens (its zone), which is how the site shows them.

A `Proposal` is plain values in the shape of a revision's snapshot (`rrule`,
`start_time`, `duration_minutes`, `end_date`, and one `date:YYYY-MM-DD` entry per
changed date), so that the merge in `merging` can compare it field by field.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from dateutil.rrule import rrulestr

from meetups.schedule import (
    WEEKS_OF_MONTH,
    Change,
    Rule,
    Schedule,
    ScheduleError,
    first_occurrence_date,
    occurrences,
    time_zone,
    validate_change,
)
from meetups.sync.sources import Dated, SourceError, SourceSeries, dates, event_times, local
from meetups.texts import N_

HORIZON = timedelta(days=366)
DATE_PREFIX = "date:"  # as a revision's snapshot names one date's change
MIN_DATES = 3
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Proposal:
    """What the source says the listing is, in snapshot terms."""

    state: dict[str, Any]
    schedule: Schedule


@dataclass(frozen=True)
class Mismatch:
    """Why the source cannot become our schedule, and its dates for comparison."""

    msgid: str
    params: dict[str, object] = field(default_factory=dict)
    their_dates: tuple[datetime, ...] = ()


@dataclass(frozen=True)
class Gone:
    """The series has no date from now on: the source stopped listing it."""


def propose(
    series: SourceSeries | None, zone: str, first_date: date, now: datetime
) -> Proposal | Mismatch | Gone:
    """The listing as the source has it, from `now` for a year, in the meetup's `zone`."""
    if series is None:
        return Gone()
    try:
        coming = dates(series, now, now + HORIZON)
        if not any(not item.cancelled for item in coming):
            return Gone()
        if series.recurring:
            return _from_rule(series, coming, zone, first_date, now)
        return _from_singles(coming, zone, first_date, now)
    except (SourceError, ScheduleError) as error:
        return Mismatch(error.msgid, dict(error.params))


def _from_rule(
    series: SourceSeries, coming: list[Dated], zone: str, first_date: date, now: datetime
) -> Proposal | Mismatch:
    master = series.master
    start, end = event_times(master)
    day, at = local(start, zone)
    try:
        rule = rule_from_source(master["RRULE"].to_ical().decode())
    except ScheduleError:
        return Mismatch(
            N_("The calendar repeats this series in a way this site cannot show."),
            {},
            _starts(coming),
        )
    duration = end - start
    until = _last_day(master, zone, start)
    schedule = Schedule(rule, at, duration, zone, day, until)
    changes = _changes(schedule, coming, zone, now, now + HORIZON)
    return Proposal(_state(schedule, changes), schedule)


def rule_from_source(text: str) -> Rule:
    """Our rule for a source's RRULE; ScheduleError for anything outside our subset.

    UNTIL and COUNT are read elsewhere (they become the end date). Outlook writes "the
    last Thursday" as BYDAY=TH;BYSETPOS=-1, which is our BYDAY=-1TH.
    """
    parts = dict(part.split("=", 1) for part in text.upper().split(";") if "=" in part)
    parts.pop("UNTIL", None)
    parts.pop("COUNT", None)
    position = parts.pop("BYSETPOS", None)
    if position is not None:
        if "," in parts.get("BYDAY", ",") or int(position) not in WEEKS_OF_MONTH:
            raise ScheduleError("BYSETPOS outside our subset")
        parts["BYDAY"] = f"{int(position)}{parts['BYDAY']}"
    if parts.get("FREQ") == "MONTHLY" and parts.get("INTERVAL", "1") == "1":
        parts.pop("WKST", None)
    return Rule.from_rrule(";".join(f"{key}={value}" for key, value in parts.items()))


def _last_day(master: Any, zone: str, start: datetime) -> date | None:
    """The series' last day where the meetup happens: UNTIL (Google writes it in UTC), or
    the date COUNT reaches."""
    rule = master["RRULE"]
    if rule.get("UNTIL"):
        until = rule["UNTIL"][0]
        if isinstance(until, datetime):
            return local(until if until.tzinfo else until.replace(tzinfo=UTC), zone)[0]
        return until
    if rule.get("COUNT"):
        expanded = rrulestr(rule.to_ical().decode(), dtstart=start)
        return local(list(expanded)[-1], zone)[0]
    return None


def _changes(
    schedule: Schedule, coming: list[Dated], zone: str, now: datetime, until: datetime
) -> dict[date, dict[str, Any]]:
    """Each of the rule's dates before `until` that the source cancels or moves.

    A date missing from the source is cancelled (an EXDATE); a date it has off the rule
    is the move of the nearest missing rule date (a RECURRENCE-ID override).
    """
    ruled = occurrences(schedule, start=now, end=until)
    theirs = {item.start: item for item in coming}
    missing = [o for o in ruled if o.start not in theirs]
    ruled_starts = {o.start for o in ruled}
    extra = [item for item in coming if item.start not in ruled_starts]
    found: dict[date, dict[str, Any]] = {o.original_date: _cancelled() for o in missing}
    for item in extra:
        if not missing:
            break
        nearest = min(missing, key=lambda o: abs(o.start - item.start))
        missing.remove(nearest)
        found[nearest.original_date] = _moved(schedule, nearest.original_date, item, zone)
    for item in coming:
        if item.cancelled and item.start in ruled_starts:
            found[local(item.start, zone)[0]] = _cancelled()
    return found


def _from_singles(
    coming: list[Dated], zone: str, first_date: date, now: datetime
) -> Proposal | Mismatch:
    """Meetup's shape: recognise the weekly, every-N-weeks or monthly pattern, or say so."""
    held = [item for item in coming if not item.cancelled]
    if len(held) < MIN_DATES:
        return Mismatch(
            N_("The calendar lists too few dates (%(count)d) to see a pattern in them."),
            {"count": len(held)},
            _starts(coming),
        )
    at, duration = Counter((local(i.start, zone)[1], i.end - i.start) for i in held).most_common(1)[
        0
    ][0]
    days = [local(item.start, zone)[0] for item in held]
    for rule in _candidate_rules(days):
        for first in (min(first_date, days[0]), days[0]):  # ours, unless its weeks differ
            schedule = Schedule(rule, at, duration, zone, first)
            if _fits(schedule, days):
                # Such feeds list a few weeks ahead: dates after the last are not cancelled.
                until = held[-1].start + timedelta(minutes=1)
                changes = _changes(schedule, coming, zone, now, until)
                return Proposal(_state(schedule, changes), schedule)
    return Mismatch(
        N_("The calendar's dates follow no weekly or monthly pattern."), {}, _starts(coming)
    )


def _candidate_rules(days: list[date]) -> list[Rule]:
    """Weekly every N weeks on the days seen, then monthly on the nth or last weekday."""
    weekdays = tuple(sorted({day.weekday() for day in days}))
    rules = [Rule("WEEKLY", weekdays, interval) for interval in (1, 2, 3, 4)]
    if len(weekdays) == 1:
        for nth in WEEKS_OF_MONTH:
            rules.append(Rule("MONTHLY", weekdays, 1, nth))
    return rules


def _fits(schedule: Schedule, days: list[date]) -> bool:
    """Every date is on the rule, and the rule skips at most one in four of its own
    dates between the first and the last (those become cancellations)."""
    if first_occurrence_date(schedule) is None:
        return False
    zone = time_zone(schedule.timezone)
    span = occurrences(
        schedule,
        start=datetime.combine(days[0], time(), zone),
        end=datetime.combine(days[-1] + timedelta(days=1), time(), zone),
    )
    ruled = {o.original_date for o in span}
    if not set(days) <= ruled:
        return False
    return (len(ruled) - len(set(days))) * 4 <= len(ruled)


def _cancelled() -> dict[str, Any]:
    return {
        "cancelled": True,
        "new_date": None,
        "new_start_time": None,
        "new_duration_minutes": None,
    }


def _moved(schedule: Schedule, original: date, item: Dated, zone: str) -> dict[str, Any]:
    day, at = local(item.start, zone)
    minutes = int((item.end - item.start) / timedelta(minutes=1))
    duration = int(schedule.duration / timedelta(minutes=1))
    return {
        "cancelled": False,
        "new_date": None if day == original else day.isoformat(),
        "new_start_time": None if at == schedule.start_time else at.isoformat(),
        "new_duration_minutes": None if minutes == duration else minutes,
    }


def _state(schedule: Schedule, changes: dict[date, dict[str, Any]]) -> dict[str, Any]:
    state: dict[str, Any] = {
        "rrule": schedule.rule.to_rrule(),
        "start_time": schedule.start_time.isoformat(),
        "duration_minutes": int(schedule.duration / timedelta(minutes=1)),
        "first_date": schedule.first_date.isoformat(),
        "end_date": None if schedule.end_date is None else schedule.end_date.isoformat(),
    }
    for day, change in changes.items():
        state[DATE_PREFIX + day.isoformat()] = change
    return state


def check_state(state: dict[str, Any], changed: Iterable[str], zone: str, today: date) -> None:
    """Refuse a listing state that our schedule could not hold (ScheduleError): the rule,
    times and bounds, and each changed date, checked as a volunteer's edit would be."""
    end = state.get("end_date")
    schedule = Schedule(
        Rule.from_rrule(state["rrule"]),
        time.fromisoformat(state["start_time"]),
        timedelta(minutes=state["duration_minutes"]),
        zone,
        date.fromisoformat(state["first_date"]),
        None if end is None else date.fromisoformat(end),
    )
    for name in changed:
        value = state.get(name)
        if name.startswith(DATE_PREFIX) and value is not None:
            validate_change(
                schedule, _as_change(date.fromisoformat(name[len(DATE_PREFIX) :]), value), today
            )


def _as_change(day: date, value: dict[str, Any]) -> Change:
    minutes = value.get("new_duration_minutes")
    return Change(
        original_date=day,
        cancelled=bool(value.get("cancelled")),
        new_date=None if value.get("new_date") is None else date.fromisoformat(value["new_date"]),
        new_start_time=(
            None
            if value.get("new_start_time") is None
            else time.fromisoformat(value["new_start_time"])
        ),
        new_duration=None if minutes is None else timedelta(minutes=minutes),
    )


def _starts(coming: list[Dated]) -> tuple[datetime, ...]:
    return tuple(item.start for item in coming if not item.cancelled)[:6]
