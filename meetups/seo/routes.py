"""What search engines and link previews read: /robots.txt, /sitemap.xml, JSON-LD, canonical URLs.

Every address given out is absolute, built from `BASE_URL`, never from the
request's Host header (which a proxy or a crawler may spell differently). The
sitemap costs three queries however big the directory, is kept until the data
changes (like feeds) and answers conditional requests with 304.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from flask import Blueprint, Flask, Response, current_app, request, url_for
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from meetups.data_version import DataVersion
from meetups.extensions import db
from meetups.markup import markdown_to_text
from meetups.models import City, Meetup, Tag, Venue, meetup_tags
from meetups.queries import LISTED
from meetups.seo import sitemap, structured_data
from meetups.seo.structured_data import EventRecord, PlaceRecord
from meetups.web.i18n import LANGUAGES, chosen_language

bp = Blueprint("search_engines", __name__)

MAX_AGE = 3600
ROBOTS_MAX_AGE = 86400
# Volunteers' forms and tools, and pages that only repeat others: not for search results.
# History pages would show reverted vandalism and spam under our name; reports and
# edits are forms; search, near-a-point and trip results are endless query variations of
# the pages the sitemap lists (the bare /near and /trip forms stay open).
DISALLOWED = (
    "/account/",
    "/moderation/",
    "/venues/new",
    "/meetups/new",
    "/m/*/edit",
    "/v/*/edit",
    "/m/*/dates/",
    "/m/*/report",
    "/m/*/history",
    "/v/*/history",
    "/changes",
    "/search",
    "/near?",
    "/trip?",
    "/healthz",
)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.filters["json_ld"] = lambda data: Markup(structured_data.script_json(data))
    app.jinja_env.globals.update(
        canonical_url=canonical_url,
        canonical_with_query=canonical_with_query,
        language_versions=language_versions,
        meetup_event=meetup_event,
        breadcrumb_list=breadcrumb_list,
        website_data=website_data,
    )


def site_url() -> str:
    return current_app.config["BASE_URL"].rstrip("/")


# --- Template helpers ----------------------------------------------------------------------


def canonical_url(**args: str | None) -> str:
    """This page's public address: its route from BASE_URL, with only the query `args` given.

    A language the address names (`?lang=fr`) is kept: that page is the French one. A
    language chosen by the browser's Accept-Language is not: the address is the same.
    """
    query = {name: value for name, value in args.items() if value}
    chosen = chosen_language()
    if chosen:
        query["lang"] = chosen
    encoded = urlencode(query)
    return site_url() + _page_path() + (f"?{encoded}" if encoded else "")


def canonical_with_query(query: str) -> str:
    """This page's public address with a query the view already made canonical."""
    return site_url() + _page_path() + (f"?{query}" if query else "")


def _page_path() -> str:
    if request.endpoint is None or request.url_rule is None:
        return request.path
    # lang=None: the query is the caller's to write, `lang` included.
    return url_for(request.endpoint, **(request.view_args or {}), lang=None)


def language_versions(url: str) -> list[tuple[str, str]]:
    """`(hreflang, address)` of a page in each language, and the one that follows the browser."""
    if isinstance(url, Markup):  # a template block, already escaped for HTML
        url = url.unescape()
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "lang"]

    def version(code: str | None) -> str:
        pairs = query + ([("lang", code)] if code else [])
        return urlunsplit(parts._replace(query=urlencode(pairs, safe="/")))

    return [(code, version(code)) for code in LANGUAGES] + [("x-default", version(None))]


def breadcrumb_list(*crumbs: tuple[str, str]) -> dict[str, Any]:
    """`breadcrumb_list(("All countries", url_for(...)), …)`: names and paths, home first."""
    return structured_data.breadcrumbs([(name, site_url() + path) for name, path in crumbs])


def website_data() -> dict[str, Any]:
    return structured_data.website(current_app.config["SITE_NAME"], site_url() + "/")


def meetup_event(meetup: Meetup) -> dict[str, Any] | None:
    """The meetup as a schema.org Event; none for demo listings, which are made up."""
    if meetup.is_demo:
        return None
    now = datetime.now(UTC)
    return structured_data.event(event_record(meetup, now), now)


def event_record(meetup: Meetup, now: datetime) -> EventRecord:
    """The meetup as the JSON-LD builder sees it, addresses absolute."""
    yesterday = now.date() - timedelta(days=1)
    moved_to = {
        change.venue.id: place_record(change.venue)
        for change in meetup.changes
        if change.venue is not None
        and max(change.original_date, change.new_date or change.original_date) >= yesterday
    }
    return EventRecord(
        name=meetup.name,
        url=f"{site_url()}/m/{meetup.slug}/",
        description=markdown_to_text(meetup.description),
        schedule=meetup.schedule,
        status=meetup.status.value,
        place=place_record(meetup.venue),
        changes=meetup.schedule_changes,
        last_date=meetup.last_date,
        places=moved_to,
        languages=tuple(meetup.language_list),
        keywords=tuple(tag.name for tag in meetup.tags),
    )


def place_record(venue: Venue) -> PlaceRecord:
    return PlaceRecord(
        name=venue.name,
        url=f"{site_url()}/v/{venue.slug}/",
        street_address=venue.address,
        locality=venue.city.name,
        country_code=venue.city.country_code,
        latitude=venue.latitude,
        longitude=venue.longitude,
        approximate=venue.is_approximate,
    )


