"""The realistic mix: what real traffic asks, spread Zipf-like over the whole directory.

One hot address at a time lets the worker's page cache answer nearly everything;
real visitors and calendar apps ask for thousands of cities, meetups and venues,
a few very often and most seldom. `draw` picks such a list of requests (the
shares below, each address by a Zipf rank: the most popular city, meetup or
venue first), `prepare` gives each feed poll the ETag a calendar app would hold
(fetched from the server under test, so nginx's own file ETags are used where
it serves the exported feeds), and `drive_mix` cycles through the list from
many connections: wrk with a Lua script when installed, else Python threads.
"""

from __future__ import annotations

import bisect
import http.client
import itertools
import random
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask
from sqlalchemy import func, select

from meetups.extensions import db
from meetups.models import City, Meetup, MeetupStatus, Venue
from meetups.queries import LISTED

from .load import (
    MAX_REQUESTS,
    REQUEST_TIMEOUT_SECONDS,
    WRK_THREADS,
    LoadError,
    LoadResult,
    answer,
    client_name,
    fetch,
    on_threads,
    parse_wrk,
)

FEED_POLL = "feed poll, conditional"
# (share, kind): the README's "Realistic mix" says why these.
SHARES: tuple[tuple[float, str], ...] = (
    (0.40, FEED_POLL),
    (0.05, "feed, full"),
    (0.20, "meetup page"),
    (0.15, "city page"),
    (0.08, "venue page"),
    (0.04, "country page"),
    (0.03, "search"),
    (0.02, "near search"),
    (0.03, "API"),
)
# Rank r (from 1) is asked for in proportion to 1/r**ZIPF_EXPONENT.
ZIPF_EXPONENT = 1.0
DEFAULT_REQUESTS = 20_000
SEED = 19
# What every browser and calendar app sends (Chrome, Firefox, Safari, Google's and
# Apple's calendar fetchers all take gzip): the answers measured are the ones they get.
CLIENT_HEADERS: tuple[tuple[str, str], ...] = (("Accept-Encoding", "gzip, deflate, br"),)


class MixError(RuntimeError):
    """The directory has nothing to draw from, or the server refused a feed."""


@dataclass(frozen=True)
class Addresses:
    """What the mix draws from, most popular first (by their city's population)."""

    cities: list[tuple[str, str]]  # (country code, city slug)
    meetups: list[str]
    venues: list[str]
    countries: list[str]


@dataclass(frozen=True)
class MixRequest:
    kind: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()


def addresses(app: Flask) -> Addresses:
    """Every listed city, meetup and venue of the directory, and every country with meetups."""
    with app.app_context():
        by_population = (City.population.desc(), City.id)
        cities = db.session.execute(
            select(City.country_code, City.slug)
            .join(Venue, Venue.city_id == City.id)
            .join(Meetup, Meetup.venue_id == Venue.id)
            .where(Meetup.status.in_(LISTED))
            .group_by(City.id, City.country_code, City.slug, City.population)
            .order_by(*by_population)
        ).all()
        meetups = db.session.scalars(
            select(Meetup.slug)
            .join(Meetup.venue)
            .join(Venue.city)
            .where(Meetup.status == MeetupStatus.ACTIVE)
            .order_by(*by_population, Meetup.id)
        ).all()
        venues = db.session.scalars(
            select(Venue.slug).join(Venue.city).order_by(*by_population, Venue.id)
        ).all()
        countries = db.session.scalars(
            select(City.country_code)
            .join(Venue, Venue.city_id == City.id)
            .join(Meetup, Meetup.venue_id == Venue.id)
            .where(Meetup.status.in_(LISTED))
            .group_by(City.country_code)
            .order_by(func.count(Meetup.id).desc(), City.country_code)
        ).all()
    if not (cities and meetups and venues):
        raise MixError("the directory has no listed meetup to draw a mix from")
    return Addresses(
        [(code.lower(), slug) for code, slug in cities],
        list(meetups),
        list(venues),
        [code.lower() for code in countries],
    )


class _Zipf:
    """Ranks 0..n-1 drawn with weight 1/(rank+1)**s, by bisecting the cumulative weights."""

    def __init__(self, n: int, exponent: float) -> None:
        self.cumulative = list(
            itertools.accumulate(1 / (rank + 1) ** exponent for rank in range(n))
        )

    def rank(self, rng: random.Random) -> int:
        return bisect.bisect_left(self.cumulative, rng.random() * self.cumulative[-1])


