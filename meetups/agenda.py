"""Dated agendas: which meetup happens when, between two local days. No Flask.

A traveller's "from Tuesday to Thursday" means those days wherever each
meetup is, so each series is read in its own zone's local days. Cancelled
dates are left out; moved ones count on the day and at the place they went to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from meetups.schedule import Occurrence, is_supported_day, local_datetime, occurrences
from meetups.texts import N_, Text

Item = TypeVar("Item")

# The longest range a page or the API lists at once.
MAX_DAYS = 92


class RangeError(ValueError):
    """A date range nobody can list; the message says what to type instead."""


@dataclass(frozen=True)
class DateRange:
    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @classmethod
    def parse(cls, first: str | None, last: str | None, *, today: date, days: int = 7) -> DateRange:
        """From `?from=&to=`; missing ends default to `days` days from today."""
        # Named as the form labels them, not by the address's `from` and `to`.
        start = _parse_day(first, N_("From")) if first else today
        if last:
            end = _parse_day(last, N_("To"))
        elif is_supported_day(start + timedelta(days=days - 1)):
            end = start + timedelta(days=days - 1)
        else:
            end = start
        if end < start:
            raise RangeError(N_("The end date is before the start date."))
        found = cls(start, end)
        if found.days > MAX_DAYS:
            raise RangeError(N_("Please choose at most %(days)d days at a time.", days=MAX_DAYS))
        return found


@dataclass(frozen=True)
class Entry:
    meetup: Any
    occurrence: Occurrence


def local_dates(
    meetup: Any, first: date, last: date, include_cancelled: bool = False
) -> list[Occurrence]:
    """A series' dates whose local start day is from `first` to `last`, in its own zone.

    A paused or ended series keeps the dates it had before; one with no day
    recorded for its pause or end has no date that can be trusted.
    """
    series_end = meetup.last_date
    if not meetup.ever_happens or (str(meetup.status) != "active" and series_end is None):
        return []
    schedule = meetup.schedule
    if schedule.end_date != series_end:
        schedule = replace(schedule, end_date=series_end)
    start = local_datetime(first, time(0), schedule.zone)
    end = local_datetime(last + timedelta(days=1), time(0), schedule.zone)
    found = occurrences(
        schedule, meetup.schedule_changes, start=start, end=end, include_cancelled=include_cancelled
    )
    return [item for item in found if first <= item.start.date() <= last]


def agenda(meetups: Iterable[Any], first: date, last: date) -> list[Entry]:
    """Every date the meetups have from `first` to `last`, soonest first."""
    entries = [
        Entry(meetup, occurrence)
        for meetup in meetups
        for occurrence in local_dates(meetup, first, last)
    ]
    # The instant as a number: comparing aware datetimes of different zones asks each
    # for its UTC offset, and that was most of a country page's sort.
    return sorted(entries, key=lambda entry: (entry.occurrence.instant, entry.meetup.name))


def place_agenda(
    own: Iterable[Any], visiting: Iterable[Any], venue_ids: set[int], first: date, last: date
) -> list[Entry]:
    """A place's dates: its own series', and those other series moved to its venues."""
    entries = agenda(own, first, last) + moved_to(agenda(visiting, first, last), venue_ids)
    return sorted(entries, key=lambda entry: (entry.occurrence.start, entry.meetup.name))


def moved_here(visiting: Iterable[Any], venue_ids: set[int], after: datetime) -> list[Entry]:
    """The coming dates other places' series moved to these venues, soonest first."""
    found = [
        Entry(meetup, occurrence)
        for meetup in visiting
        for change in meetup.changes
        if change.venue_id in venue_ids
        and (occurrence := meetup.occurrence_on(change.original_date)) is not None
        and not occurrence.cancelled
        and occurrence.end > after
    ]
    return sorted(found, key=lambda entry: (entry.occurrence.start, entry.meetup.name))


def moved_to(entries: Iterable[Entry], venue_ids: set[int]) -> list[Entry]:
    """The entries that moved to one of these venues: what another city's series holds
    in this one."""
    return [entry for entry in entries if entry.occurrence.venue_id in venue_ids]


def _parse_day(text: str, name: Text) -> date:
    shown = text.strip()[:20]
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise RangeError(
            N_("“%(text)s” is not a date: use YYYY-MM-DD for “%(name)s”.", text=shown, name=name)
        ) from None
    if not is_supported_day(day):
        raise RangeError(
            N_(
                "“%(text)s” is too far from today: choose a date between 1900 and 2999.",
                text=shown,
            )
        )
    return day


def by_local_day(
    items: Iterable[Item], start_of: Callable[[Item], datetime]
) -> list[tuple[date, list[Item]]]:
    """Items under their local day, days in order, each day's items in the order given.

    Dates from several zones sorted by the instant they start can interleave days
    (Sydney's Wednesday morning is Tuesday evening in New York); a reader wants
    each day once.
    """
    days: dict[date, list[Item]] = {}
    for item in items:
        days.setdefault(start_of(item).date(), []).append(item)
    return sorted(days.items(), key=lambda pair: pair[0])
