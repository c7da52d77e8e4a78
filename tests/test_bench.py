"""The benchmark's own arithmetic and set-up, which its tables are only as good as.

`make bench` itself takes minutes; these check, in a second, that a ratio is
the median of same-round ratios, that the size comparison judges the goal
right, that the sample city holds as many meetups at any size, and that
nginx serves an exported feed as the README's production config does.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from flask import Flask

from bench import inprocess, mix, nginx, run, targets
from bench.generate import SAMPLE_CITY_MEETUPS, generate_directory
from bench.load import LoadResult
from bench.report import GOAL_MEETUPS, Measure, RouteResult, paced, run_json, table
from bench.rounds import summarize
from bench.run import API_MONTH, CITY_PAGE_CPU_KEY, RENDER_CPU_GOALS, _render_cpu_measures
from bench.sizes import MAX_CITY_PAGE_GROWTH, SizePoint, growth
from meetups.extensions import db


def _load(per_second: float, p50_ms: float = 1.0, errors: int = 0) -> LoadResult:
    return LoadResult(
        requests=round(per_second * 2), seconds=2.0, p50_ms=p50_ms, p99_ms=p50_ms * 3, errors=errors
    )


def test_ratio_is_the_median_of_same_round_ratios() -> None:
    # The machine slows down in round 2: both floor and route drop, the ratio barely moves.
    floor = [_load(4000), _load(2000), _load(4000)]
    route = [_load(2000, p50_ms=4), _load(1100, p50_ms=7), _load(2400, p50_ms=3)]

    summary = summarize(route, floor)

    assert summary is not None
    assert summary.ratio == pytest.approx(0.55)
    assert (summary.ratio_min, summary.ratio_max) == pytest.approx((0.5, 0.6))
    assert summary.requests_per_second == 2000
    # Latencies come from the round whose ratio is the median (the second one).
    assert summary.p50_ms == 7
    assert summary.requests == 11_000
    assert summary.seconds == 6.0


def test_an_even_number_of_rounds_averages_ratios_and_shows_the_lower_middle_round() -> None:
    summary = summarize([_load(1000, p50_ms=2), _load(3000, p50_ms=1)], [_load(2000)] * 2)

    assert summary is not None
    assert summary.ratio == pytest.approx(1.0)
    assert summary.p50_ms == 2


def test_errors_in_any_round_count_and_a_missing_floor_round_gives_no_ratio() -> None:
    summary = summarize([_load(1000), _load(1000, errors=3)], [_load(2000)])

    assert summary is not None
    assert summary.errors == 3
    assert summary.round_ratios == [pytest.approx(0.5), None]
    assert summary.ratio == pytest.approx(0.5)


def test_rounds_too_short_for_one_answer_give_no_latency() -> None:
    # A 100,000-meetup feed may take longer than a round: wrk then reports no request at all.
    empty = LoadResult(requests=0, seconds=2.0, p50_ms=0.0, p99_ms=0.0, errors=0)
    summary = summarize([_load(25, p50_ms=300), empty, empty], [_load(2000)] * 3)

    assert summary is not None
    assert summary.requests_per_second == 0
    assert (summary.p50_ms, summary.p99_ms) == (None, None)
    assert summary.idle_rounds == 2


def test_a_route_never_loaded_has_no_summary() -> None:
    assert summarize([], [_load(2000)]) is None


def _point(meetups: int, per_second: float, p50_ms: float, cpu_ms: float = 20.0) -> SizePoint:
    summary = summarize([_load(per_second, p50_ms)], [_load(1000)])
    return SizePoint(
        meetups, "/cn/shanghai/", SAMPLE_CITY_MEETUPS, summary, 4, summary, 120.0, cpu_ms
    )


def test_size_growth_compares_the_largest_size_with_the_smallest_both_ways() -> None:
    change = growth([_point(100_000, 80, 12.0, cpu_ms=22.0), _point(1_000, 100, 10.0)])

    assert (change.smallest, change.largest) == (1_000, 100_000)
    assert change.p50 == pytest.approx(1.2)
    assert change.inverse_rate == pytest.approx(1.25)
    # Both runs' floor made 1,000 req/s: the ratio to it moves as req/s does.
    assert change.inverse_floor_ratio == pytest.approx(1.25)
    assert change.cpu == pytest.approx(1.1)
    assert change.met is True


def test_size_growth_misses_the_goal_when_either_measure_does() -> None:
    slower = 100 / (MAX_CITY_PAGE_GROWTH + 0.1)
    change = growth([_point(1_000, 100, 10.0), _point(100_000, slower, 10.0)])

    assert change.met is False


@pytest.mark.parametrize("meetups", [200, 2_000])
def test_the_sample_city_holds_as_many_meetups_at_any_size(
    app: Flask, make_city, meetups: int
) -> None:
    make_city("Lyon", population=500_000)
    make_city("Paris", population=2_000_000)
    make_city("Lille", population=230_000)
    generate_directory(db.session, meetups=meetups, cities=3)
    db.session.commit()

    sample = inprocess.pick_sample(app)

    assert (sample.city, sample.city_meetups) == ("paris", SAMPLE_CITY_MEETUPS)


def test_the_api_month_is_timed_on_misses_of_its_answer_cache(
    app: Flask, make_meetup, count_queries
) -> None:
    make_meetup("Open Coffee")
    client = app.test_client()
    client.get(API_MONTH)
    assert count_queries(lambda: client.get(API_MONTH)) == 0
    app.extensions["api_answers"].clear()
    app.extensions["front_door"].clear()
    one_miss = count_queries(lambda: client.get(API_MONTH))

    timed = count_queries(lambda: inprocess.api_miss_cpu_ms(app, API_MONTH, 3))

    assert one_miss > 0 and timed == 4 * one_miss


def test_nginx_config_mirrors_the_production_feed_location(tmp_path: Path) -> None:
    text = nginx.config(tmp_path / "public", tmp_path, 8080, 2, run_as=None)

    for directive in (
        "daemon off;",
        "worker_processes 2;",
        "sendfile on;",
        "etag on;",
        "gzip_static on;",
        "types { text/calendar ics; }",
        "charset_types text/calendar;",
        "add_header X-Content-Type-Options nosniff;",
        "listen 127.0.0.1:8080;",
        f'root "{tmp_path / "public"}";',
    ):
        assert directive in text
    assert "user " not in text
    assert str(tmp_path / "nginx" / "nginx.pid") in text


def _drawn_directory(app: Flask, make_city, meetups: int = 300) -> mix.Addresses:
    make_city("Lyon", population=500_000)
    make_city("Paris", population=2_000_000)
    make_city("Lille", population=230_000)
    generate_directory(db.session, meetups=meetups, cities=3)
    db.session.commit()
    return mix.addresses(app)


def test_the_mix_asks_each_kind_in_its_share_and_the_popular_addresses_most(
    app: Flask, make_city
) -> None:
    found = _drawn_directory(app, make_city)

    drawn = mix.draw(found, count=5_000, today=date(2026, 12, 5))

    assert drawn == mix.draw(found, count=5_000, today=date(2026, 12, 5))
    for share, kind in mix.SHARES:
        assert mix.shares(drawn)[kind] == pytest.approx(share, abs=0.02)
    city_pages = Counter(item.path for item in drawn if item.kind == "city page")
    assert city_pages["/fr/paris/"] > city_pages["/fr/lyon/"] > city_pages["/fr/lille/"]
    meetup_pages = Counter(item.path for item in drawn if item.kind == "meetup page")
    # Spread over the whole directory, not one hot address: most meetups are asked for.
    assert len(meetup_pages) > len(found.meetups) / 2
    assert meetup_pages[f"/m/{found.meetups[0]}/"] == max(meetup_pages.values())
    # As browsers and calendar apps do, every request takes gzip.
    assert {dict(item.headers)["Accept-Encoding"] for item in drawn} == {"gzip, deflate, br"}


def test_every_address_of_the_mix_answers_and_a_feed_poll_with_its_etag_is_a_304(
    app: Flask, make_city
) -> None:
    found = _drawn_directory(app, make_city, meetups=60)
    drawn = mix.draw(found, count=400, today=date(2026, 12, 5))
    client = app.test_client(use_cookies=False)

    for path, sent in sorted({(item.path, item.headers) for item in drawn}):
        first = client.get(path, headers=dict(sent))
        assert first.status_code in (200, 302), path
        if path.startswith("/feeds/"):
            poll = {**dict(sent), "If-None-Match": first.headers["ETag"]}
            assert client.get(path, headers=poll).status_code == 304, path


def test_the_mix_script_sends_each_request_with_its_headers_in_turn() -> None:
    requests = [
        mix.MixRequest(mix.FEED_POLL, "/feeds/city/fr/paris.ics", (("If-None-Match", '"a1"'),)),
        mix.MixRequest("search", "/search?q=saint+%C3%A9tienne"),
    ]

    script = mix.lua_script(requests)

    assert '{"/feeds/city/fr/paris.ics", {["If-None-Match"] = "\\"a1\\""}},' in script
    assert '{"/search?q=saint+%C3%A9tienne", {}},' in script
    assert "next_index = next_index % #formatted + 1" in script


def test_the_first_pass_asks_each_distinct_address_once_with_its_headers() -> None:
    seen: list[tuple[str, str | None]] = []

    class Recorder(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("If-None-Match")))
            self.send_response(304 if self.headers.get("If-None-Match") else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    poll = mix.MixRequest(mix.FEED_POLL, "/feeds/city/fr/paris.ics", (("If-None-Match", '"a"'),))
    page = mix.MixRequest("city page", "/fr/paris/")
    other = mix.MixRequest("meetup page", "/m/open-coffee/")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        load = mix.first_pass(url, [page, poll, page, page, other, poll], connections=2)
    finally:
        server.shutdown()
        server.server_close()

    assert sorted(seen) == [
        ("/feeds/city/fr/paris.ics", '"a"'),
        ("/fr/paris/", None),
        ("/m/open-coffee/", None),
    ]
    assert (load.requests, load.errors) == (3, 0)
    # Least popular first: a cache too small for every address ends with the popular ones.
    seen.clear()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        mix.first_pass(f"http://127.0.0.1:{server.server_port}", [page, poll, other], 1)
    finally:
        server.shutdown()
        server.server_close()
    assert [path for path, _ in seen] == [
        "/m/open-coffee/",
        "/feeds/city/fr/paris.ics",
        "/fr/paris/",
    ]


def test_nginx_cache_config_is_the_readme_proxy_cache(tmp_path: Path) -> None:
    text = nginx.cache_config(tmp_path / "public", tmp_path, 8080, 2, None, upstream=9000)
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("proxy_cache_path ", 1)[1].split("```", 1)[0]
    directives = [
        line.split("#", 1)[0].strip()
        for line in block.splitlines()[1:]
        if line.strip().startswith("proxy_")
    ]

    assert len(directives) >= 7
    for directive in directives:
        assert directive in text
    assert "server 127.0.0.1:9000;" in text
    assert "try_files $uri @app;" in text
    # It would hold each connection that met an expired page until the refresh was done.
    assert "proxy_cache_background_update" not in text


def test_the_mix_rows_show_their_ratio_to_the_floor_app_in_the_table_and_json() -> None:
    floor = RouteResult(targets.Target("floor (bare Flask app)", "/", server="floor"))
    floor.rounds = [_load(2000)]
    requests = [mix.MixRequest("meetup page", "/m/a/")]
    origin = RouteResult(targets.mix_target(requests, through_nginx=False))
    origin.rounds = [_load(1200)]
    cached = RouteResult(targets.mix_target(requests, through_nginx=True))
    cached.rounds = [_load(12_000, errors=2)]

    lines = table([floor, origin, cached], []).splitlines()
    data = run_json({}, [floor, origin, cached], [])

    origin_line = next(line for line in lines if line.startswith(targets.MIX_AT_ORIGIN))
    assert "0.60" in origin_line and "≥ 0.5× floor" in origin_line
    assert origin_line.rstrip().endswith("yes")
    cached_line = next(line for line in lines if line.startswith(targets.MIX_THROUGH_NGINX))
    assert "6.00" in cached_line and "2 errors" in cached_line
    assert cached_line.rstrip().endswith("NO")
    rows = {row["name"]: row for row in data["routes"]}
    assert rows[targets.MIX_AT_ORIGIN]["floor_ratio"] == pytest.approx(0.6)
    assert rows[targets.MIX_THROUGH_NGINX]["server"] == "nginx-cache"
    assert rows[targets.MIX_THROUGH_NGINX]["met"] is False


def test_a_mix_with_its_own_floor_loads_is_compared_with_those_not_the_rounds_first() -> None:
    # The round's floor ran a minute earlier, on a faster moment of the machine; the mix's
    # own floor, seconds before it, saw the machine as the mix did.
    floor = RouteResult(targets.Target("floor (bare Flask app)", "/", server="floor"))
    floor.rounds = [_load(8000), _load(8000), _load(8000)]
    requests = [mix.MixRequest("meetup page", "/m/a/")]
    cached = RouteResult(targets.mix_target(requests, through_nginx=True))
    cached.rounds = [_load(30_000), _load(24_000), _load(36_000)]
    cached.floor_rounds = [_load(5000), _load(4000), _load(6000)]

    summary = cached.summary(floor)
    data = run_json({}, [floor, cached], [])

    assert summary is not None
    assert summary.round_ratios == [pytest.approx(6.0)] * 3
    assert (summary.ratio_min, summary.ratio_max) == (pytest.approx(6.0), pytest.approx(6.0))
    row = data["routes"][1]
    assert row["met"] is True
    assert [r["requests_per_second"] for r in row["own_floor_rounds"]] == [5000, 4000, 6000]


def test_an_in_process_measure_is_given_as_a_multiple_of_a_floor_request_measured_beside_it() -> (
    None
):
    render = Measure("city_page_cpu", "city page, rendered, CPU", 11.0, "ms", "≤ 8 ms", False)
    export = Measure("incremental_export", "export-feeds after one edit", 0.5, "s")

    slow = paced(render, 0.25)
    exported = paced(export, 0.25)

    assert slow.details["floor_multiple"] == pytest.approx(44)
    assert slow.details["floor_request_ms"] == 0.25
    assert "44× a floor request (250 µs)" in slow.what
    assert (slow.value, slow.met, slow.key) == (11.0, False, "city_page_cpu")
    assert exported.details["floor_multiple"] == pytest.approx(2000)


def test_a_pages_cpu_is_its_quickest_reading_of_the_run_with_the_pace_beside_it() -> None:
    readings = [
        {key: (11.0, 0.25) for key, _, _ in RENDER_CPU_GOALS},
        {key: (6.5, 0.15) for key, _, _ in RENDER_CPU_GOALS},
        {key: (9.0, 0.2) for key, _, _ in RENDER_CPU_GOALS},
    ]
    readings[1]["meetup_page_render_cpu"] = (3.5, 0.15)

    measures = {m.key: m for m in _render_cpu_measures(readings, GOAL_MEETUPS)}

    city = measures[CITY_PAGE_CPU_KEY]
    assert (city.value, city.met) == (6.5, True)
    assert city.details["floor_request_ms"] == 0.15
    assert city.details["readings_ms"] == [11.0, 6.5, 9.0]
    assert "quickest of 11.00 / 6.50 / 9.00 ms" in city.what
    assert "43× a floor request (150 µs)" in city.what
    assert (measures["meetup_page_render_cpu"].value, measures["meetup_page_render_cpu"].met) == (
        3.5,
        False,
    )


def test_a_cached_mix_waits_for_the_pages_its_last_round_kept_to_expire() -> None:
    # Pages asked for up to t=100 and kept 60 s have all expired at 161 (whole seconds).
    assert run.expiry_wait(100.0, 60, now=130.0) == pytest.approx(31.0)
    assert run.expiry_wait(100.0, 60, now=170.0) == 0.0
    assert run.expiry_wait(None, 60, now=130.0) == 0.0
