"""A route's rounds summed up against the floor's rounds of the same run.

On a small machine throughput drifts by tens of percent over minutes, so a
route is compared with the floor measured just before it, in the same round,
and the ratio reported is the median of those per-round ratios; the spread
(min–max) says how much to trust it.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from .load import LoadResult


@dataclass(frozen=True)
class Summary:
    """Median req/s and floor ratio over rounds; latencies of the median round.

    Latencies are None when that round completed no request (each took longer
    than a round). `requests`, `seconds` and `errors` add up every round;
    `idle_rounds` counts rounds that completed no request.
    """

    requests_per_second: float
    p50_ms: float | None
    p99_ms: float | None
    ratio: float | None
    ratio_min: float | None
    ratio_max: float | None
    requests: int
    seconds: float
    errors: int
    idle_rounds: int
    round_ratios: list[float | None]


def round_ratios(route: Sequence[LoadResult], floor: Sequence[LoadResult]) -> list[float | None]:
    """Route req/s ÷ floor req/s, round by round (None where the floor has no round or rate)."""
    return [
        load.requests_per_second / floor[index].requests_per_second
        if index < len(floor) and floor[index].requests_per_second
        else None
        for index, load in enumerate(route)
    ]


def summarize(route: Sequence[LoadResult], floor: Sequence[LoadResult]) -> Summary | None:
    """The route's rounds in one row; None when it was never loaded."""
    if not route:
        return None
    ratios = round_ratios(route, floor)
    known = [ratio for ratio in ratios if ratio is not None]
    middle = _median_round(route, ratios)
    return Summary(
        requests_per_second=statistics.median(load.requests_per_second for load in route),
        p50_ms=middle.p50_ms if middle.requests else None,
        p99_ms=middle.p99_ms if middle.requests else None,
        ratio=statistics.median(known) if known else None,
        ratio_min=min(known, default=None),
        ratio_max=max(known, default=None),
        requests=sum(load.requests for load in route),
        seconds=sum(load.seconds for load in route),
        errors=sum(load.errors for load in route),
        idle_rounds=sum(not load.requests for load in route),
        round_ratios=ratios,
    )


def _median_round(route: Sequence[LoadResult], ratios: Sequence[float | None]) -> LoadResult:
    """The round holding the median ratio (the lower middle one for an even count).

    Equal ratios (the floor's, all 1) rank by req/s; without any ratio, req/s alone decides.
    """
    rounds = [i for i, ratio in enumerate(ratios) if ratio is not None] or range(len(route))
    ranked = sorted(rounds, key=lambda i: (ratios[i] or 0.0, route[i].requests_per_second))
    return route[ranked[(len(ranked) - 1) // 2]]
