"""What an embed shows and how its address is read. No Flask.

A café or coworking space frames a city's, a venue's or a meetup's next dates
on its own site. The host page's author sets a few options in the frame's
address; a mistake there is said plainly (a 400 in the frame), never guessed
around, since nobody else would notice it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from meetups.agenda import Entry, moved_here
from meetups.texts import N_

DEFAULT_DATES = 5
# Enough for a season of weekly dates; more is a page of ours, not a widget.
MAX_DATES = 20
LAYOUTS = ("list", "compact")
OPTIONS = ("dates", "lang", "layout")
# How much of a bad value an error message repeats.
SHOWN_CHARACTERS = 20


class OptionError(ValueError):
    """An option in an embed's address that cannot be used; the message says what to write."""


@dataclass(frozen=True)
class Options:
    dates: int = DEFAULT_DATES
    layout: str = LAYOUTS[0]
    # None: the visitor's browser chooses, as on the pages.
    language: str | None = None

    @classmethod
    def parse(cls, args: Mapping[str, Sequence[str]], languages: Iterable[str]) -> Options:
        """From the query string (each name with its values); refuses unknown or repeated names."""
        unknown = sorted(name for name in args if name not in OPTIONS)
        if unknown:
            raise OptionError(
                N_(
                    "Unknown option “%(name)s”: an embed takes %(options)s.",
                    name=_shown(unknown[0]),
                    options=", ".join(OPTIONS),
                )
            )
        repeated = sorted(name for name, values in args.items() if len(values) > 1)
        if repeated:
            raise OptionError(N_("Give “%(name)s” only once.", name=repeated[0]))
        values = {name: found[0] for name, found in args.items() if found}
        return cls(
            dates=_dates(values.get("dates")),
            layout=_choice(values.get("layout"), LAYOUTS, "layout") or LAYOUTS[0],
            language=_choice(values.get("lang"), tuple(languages), "lang"),
        )


def _dates(text: str | None) -> int:
    if text is None:
        return DEFAULT_DATES
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= MAX_DATES:
        raise OptionError(
            N_(
                "“dates” must be a whole number from 1 to %(most)d, not “%(text)s”.",
                most=MAX_DATES,
                text=_shown(text),
            )
        )
    return int(text)


def _choice(text: str | None, choices: Sequence[str], name: str) -> str | None:
    if text is not None and text not in choices:
        raise OptionError(
            N_(
                "“%(name)s” must be one of %(choices)s, not “%(text)s”.",
                name=name,
                choices=", ".join(choices),
                text=_shown(text),
            )
        )
    return text


def _shown(text: str) -> str:
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS] + "…"


def coming_dates(
    meetups: Iterable[Any],
    after: datetime,
    count: int,
    visiting: Iterable[Any] = (),
    venue_ids: frozenset[int] | set[int] = frozenset(),
) -> list[Entry]:
    """The next `count` dates of these meetups, soonest first, across all of them, and the
    dates of `visiting` series moved to one of `venue_ids`: they happen here too.

    Cancelled dates stay in, marked: a visitor of the café's site learns not to come.
    """
    entries = [
        Entry(meetup, occurrence)
        for meetup in meetups
        for occurrence in meetup.next_dates(after, count)
    ]
    entries += moved_here(visiting, set(venue_ids), after)
    entries.sort(key=lambda entry: (entry.occurrence.start, entry.meetup.name))
    return entries[:count]
