"""The benchmark's goals, its one table and its JSON.

Goals are reported, never asserted: a missed goal is news for whoever reads
the table, not a failed build.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .load import LoadResult
from .rounds import Summary, summarize
from .targets import Target

# Goals for a 2-core machine; those tied to a size only judge runs of that size.
GOAL_MEETUPS = 10_000
MAX_WORKER_MB = 150
MAX_ALL_FEED_RENDER_SECONDS = 1.0
MAX_FULL_EXPORT_SECONDS = 30.0
MAX_INCREMENTAL_EXPORT_SECONDS = 1.0

COLUMNS = (
    "what",
    "req/s",
    "p50 ms",
    "p99 ms",
    "× floor",
    "min–max",
    "SQL/req",
    "result",
    "target",
    "met",
)
NUMERIC = {"req/s", "p50 ms", "p99 ms", "× floor", "min–max", "SQL/req"}


@dataclass
class RouteResult:
    """A target and what it gave: one load per round, in round order, until an error."""

    target: Target
    queries: int | None = None
    rounds: list[LoadResult] = field(default_factory=list)
    error: str | None = None
    # The largest worker just after this route's first round: which route makes memory grow.
    worker_mb_after: float | None = None
    # The floor loaded just before each of this route's rounds, when it has its own: a mix
    # runs a minute or more after its round's floor, over which this machine's speed
    # drifts by tens of percent, so it is compared with a floor seconds before it.
    floor_rounds: list[LoadResult] = field(default_factory=list)
    # When a mix last asked for its addresses (time.monotonic()), for how long caches keep them.
    last_asked: float | None = None

    def summary(self, floor: RouteResult) -> Summary | None:
        return summarize(self.rounds, self.floor_rounds or floor.rounds)


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


_IN_MS = {"ms": 1.0, "s": 1000.0}


def paced(measure: Measure, floor_ms: float) -> Measure:
    """An in-process measure with this machine's pace just before it: its multiple of one
    floor request's CPU time, which the machine's swings between paces do not move."""
    multiple = measure.value * _IN_MS[measure.unit] / floor_ms
    return replace(
        measure,
        what=f"{measure.what} = {multiple:,.0f}× a floor request ({floor_ms * 1e3:.0f} µs)",
        details={**measure.details, "floor_request_ms": floor_ms, "floor_multiple": multiple},
    )


def sized_goal(met: bool, meetups: int) -> bool | None:
    """A goal stated for GOAL_MEETUPS meetups says nothing about runs of another size."""
    return met if meetups == GOAL_MEETUPS else None


def route_met(route: RouteResult, floor: RouteResult) -> bool | None:
    """The median ratio against the goal; an error in any round misses it."""
    summary = route.summary(floor)
    if route.target.min_ratio is None:
        return None
    if summary is None or summary.ratio is None or route.error or summary.errors:
        return False
    return summary.ratio >= route.target.min_ratio


def table(routes: Sequence[RouteResult], measures: Sequence[Measure]) -> str:
    """Routes (floor first) then the other measures, in one aligned plain-text table."""
    floor = routes[0]
    rows = [_route_row(route, floor) for route in routes]
    rows += [_measure_row(measure) for measure in measures]
    return aligned(COLUMNS, NUMERIC, rows)


def aligned(columns: Sequence[str], numeric: set[str], rows: Sequence[dict[str, str]]) -> str:
    """Rows under a header, numbers right-aligned, as a plain-text table."""
    widths = {name: max(len(name), *(len(row[name]) for row in rows)) for name in columns}

    def line(cells: dict[str, str]) -> str:
        return "  ".join(
            cells[name].rjust(widths[name]) if name in numeric else cells[name].ljust(widths[name])
            for name in columns
        ).rstrip()

    header = line({name: name for name in columns})
    return "\n".join([header, "-" * len(header), *map(line, rows)])


def run_json(
    run: dict[str, Any], routes: Sequence[RouteResult], measures: Sequence[Measure]
) -> dict[str, Any]:
    """Every number of one run, for comparing runs over time."""
    floor = routes[0]
    return {
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


def write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _route_row(route: RouteResult, floor: RouteResult) -> dict[str, str]:
    summary = route.summary(floor)
    goal = route.target.min_ratio
    return {
        "what": route.target.name,
        "req/s": _rate(summary.requests_per_second) if summary else "–",
        "p50 ms": _milliseconds(summary.p50_ms if summary else None),
        "p99 ms": _milliseconds(summary.p99_ms if summary else None),
        "× floor": f"{summary.ratio:.2f}" if summary and summary.ratio is not None else "–",
        "min–max": _spread(summary) if route is not floor else "",
        "SQL/req": str(route.queries) if route.queries is not None else "–",
        "result": _result(route, summary)[:40],
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


def _result(route: RouteResult, summary: Summary | None) -> str:
    """What went wrong, if anything: an error, wrong answers, rounds too short for one answer."""
    if route.error:
        return route.error
    if summary is None:
        return ""
    problems = [f"{summary.errors} errors"] if summary.errors else []
    if summary.idle_rounds:
        problems.append(f"no answer in {summary.idle_rounds} of {len(route.rounds)} rounds")
    return "; ".join(problems)


def _milliseconds(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def _spread(summary: Summary | None) -> str:
    """The lowest and highest round's ratio, when there were rounds to compare."""
    if summary is None or summary.ratio_min is None or summary.ratio_max is None:
        return "–"
    return f"{summary.ratio_min:.2f}–{summary.ratio_max:.2f}"


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
    """Medians over rounds, latencies of the median round, totals over rounds, every round."""
    summary = route.summary(floor)
    ratios = summary.round_ratios if summary else []
    return {
        "name": route.target.name,
        "path": route.target.path,
        "server": route.target.server,
        "conditional": bool(route.target.headers),
        "status": route.target.status,
        "requests": summary.requests if summary else None,
        "seconds": summary.seconds if summary else None,
        "requests_per_second": summary.requests_per_second if summary else None,
        "p50_ms": summary.p50_ms if summary else None,
        "p99_ms": summary.p99_ms if summary else None,
        "errors": summary.errors if summary else None,
        "floor_ratio": summary.ratio if summary else None,
        "floor_ratio_min": summary.ratio_min if summary else None,
        "floor_ratio_max": summary.ratio_max if summary else None,
        "rounds": [
            {**asdict(load), "requests_per_second": load.requests_per_second, "floor_ratio": ratio}
            for load, ratio in zip(route.rounds, ratios, strict=True)
        ],
        "own_floor_rounds": [
            {**asdict(load), "requests_per_second": load.requests_per_second}
            for load in route.floor_rounds
        ],
        "queries_per_request": route.queries,
        "goal_min_floor_ratio": route.target.min_ratio,
        "met": route_met(route, floor),
        "worker_mb_after": route.worker_mb_after,
        "error": route.error,
    }
