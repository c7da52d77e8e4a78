"""How dates, times and zones are written on pages, in a given language (24-hour clock).

Pure: the web layer passes the visitor's language ("en", "fr", "de"…) in.
"""

from __future__ import annotations

import functools
from datetime import date, datetime

from babel.dates import format_date
from babel.numbers import format_decimal

# Weekday, day, month, year, as each language writes them in full (CLDR's "full" date):
# "jeudi 3 décembre 2026", "Donnerstag, 3. Dezember 2026", "jueves, 3 de diciembre de 2026".
LONG_DATE = "full"
SHORT_DATE = "EEE d MMM"
# The full date of each language without its year: "Donnerstag, 10. Dezember".
DAY_IN_YEAR = {
    "de": "EEEE, d. MMMM",
    "es": "EEEE, d 'de' MMMM",
    "pt": "EEEE, d 'de' MMMM",
}


@functools.lru_cache(maxsize=4096)
def long_date(day: date, language: str = "en") -> str:
    """ "Thursday 3 December 2026": unambiguous for travellers from any country.

    Remembered: a country page writes the same seven days hundreds of times.
    """
    if language == "en":
        # The same words as babel's, without its cost on pages listing hundreds of dates.
        return f"{day:%A} {day.day} {day:%B %Y}"
    return format_date(day, LONG_DATE, locale=language)


def short_date(day: date, language: str = "en") -> str:
    """ "Thu 3 Dec", « jeu. 3 déc. »: where a line per date has little room (embeds)."""
    return format_date(day, SHORT_DATE, locale=language)


def time_span(start: datetime, end: datetime) -> str:
    """ "09:00–11:00 CET" in the wall-clock time of `start`'s zone; across a clock change each
    end names its own offset, "01:30 EDT–01:30 EST", since one abbreviation would be false."""
    end = end.astimezone(start.tzinfo)
    first, last = zone_abbreviation(start), zone_abbreviation(end)
    if first == last:
        return f"{start:%H:%M}–{end:%H:%M} {first}"
    return f"{start:%H:%M} {first}–{end:%H:%M} {last}"


def day_in_year(day: date, language: str = "en") -> str:
    """ "Thursday 10 December": a date of this year, its year left unsaid."""
    if language == "en":
        return f"{day:%A} {day.day} {day:%B}"
    return format_date(day, DAY_IN_YEAR.get(language, "EEEE d MMMM"), locale=language)


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


def distance(km: float, language: str = "en") -> str:
    """ "350 m" close by, "2.4 km" further, "3 km" or "27 km": the precision people use.

    In French or German, "2,4 km": the decimal sign follows the language.
    """
    if km < 1:
        return f"{round(km * 1000, -1):.0f} m"
    if km < 10:
        text = f"{km:.1f}"
        if text.endswith(".0"):  # a chosen radius of 3 reads "3 km", as the menu says
            return f"{text[:-2]} km"
        if language != "en":
            text = format_decimal(float(text), "0.0", locale=language)
        return f"{text} km"
    return f"{km:.0f} km"
