"""`python -m bench.run`: build a large directory, serve it with gunicorn, measure, report.

Each route is compared with a bare Flask route (the floor) measured in the
same round of the same run on the same machine, so the ratios mean something
on any hardware; several rounds give a median and a spread. The exported city
feed served by nginx shows the physical limit. With --sizes, the same is done
for each size in turn, then the city page's cost is compared across sizes.
The printed tables hold the goals and whether each is met; the exit code only
says whether the run itself worked.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask_migrate import upgrade

from meetups import statistics
from meetups.extensions import db
from meetups.feeds import zone_updates
from meetups.models import utcnow
from meetups.places import cities, gazetteer

from . import inprocess, mix, nginx, shared_cache
from .database import DatabaseError, fresh_database
from .floor import FLOOR_PATH
from .generate import generate_directory
from .load import LoadError, LoadResult, client_name, drive, warm
from .report import (
    GOAL_MEETUPS,
    MAX_ALL_FEED_RENDER_SECONDS,
    MAX_FULL_EXPORT_SECONDS,
    MAX_INCREMENTAL_EXPORT_SECONDS,
    MAX_WORKER_MB,
    Measure,
    RouteResult,
    paced,
    run_json,
    sized_goal,
    table,
    write_json,
)
from .server import FLOOR_APP, PROJECT_ROOT, WORKERS, Server, ServerError, free_port, gunicorn
from .sizes import SizePoint, comparison_json, comparison_table
from .targets import (
    CITY_PAGE,
    CITY_PAGE_RENDERED,
    feed_paths,
    mix_target,
    nginx_targets,
    targets,
)
from .wsgi import create_bench_app

DEFAULT_JSON = PROJECT_ROOT / "bench" / "results" / "latest.json"
SIZES_JSON = PROJECT_ROOT / "bench" / "results" / "sizes.json"
CITY_FEED_RENDERS = 5
CITY_PAGE_RENDERS = 20
CITY_PAGE_CPU_KEY = "city_page_render_cpu"
WARM_ROUNDS = 2
# In a size comparison, bigger sizes skip export-feeds (and so nginx's rows, which serve its
# files): at 100,000 meetups it writes about 180,000 files for minutes, and its goals are
# stated for 10,000 meetups.
SIZES_EXPORT_MAX_MEETUPS = GOAL_MEETUPS


@dataclass
class Outcome:
    """One directory measured: what the heading, the table and the JSON are made of."""

    run: dict[str, Any]
    routes: list[RouteResult]
    measures: list[Measure]
    worker_mb: float | None

    @property
    def worked(self) -> bool:
        return not any(route.error for route in self.routes)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    try:
        return _compare_sizes(args) if args.sizes else _run_once(args)
    except (DatabaseError, LoadError, ServerError, inprocess.MeasureError, mix.MixError) as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--meetups", type=_positive, default=10_000, help="default: %(default)s")
    parser.add_argument("--cities", type=_positive, default=2_000, help="default: %(default)s")
    parser.add_argument(
        "--database-url",
        help="a database for the run to create and drop, e.g. "
        "postgresql://postgres@127.0.0.1:5432/meetups_bench (default: SQLite in a temp dir)",
    )
    parser.add_argument(
        "--seconds", type=_positive, default=2, help="per route and round; default: %(default)s"
    )
    parser.add_argument(
        "--rounds",
        type=_positive,
        default=3,
        help="each round drives the floor, then every route; default: %(default)s",
    )
    parser.add_argument("--connections", type=_positive, default=8, help="default: %(default)s")
    parser.add_argument(
        "--mix-requests",
        type=_positive,
        default=mix.DEFAULT_REQUESTS,
        help="addresses drawn for the realistic mix, sent in turn; default: %(default)s",
    )
    parser.add_argument(
        "--shared-cache",
        default=shared_cache.DEFAULT_URL,
        help="Redis database the workers share pages in, emptied first, or 'none'; "
        "without an answer from it, none; default: %(default)s",
    )
    parser.add_argument(
        "--sizes",
        type=_sizes,
        help="compare directory sizes instead of one --meetups run, e.g. 1000,100000",
    )
    parser.add_argument(
        "--json",
        type=Path,
        help=f"default: {DEFAULT_JSON.relative_to(PROJECT_ROOT)}, "
        f"or {SIZES_JSON.relative_to(PROJECT_ROOT)} with --sizes",
    )
    return parser.parse_args(argv)


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number")
    return number


def _sizes(text: str) -> list[int]:
    sizes = sorted({_positive(part) for part in text.replace("_", "").split(",") if part})
    if len(sizes) < 2:
        raise argparse.ArgumentTypeError("give at least two sizes, e.g. 1000,100000")
    return sizes


def _run_once(args: argparse.Namespace) -> int:
    outcome = _measure_size(args, args.meetups, export=True)
    path = args.json or DEFAULT_JSON
    write_json(path, run_json(outcome.run, outcome.routes, outcome.measures))
    print(f"\nAll numbers: {path}")
    return 0 if outcome.worked else 1


def _compare_sizes(args: argparse.Namespace) -> int:
    """Each size in a fresh database, one after the other; then the comparison."""
    outcomes = []
    for size in args.sizes:
        export = size <= SIZES_EXPORT_MAX_MEETUPS
        if not export:
            _say(f"{size:,} meetups: no export-feeds, so no nginx rows, at this size")
        outcomes.append(_measure_size(args, size, export))
    points = [_size_point(outcome) for outcome in outcomes]
    print("\nSize comparison: the city page, rendered (a cookie skips the page cache)")
    print(comparison_table(points))
    path = args.json or SIZES_JSON
    runs = [run_json(outcome.run, outcome.routes, outcome.measures) for outcome in outcomes]
    write_json(path, {**comparison_json(points), "runs": runs})
    print(f"\nAll numbers: {path}")
    return 0 if all(outcome.worked for outcome in outcomes) else 1


def _measure_size(args: argparse.Namespace, meetups: int, export: bool) -> Outcome:
    """A fresh database and scratch folder for one directory; its table is printed."""
    with (
        tempfile.TemporaryDirectory(prefix="meetups-bench-") as scratch_name,
        fresh_database(args.database_url, Path(scratch_name)) as url,
    ):
        scratch = Path(scratch_name)
        # The server and this process must build the very same app (same ETags, same
        # settings), so both take their configuration from the environment.
        shared, args.shared_cache_used = shared_cache.prepare(args.shared_cache)
        os.environ.update(
            MEETUPS_DATABASE_URL=url,
            MEETUPS_SECRET_KEY=secrets.token_hex(32),
            MEETUPS_SHARED_CACHE_URL=shared,
        )
        app = create_bench_app()
        try:
            outcome = _measure(app, args, scratch, meetups, export)
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
    print(_heading(outcome.run))
    print(table(outcome.routes, outcome.measures))
    return outcome


def _measure(
    app: Flask, args: argparse.Namespace, scratch: Path, meetups: int, export: bool
) -> Outcome:
    if client_name() == "python":
        _say("wrk is not installed: using the Python client, which tops out sooner")
    directory = _build_directory(app, meetups, args.cities)
    sample = inprocess.pick_sample(app)
    _say("rendering feeds in-process")
    feed_pace = inprocess.floor_cpu_ms()
    all_feed_seconds = inprocess.render_seconds(app, "all", (), 1)[0]
    city_feed_seconds = min(
        inprocess.render_seconds(app, "city", (sample.country, sample.city), CITY_FEED_RENDERS)
    )
    city_feed, all_feed = feed_paths(sample)
    etags = inprocess.etag(app, city_feed), inprocess.etag(app, all_feed)
    routes = [RouteResult(target) for target in targets(sample, *etags)]
    _count_queries(app, routes)
    cpu_readings = [_read_render_cpu(app, routes)]
    api_month = paced(_api_month_measure(app, meetups), inprocess.floor_cpu_ms())
    # As in production: nginx's root holds feeds/, which export-feeds fills.
    public = scratch / "public"
    full = None
    full_pace = 0.0
    if export:
        _say("exporting every feed")
        full_pace = inprocess.floor_cpu_ms()
        full = inprocess.export_feeds(app, public / "feeds")
    drawn = mix.draw(mix.addresses(app), args.mix_requests)
    with (
        gunicorn(scratch / "gunicorn.log") as server,
        gunicorn(scratch / "floor.log", FLOOR_APP, FLOOR_PATH) as floor,
        ExitStack() as stack,
    ):
        base_urls = {"gunicorn": server.base_url, "floor": floor.base_url}
        if full is None:
            physical_limit = f"no nginx rows: export-feeds skipped at {meetups:,} meetups"
        else:
            physical_limit = _serve_export(stack, base_urls, routes, public, scratch, city_feed)
        _say(f"preparing the realistic mix ({len(drawn):,} requests)")
        mix.check_reachable(server.base_url, drawn)
        routes.append(RouteResult(mix_target(mix.prepare(server.base_url, drawn), False)))
        if full is not None:
            _serve_cache(stack, base_urls, routes, public, scratch, server, drawn)
        passes = _first_passes(server, base_urls, routes, args.connections)
        _drive_rounds(server, base_urls, routes, args, scratch, app.config["PAGE_MAX_AGE"])
        worker_mb = server.worker_rss_mb()
    cpu_readings.append(_read_render_cpu(app, routes))
    measures = [
        _worker_measure(worker_mb),
        *(
            paced(m, feed_pace)
            for m in _render_measures(meetups, all_feed_seconds, city_feed_seconds)
        ),
    ]
    exports = []
    if full is not None:
        affected = inprocess.move_start_time(app, sample.meetup)
        export_pace = inprocess.floor_cpu_ms()
        incremental = inprocess.export_feeds(app, public / "feeds")
        whole, edit = _export_measures(meetups, full, incremental, affected)
        exports = [paced(whole, full_pace), paced(edit, export_pace)]
    cpu_readings.append(_read_render_cpu(app, routes))
    measures += [
        *_render_cpu_measures(cpu_readings, meetups),
        api_month,
        *_first_pass_measures(passes, routes[0]),
        *exports,
    ]
    run = _run_info(app, args, directory, sample, physical_limit)
    run["mix"] = {
        "requests": len(drawn),
        "distinct_addresses": len({item.path for item in drawn}),
        "zipf_exponent": mix.ZIPF_EXPONENT,
        "shares": mix.shares(drawn),
    }
    return Outcome(run, routes, measures, max(worker_mb, default=None))


def _serve_export(
    stack: ExitStack,
    base_urls: dict[str, str],
    routes: list[RouteResult],
    public: Path,
    scratch: Path,
    city_feed: str,
) -> str:
    """Start nginx on the exported feeds (stopped with `stack`) and add its rows; say how it went.

    A missing nginx only drops its rows, as a missing wrk only slows the client:
    the rest of the run stands.
    """
    if nginx.binary() is None:
        _say("nginx is not installed (apt-get install nginx): no physical-limit rows")
        return "no nginx rows: nginx is not installed"
    try:
        base_url = stack.enter_context(
            nginx.nginx(public, scratch, free_port(), WORKERS, probe=city_feed)
        )
        etag = nginx.etag(base_url + city_feed)
    except (nginx.NginxError, OSError) as error:
        routes += [RouteResult(t, error=f"nginx: {error}") for t in nginx_targets(city_feed, "")]
        return f"nginx failed: {error}"
    base_urls["nginx"] = base_url
    routes += [RouteResult(target) for target in nginx_targets(city_feed, etag)]
    return f"nginx ({WORKERS} workers) serves the exported city feed"


# (measure key, rendered target, most CPU ms per render at GOAL_MEETUPS meetups)
RENDER_CPU_GOALS = (
    (CITY_PAGE_CPU_KEY, CITY_PAGE_RENDERED, 8.0),
    ("country_page_render_cpu", "country page, rendered", 10.0),
    ("meetup_page_render_cpu", "meetup page, rendered", 3.0),
)


# A rendered page's CPU (its reading, and the floor request's just before it), by measure key.
CpuReading = dict[str, tuple[float, float]]


def _read_render_cpu(app: Flask, routes: list[RouteResult]) -> CpuReading:
    """CPU time of one rendered page (the page cache skipped), which load on the machine
    moves far less than req/s: what a page-cache miss costs."""
    by_name = {route.target.name: route.target for route in routes}
    reading = {}
    for key, name, _most_ms in RENDER_CPU_GOALS:
        target = by_name[name]
        pace = inprocess.floor_cpu_ms()
        reading[key] = (
            inprocess.cpu_ms(app, target.path, target.headers, CITY_PAGE_RENDERS),
            pace,
        )
    return reading


def _render_cpu_measures(readings: list[CpuReading], meetups: int) -> list[Measure]:
    """Each page's quickest reading, the others said beside it.

    The readings are minutes apart (before the loads, after them, after the export):
    this machine's pace swings 1.65× between minutes, and the code's cost is what a
    page takes at the pace the machine keeps when nothing else slows it.
    """
    measures = []
    for key, name, most_ms in RENDER_CPU_GOALS:
        taken = [reading[key] for reading in readings]
        value, pace = min(taken)
        said = " / ".join(f"{ms:.2f}" for ms, _ in taken)
        measure = Measure(
            key,
            f"{name}, CPU (median of {CITY_PAGE_RENDERS}; quickest of {said} ms)",
            value,
            "ms",
            f"≤ {most_ms:g} ms at 10,000 meetups",
            sized_goal(value <= most_ms, meetups),
            {"readings_ms": [ms for ms, _ in taken], "readings_floor_ms": [p for _, p in taken]},
        )
        measures.append(paced(measure, pace))
    return measures


# The comparison with Gancio, which answers the same month from stored rows.
API_MONTH = "/api/v1/occurrences?from=2027-03-01&to=2027-03-31"
API_MONTH_GOAL_MEETUPS = 2_000
API_MONTH_GOAL_MS = 50.0


def _api_month_measure(app: Flask, meetups: int) -> Measure:
    """A month of the whole directory from the API when its answer cache misses: every
    series expanded, sorted, the first page written."""
    value = inprocess.api_miss_cpu_ms(app, API_MONTH, CITY_PAGE_RENDERS)
    return Measure(
        "api_month_miss_cpu",
        f"API: a month of the whole directory, cache miss, CPU (median of {CITY_PAGE_RENDERS})",
        value,
        "ms",
        f"≤ {API_MONTH_GOAL_MS:g} ms at {API_MONTH_GOAL_MEETUPS:,} meetups",
        value <= API_MONTH_GOAL_MS if meetups == API_MONTH_GOAL_MEETUPS else None,
    )


def _serve_cache(
    stack: ExitStack,
    base_urls: dict[str, str],
    routes: list[RouteResult],
    public: Path,
    scratch: Path,
    server: Server,
    drawn: list[mix.MixRequest],
) -> None:
    """nginx as a `proxy_cache` in front of gunicorn (stopped with `stack`), and its mix row."""
    if nginx.binary() is None:
        return
    upstream = int(server.base_url.rsplit(":", 1)[1])
    try:
        base_url = stack.enter_context(
            nginx.nginx(public, scratch, free_port(), WORKERS, "/healthz", upstream=upstream)
        )
        requests = mix.prepare(base_url, drawn)
    except (nginx.NginxError, mix.MixError, OSError) as error:
        failed = mix_target([], through_nginx=True)
        routes.append(RouteResult(failed, error=f"nginx proxy_cache: {error}"))
        return
    base_urls["nginx-cache"] = base_url
    routes.append(RouteResult(mix_target(requests, through_nginx=True)))


def _first_passes(
    server: Server, base_urls: dict[str, str], routes: list[RouteResult], connections: int
) -> list[tuple[RouteResult, LoadResult]]:
    """Each mix asks every one of its addresses once before its rounds: the rounds then
    measure caches in their steady state, and this pass what filling them costs."""
    passes = []
    for route in routes:
        target = route.target
        if not target.mix or route.error:
            continue
        server.wait_until_idle()
        _say(f"{target.name}: asking each address once")
        load = mix.first_pass(base_urls[target.server], target.mix, connections)
        route.last_asked = time.monotonic()
        passes.append((route, load))
    return passes


def _first_pass_measures(
    passes: list[tuple[RouteResult, LoadResult]], floor: RouteResult
) -> list[Measure]:
    floor_summary = floor.summary(floor)
    floor_rate = floor_summary.requests_per_second if floor_summary else None
    measures = []
    for route, load in passes:
        rate = load.requests_per_second
        measures.append(
            Measure(
                f"first_pass_{route.target.server}",
                f"{route.target.name}: first pass, {load.requests:,} addresses once each "
                f"({rate:,.0f} req/s, p99 {load.p99_ms:,.0f} ms, {load.errors} errors)",
                rate / floor_rate if floor_rate else rate,
                "× floor" if floor_rate else "req/s",
                details={
                    "requests_per_second": rate,
                    "p50_ms": load.p50_ms,
                    "p99_ms": load.p99_ms,
                    "errors": load.errors,
                },
            )
        )
    return measures


def _build_directory(app: Flask, meetups: int, city_count: int) -> dict[str, Any]:
    """Migrate, load every GeoNames city, generate the directory; time each step."""
    seconds: dict[str, float] = {}
    with app.app_context():
        _say("migrating")
        upgrade()
        # As `make setup-data` does: the zone rules in use recorded, so that the export does
        # not find them new and re-date a few hundred series (and the whole-directory
        # feed's ETag with them) between the ETags taken here and the load.
        zone_updates.apply_release(db.session, utcnow())
        db.session.commit()
        _say("loading cities")
        started = time.perf_counter()
        cities.load_cities(db.session, gazetteer.countries(), gazetteer.cities())
        seconds["load_cities"] = time.perf_counter() - started
        _say(f"generating {meetups:,} meetups")
        started = time.perf_counter()
        summary = generate_directory(db.session, meetups=meetups, cities=city_count)
        db.session.commit()
        seconds["generate"] = time.perf_counter() - started
        # As autovacuum would within a minute on PostgreSQL, and as `load-cities` and
        # `seed-demo` do on either: plans on fresh tables are guesses.
        statistics.refresh(db.session)
    return {**summary, "seconds": seconds}


def _count_queries(app: Flask, routes: list[RouteResult]) -> None:
    _say("counting SQL per request")
    for route in routes:
        target = route.target
        try:
            route.queries = inprocess.queries_per_request(
                app, target.path, target.headers, target.status
            )
        except inprocess.MeasureError as error:
            route.error = str(error)


def _drive_rounds(
    server: Server,
    base_urls: dict[str, str],
    routes: list[RouteResult],
    args: argparse.Namespace,
    scratch: Path,
    page_max_age: int,
) -> None:
    """Each round: the floor, then every route, so each ratio compares loads seconds apart.

    Each load starts once gunicorn has finished the requests the one before left behind.
    `page_max_age`: how long a shared cache keeps a page before asking again.
    """
    for number in range(1, args.rounds + 1):
        _say(f"round {number} of {args.rounds}")
        for route in routes:
            first = number == 1
            server.wait_until_idle()
            if route.target.server == "nginx-cache":
                _let_kept_pages_expire(route, page_max_age)
            _drive(base_urls[route.target.server], route, args, first, scratch, base_urls["floor"])
            if first and route.target.server == "gunicorn":
                route.worker_mb_after = max(server.worker_rss_mb(), default=None)


def _let_kept_pages_expire(route: RouteResult, page_max_age: int) -> None:
    """Wait, if need be, until every page a shared cache kept in this mix's last round
    has expired, so that the pass before the next round asks the app about each again.

    Traffic that never stops keeps a cache's pages at every age, a few expiring each
    second. Rounds come about a page's lifetime apart, though, so without the wait the
    pages kept last round would expire together, in the seconds the next round measures
    (2,000 of its 6,700 addresses did, and took the mix from 10 to 4 times the floor).
    """
    wait = expiry_wait(route.last_asked, page_max_age, time.monotonic())
    if wait > 0:
        _say(f"{route.target.name}: waiting {wait:.0f} s for the pages kept last round to expire")
        time.sleep(wait)


def expiry_wait(last_asked: float | None, max_age: int, now: float) -> float:
    """Seconds until pages kept `max_age` seconds from `last_asked` have all expired (a
    second more: caches count whole seconds), or 0."""
    if last_asked is None:
        return 0.0
    return max(0.0, last_asked + max_age + 1 - now)


def _drive(
    base_url: str,
    route: RouteResult,
    args: argparse.Namespace,
    warm_first: bool,
    scratch: Path,
    floor_url: str,
) -> None:
    """Load the route for one round (warming every worker first); an error ends its rounds.

    A mix is warmed by its first pass instead (`_first_passes`), each address once, and
    each of its rounds is led in by another such pass, unmeasured, then by a load of the
    floor, its own, which its round is compared with.
    """
    if route.error:
        return
    target = route.target
    url = base_url + target.path
    try:
        if target.mix:
            # Traffic as it never stops: between its rounds pages kept in front of the
            # app expire (MEETUPS_PAGE_MAX_AGE, see `_let_kept_pages_expire`), which
            # traffic that never stops does not let happen to them all at once. So,
            # unmeasured, every address is asked once again first, as in the first pass.
            mix.first_pass(base_url, target.mix, args.connections)
            floor = drive(floor_url + FLOOR_PATH, {}, 200, args.seconds, args.connections)
            route.floor_rounds.append(floor)
            _say(f"{target.name}: its own floor, {floor.requests_per_second:.0f} req/s")
            load = mix.drive_mix(base_url, target.mix, args.seconds, args.connections, scratch)
            route.last_asked = time.monotonic()
            route.rounds.append(load)
            _say(f"{target.name}: {load.requests_per_second:.0f} req/s")
            return
        if warm_first:
            warm(url, target.headers, target.status, concurrency=WORKERS, rounds=WARM_ROUNDS)
        load = drive(url, target.headers, target.status, args.seconds, args.connections)
    except LoadError as error:
        route.error = str(error)
        return
    route.rounds.append(load)
    _say(f"{target.name}: {load.requests_per_second:.0f} req/s")


def _worker_measure(worker_mb: list[float]) -> Measure:
    return Measure(
        "worker_rss",
        f"worker memory after load (max of {len(worker_mb)})",
        max(worker_mb, default=0.0),
        "MB",
        f"< {MAX_WORKER_MB} MB",
        bool(worker_mb) and max(worker_mb) < MAX_WORKER_MB,
        {"workers_mb": worker_mb},
    )


def _render_measures(
    meetups: int, all_feed_seconds: float, city_feed_seconds: float
) -> list[Measure]:
    return [
        Measure(
            "all_feed_first_render",
            "all feed, first render (in-process)",
            all_feed_seconds,
            "s",
            f"< {MAX_ALL_FEED_RENDER_SECONDS:g} s at 10,000 meetups",
            sized_goal(all_feed_seconds < MAX_ALL_FEED_RENDER_SECONDS, meetups),
        ),
        Measure(
            "city_feed_render",
            f"city feed, render (best of {CITY_FEED_RENDERS})",
            city_feed_seconds * 1e3,
            "ms",
        ),
    ]


def _export_measures(
    meetups: int,
    full: inprocess.Export,
    incremental: inprocess.Export,
    affected: list[str],
) -> tuple[Measure, Measure]:
    only_affected = sorted(incremental.written) == affected
    return (
        Measure(
            "full_export",
            f"export-feeds, all {len(full.written):,} files",
            full.seconds,
            "s",
            f"< {MAX_FULL_EXPORT_SECONDS:g} s at 10,000 meetups",
            sized_goal(full.seconds < MAX_FULL_EXPORT_SECONDS, meetups),
            {"files_written": len(full.written)},
        ),
        Measure(
            "incremental_export",
            f"export-feeds after one edit, {len(incremental.written)} files",
            incremental.seconds,
            "s",
            f"< {MAX_INCREMENTAL_EXPORT_SECONDS:g} s, only the {len(affected)} affected",
            incremental.seconds < MAX_INCREMENTAL_EXPORT_SECONDS and only_affected,
            {"written": sorted(incremental.written), "affected": affected},
        ),
    )


def _size_point(outcome: Outcome) -> SizePoint:
    by_name = {route.target.name: route for route in outcome.routes}
    floor, rendered = outcome.routes[0], by_name[CITY_PAGE_RENDERED]
    sample = outcome.run["sample"]
    return SizePoint(
        meetups=outcome.run["directory"]["meetups"],
        city=sample["city"],
        city_meetups=sample["city_meetups"],
        rendered=rendered.summary(floor),
        rendered_queries=rendered.queries,
        cached=by_name[CITY_PAGE].summary(floor),
        worker_mb=outcome.worker_mb,
        render_cpu_ms=next(m.value for m in outcome.measures if m.key == CITY_PAGE_CPU_KEY),
    )


def _run_info(
    app: Flask,
    args: argparse.Namespace,
    directory: dict[str, Any],
    sample: inprocess.Sample,
    physical_limit: str,
) -> dict[str, Any]:
    with app.app_context():
        engine = db.engine.dialect.name
    return {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "database": engine,
        "client": client_name(),
        "workers": WORKERS,
        "connections": args.connections,
        "seconds_per_route": args.seconds,
        "rounds": args.rounds,
        "physical_limit": physical_limit,
        "shared_cache": args.shared_cache_used,
        "cpus": os.cpu_count(),
        "directory": directory,
        "sample": {
            "city": f"/{sample.country}/{sample.city}/",
            "city_meetups": sample.city_meetups,
            "meetup": f"/m/{sample.meetup}/",
        },
    }


def _heading(run: dict[str, Any]) -> str:
    directory, sample = run["directory"], run["sample"]
    return (
        f"\n{directory['meetups']:,} meetups, {directory['venues']:,} venues, "
        f"{directory['cities']:,} cities on {run['database']} "
        f"(generated in {directory['seconds']['generate']:.0f} s); "
        f"gunicorn {run['workers']} sync workers; {run['client']}, "
        f"{run['connections']} connections, {run['rounds']} rounds of "
        f"{run['seconds_per_route']} s per route; {run['cpus']} CPUs.\n"
        f"City: {sample['city']} ({sample['city_meetups']} meetups). "
        f"Meetup: {sample['meetup']}. Physical limit: {run['physical_limit']}.\n"
        f"Shared page cache: {run['shared_cache']}.\n"
        "× floor: median over rounds of route ÷ floor req/s in the same round (a mix: "
        "÷ its own floor load just before it; min–max: lowest and highest round); "
        "req/s: median; p50, p99: the median round's. "
        "SQL/req: one request to a warm app.\n"
    )


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
