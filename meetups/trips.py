"""A traveller's trip: legs (a city, arrival and departure days) and what they can attend.

No Flask, nothing stored: a trip lives in its URL (`?city=fr/paris&arrive=…&leave=…`,
repeated per leg), so it can be shared and subscribed to without an account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from .agenda import Entry, agenda
from .schedule import is_supported_day

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
    rows: Iterable[tuple[str, str, str]], find_city: Callable[[str], Any | None]
) -> list[Leg]:
    """Legs from (city, arrive, leave) texts; blank rows are skipped, any problem refuses all."""
    typed = [tuple(part.strip() for part in row) for row in rows]
    typed = [row for row in typed if any(row)]
    if not typed:
        raise TripError(["Add at least one leg: a city, and when you arrive and leave."])
    if len(typed) > MAX_LEGS:
        raise TripError([f"A trip has at most {MAX_LEGS} legs."])
    legs: list[Leg] = []
    problems: list[str] = []
    for number, (city_text, arrive_text, leave_text) in enumerate(typed, start=1):
        found = _leg(city_text, arrive_text, leave_text, find_city)
        if isinstance(found, str):
            problems.append(f"Leg {number}: {found}")
        else:
            legs.append(found)
    if not problems:
        first = min(leg.arrive for leg in legs)
        last = max(leg.leave for leg in legs)
        if (last - first).days + 1 > MAX_DAYS:
            problems.append(f"A trip spans at most {MAX_DAYS} days, from first arrival to last.")
    if problems:
        raise TripError(problems)
    return legs


def plan(legs: Iterable[Leg], meetups_in: Callable[[Any], Iterable[Any]]) -> list[LegPlan]:
    """Leg by leg, every date the traveller can attend while in that city."""
    return [LegPlan(leg, agenda(meetups_in(leg.city), leg.arrive, leg.leave)) for leg in legs]


def _leg(
    city_text: str, arrive_text: str, leave_text: str, find_city: Callable[[str], Any | None]
) -> Leg | str:
    if not city_text:
        return "which city?"
    city = find_city(city_text)
    if city is None:
        return f"no city called “{city_text[:60]}” is known."
    try:
        arrive = date.fromisoformat(arrive_text)
        leave = date.fromisoformat(leave_text)
    except ValueError:
        return f"give the arrival and departure in {city.name} as dates (YYYY-MM-DD)."
    if leave < arrive:
        return f"you leave {city.name} before you arrive."
    if not (is_supported_day(arrive) and is_supported_day(leave)):
        return "choose dates between 1900 and 2999."
    return Leg(city, arrive, leave)
