"""The benchmark's goals, its one table and its JSON.

Goals are reported, never asserted: a missed goal is news for whoever reads
the table, not a failed build.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .load import LoadResult
from .targets import Target

# Goals for a 2-core machine; those tied to a size only judge runs of that size.
GOAL_MEETUPS = 10_000
MAX_WORKER_MB = 150
MAX_ALL_FEED_RENDER_SECONDS = 1.0
MAX_FULL_EXPORT_SECONDS = 30.0
MAX_INCREMENTAL_EXPORT_SECONDS = 1.0

COLUMNS = ("what", "req/s", "p50 ms", "p99 ms", "× floor", "SQL/req", "result", "target", "met")
NUMERIC = {"req/s", "p50 ms", "p99 ms", "× floor", "SQL/req"}


@dataclass
class RouteResult:
    target: Target
    queries: int | None = None
    load: LoadResult | None = None
    error: str | None = None
    # The largest worker just after this route's load: which route makes memory grow.
    worker_mb_after: float | None = None


@dataclass(frozen=True)
class Measure:
    """A number other than a route's throughput, with its goal if it has one.

    `met` is None when there is no goal, or when the goal is for another size.
    """

    key: str
    what: str
    value: float
    unit: str
    goal: str = ""
    met: bool | None = None
    details: dict[str, Any] = field(default_factory=dict)


def sized_goal(met: bool, meetups: int) -> bool | None:
    """A goal stated for GOAL_MEETUPS meetups says nothing about runs of another size."""
    return met if meetups == GOAL_MEETUPS else None


def floor_ratio(route: RouteResult, floor: RouteResult) -> float | None:
    if route.load is None or floor.load is None or not floor.load.requests_per_second:
        return None
    return route.load.requests_per_second / floor.load.requests_per_second


def route_met(route: RouteResult, floor: RouteResult) -> bool | None:
    ratio = floor_ratio(route, floor)
    if route.target.min_ratio is None:
        return None
    if ratio is None or route.error or (route.load and route.load.errors):
        return False
    return ratio >= route.target.min_ratio


def table(routes: Sequence[RouteResult], measures: Sequence[Measure]) -> str:
    """Routes (floor first) then the other measures, in one aligned plain-text table."""
    floor = routes[0]
    rows = [_route_row(route, floor) for route in routes]
    rows += [_measure_row(measure) for measure in measures]
    widths = {name: max(len(name), *(len(row[name]) for row in rows)) for name in COLUMNS}

    def line(cells: dict[str, str]) -> str:
        return "  ".join(
            cells[name].rjust(widths[name]) if name in NUMERIC else cells[name].ljust(widths[name])
            for name in COLUMNS
        ).rstrip()

    header = line({name: name for name in COLUMNS})
    return "\n".join([header, "-" * len(header), *map(line, rows)])


def to_json(
    path: Path,
    run: dict[str, Any],
    routes: Sequence[RouteResult],
    measures: Sequence[Measure],
) -> None:
    """Every number of the run, for comparing runs over time."""
    floor = routes[0]
    data = {
        **run,
        "routes": [_route_json(route, floor) for route in routes],
        "measures": {
            m.key: {
                "what": m.what,
                "value": m.value,
                "unit": m.unit,
                "goal": m.goal,
                "met": m.met,
                **m.details,
            }
            for m in measures
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _route_row(route: RouteResult, floor: RouteResult) -> dict[str, str]:
    ratio = floor_ratio(route, floor)
    goal = route.target.min_ratio
    load = route.load
    result = route.error or (f"{load.errors} errors" if load and load.errors else "")
    return {
        "what": route.target.name,
        "req/s": _rate(load.requests_per_second) if load else "–",
        "p50 ms": f"{load.p50_ms:.1f}" if load else "–",
        "p99 ms": f"{load.p99_ms:.1f}" if load else "–",
        "× floor": f"{ratio:.2f}" if ratio is not None else "–",
        "SQL/req": str(route.queries) if route.queries is not None else "–",
        "result": result[:40],
        "target": f"≥ {goal:g}× floor" if goal is not None else "",
        "met": _met(route_met(route, floor), bool(goal)),
    }


def _measure_row(measure: Measure) -> dict[str, str]:
    return {
        **dict.fromkeys(COLUMNS, ""),
        "what": measure.what,
        "result": f"{_number(measure.value)} {measure.unit}",
        "target": measure.goal,
        "met": _met(measure.met, bool(measure.goal)),
    }


def _number(value: float) -> str:
    """Three significant digits or so, without exponents: 132, 84.8, 5.07, 0.42."""
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _rate(per_second: float) -> str:
    return f"{per_second:.0f}" if per_second >= 10 else f"{per_second:.1f}"


def _met(met: bool | None, has_goal: bool) -> str:
    if met is None:
        return "n/a" if has_goal else ""
    return "yes" if met else "NO"


def _route_json(route: RouteResult, floor: RouteResult) -> dict[str, Any]:
    load = route.load
    return {
        "name": route.target.name,
        "path": route.target.path,
        "conditional": bool(route.target.headers),
        "status": route.target.status,
        "requests": load.requests if load else None,
        "seconds": load.seconds if load else None,
        "requests_per_second": load.requests_per_second if load else None,
        "p50_ms": load.p50_ms if load else None,
        "p99_ms": load.p99_ms if load else None,
        "errors": load.errors if load else None,
        "floor_ratio": floor_ratio(route, floor),
        "queries_per_request": route.queries,
        "goal_min_floor_ratio": route.target.min_ratio,
        "met": route_met(route, floor),
        "worker_mb_after": route.worker_mb_after,
        "error": route.error,
    }
