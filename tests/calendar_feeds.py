"""Calendars shaped as Google, Meetup and Outlook write them, around a given day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


def thursdays(after: date, count: int) -> list[date]:
    first = after + timedelta(days=(3 - after.weekday()) % 7 or 7)
    return [first + timedelta(weeks=n) for n in range(count)]


def _utc(day: date, at: time) -> str:
    return datetime.combine(day, at, PARIS).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _local(day: date, at: time) -> str:
    return datetime.combine(day, at).strftime("%Y%m%dT%H%M%S")


def calendar(*lines: str) -> bytes:
    return (
        "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", *lines, "END:VCALENDAR"]) + "\r\n"
    ).encode()


def google(
    first: date, cancel: date | None = None, move: tuple[date, date, time] | None = None
) -> bytes:
    """Thursdays 08:30–10:30 in Paris, written in UTC with X-WR-TIMEZONE, UNTIL in UTC."""
    until = first + timedelta(days=700)
    event = [
        "BEGIN:VEVENT",
        f"DTSTART:{_utc(first, time(8, 30))}",
        f"DTEND:{_utc(first, time(10, 30))}",
        f"RRULE:FREQ=WEEKLY;BYDAY=TH;UNTIL={_utc(until, time(23, 0))}",
        "UID:open-coffee-lille@google.com",
        "SUMMARY:Open Coffee Lille",
    ]
    if cancel:
        event.append(f"EXDATE:{_utc(cancel, time(8, 30))}")
    event.append("END:VEVENT")
    other = [
        "BEGIN:VEVENT",
        f"DTSTART:{_utc(first, time(18, 0))}",
        f"DTEND:{_utc(first, time(19, 0))}",
        "RRULE:FREQ=WEEKLY;BYDAY=MO",
        "UID:book-club@google.com",
        "SUMMARY:Book club",
        "END:VEVENT",
    ]
    if move:
        original, day, at = move
        other += [
            "BEGIN:VEVENT",
            f"RECURRENCE-ID:{_utc(original, time(8, 30))}",
            f"DTSTART:{_utc(day, at)}",
            f"DTEND:{_utc(day, time(at.hour + 2, at.minute))}",
            "UID:open-coffee-lille@google.com",
            "SUMMARY:Open Coffee Lille",
            "END:VEVENT",
        ]
    return calendar(
        "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
        "X-WR-CALNAME:Lille meetups",
        "X-WR-TIMEZONE:Europe/Paris",
        *event,
        *other,
    )


def meetup(days: list[date], at: time = time(8, 30)) -> bytes:
    """One VEVENT per date, no RRULE, each its own UID, as Meetup's group feeds."""
    lines = ["PRODID:-//Meetup//RemoteApi//EN", "X-WR-CALNAME:Open Coffee Lille"]
    for number, day in enumerate(days):
        lines += [
            "BEGIN:VEVENT",
            f"DTSTART;TZID=Europe/Paris:{_local(day, at)}",
            f"DTEND;TZID=Europe/Paris:{_local(day, time(at.hour + 2, at.minute))}",
            f"UID:event_{300000 + number}@meetup.com",
            "SUMMARY:Open Coffee Lille",
            "END:VEVENT",
        ]
    return calendar(*lines)


ROMANCE = [
    "BEGIN:VTIMEZONE",
    "TZID:Romance Standard Time",
    "BEGIN:STANDARD",
    "DTSTART:16010101T030000",
    "TZOFFSETFROM:+0200",
    "TZOFFSETTO:+0100",
    "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10",
    "END:STANDARD",
    "BEGIN:DAYLIGHT",
    "DTSTART:16010101T020000",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0200",
    "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3",
    "END:DAYLIGHT",
    "END:VTIMEZONE",
]


def outlook(first: date, cancel: date | None = None) -> bytes:
    """The last Thursday of each month, 18:00–20:00, in a Windows-named zone."""
    event = [
        "BEGIN:VEVENT",
        f"DTSTART;TZID=Romance Standard Time:{_local(first, time(18, 0))}",
        f"DTEND;TZID=Romance Standard Time:{_local(first, time(20, 0))}",
        "RRULE:FREQ=MONTHLY;BYDAY=TH;BYSETPOS=-1",
        "UID:040000008200E00074C5B7101A82E00800000000@outlook.com",
        "SUMMARY:Afterwork Lille",
    ]
    if cancel:
        event.append(f"EXDATE;TZID=Romance Standard Time:{_local(cancel, time(18, 0))}")
    event.append("END:VEVENT")
    return calendar("PRODID:Microsoft Exchange Server 2010", "METHOD:PUBLISH", *ROMANCE, *event)


def last_thursdays(after: date, count: int) -> list[date]:
    found, year, month = [], after.year, after.month
    while len(found) < count:
        nxt = date(year + month // 12, month % 12 + 1, 1)
        last = nxt - timedelta(days=1)
        day = last - timedelta(days=(last.weekday() - 3) % 7)
        if day > after:
            found.append(day)
        year, month = nxt.year, nxt.month
    return found
