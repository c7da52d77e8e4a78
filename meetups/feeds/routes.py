"""Live iCalendar feeds under /feeds/: conditional GETs answered before any rendering."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, current_app, redirect, request, url_for
from werkzeug.datastructures import ETags
from werkzeug.exceptions import HTTPException
from werkzeug.http import http_date
from werkzeug.wsgi import wrap_file

from meetups import queries
from meetups.data_version import DataVersion
from meetups.extensions import db
from meetups.feeds import catalogue, files, ical, qr, series
from meetups.lru import BytesLRU
from meetups.web import front_door
from meetups.web.http_cache import GZIP_SUFFIX, accepts_gzip, gzipped

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

MAX_AGE = 3600
CACHE_CONTROL = f"public, max-age={MAX_AGE}"
# About what a series costs in the feed cache (its bytes and their gzip): a feed whose
# meetups would fill more than half of it is kept as a file instead (see feed_files).
SERIES_BYTES = 900
# A trip of many legs makes a long address; beyond this a QR code is too dense to read.
MAX_QR_URL = 1500
FEED_ENDPOINTS = {"feeds.feed", "feeds.city_feed", "travel.trip_feed"}


@dataclass(frozen=True, slots=True)
class Stated:
    """A feed and its version as responses state them, worked out once per data version."""

    feed: catalogue.Feed
    version: catalogue.Version
    etag: str
    # The Last-Modified header's text, formatted once rather than on every 304.
    last_modified: str | None


def _stated(feed: catalogue.Feed, site: catalogue.SiteSettings) -> Stated:
    version = catalogue.version(db.session, feed)
    modified = version.last_modified
    return Stated(feed, version, version.etag(feed, site), modified and http_date(modified))


@dataclass(frozen=True)
class Rendered:
    body: bytes
    gzipped: bytes


def _render_once(
    etag: str, render: Callable[[], bytes], unchanged: Callable[[], bool]
) -> Rendered | None:
    """The feed's bytes and their gzip, made once per ETag and kept while memory allows.

    None when `unchanged()`, asked after rendering, says the data moved: an edit
    committed meanwhile, or this worker's version was behind another worker's edit.
    The bytes would then not be the ETag's, and would stay cached under it.
    """
    cache: BytesLRU[Rendered] = current_app.extensions["rendered_feeds"]
    found = cache.get(etag)
    if found is None:
        body = render()
        if not unchanged():
            return None
        found = cache.put(etag, Rendered(body, gzipped(body)))
    return found


def init_app(app: Flask) -> None:
    app.extensions["rendered_feeds"] = BytesLRU[Rendered](
        app.config["FEED_CACHE_BYTES"], size=lambda entry: len(entry.body) + len(entry.gzipped)
    )
    app.extensions["rendered_series"] = series.MemorySeriesCache(app.config["SERIES_CACHE_BYTES"])
    app.extensions["feed_files"] = files.FeedFiles(
        Path(app.config["FEED_FILES_DIR"] or Path(app.instance_path) / "feed-files")
    )
    app.register_blueprint(bp)


@bp.get("/all.ics", defaults={"kind": "all", "slug": None})
@bp.get("/<kind>/<slug>.ics")
def feed(kind: str, slug: str | None) -> Response:
    return _serve(kind, (slug,) if slug else ())


@bp.get("/city/<country_code>/<slug>.ics")
def city_feed(country_code: str, slug: str) -> Response:
    return _serve("city", (country_code, slug))


@bp.get("/meetup/<slug>/<day>.ics")
def occurrence(slug: str, day: str) -> Response:
    """One date as a single-event file, for "add this date to my calendar"."""
    try:
        original_date = date.fromisoformat(day)
    except ValueError:
        return _text(f"{day!r} is not a date; use YYYY-MM-DD.", 400)
    meetup = queries.meetup(slug)
    if meetup is None:
        return _text("No meetup at this address.", 404)
    wanted = meetup.occurrence_on(original_date) if meetup.ever_happens else None
    if wanted is None:
        return _text(f"{meetup.name} has no date on {original_date.isoformat()}.", 404)
    if wanted.cancelled:
        return _text(f"{meetup.name} on {original_date.isoformat()} is cancelled.", 410)
    site = catalogue.site_settings(current_app.config)
    info = ical.CalendarInfo(name=meetup.name, description=meetup.name, url=site.base_url)
    body = ical.build_occurrence_event(info, catalogue.series_record(meetup, site), wanted)
    response = Response(body, content_type=ical.MEDIA_TYPE)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{meetup.slug}-{original_date.isoformat()}.ics"'
    )
    return response


@bp.get("/qr.svg")
def qr_code() -> Response:
    """The QR code of one of this site's feed addresses, for a phone's camera.

    Only our own feeds: the route must not draw codes that point anywhere else
    with our name on the page that shows them.
    """
    url = request.args.get("url", "")
    if not url or len(url) > MAX_QR_URL:
        return _text("Give the feed address to draw, in ?url=.", 400)
    wanted = _feed_of(url)
    if wanted is None:
        return _text("QR codes are drawn only for this site's feed addresses.", 400)
    endpoint, args = wanted
    if endpoint != "travel.trip_feed" and _find_feed(endpoint, args) is None:
        return _text("No feed at this address.", 404)
    etag = qr.qr_etag(url)
    response = Response(content_type="image/svg+xml")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, max-age=86400"
    if request.if_none_match.contains(etag):
        response.status_code = 304
        return response
    response.set_data(qr.qr_svg(url))
    return response


def _feed_of(url: str) -> tuple[str, dict[str, str]] | None:
    """The feed route an address of this site leads to, or None for anything else."""
    base = current_app.config["BASE_URL"].rstrip("/")
    if not url.startswith(base + "/"):
        return None
    path, _, query = url[len(base) :].partition("?")
    try:
        endpoint, args = current_app.url_map.bind(urlsplit(base).netloc).match(
            path, "GET", query_args=query
        )
    except HTTPException:
        return None
    # Only a trip's feed has a query: its legs.
    if endpoint not in FEED_ENDPOINTS or bool(query) != (endpoint == "travel.trip_feed"):
        return None
    return endpoint, args


def _find_feed(endpoint: str, args: dict[str, str]) -> catalogue.Feed | None:
    if endpoint == "feeds.city_feed":
        return catalogue.find(db.session, "city", (args["country_code"], args["slug"]))
    slug = args["slug"]
    return catalogue.find(db.session, args["kind"], (slug,) if slug else ())


def _serve(kind: str, slugs: tuple[str, ...]) -> Response:
    data: DataVersion = current_app.extensions["data_version"]
    site = catalogue.site_settings(current_app.config)
    # Read before the feed is found, so that the front door is never told a version newer
    # than the feed's (it would then repeat this answer after an edit).
    version = data.current(db.session)
    # One lookup per request while the data stands still: a poller's 304 costs no query.
    stated = data.memo(db.session, ("feed", kind, slugs, site), lambda: _find(kind, slugs, site))
    if stated is None:
        merged_into = queries.venue_redirect(slugs[0]) if kind == "venue" else None
        if merged_into:
            return redirect(url_for(".feed", kind="venue", slug=merged_into), 301)
        if _deleted(kind, slugs[0]):
            # 410 rather than 404: calendar apps and caches may stop asking.
            return _text("Volunteers deleted this from the directory.", 410)
        return _text("No feed at this address.", 404)
    gzipped = accepts_gzip(request)
    # A poller's next 304 is answered before Flask, while the data stands still.
    _offer(version, stated)
    if _matches(stated, request.if_none_match, request.if_modified_since):
        return _with_validators(Response(status=304), stated, gzipped)
    found = stated.feed
    if stated.version.count * SERIES_BYTES > current_app.config["FEED_CACHE_BYTES"] // 2:
        try:
            return _from_file(stated, site, gzipped)
        except OSError as error:  # a full disk or a read-only folder: memory still works
            current_app.logger.warning("Feed %s not kept as a file: %s", found.path, error)
    rendered = None
    for _attempt in range(3):
        rendered = _render_once(
            stated.etag,
            lambda: catalogue.render(db.session, found, site, _series_cache()),
            lambda shown=stated.version: catalogue.version(db.session, found) == shown,
        )
        if rendered is not None:
            break
        stated = _stated(found, site)
    if rendered is None:  # edits keep landing: these bytes, but no ETag to keep them by
        body = catalogue.render(db.session, found, site, _series_cache())
        response = Response(body, content_type=ical.MEDIA_TYPE)
        response.headers["Cache-Control"] = "no-store"
        return response
    body = rendered.gzipped if gzipped else rendered.body
    response = Response(body, content_type=ical.MEDIA_TYPE)
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    # The body too, from the feed cache's memory: its next GET is answered before Flask.
    _offer(version, stated, front_door.Plain(body))
    return _with_validators(response, stated, gzipped)


def _offer(version: tuple, stated: Stated, body: front_door.Plain | None = None) -> None:
    """The front door may answer this feed again, as this view does, until the data changes."""
    front_door.offer(
        request.environ,
        front_door.Offer(
            version, math.inf, lambda tags, since: _matches(stated, tags, since), body
        ),
    )


def _find(kind: str, slugs: tuple[str, ...], site: catalogue.SiteSettings) -> Stated | None:
    found = catalogue.find(db.session, kind, slugs)
    return None if found is None else _stated(found, site)


def _from_file(stated: Stated, site: catalogue.SiteSettings, gzipped: bool) -> Response:
    """A feed too big for the feed cache, written once per version and sent from disk."""
    files: files.FeedFiles = current_app.extensions["feed_files"]
    found = stated.feed
    for _attempt in range(2):
        made = files.find(found.path, stated.etag) or files.make(
            found.path,
            stated.etag,
            lambda out: catalogue.write(db.session, found, site, out, _series_cache()),
            lambda: catalogue.version(db.session, found) == stated.version,
        )
        try:
            file = (made.gzipped if gzipped else made.body).open("rb")
            break
        except FileNotFoundError:  # another worker kept a newer version meanwhile
            continue
    else:
        return _text("The feed is being updated; please retry.", 503)
    if not made.kept:
        made.discard()  # the open file keeps its bytes until sent
    # Passed through as a file: gunicorn sends it with sendfile, never holding it in memory.
    response = Response(
        wrap_file(request.environ, file), content_type=ical.MEDIA_TYPE, direct_passthrough=True
    )
    response.content_length = os.fstat(file.fileno()).st_size
    if gzipped:
        response.headers["Content-Encoding"] = "gzip"
    if not made.kept:  # edits landed while writing: these bytes have no ETag to be kept by
        response.headers["Cache-Control"] = "no-store"
        return response
    return _with_validators(response, stated, gzipped)


def _series_cache() -> series.MemorySeriesCache:
    return current_app.extensions["rendered_series"]


def _matches(stated: Stated, tags: ETags, since: datetime | None) -> bool:
    """Whether a client's validators name this version: If-None-Match wins over
    If-Modified-Since (RFC 9110 §13.1.3)."""
    if tags:
        return tags.contains(stated.etag) or tags.contains(stated.etag + GZIP_SUFFIX)
    modified = stated.version.last_modified
    return bool(since and modified and modified.replace(microsecond=0) <= since)


def _with_validators(response: Response, stated: Stated, gzipped: bool) -> Response:
    """Each encoding is its own representation, so it gets its own strong ETag.

    Plain header values, as a 304 to a poller is most of what the site answers.
    """
    headers = response.headers
    headers["ETag"] = f'"{stated.etag}{GZIP_SUFFIX}"' if gzipped else f'"{stated.etag}"'
    if stated.last_modified:
        headers["Last-Modified"] = stated.last_modified
    headers["Cache-Control"] = CACHE_CONTROL
    headers["Vary"] = "Accept-Encoding"
    return response


def _deleted(kind: str, slug: str) -> bool:
    find = {"meetup": queries.meetup, "venue": queries.venue}.get(kind)
    return find is not None and find(slug, include_deleted=True) is not None


def _text(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")
