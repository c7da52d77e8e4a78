"""The size comparison (`--sizes 1000,100000`): does a city page cost more in a bigger directory?

The goal is that it does not, much: a city page at 100,000 meetups costs at
most 1.3× what it costs at 1,000, for a city of the same size (the generator
gives the sample city the same number of meetups at every size), and a
worker stays under 150 MB.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .report import MAX_WORKER_MB, aligned
from .rounds import Summary

MAX_CITY_PAGE_GROWTH = 1.3

COLUMNS = (
    "meetups",
    "city meetups",
    "rendered req/s",
    "p50 ms",
    "× floor",
    "SQL/req",
    "CPU ms",
    "cached req/s",
    "worker MB",
)


@dataclass(frozen=True)
class SizePoint:
    """One size's numbers for the comparison; None where a measurement failed."""

    meetups: int
    city: str
    city_meetups: int
    rendered: Summary | None
    rendered_queries: int | None
    cached: Summary | None
    worker_mb: float | None
    # In-process CPU time of one render: the comparison least moved by a busy machine.
    render_cpu_ms: float


@dataclass(frozen=True)
class Growth:
    """The largest size's rendered city page cost over the smallest's.

    The goal is judged on p50 and 1/(req/s) under load. Beside them, two
    ratios that other processes on the machine move less: 1/(× floor), against
    the floor of the same round, and CPU time per render.
    """

    smallest: int
    largest: int
    p50: float | None
    inverse_rate: float | None
    inverse_floor_ratio: float | None
    cpu: float | None

    @property
    def met(self) -> bool | None:
        if self.p50 is None or self.inverse_rate is None:
            return None
        return max(self.p50, self.inverse_rate) <= MAX_CITY_PAGE_GROWTH


def growth(points: Sequence[SizePoint]) -> Growth:
    small, large = min(points, key=_size), max(points, key=_size)
    p50 = inverse_rate = inverse_floor_ratio = None
    if small.rendered and large.rendered:
        if small.rendered.p50_ms and large.rendered.p50_ms is not None:
            p50 = large.rendered.p50_ms / small.rendered.p50_ms
        if large.rendered.requests_per_second:
            inverse_rate = small.rendered.requests_per_second / large.rendered.requests_per_second
        if small.rendered.ratio is not None and large.rendered.ratio:
            inverse_floor_ratio = small.rendered.ratio / large.rendered.ratio
    cpu = large.render_cpu_ms / small.render_cpu_ms if small.render_cpu_ms else None
    return Growth(small.meetups, large.meetups, p50, inverse_rate, inverse_floor_ratio, cpu)


def comparison_table(points: Sequence[SizePoint]) -> str:
    """Per size, then the verdict on each goal in a sentence."""
    rows = [_row(point) for point in sorted(points, key=_size)]
    change = growth(points)
    largest = max(points, key=_size)
    cost = (
        f"\nRendered city page, {change.largest:,} vs {change.smallest:,} meetups: "
        f"p50 {_times(change.p50)}, 1/(req/s) {_times(change.inverse_rate)}; "
        f"goal ≤ {MAX_CITY_PAGE_GROWTH:g}× both: {_verdict(change.met)}.\n"
        f"Steadier on a busy machine: 1/(× floor) {_times(change.inverse_floor_ratio)}, "
        f"CPU per render {_times(change.cpu)}."
    )
    memory_met = None if largest.worker_mb is None else largest.worker_mb < MAX_WORKER_MB
    memory = (
        f"Worker memory at {largest.meetups:,} meetups: {_mb(largest.worker_mb)} MB; "
        f"goal < {MAX_WORKER_MB} MB: {_verdict(memory_met)}."
    )
    return "\n".join([aligned(COLUMNS, set(COLUMNS), rows), cost, memory])


def comparison_json(points: Sequence[SizePoint]) -> dict[str, Any]:
    change = growth(points)
    largest = max(points, key=_size)
    return {
        "sizes": [
            {
                "meetups": point.meetups,
                "city": point.city,
                "city_meetups": point.city_meetups,
                "rendered_city_page": _summary_json(point.rendered),
                "rendered_city_page_queries": point.rendered_queries,
                "rendered_city_page_cpu_ms": point.render_cpu_ms,
                "cached_city_page": _summary_json(point.cached),
                "worker_mb": point.worker_mb,
            }
            for point in sorted(points, key=_size)
        ],
        "rendered_city_page_growth": {
            "from_meetups": change.smallest,
            "to_meetups": change.largest,
            "p50": change.p50,
            "inverse_requests_per_second": change.inverse_rate,
            "inverse_floor_ratio": change.inverse_floor_ratio,
            "cpu": change.cpu,
            "goal": f"≤ {MAX_CITY_PAGE_GROWTH:g}×",
            "met": change.met,
        },
        "worker_memory": {
            "meetups": largest.meetups,
            "mb": largest.worker_mb,
            "goal": f"< {MAX_WORKER_MB} MB",
            "met": None if largest.worker_mb is None else largest.worker_mb < MAX_WORKER_MB,
        },
    }


def _row(point: SizePoint) -> dict[str, str]:
    rendered, cached = point.rendered, point.cached
    return {
        "meetups": f"{point.meetups:,}",
        "city meetups": str(point.city_meetups),
        "rendered req/s": f"{rendered.requests_per_second:.0f}" if rendered else "–",
        "p50 ms": f"{rendered.p50_ms:.1f}" if rendered and rendered.p50_ms is not None else "–",
        "× floor": f"{rendered.ratio:.3f}" if rendered and rendered.ratio is not None else "–",
        "SQL/req": str(point.rendered_queries) if point.rendered_queries is not None else "–",
        "CPU ms": f"{point.render_cpu_ms:.1f}",
        "cached req/s": f"{cached.requests_per_second:.0f}" if cached else "–",
        "worker MB": _mb(point.worker_mb),
    }


def _summary_json(summary: Summary | None) -> dict[str, Any] | None:
    if summary is None:
        return None
    return {
        "requests_per_second": summary.requests_per_second,
        "p50_ms": summary.p50_ms,
        "p99_ms": summary.p99_ms,
        "floor_ratio": summary.ratio,
        "floor_ratio_min": summary.ratio_min,
        "floor_ratio_max": summary.ratio_max,
    }


def _size(point: SizePoint) -> int:
    return point.meetups


def _times(ratio: float | None) -> str:
    return "–" if ratio is None else f"{ratio:.2f}×"


def _mb(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f}"


def _verdict(met: bool | None) -> str:
    return "n/a" if met is None else "yes" if met else "NO"