def draw(
    found: Addresses, count: int = DEFAULT_REQUESTS, seed: int = SEED, today: date | None = None
) -> list[MixRequest]:
    """`count` requests in the SHARES, each address drawn Zipf-like; the same for a seed."""
    rng = random.Random(seed)
    zipf = {
        name: _Zipf(len(items), ZIPF_EXPONENT)
        for name, items in vars(found).items()
        if isinstance(items, list)
    }
    kinds = [kind for _, kind in SHARES]
    weights = [share for share, _ in SHARES]
    month = (today or date.today()).replace(day=1) + timedelta(days=31)
    first = month.replace(day=1)
    last = (first + timedelta(days=31)).replace(day=1) - timedelta(days=1)

    def pick(name: str) -> Any:
        """An item of one of the lists, by its Zipf rank."""
        return getattr(found, name)[zipf[name].rank(rng)]

    drawn = []
    for kind in rng.choices(kinds, weights, k=count):
        drawn.append(MixRequest(kind, _path(kind, pick, rng, first, last), CLIENT_HEADERS))
    return drawn


def _path(
    kind: str, pick: Callable[[str], Any], rng: random.Random, first: date, last: date
) -> str:
    if kind in (FEED_POLL, "feed, full"):
        if rng.random() < 0.5:
            country, city = pick("cities")
            return f"/feeds/city/{country}/{city}.ics"
        return f"/feeds/meetup/{pick('meetups')}.ics"
    if kind == "meetup page":
        return f"/m/{pick('meetups')}/"
    if kind == "venue page":
        return f"/v/{pick('venues')}/"
    if kind == "country page":
        return f"/{pick('countries')}/"
    country, city = pick("cities")
    if kind == "city page":
        return f"/{country}/{city}/"
    if kind == "search":
        return "/search?" + urlencode({"q": city.replace("-", " ")})
    if kind == "near search":
        return "/near?" + urlencode({"q": city.replace("-", " "), "km": 5})
    if rng.random() < 0.5:
        return "/api/v1/meetups?" + urlencode({"country": country})
    query = {"country": country, "city": city, "from": first, "to": last}
    return "/api/v1/occurrences?" + urlencode(query)


def prepare(base_url: str, drawn: Sequence[MixRequest]) -> list[MixRequest]:
    """Feed polls carry the ETag the server gives now, as a subscribed calendar app would
    (the gzipped feed's, for an app that takes gzip).

    Only the feeds are fetched ahead: pages are left as cold as real traffic finds them.
    """
    etags: dict[tuple, str] = {}
    for path, headers in sorted(
        {(item.path, item.headers) for item in drawn if item.kind == FEED_POLL}
    ):
        etags[path, headers] = _etag(base_url + path, headers)
    return [
        MixRequest(
            item.kind, item.path, (*item.headers, ("If-None-Match", etags[item.path, item.headers]))
        )
        if item.kind == FEED_POLL
        else item
        for item in drawn
    ]


def _etag(url: str, headers: tuple[tuple[str, str], ...]) -> str:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.netloc, timeout=REQUEST_TIMEOUT_SECONDS)
    try:
        connection.request("GET", parts.path, headers=dict(headers))
        response = connection.getresponse()
        response.read()
    except (OSError, http.client.HTTPException) as error:
        raise MixError(f"{parts.path}: {error}") from None
    finally:
        connection.close()
    etag = response.headers.get("ETag")
    if response.status != 200 or not etag:
        raise MixError(f"{parts.path} answered {response.status} without an ETag")
    return etag


def shares(drawn: Sequence[MixRequest]) -> dict[str, float]:
    """Each kind's share of a drawn list, for the JSON and for checking the draw."""
    counts: dict[str, int] = {}
    for item in drawn:
        counts[item.kind] = counts.get(item.kind, 0) + 1
    return {kind: counts.get(kind, 0) / len(drawn) for _, kind in SHARES}


def drive_mix(
    base_url: str,
    requests: Sequence[MixRequest],
    seconds: int,
    connections: int,
    scratch: Path,
) -> LoadResult:
    """Send the requests in turn, over and over, from `connections` connections.

    An answer of 400 or more (or none) counts as an error, as wrk counts them.
    """
    if client_name() == "wrk":
        script = scratch / "mix.lua"
        script.write_text(lua_script(requests), encoding="utf-8")
        return _wrk(base_url, script, seconds, connections)
    return _python(base_url, requests, seconds, connections)


