"""The read-only open-data API under /api/v1/: parse, answer a 304 early, query, serialise.

Every answer is JSON, errors included; every answer may be read from any
origin. A strong ETag comes from the worker's data version (see `data_version`)
and the request's address, so a client that sends it back gets a 304 before
anything is read.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Callable
from typing import Any, NamedTuple

from flask import Blueprint, Flask, current_app, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.wrappers import Response

from meetups import queries
from meetups.agenda import local_dates
from meetups.api import queries as api_queries
from meetups.api.records import (
    API_PREFIX,
    MAX_WINDOW_DAYS,
    STATUSES,
    ApiError,
    Links,
    Paging,
    Params,
    city_record,
    country_record,
    error_record,
    meetup_record,
    near_record,
    occurrence_record,
    paginate,
    venue_record,
)
from meetups.api.schema import openapi_document
from meetups.extensions import db
from meetups.lru import BytesLRU
from meetups.models import Meetup, Venue
from meetups.places.geo import DEFAULT_RADIUS_KM, MAX_RADIUS_KM, MIN_RADIUS_KM, check_point
from meetups.schedule import Occurrence
from meetups.web import front_door
from meetups.web.http_cache import (
    accepts_gzip,
    gunzipped,
    gzipped,
    names_either,
    set_representation_etag,
)
from meetups.web.shared_cache import SharedCache

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)

# Part of every ETag: bump when unchanged data would be written differently.
API_FORMAT = "1"
MAX_AGE = 300
ALLOWED_METHODS = "GET, HEAD, OPTIONS"
PAGING = ("page", "per_page")
MEETUP_FILTERS = ("country", "city", "venue", "tag", "status")
RADIUS_KM = (MIN_RADIUS_KM, DEFAULT_RADIUS_KM, MAX_RADIUS_KM)
_HEADER_NAMES = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+(?:\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$")


# Answers' keys in the shared cache, before their ETag, and how long they stay there.
SHARED_PREFIX = "api:"
SHARED_SECONDS = 3600


class Answer(NamedTuple):
    """An answer as kept: gzipped, since the API's JSON shrinks some thirteen times
    (40 KB to 3 KB in the benchmark's mix). Clients that take gzip are sent these
    bytes as they are; inflating them for the others costs some 70 µs."""

    compressed: bytes
    link: str | None

    @classmethod
    def of(cls, response: Response) -> Answer:
        return cls(gzipped(response.get_data()), response.headers.get("Link"))

    @property
    def body(self) -> bytes:
        return gunzipped(self.compressed)

    @property
    def size(self) -> int:
        return len(self.compressed) + len(self.link or "")

    def to_bytes(self) -> bytes:
        """As kept in the shared cache: the Link header, a newline, the body."""
        return (self.link or "").encode() + b"\n" + self.compressed

    @classmethod
    def from_bytes(cls, stored: bytes) -> Answer:
        link, _, compressed = stored.partition(b"\n")
        return cls(compressed, link.decode() or None)


def init_app(app: Flask) -> None:
    app.extensions["api_answers"] = BytesLRU[Answer](
        app.config["API_CACHE_BYTES"], size=lambda answer: len(answer.compressed) + 200
    )
    app.register_blueprint(bp)


def _links() -> Links:
    return Links(current_app.config["BASE_URL"].rstrip("/"))


def _params(*allowed: str) -> Params:
    return Params(request.args.to_dict(flat=False), allowed)


def _json(data: Any, status: int = 200) -> Response:
    """Compact UTF-8 JSON, the same bytes whatever the app's JSON settings."""
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=status, mimetype="application/json")


