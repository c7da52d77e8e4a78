"""Embeds: a city's, venue's or meetup's next dates, small pages other sites may frame.

Parse the options, find the place, render. Every answer, errors included, may be
framed by any site and sets no cookie (see `security_headers.framable`); the
200s carry an ETag and are kept in memory like the pages (`page_cache.validated`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask_babel import gettext
from jinja2 import pass_context
from markupsafe import Markup
from werkzeug.wrappers import Response

from meetups import queries
from meetups.agenda import Entry
from meetups.embeds.listing import MAX_DATES, OptionError, Options, coming_dates
from meetups.models import Meetup, MeetupStatus
from meetups.web import display, page_cache
from meetups.web.i18n import (
    available_languages,
    chosen_language,
    city_name,
    language,
    translate,
)
from meetups.web.security_headers import framable

bp = Blueprint("embeds", __name__, url_prefix="/embed")

# The pages that offer a snippet, and the embed each one offers.
EMBEDDED_PAGES = {"pages.city": "city", "pages.venue": "venue", "pages.meetup": "meetup"}
# Tall enough for the heading and three dates when the host page runs no script of ours.
FRAME_HEIGHT = 360

Page = str | tuple[str, int] | Response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["embed_code"] = embed_code
    app.jinja_env.filters["short_date"] = lambda day: display.short_date(day, language())
    app.register_blueprint(bp)


@bp.get("/city/<country_code>/<slug>")
@framable
@page_cache.validated
def city(country_code: str, slug: str) -> Page:
    options, problem = _options()
    if problem:
        return problem
    found = queries.city(country_code, slug)
    if found is None:
        return _problem(gettext("No city at this address."), 404)
    title = gettext("Meetups in %(city)s", city=city_name(found))
    visiting = queries.meetups_visiting_city(found.id)
    return _dates_page(
        options,
        title,
        queries.meetups_in_city(found),
        page=url_for("pages.city", country_code=found.country.slug, slug=found.slug),
        feed=("city", found.country.slug, found.slug),
        zone_note=lambda entries: _city_zone_note(found, entries),
        visiting=visiting,
        venue_ids=queries.venues_moved_to(visiting, found.id),
    )


def _city_zone_note(city: Any, entries: list[Entry]) -> str:
    """True of every time listed: a venue may keep another clock than its city's."""
    others = sorted({entry.occurrence.start.tzinfo.key for entry in entries} - {city.timezone})
    if not others:
        return gettext(
            "Times are local to %(city)s (%(zone)s).", city=city_name(city), zone=city.timezone
        )
    return gettext(
        "Times are local to each venue and name their zone: %(zone)s in %(city)s, "
        "%(others)s at some venues listed here.",
        city=city_name(city),
        zone=city.timezone,
        others=", ".join(others),
    )


@bp.get("/venue/<slug>")
@framable
@page_cache.validated
def venue(slug: str) -> Page:
    options, problem = _options()
    if problem:
        return problem
    found = queries.venue(slug)
    if found is None:
        merged_into = queries.venue_redirect(slug)
        if merged_into:
            return redirect(url_for(".venue", slug=merged_into, **request.args), 301)
        return _problem(gettext("No venue at this address."), 404)
    return _dates_page(
        options,
        found.name,
        found.meetups,
        page=url_for("pages.venue", slug=found.slug),
        feed=("venue", found.slug),
        zone_note=_zone_note(found.city, found.timezone),
        home_venue=found.id,
    )


@bp.get("/meetup/<slug>")
@framable
@page_cache.validated
def meetup(slug: str) -> Page:
    options, problem = _options()
    if problem:
        return problem
    found = queries.meetup(slug)
    if found is None:
        return _problem(gettext("No meetup at this address."), 404)
    return _dates_page(
        options,
        found.name,
        [found],
        page=url_for("pages.meetup", slug=found.slug),
        feed=("meetup", found.slug),
        zone_note=_zone_note(found.venue.city, found.timezone),
        home_venue=found.venue_id,
        status_note=_status_note(found),
    )


def _options() -> tuple[Options, tuple[str, int] | None]:
    """The embed's options, or the page saying which one is wrong (400)."""
    try:
        return Options.parse(request.args.to_dict(flat=False), available_languages()), None
    except OptionError as error:
        return Options(), _problem(translate(error), 400)


def _dates_page(
    options: Options,
    title: str,
    meetups: list[Meetup],
    *,
    page: str,
    feed: tuple[str, ...],
    zone_note: str | Callable[[list[Entry]], str],
    home_venue: int | None = None,
    status_note: str = "",
    visiting: list[Meetup] | None = None,
    venue_ids: set[int] | None = None,
) -> str:
    """`zone_note` may depend on the dates listed; `visiting` series hold dates moved to
    `venue_ids`, which are listed too."""
    entries = coming_dates(
        meetups, datetime.now(UTC), options.dates, visiting or (), venue_ids or set()
    )
    if callable(zone_note):
        zone_note = zone_note(entries)
    return render_template(
        "embed/dates.html",
        options=options,
        title=title,
        entries=entries,
        places=queries.moved_to_venues(entry.meetup for entry in entries),
        page=page,
        feed=feed,
        zone_note=zone_note,
        home_venue=home_venue,
        status_note=status_note,
    )


def _zone_note(city: Any, zone: str) -> str:
    return gettext("Local time in %(city)s (%(zone)s).", city=city_name(city), zone=zone)


def _status_note(found: Meetup) -> str:
    if found.status == MeetupStatus.PAUSED:
        return gettext("This meetup is paused: no dates are planned for now.")
    if found.status == MeetupStatus.ENDED:
        return gettext("This meetup no longer happens.")
    return ""


def _problem(message: str, status: int) -> tuple[str, int]:
    return render_template("embed/problem.html", message=message), status


# --- The snippet on the pages ---------------------------------------------------------------


@dataclass(frozen=True)
class EmbedCode:
    # The frame's address, to preview it.
    src: str
    # What the host page's author pastes: the frame, and the optional script that sizes it.
    html: str
    max_dates: int = MAX_DATES


@pass_context
def embed_code(context: Any) -> EmbedCode | None:
    """The snippet that frames this page's embed, in the language the address chose."""
    kind = EMBEDDED_PAGES.get(request.endpoint or "")
    if kind is None:
        return None
    base = current_app.config["BASE_URL"].rstrip("/")
    chosen = chosen_language()
    query = {"lang": chosen} if chosen else {}
    src = base + url_for(f"embeds.{kind}", **(request.view_args or {}), **query)
    html = Markup(
        '<iframe src="{src}" title="{title}" width="100%" height="{height}" loading="lazy">'
        '</iframe>\n<script src="{script}" async></script>'
    ).format(
        src=src,
        title=_frame_title(kind, context),
        height=FRAME_HEIGHT,
        script=base + url_for("static", filename="embed.js", stable=True),
    )
    return EmbedCode(src=src, html=str(html))


def _frame_title(kind: str, context: Any) -> str:
    """What a screen reader announces for the frame on the host page."""
    if kind == "city":
        return gettext("Meetups in %(city)s", city=city_name(context["city"]))
    if kind == "venue":
        return gettext("Meetups at %(venue)s", venue=context["venue"].name)
    return context["meetup"].name
