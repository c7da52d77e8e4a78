"""Which cities a search means, in the order a traveller wants them, and when to go
straight to one.

GeoNames answers "Paris" with Paris, twenty arrondissements listed as places of
their own ("Paris 15 Vaugirard"), Warsaw (its alternate name "Paris of the
North") and Parys in South Africa (once spelt "Paris"). A traveller means the
first, and wants to be on its page, not in a list. Pure: the query layer fetches
the candidates, this decides.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from meetups.places.geo import distance_km

# A place named after a bigger matched city and this close to it is one of its districts.
SUB_DISTRICT_KM = 30.0
# How alike a misspelt name must be to a real one to be offered instead (difflib's ratio).
SPELLING_CUTOFF = 0.75

Place = TypeVar("Place")


@dataclass(frozen=True)
class Candidate:
    """A city one of whose names starts with the search, as plain values."""

    id: int
    own_keys: tuple[str, ...]  # folded keys of its GeoNames and curated names
    matched_keys: tuple[str, ...]  # folded keys of every name that matched, alternates too
    population: int
    meetups: int
    latitude: float
    longitude: float

    def is_exact(self, key: str) -> bool:
        return key in self.matched_keys or key in self.own_keys


def rank(candidates: Iterable[Candidate], key: str) -> list[Candidate]:
    """Exact names first, then cities with meetups, then the biggest; noise dropped.

    Districts of a matched city and cities matched by the start of an alternate name
    are noise, kept only when nothing else matches (a search for "Paris 15" still
    finds it).
    """
    found = list(candidates)
    relevant = [c for c in found if not _alternate_noise(c, key)]
    relevant = [c for c in relevant if not _sub_district(c, relevant)]
    return sorted(
        relevant or found,
        key=lambda c: (not c.is_exact(key), not c.meetups, not _own_match(c, key), -c.population),
    )


def landing(ranked: Sequence[Candidate], key: str) -> Candidate | None:
    """The one city the search names exactly, if it names one: the only city of that
    name, or the only one of them with meetups ("Paris" is not Paris, Texas)."""
    exact = [c for c in ranked if c.is_exact(key)]
    if len(exact) == 1:
        return exact[0]
    with_meetups = [c for c in exact if c.meetups]
    return with_meetups[0] if len(with_meetups) == 1 else None


def close_spellings(key: str, keys: Iterable[str], limit: int = 5) -> list[str]:
    """Names that look like a misspelling of `key` ("pariss", "lile"), closest first."""
    return difflib.get_close_matches(key, list(set(keys)), n=limit, cutoff=SPELLING_CUTOFF)


def nearest(
    latitude: float, longitude: float, places: Iterable[tuple[Place, float, float]], limit: int
) -> list[tuple[Place, float]]:
    """The `limit` places closest to a point, with their distance in km, nearest first."""
    measured = [(place, distance_km(latitude, longitude, lat, lon)) for place, lat, lon in places]
    return sorted(measured, key=lambda pair: pair[1])[:limit]


def _own_match(candidate: Candidate, key: str) -> bool:
    return any(own.startswith(key) for own in candidate.own_keys)


def _alternate_noise(candidate: Candidate, key: str) -> bool:
    """Matched only by the start of an alternate name: Warsaw as "Paris of the North",
    Sydney as "Xi Ni" (a search for "Cologne", the whole name, still finds Köln)."""
    return not (candidate.is_exact(key) or _own_match(candidate, key))


def _sub_district(candidate: Candidate, others: Iterable[Candidate]) -> bool:
    return any(
        other.population > candidate.population
        and _named_after(candidate, other)
        and distance_km(candidate.latitude, candidate.longitude, other.latitude, other.longitude)
        <= SUB_DISTRICT_KM
        for other in others
    )


def _named_after(candidate: Candidate, other: Candidate) -> bool:
    return any(
        own.startswith(theirs + " ") for own in candidate.own_keys for theirs in other.own_keys
    )