def _error(status: int, message: str) -> Response:
    response = _json(error_record(status, message), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _etag(version: tuple) -> str:
    query = request.query_string.decode("latin-1")
    parts = (API_FORMAT, current_app.config["BASE_URL"], request.path, query, *version)
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def _cached(build: Callable[[], Response]) -> Response:
    """304 when the client's ETag still holds; otherwise the answer built once per ETag.

    The ETag already names the data version, path and query, so an answer kept
    under it is the one `build` would make again, until the data changes.
    """
    version = current_app.extensions["data_version"].current(db.session)
    etag = _etag(version)
    gzip = accepts_gzip(request)
    kept: Answer | None = None
    body: front_door.Body | None = None
    if names_either(request.if_none_match, etag):
        response = Response(status=304)
    else:
        kept = _kept(etag)
        if kept is None:
            built = build()
            if built.status_code != 200:
                return built
            kept = _keep(etag, Answer.of(built))
        # As sent: gzipped, as kept; or inflated, and then counted so in the door's memory.
        body = front_door.Plain(kept.compressed if gzip else kept.body)
        response = Response(body.body, mimetype="application/json")
        if gzip:
            response.headers["Content-Encoding"] = "gzip"
        if kept.link:
            response.headers["Link"] = kept.link
    set_representation_etag(response, etag, gzip)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    # The same request is answered again before Flask, until the data changes: the version
    # read once, as the answer's ETag names it, never a newer one read after.
    front_door.offer(
        request.environ,
        front_door.Offer(
            version,
            math.inf,
            lambda tags, _since: names_either(tags, etag),
            body,
        ),
    )
    return response


def _kept(etag: str) -> Answer | None:
    """The answer under `etag`, from this worker's memory or the shared cache's."""
    answers: BytesLRU[Answer] = current_app.extensions["api_answers"]
    kept = answers.get(etag)
    shared: SharedCache | None = current_app.extensions["shared_cache"]
    if kept is None and shared is not None:
        stored = shared.get(SHARED_PREFIX + etag)
        if stored is not None:
            kept = answers.put(etag, Answer.from_bytes(stored))
    return kept


def _keep(etag: str, kept: Answer) -> Answer:
    """Keep an answer in this worker, and for the others for a while (the ETag names
    the data version, so a kept answer is never wrong, only of no more use)."""
    shared: SharedCache | None = current_app.extensions["shared_cache"]
    if shared is not None:
        shared.put(SHARED_PREFIX + etag, kept.to_bytes(), SHARED_SECONDS)
    return current_app.extensions["api_answers"].put(etag, kept)


def _paged(items: list[dict], paging: Paging, total: int) -> Response:
    response = _json(paging.envelope(items, total))
    args = request.args.to_dict(flat=False)
    response.headers["Link"] = paging.link_header(_links().page(request.path), args, total)
    return response


def _meetup_filters(params: Params) -> api_queries.MeetupFilters:
    return api_queries.MeetupFilters(
        country=params.country(),
        city=params.slug("city"),
        venue=params.slug("venue"),
        tag=params.slug("tag"),
        status=params.choice("status", STATUSES),
    )


@bp.get("/openapi.json")
def openapi() -> Response:
    config = current_app.config
    document = openapi_document(config["BASE_URL"].rstrip("/"), config["SITE_NAME"], RADIUS_KM)
    response = _json(document)
    etag = hashlib.sha256(response.get_data()).hexdigest()[:32]
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response


@bp.get("/countries")
def countries() -> Response:
    paging = Paging.from_params(_params(*PAGING))

    def build() -> Response:
        rows = queries.countries_with_meetups()
        links = _links()
        items = [country_record(c, cities, meetups, links) for c, cities, meetups in rows]
        return _paged(paginate(items, paging), paging, len(rows))

    return _cached(build)


@bp.get("/cities")
def cities() -> Response:
    params = _params("country", "q", *PAGING)
    country, text, paging = params.country(), params.text("q"), Paging.from_params(params)

    def build() -> Response:
        rows, total = api_queries.cities(db.session, country, text, paging.offset, paging.per_page)
        links = _links()
        return _paged([city_record(city, n, links) for city, n in rows], paging, total)

    return _cached(build)


@bp.get("/cities/<country>/<slug>")
def city(country: str, slug: str) -> Response:
    _params()

    def build() -> Response:
        found = api_queries.city(db.session, country, slug) if len(country) == 2 else None
        if found is None:
            raise ApiError(404, f"No city {slug!r} in country {country!r}.")
        return _json(city_record(*found, _links()))

    return _cached(build)


@bp.get("/venues")
def venues() -> Response:
    params = _params("country", "city", *PAGING)
    country, city_slug, paging = params.country(), params.slug("city"), Paging.from_params(params)

    def build() -> Response:
        found, total = api_queries.venues(
            db.session, country, city_slug, paging.offset, paging.per_page
        )
        links = _links()
        return _paged([venue_record(venue, links) for venue in found], paging, total)

    return _cached(build)


@bp.get("/venues/<slug>")
def venue(slug: str) -> Response:
    _params()

    def build() -> Response:
        found = queries.venue(slug)
        if found is not None:
            return _json(venue_record(found, _links()))
        merged_into = queries.venue_redirect(slug)
        if merged_into is None:
            raise ApiError(404, f"No venue {slug!r}.")
        response = Response(status=301)
        response.headers["Location"] = _links().api(f"/venues/{merged_into}")
        return response

    return _cached(build)


@bp.get("/meetups")
def meetups() -> Response:
    params = _params(*MEETUP_FILTERS, *PAGING)
    filters, paging = _meetup_filters(params), Paging.from_params(params)

    def build() -> Response:
        found, total = api_queries.meetups(db.session, filters, paging.offset, paging.per_page)
        links = _links()
        return _paged([meetup_record(meetup, links) for meetup in found], paging, total)

    return _cached(build)


@bp.get("/meetups/<slug>")
def meetup(slug: str) -> Response:
    _params()

    def build() -> Response:
        found = queries.meetup(slug)
        if found is None:
            raise ApiError(404, f"No meetup {slug!r}.")
        return _json(meetup_record(found, _links()))

    return _cached(build)


@bp.get("/occurrences")
def occurrences() -> Response:
    params = _params(*MEETUP_FILTERS, "from", "to", "include_cancelled", *PAGING)
    filters, paging = _meetup_filters(params), Paging.from_params(params)
    first, last = params.day("from"), params.day("to")
    include_cancelled = params.boolean("include_cancelled")
    if last < first:
        raise ApiError(400, "to must be on or after from.")
    if (last - first).days + 1 > MAX_WINDOW_DAYS:
        raise ApiError(400, f"Ask for at most {MAX_WINDOW_DAYS} days at a time.")

    def build() -> Response:
        found = [
            (series, occurrence)
            for series in api_queries.series_between(db.session, filters, first, last)
            for occurrence in local_dates(series, first, last, include_cancelled)
        ]
        if filters.asks_place:
            # The dates of the place's series, and the dates moved there from others.
            there = api_queries.venues_at(
                db.session,
                filters,
                {s.venue_id for s, _ in found} | {o.venue_id for _, o in found if o.venue_id},
            )
            found = [(s, o) for s, o in found if s.venue_id in there or o.venue_id in there]
        found.sort(key=lambda pair: (pair[1].instant, pair[0].slug, pair[1].original_date))
        shown = paginate(found, paging)
        meetups = api_queries.meetups_with_places(db.session, {s.id for s, _ in shown})
        links = _links()
        items = []
        for series, occurrence in shown:
            meetup = meetups[series.id]
            items.append(occurrence_record(meetup, occurrence, _place(meetup, occurrence), links))
        return _paged(items, paging, len(found))

    return _cached(build)


def _place(meetup: Meetup, occurrence: Occurrence) -> Venue:
    """Where a date happens: the venue it moved to, or its series'."""
    moved_to = {c.venue_id: c.venue for c in meetup.changes if c.venue is not None}
    return moved_to.get(occurrence.venue_id, meetup.venue)


@bp.get("/near")
def near() -> Response:
    params = _params("lat", "lon", "km", *PAGING)
    latitude = params.number("lat", -90, 90)
    longitude = params.number("lon", -180, 180)
    radius = params.number("km", MIN_RADIUS_KM, MAX_RADIUS_KM, DEFAULT_RADIUS_KM)
    paging = Paging.from_params(params)
    try:
        check_point(latitude, longitude)
    except ValueError as error:
        raise ApiError(400, str(error)) from None

    def build() -> Response:
        found = queries.meetups_near(latitude, longitude, radius)
        links = _links()
        items = [near_record(m, distance, links) for m, distance in paginate(found, paging)]
        return _paged(items, paging, len(found))

    return _cached(build)


@bp.before_app_request
def _elsewhere() -> Response | None:
    """Unknown addresses and methods under /api/v1 answer in JSON too.

    Routing failed before any blueprint was chosen, so the blueprint's own error
    handlers and CORS headers would not apply: answer here, before the view.
    """
    failure = request.routing_exception
    if not isinstance(failure, NotFound | MethodNotAllowed) or not _under_api(request.path):
        return None
    if isinstance(failure, MethodNotAllowed):
        response = _error(405, f"The API is read-only: use GET, not {request.method}.")
        response.headers["Allow"] = ALLOWED_METHODS
    else:
        document = _links().api("/openapi.json")
        response = _error(
            404, f"Nothing at {request.path}; the endpoints are listed in {document}."
        )
    return _any_origin(response)


def _under_api(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    return _error(error.status, error.message)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException) -> Response:
    status = error.code or 500
    if status >= 500:
        db.session.rollback()
    return _error(status, error.description or error.name)


def _any_origin(response: Response) -> Response:
    """Anyone's web page may read the API: it is public, and no credential is involved."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag, Link"
    return response


@bp.after_request
def _cors(response: Response) -> Response:
    """CORS headers on every answer; a preflight (OPTIONS) is told GET is all there is."""
    _any_origin(response)
    if request.method == "OPTIONS":
        response.status_code = 204
        response.set_data(b"")
        response.headers.pop("Content-Type", None)
        response.headers["Allow"] = ALLOWED_METHODS
        response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        requested = request.headers.get("Access-Control-Request-Headers", "").strip()
        if requested and _HEADER_NAMES.match(requested):
            response.headers["Access-Control-Allow-Headers"] = requested
        response.headers["Access-Control-Max-Age"] = "86400"
        response.vary.add("Access-Control-Request-Headers")
    return response
