"""Template filters, globals and error pages shared by every blueprint."""

from __future__ import annotations

from operator import attrgetter
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app, render_template, url_for
from flask_login import current_user
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from meetups import queries
from meetups.accounts import roles
from meetups.agenda import by_local_day
from meetups.extensions import db
from meetups.feeds.catalogue import Feed
from meetups.feeds.subscribe import DateLinks, SubscriptionLinks, date_links, subscription_links
from meetups.markup import render_markdown
from meetups.models import Revision
from meetups.places import directions
from meetups.schedule import Occurrence
from meetups.web import display, i18n


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        # Words and dates in the visitor's language (see `i18n`); times are 24-hour everywhere.
        long_date=i18n.long_date,
        day_heading=i18n.day_heading,
        # Dates grouped under their local day: `entries|by_local_day("occurrence.start")`.
        by_local_day=lambda items, start: by_local_day(items, attrgetter(start)),
        local_moment=i18n.local_moment,
        language_names=i18n.language_names,
        distance=i18n.distance,
        # Countries and cities as the visitor's language names them ("Allemagne", "Londres").
        country_name=i18n.country_name,
        country_named=i18n.country_named,
        city_name=i18n.city_name,
        city_place=i18n.city_place,
        near_city=i18n.near_city,
        tile_host=lambda url: urlsplit(url).netloc,
        markdown=lambda text: Markup(render_markdown(text)),
        describe_schedule=i18n.describe_schedule,
        translate=i18n.translate,
    )
    app.jinja_env.globals.update(
        demo_data_present=_demo_data_present,
        time_span=display.time_span,
        geo_uri=directions.geo_uri,
        osm_directions=directions.osm_directions,
        osm_map=directions.osm_map,
        subscription=_subscription,
        date_links=_date_links,
        may_undo=_may_undo,
        open_moderation_items=queries.open_moderation_items,
        undoes_anyones=_undoes_anyones,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.register_error_handler(HTTPException, _http_error)


def _demo_data_present() -> bool:
    """Asked by every page, answered once per data version."""
    data = current_app.extensions["data_version"]
    return data.memo(db.session, "demo data present", queries.demo_data_present)


def _date_links(meetup: Any, occurrence: Occurrence, venue: Any) -> DateLinks:
    """Google and Outlook.com links for one date of a meetup, at the venue it happens at."""
    base = current_app.config["BASE_URL"].rstrip("/")
    page = base + url_for("pages.meetup", slug=meetup.slug, lang=None)
    where = ", ".join(part for part in (venue.name, venue.address, venue.city.name) if part)
    return date_links(meetup.name, occurrence.start, occurrence.end, where, page)


def _subscription(kind: str, *slugs: str, name: str) -> SubscriptionLinks:
    """Links for the feed of a page: `subscription("city", "fr", "paris", name=...)`."""
    path = Feed(kind, slugs, name, "").path
    return subscription_links(f"{current_app.config['BASE_URL'].rstrip('/')}/feeds/{path}", name)


def _may_undo(revision: Revision) -> bool:
    """Whether the signed-in volunteer sees the undo button of this revision."""
    return (
        current_user.is_authenticated
        and revision.action != "create"
        and roles.may_undo(current_user, revision.user_id)
    )


def _undoes_anyones() -> bool:
    return current_user.is_authenticated and roles.undoes_anyones(current_user)


def _http_error(error: HTTPException) -> tuple[str, int]:
    """Every error as a page; after a crash, roll back so nothing half-done is kept."""
    code = error.code or 500
    if code >= 500:
        db.session.rollback()
    return render_template("error.html", error=error, code=code), code
