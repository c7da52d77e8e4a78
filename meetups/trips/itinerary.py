"""A traveller's trip: legs (a city, arrival and departure days) and what they can attend.

No Flask, nothing stored: a trip lives in its URL (`?city=fr/paris&arrive=…&leave=…`,
repeated per leg), so it can be shared and subscribed to without an account.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from operator import attrgetter
from typing import Any

from meetups.agenda import Entry, agenda
from meetups.schedule import is_supported_day
from meetups.texts import N_

MAX_LEGS = 10
MAX_DAYS = 90
# How far outside a stay with nothing to attend the nearest dates are looked for.
NEAR_MISS_DAYS = 14


class TripError(ValueError):
    """What is wrong with the legs as typed, one readable message per problem, and for a
    city name several cities have, the cities to choose from (by row, blank rows kept)."""

    def __init__(self, messages: Sequence[str], choices: dict[int, list[Any]] | None = None):
        super().__init__(" ".join(messages))
        self.messages = list(messages)
        self.choices = choices or {}


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
    find_city: Callable[[str], Any | list[Any] | None],
    city_name: Callable[[Any], str] = attrgetter("name"),
) -> list[Leg]:
    """Legs from (city, arrive, leave) texts; blank rows are skipped, any problem refuses all.

    `find_city` answers a city, None, or the cities a name could mean (the traveller is
    asked which). Problems name a found city with `city_name`, in the reader's language.
    """
    stripped = [tuple(part.strip() for part in row) for row in rows]
    typed = [(index, row) for index, row in enumerate(stripped) if any(row)]
    if not typed:
        raise TripError([N_("Add at least one leg: a city, and when you arrive and leave.")])
    if len(typed) > MAX_LEGS:
        raise TripError([N_("A trip has at most %(legs)d legs.", legs=MAX_LEGS)])
    legs: list[Leg] = []
    problems: list[str] = []
    choices: dict[int, list[Any]] = {}
    for number, (row, (city_text, arrive_text, leave_text)) in enumerate(typed, start=1):
        found = find_city(city_text) if city_text else None
        if isinstance(found, list):
            choices[row] = found
        leg_problems = _problems(city_text, found, arrive_text, leave_text, city_name)
        for problem in leg_problems:
            problems.append(N_("Leg %(number)d: %(problem)s", number=number, problem=problem))
        if not leg_problems:
            legs.append(Leg(found, date.fromisoformat(arrive_text), date.fromisoformat(leave_text)))
    if not problems:
        first = min(leg.arrive for leg in legs)
        last = max(leg.leave for leg in legs)
        if (last - first).days + 1 > MAX_DAYS:
            problems.append(
                N_("A trip spans at most %(days)d days, from first arrival to last.", days=MAX_DAYS)
            )
    if problems:
        raise TripError(problems, choices)
    return legs


def plan(legs: Iterable[Leg], meetups_in: Callable[[Any], Iterable[Any]]) -> list[LegPlan]:
    """Leg by leg, every date the traveller can attend while in that city."""
    return [LegPlan(leg, agenda(meetups_in(leg.city), leg.arrive, leg.leave)) for leg in legs]


@dataclass(frozen=True)
class NearMiss:
    """The last date before arriving and the first after leaving, where the stay has none."""

    before: Entry | None = None
    after: Entry | None = None


def near_misses(
    plans: Iterable[LegPlan], meetups_in: Callable[[Any], Iterable[Any]]
) -> list[NearMiss]:
    """Per leg, what the traveller just misses when they can attend nothing: a day more
    in town may be worth it. Legs with dates get an empty `NearMiss`."""
    found = []
    for leg_plan in plans:
        leg = leg_plan.leg
        if leg_plan.entries:
            found.append(NearMiss())
            continue
        meetups = list(meetups_in(leg.city))
        window = timedelta(days=NEAR_MISS_DAYS)
        before = _dates(meetups, leg.arrive - window, leg.arrive - timedelta(days=1))
        after = _dates(meetups, leg.leave + timedelta(days=1), leg.leave + window)
        found.append(NearMiss(before[-1] if before else None, after[0] if after else None))
    return found


def _dates(meetups: list[Any], first: date, last: date) -> list[Entry]:
    if not (is_supported_day(first) and is_supported_day(last)):
        return []
    return agenda(meetups, first, last)


def _problems(
    city_text: str,
    city: Any | list[Any] | None,
    arrive_text: str,
    leave_text: str,
    city_name: Callable[[Any], str],
) -> list[str]:
    """Everything wrong with one leg at once: its city and its dates."""
    problems = []
    if not city_text:
        problems.append(N_("which city?"))
    elif isinstance(city, list):
        problems.append(
            N_("several cities are called “%(name)s”: choose one.", name=city_text[:60])
        )
    elif city is None:
        problems.append(N_("no city called “%(name)s” is known.", name=city_text[:60]))
    where = city_name(city) if city is not None and not isinstance(city, list) else city_text
    try:
        arrive = date.fromisoformat(arrive_text)
        leave = date.fromisoformat(leave_text)
    except ValueError:
        if not where:
            problems.append(N_("give the arrival and departure as dates (YYYY-MM-DD)."))
            return problems
        problems.append(
            N_(
                "give the arrival and departure in %(city)s as dates (YYYY-MM-DD).",
                city=where[:60],
            )
        )
        return problems
    if leave < arrive:
        problems.append(N_("you leave %(city)s before you arrive.", city=where[:60]))
    elif not (is_supported_day(arrive) and is_supported_day(leave)):
        problems.append(N_("choose dates between 1900 and 2999."))
    return problems
