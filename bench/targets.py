"""The routes driven under load, each with its goal relative to the floor.

To benchmark a new route, add one `Target` to the list in `targets`: the table, the JSON and the SQL
count pick it up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from .floor import FLOOR_PATH
from .inprocess import Sample
from .mix import MixRequest

# The two targets the size comparison reads (bench.sizes).
CITY_PAGE = "city page"
CITY_PAGE_RENDERED = "city page, rendered"


@dataclass(frozen=True)
class Target:
    """One request, repeated under load.

    `min_ratio` is the goal: at least this share of the floor's requests per second.
    `server` says who answers: the app under gunicorn, the floor app, nginx from the
    exported files, or nginx as a cache in front of gunicorn ("nginx-cache").
    """

    name: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    status: int = 200
    min_ratio: float | None = None
    server: str = "gunicorn"
    # A realistic mix: these requests in turn, instead of `path` over and over.
    mix: tuple[MixRequest, ...] = ()


def feed_paths(sample: Sample) -> tuple[str, str]:
    """The city feed and the whole-directory feed, whose ETags the 304 targets need."""
    return f"/feeds/city/{sample.country}/{sample.city}.ics", "/feeds/all.ics"


def targets(sample: Sample, city_feed_etag: str, all_feed_etag: str) -> list[Target]:
    """Every route to drive, the floor first. Requests are plain: no gzip, no cookies."""
    city_feed, all_feed = feed_paths(sample)
    return [
        Target("floor (bare Flask app)", FLOOR_PATH, server="floor"),
        Target("home page", "/"),
        Target(CITY_PAGE, f"/{sample.country}/{sample.city}/", min_ratio=0.5),
        # A cookie skips the visitors' page cache: what a volunteer (or a cache miss) costs.
        Target(CITY_PAGE_RENDERED, f"/{sample.country}/{sample.city}/", _RENDER),
        Target("country page", f"/{sample.country}/", min_ratio=0.5),
        Target("country page, rendered", f"/{sample.country}/", _RENDER),
        Target("meetup page", f"/m/{sample.meetup}/", min_ratio=0.5),
        Target("meetup page, rendered", f"/m/{sample.meetup}/", _RENDER),
        Target("city feed, full", city_feed, min_ratio=0.5),
        Target("city feed, 304", city_feed, _if_none_match(city_feed_etag), 304, 0.8),
        Target("all feed, cached", all_feed),
        Target("all feed, 304", all_feed, _if_none_match(all_feed_etag), 304, 0.8),
        Target("near search, 5 km", f"/near?q={sample.city}&km=5"),
        Target("trip planner, 2 weeks", _trip(sample)),
        Target("trip feed, 2 weeks", _trip(sample).replace("/trip?", "/trip.ics?")),
        Target("API: meetups in a country", f"/api/v1/meetups?country={sample.country}"),
        Target(
            "API: a month of occurrences in a city",
            f"/api/v1/occurrences?country={sample.country}&city={sample.city}"
            "&from=2027-03-01&to=2027-03-31",
        ),
    ]


def nginx_targets(city_feed: str, etag: str) -> list[Target]:
    """The physical limit: one exported feed as nginx serves it, in full and as a 304.

    `etag` is nginx's own (from the file's size and time), not the app's.
    """
    return [
        Target("nginx: city feed file, full", city_feed, server="nginx"),
        Target("nginx: city feed file, 304", city_feed, _if_none_match(etag), 304, server="nginx"),
    ]


MIX_AT_ORIGIN = "realistic mix, origin"
MIX_THROUGH_NGINX = "realistic mix, nginx proxy_cache"


def mix_target(requests: list[MixRequest], through_nginx: bool) -> Target:
    """The realistic mix at gunicorn (≥ 0.5× floor) or through nginx's cache (≥ 5× floor),
    measured once every address was asked once (`mix.first_pass`): a cache's steady state."""
    path = f"({len(requests):,} addresses in turn)"
    if through_nginx:
        return Target(
            MIX_THROUGH_NGINX, path, min_ratio=5.0, server="nginx-cache", mix=(*requests,)
        )
    return Target(MIX_AT_ORIGIN, path, min_ratio=0.5, mix=(*requests,))


_RENDER = {"Cookie": "bench=1"}


def _trip(sample: Sample) -> str:
    city = f"{sample.country}/{sample.city}"
    return f"/trip?city={city}&arrive=2027-03-01&leave=2027-03-14"


def _if_none_match(etag: str) -> dict[str, str]:
    return {"If-None-Match": etag}
