"""A traveller's trip: legs (a city, arrival and departure days) and what they can attend.

No Flask, nothing stored: a trip lives in its URL (`?city=fr/paris&arrive=…&leave=…`,
repeated per leg), so it can be shared and subscribed to without an account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Any

from meetups.agenda import Entry, agenda
from meetups.schedule import is_supported_day
from meetups.texts import N_

MAX_LEGS = 10
MAX_DAYS = 90


class TripError(ValueError):
    """What is wrong with the legs as typed, one readable message per problem."""

    def __init__(self, messages: Sequence[str]) -> None:
        super().__init__(" ".join(messages))
        self.messages = list(messages)


@dataclass(frozen=True)
class Leg:
    city: Any
    arrive: date
    leave: date


@dataclass(frozen=True)
class LegPlan:
    leg: Leg
    entries: list[Entry]


def read_legs(
    rows: Iterable[tuple[str, str, str]],
    find_city: Callable[[str], Any | None],
    city_name: Callable[[Any], str] = attrgetter("name"),
) -> list[Leg]:
    """Legs from (city, arrive, leave) texts; blank rows are skipped, any problem refuses all.

    Problems name a found city with `city_name`, in the reader's language if it is given.
    """
    typed = [tuple(part.strip() for part in row) for row in rows]
    typed = [row for row in typed if any(row)]
    if not typed:
        raise TripError([N_("Add at least one leg: a city, and when you arrive and leave.")])
    if len(typed) > MAX_LEGS:
        raise TripError([N_("A trip has at most %(legs)d legs.", legs=MAX_LEGS)])
    legs: list[Leg] = []
    problems: list[str] = []
    for number, (city_text, arrive_text, leave_text) in enumerate(typed, start=1):
        found = _leg(city_text, arrive_text, leave_text, find_city, city_name)
        if isinstance(found, str):
            problems.append(N_("Leg %(number)d: %(problem)s", number=number, problem=found))
        else:
            legs.append(found)
    if not problems:
        first = min(leg.arrive for leg in legs)
        last = max(leg.leave for leg in legs)
        if (last - first).days + 1 > MAX_DAYS:
            problems.append(
                N_("A trip spans at most %(days)d days, from first arrival to last.", days=MAX_DAYS)
            )
    if problems:
        raise TripError(problems)
    return legs


def plan(legs: Iterable[Leg], meetups_in: Callable[[Any], Iterable[Any]]) -> list[LegPlan]:
    """Leg by leg, every date the traveller can attend while in that city."""
    return [LegPlan(leg, agenda(meetups_in(leg.city), leg.arrive, leg.leave)) for leg in legs]


def _leg(
    city_text: str,
    arrive_text: str,
    leave_text: str,
    find_city: Callable[[str], Any | None],
    city_name: Callable[[Any], str],
) -> Leg | str:
    if not city_text:
        return N_("which city?")
    city = find_city(city_text)
    if city is None:
        return N_("no city called “%(name)s” is known.", name=city_text[:60])
    try:
        arrive = date.fromisoformat(arrive_text)
        leave = date.fromisoformat(leave_text)
    except ValueError:
        return N_(
            "give the arrival and departure in %(city)s as dates (YYYY-MM-DD).",
            city=city_name(city),
        )
    if leave < arrive:
        return N_("you leave %(city)s before you arrive.", city=city_name(city))
    if not (is_supported_day(arrive) and is_supported_day(leave)):
        return N_("choose dates between 1900 and 2999.")
    return Leg(city, arrive, leave)
