"""Meetup cards and a meetup's dates, rendered once and reused until what they show changes.

Any edit anywhere moves the data version on, and every cached page with it
(`page_cache`), so after an edit each page a visitor asks for is rendered
again, and a city page is mostly its meetups' cards. A card shows its meetup,
its venue and its next date, so it is kept under those (with the language and
whether it is unconfirmed) and outlives the edits of other meetups.
Volunteers' pages, which are never cached whole, reuse the cards too.

A meetup page's list of next dates is most of its rendering (eight dates, each
with its calendar links): it is kept under everything it shows, the dates
themselves included, so an edit, a date passing or the day moving on (which
turns "Tomorrow" into "Today") writes it again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from markupsafe import Markup

from meetups.lru import BytesLRU
from meetups.models import Meetup, Venue
from meetups.schedule import Occurrence, time_zone
from meetups.web.i18n import chosen_language, language

# A quarter of the pages' memory: a card is some 700 bytes.
SHARE_OF_PAGE_CACHE = 4
# An eighth for meetups' dates: eight dates are some 8 KB, uncompressed.
DATES_SHARE_OF_PAGE_CACHE = 8


def init_app(app: Flask) -> None:
    app.extensions["cards"] = BytesLRU[str](
        app.config["PAGE_CACHE_BYTES"] // SHARE_OF_PAGE_CACHE, size=len
    )
    app.extensions["meetup_dates"] = BytesLRU[str](
        app.config["PAGE_CACHE_BYTES"] // DATES_SHARE_OF_PAGE_CACHE, size=len
    )
    app.jinja_env.globals["meetup_card"] = meetup_card
    app.jinja_env.globals["meetup_dates"] = meetup_dates


def meetup_card(
    meetup: Meetup,
    next_date: Occurrence | None,
    unconfirmed: bool = False,
    show_city: bool = False,
    name_zone: bool = False,
) -> Markup:
    """The `meetup_card` macro of `_macros.html`, from memory when nothing it shows changed.

    `name_zone`: say so when the venue's clock is not its city's (a city's own page)."""
    venue = meetup.venue
    key = (
        meetup.id,
        meetup.updated_at,
        meetup.last_confirmed,
        venue.id,
        venue.updated_at,
        venue.city.name,
        next_date,
        # Its local day too, so that a card may say "today" or "tomorrow" of its next date.
        datetime.now(time_zone(meetup.timezone)).date(),
        unconfirmed,
        show_city,
        name_zone and meetup.timezone != venue.city.timezone,
        language(),
        chosen_language(),
    )
    cards: BytesLRU[str] = current_app.extensions["cards"]
    card = cards.get(key)
    if card is None:
        card = cards.put(
            key, str(_macros().meetup_card(meetup, next_date, unconfirmed, show_city, name_zone))
        )
    return Markup(card)


def meetup_dates(
    meetup: Meetup, dates: Sequence[Occurrence], venues: Mapping[int, Venue], volunteer: bool
) -> Markup:
    """The `meetup_dates` macro of `_macros.html`, from memory when nothing it shows changed.

    Keyed on what the list reads rather than on edit stamps: the dates (their notes,
    moves and cancellations), the names and addresses of the venues they happen at
    (calendar links name them), each zone's today, and the visitor's language."""
    moved_to = tuple(_shown(venues.get(o.venue_id)) for o in dates if o.venue_id is not None)
    zones = {occurrence.start.tzinfo for occurrence in dates}
    key = (
        meetup.id,
        meetup.slug,
        meetup.name,
        tuple(dates),
        _shown(meetup.venue),
        moved_to,
        frozenset((str(zone), datetime.now(zone).date()) for zone in zones),
        volunteer,
        language(),
        chosen_language(),
    )
    kept: BytesLRU[str] = current_app.extensions["meetup_dates"]
    written = kept.get(key)
    if written is None:
        written = kept.put(key, str(_macros().meetup_dates(meetup, dates, venues, volunteer)))
    return Markup(written)


def _shown(venue: Venue | None) -> tuple[object, ...] | None:
    """What a date's line says of the venue it happens at: its link and its calendar entry."""
    if venue is None:
        return None
    return venue.id, venue.slug, venue.name, venue.address, venue.city.name


def _macros() -> Any:
    return current_app.jinja_env.get_template("_macros.html").module
