"""`python -m bench.run`: build a large directory, serve it with gunicorn, measure, report.

Each route is compared with a bare Flask route (the floor) measured in the
same run on the same machine, so the ratios mean something on any hardware.
The printed table holds the goals and whether each is met; the exit code only
says whether the run itself worked.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade

from meetups import cities, gazetteer
from meetups.extensions import db

from . import inprocess
from .database import DatabaseError, fresh_database
from .generate import generate_directory
from .load import LoadError, client_name, drive, warm
from .report import (
    MAX_ALL_FEED_RENDER_SECONDS,
    MAX_FULL_EXPORT_SECONDS,
    MAX_INCREMENTAL_EXPORT_SECONDS,
    MAX_WORKER_MB,
    Measure,
    RouteResult,
    sized_goal,
    table,
    to_json,
)
from .server import PROJECT_ROOT, WORKERS, ServerError, gunicorn
from .targets import feed_paths, targets
from .wsgi import create_bench_app

DEFAULT_JSON = PROJECT_ROOT / "bench" / "results" / "latest.json"
CITY_FEED_RENDERS = 5
WARM_ROUNDS = 2


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    try:
        return _run(args)
    except (DatabaseError, LoadError, ServerError, inprocess.MeasureError) as error:
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
        "--seconds", type=_positive, default=5, help="per route; default: %(default)s"
    )
    parser.add_argument("--connections", type=_positive, default=8, help="default: %(default)s")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="default: %(default)s")
    return parser.parse_args(argv)


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"{text} is not a positive whole number")
    return number


def _run(args: argparse.Namespace) -> int:
    with (
        tempfile.TemporaryDirectory(prefix="meetups-bench-") as scratch_name,
        fresh_database(args.database_url, Path(scratch_name)) as url,
    ):
        scratch = Path(scratch_name)
        # The server and this process must build the very same app (same ETags, same
        # settings), so both take their configuration from the environment.
        os.environ.update(MEETUPS_DATABASE_URL=url, MEETUPS_SECRET_KEY=secrets.token_hex(32))
        app = create_bench_app()
        try:
            return _measure(app, args, scratch)
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def _measure(app: Flask, args: argparse.Namespace, scratch: Path) -> int:
    if client_name() == "python":
        _say("wrk is not installed: using the Python client, which tops out sooner")
    directory = _build_directory(app, args.meetups, args.cities)
    sample = inprocess.pick_sample(app)
    _say("rendering feeds in-process")
    all_feed_seconds = inprocess.render_seconds(app, "all", (), 1)[0]
    city_feed_seconds = min(
        inprocess.render_seconds(app, "city", (sample.country, sample.city), CITY_FEED_RENDERS)
    )
    city_feed, all_feed = feed_paths(sample)
    etags = inprocess.etag(app, city_feed), inprocess.etag(app, all_feed)
    routes = [RouteResult(target) for target in targets(sample, *etags)]
    _count_queries(app, routes)
    with gunicorn(scratch / "gunicorn.log") as server:
        for route in routes:
            _drive(server.base_url, route, args)
            route.worker_mb_after = max(server.worker_rss_mb(), default=None)
        worker_mb = server.worker_rss_mb()
    _say("exporting every feed")
    full = inprocess.export_feeds(app, scratch / "feeds")
    affected = inprocess.move_start_time(app, sample.meetup)
    incremental = inprocess.export_feeds(app, scratch / "feeds")
    measures = _measures(
        args.meetups, worker_mb, all_feed_seconds, city_feed_seconds, full, incremental, affected
    )
    run = _run_info(app, args, directory, sample)
    print(_heading(run))
    print(table(routes, measures))
    to_json(args.json, run, routes, measures)
    print(f"\nAll numbers: {args.json}")
    return 1 if any(route.error for route in routes) else 0


def _build_directory(app: Flask, meetups: int, city_count: int) -> dict[str, Any]:
    """Migrate, load every GeoNames city, generate the directory; time each step."""
    seconds: dict[str, float] = {}
    with app.app_context():
        _say("migrating")
        upgrade()
        _say("loading cities")
        started = time.perf_counter()
        cities.load_cities(db.session, gazetteer.countries(), gazetteer.cities())
        seconds["load_cities"] = time.perf_counter() - started
        _say(f"generating {meetups:,} meetups")
        started = time.perf_counter()
        summary = generate_directory(db.session, meetups=meetups, cities=city_count)
        db.session.commit()
        seconds["generate"] = time.perf_counter() - started
        if db.engine.dialect.name == "postgresql":
            # As autovacuum would within a minute: plans on fresh tables are guesses.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
                c.execute(sa.text("ANALYZE"))
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


def _drive(base_url: str, route: RouteResult, args: argparse.Namespace) -> None:
    """Warm every worker, then load the route; a wrong answer is recorded, not loaded."""
    if route.error:
        return
    target = route.target
    url = base_url + target.path
    try:
        warm(url, target.headers, target.status, concurrency=WORKERS, rounds=WARM_ROUNDS)
        route.load = drive(url, target.headers, target.status, args.seconds, args.connections)
    except LoadError as error:
        route.error = str(error)
        return
    _say(f"{target.name}: {route.load.requests_per_second:.0f} req/s")


def _measures(
    meetups: int,
    worker_mb: list[float],
    all_feed_seconds: float,
    city_feed_seconds: float,
    full: inprocess.Export,
    incremental: inprocess.Export,
    affected: list[str],
) -> list[Measure]:
    only_affected = sorted(incremental.written) == affected
    return [
        Measure(
            "worker_rss",
            f"worker memory after load (max of {len(worker_mb)})",
            max(worker_mb, default=0.0),
            "MB",
            f"< {MAX_WORKER_MB} MB",
            bool(worker_mb) and max(worker_mb) < MAX_WORKER_MB,
            {"workers_mb": worker_mb},
        ),
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
    ]


def _run_info(
    app: Flask, args: argparse.Namespace, directory: dict[str, Any], sample: inprocess.Sample
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
        f"{directory['cities']:,} cities on {run['database']}; gunicorn {run['workers']} sync "
        f"workers; {run['client']}, {run['connections']} connections, "
        f"{run['seconds_per_route']} s per route; {run['cpus']} CPUs.\n"
        f"City: {sample['city']} ({sample['city_meetups']} meetups). "
        f"Meetup: {sample['meetup']}. SQL/req: one request to a warm app.\n"
    )


def _say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