def lua_script(requests: Sequence[MixRequest]) -> str:
    """A wrk script that sends `requests` in order, starting over at the end."""
    lines = ["local requests = {"]
    for item in requests:
        headers = ", ".join(f"[{_lua(name)}] = {_lua(value)}" for name, value in item.headers)
        lines.append(f"  {{{_lua(item.path)}, {{{headers}}}}},")
    lines += [
        "}",
        # Each request written out once, when the thread starts (wrk has set the Host by
        # then): formatting it anew for every one sent costs wrk, on the same cores as the
        # server, several times what a plain wrk run (the floor's) spends per request.
        "local formatted = {}",
        "init = function(args)",
        "  for index, item in ipairs(requests) do",
        '    formatted[index] = wrk.format("GET", item[1], item[2])',
        "  end",
        "end",
        "local next_index = 0",
        "request = function()",
        "  next_index = next_index % #formatted + 1",
        "  return formatted[next_index]",
        "end",
        "",
    ]
    return "\n".join(lines)


def _lua(text: str) -> str:
    """A Lua string literal; addresses are percent-encoded and ETags are ASCII."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _wrk(base_url: str, script: Path, seconds: int, connections: int) -> LoadResult:
    command = [
        "wrk",
        f"--threads={min(WRK_THREADS, connections)}",
        f"--connections={connections}",
        f"--duration={seconds}s",
        f"--timeout={REQUEST_TIMEOUT_SECONDS}s",
        f"--script={script}",
        "--latency",
        base_url + "/",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise LoadError(f"wrk failed ({done.returncode}): {done.stderr.strip() or done.stdout}")
    return parse_wrk(done.stdout)


def _python(
    base_url: str, requests: Sequence[MixRequest], seconds: int, connections: int
) -> LoadResult:
    """Threads with one keep-alive connection each, each starting at its own place in the list."""
    netloc = urlsplit(base_url).netloc
    deadline = time.perf_counter() + seconds
    cap = max(1, MAX_REQUESTS // connections)
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections

    def run(index: int) -> None:
        connection = http.client.HTTPConnection(netloc, timeout=REQUEST_TIMEOUT_SECONDS)
        mine = latencies[index]
        position = index * len(requests) // connections
        while len(mine) < cap and (started := time.perf_counter()) < deadline:
            item = requests[position % len(requests)]
            position += 1
            status = answer(connection, item.path, item.headers)
            mine.append(time.perf_counter() - started)
            errors[index] += status is None or status >= 400
        connection.close()

    return on_threads(run, latencies, errors)


def first_pass(base_url: str, requests: Sequence[MixRequest], connections: int) -> LoadResult:
    """Each distinct request of the list once, over `connections` connections: what filling
    the caches costs (after a deploy or a purge), and what leaves them in the state the
    rounds then measure, every address already asked once.

    The least popular first (the list's last to appear), the most popular last: a cache
    too small for them all then ends holding the popular ones, as it does under steady
    traffic, whereas in the list's order the pass would push them out with the rarest.
    """
    distinct = list(dict.fromkeys(requests))[::-1]
    netloc = urlsplit(base_url).netloc
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections

    def run(index: int) -> None:
        connection = http.client.HTTPConnection(netloc, timeout=REQUEST_TIMEOUT_SECONDS)
        for item in distinct[index::connections]:
            started = time.perf_counter()
            status = answer(connection, item.path, item.headers)
            latencies[index].append(time.perf_counter() - started)
            errors[index] += status is None or status >= 400
        connection.close()

    return on_threads(run, latencies, errors)


def check_reachable(base_url: str, requests: Sequence[MixRequest]) -> None:
    """One request of each kind answers below 400: a mix of error pages would measure nothing."""
    seen: set[str] = set()
    for item in requests:
        if item.kind in seen:
            continue
        seen.add(item.kind)
        try:
            status = fetch(base_url + item.path, dict(item.headers))[0]
        except OSError as error:
            raise MixError(f"{item.path}: {error}") from None
        if status >= 400:
            raise MixError(f"{item.kind}: {item.path} answered {status}")
