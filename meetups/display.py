"""How dates, times and zones are written on pages (English, 24-hour clock)."""

from __future__ import annotations

from datetime import date, datetime


def long_date(day: date) -> str:
    """ "Thursday 3 December 2026": unambiguous for travellers from any country."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def time_range(start: datetime, end: datetime) -> str:
    """ "09:00–11:00", in the wall-clock time of `start`'s zone."""
    return f"{start:%H:%M}–{end.astimezone(start.tzinfo):%H:%M}"


def zone_abbreviation(moment: datetime) -> str:
    """ "CET", "EDT"; a numeric "UTC+09:00" where the zone has no letters of its own."""
    name = moment.tzname() or ""
    if name and name[0] not in "+-":
        return name
    offset = moment.utcoffset()
    if offset is None:
        return ""
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


def distance(km: float) -> str:
    """ "350 m" close by, "2.4 km" further, "27 km" far: the precision people use."""
    if km < 1:
        return f"{round(km * 1000, -1):.0f} m"
    if km < 10:
        return f"{km:.1f} km"
    return f"{km:.0f} km"