# --- robots.txt and sitemaps ---------------------------------------------------------------


@bp.get("/robots.txt")
def robots() -> Response:
    body = sitemap.robots_txt(DISALLOWED, site_url() + "/sitemap.xml")
    response = Response(body, mimetype="text/plain")
    response.headers["Cache-Control"] = f"public, max-age={ROBOTS_MAX_AGE}"
    return response


@dataclass(frozen=True)
class Document:
    body: bytes
    etag: str
    last_modified: datetime | None


@bp.get("/sitemap.xml")
def sitemap_xml() -> Response:
    """The sitemap, or an index of numbered parts when one file cannot hold every address."""
    return _sitemap_file(0)


@bp.get("/sitemap-<int(min=1):number>.xml")
def sitemap_part(number: int) -> Response:
    return _sitemap_file(number)


def _sitemap_file(number: int) -> Response:
    base, max_urls = site_url(), sitemap.MAX_URLS
    data: DataVersion = current_app.extensions["data_version"]
    urls = data.memo(db.session, ("sitemap-urls", base), lambda: directory_urls(db.session, base))
    parts = sitemap.split(urls, max_urls)
    if number and (len(parts) == 1 or number > len(parts)):
        return Response("No sitemap at this address.\n", status=404, mimetype="text/plain")
    document = data.memo(
        db.session, ("sitemap", base, max_urls, number), lambda: _document(base, parts, number)
    )
    response = Response(document.body, mimetype="application/xml")
    response.set_etag(document.etag)
    if document.last_modified is not None:
        response.last_modified = document.last_modified
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response.make_conditional(request)


def _document(base: str, parts: list[Sequence[sitemap.Url]], number: int) -> Document:
    if number:
        urls = parts[number - 1]
        body, newest = sitemap.urlset(urls), sitemap.newest(urls)
    elif len(parts) == 1:
        body, newest = sitemap.urlset(parts[0]), sitemap.newest(parts[0])
    else:
        entries = [
            sitemap.Url(base + sitemap.part_path(n), sitemap.newest(part))
            for n, part in enumerate(parts, start=1)
        ]
        body, newest = sitemap.index(entries), sitemap.newest(entries)
    return Document(body, hashlib.sha256(body).hexdigest()[:32], newest)


def _topic_urls(session: Session, base: str) -> list[sitemap.Url]:
    """Each topic page, changed when the newest of its meetups did."""
    topics = session.execute(
        select(Tag.slug, func.max(Meetup.updated_at))
        .join(meetup_tags, meetup_tags.c.tag_id == Tag.id)
        .join(Meetup, Meetup.id == meetup_tags.c.meetup_id)
        .group_by(Tag.slug)
    ).all()
    return [sitemap.Url(f"{base}/t/{slug}/", changed) for slug, changed in topics]


def directory_urls(session: Session, base: str) -> list[sitemap.Url]:
    """Every public page worth indexing, with when it last changed, in four queries.

    Countries and cities are those with listed meetups (as the home page links them),
    topics those of any meetup;
    every venue and meetup is there, ended ones too: their page says they ended. A page
    changes when what it shows does, so a city's date is its newest venue's or meetup's.
    """
    venues = session.execute(select(Venue.id, Venue.slug, Venue.city_id, Venue.updated_at)).all()
    meetups = session.execute(select(Meetup.slug, Meetup.venue_id, Meetup.updated_at)).all()
    listed_cities = select(Venue.city_id).join(Meetup, Meetup.venue_id == Venue.id)
    cities = session.execute(
        select(City.id, City.country_code, City.slug).where(
            City.id.in_(listed_cities.where(Meetup.status.in_(LISTED)))
        )
    ).all()

    venue_changed = {venue.id: venue.updated_at for venue in venues}
    venue_of = {venue.id: venue for venue in venues}
    meetup_urls = []
    for meetup in meetups:
        venue = venue_of.get(meetup.venue_id)
        if venue is None:
            continue
        meetup_urls.append(
            sitemap.Url(f"{base}/m/{meetup.slug}/", max(meetup.updated_at, venue.updated_at))
        )
        venue_changed[venue.id] = max(venue_changed[venue.id], meetup.updated_at)
    city_changed: dict[int, datetime] = {}
    for venue in venues:
        changed = venue_changed[venue.id]
        city_changed[venue.city_id] = max(city_changed.get(venue.city_id, changed), changed)
    country_changed: dict[str, datetime] = {}
    city_urls = []
    for city in cities:
        code = city.country_code.lower()
        changed = city_changed[city.id]
        city_urls.append(sitemap.Url(f"{base}/{code}/{city.slug}/", changed))
        country_changed[code] = max(country_changed.get(code, changed), changed)
    country_urls = [
        sitemap.Url(f"{base}/{code}/", country_changed[code]) for code in country_changed
    ]
    venue_urls = [sitemap.Url(f"{base}/v/{v.slug}/", venue_changed[v.id]) for v in venues]
    everything = [*country_urls, *city_urls, *venue_urls, *meetup_urls, *_topic_urls(session, base)]
    home = sitemap.Url(f"{base}/", sitemap.newest(everything))
    return [home, *sorted(everything, key=lambda url: url.loc)]
