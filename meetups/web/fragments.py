"""Meetup cards and meetup pages' articles, rendered once and reused until what they show
changes.

Any edit anywhere moves the data version on, and every cached page with it
(`page_cache`), so after an edit each page a visitor asks for is rendered
again, and a city page is mostly its meetups' cards. A card shows its meetup,
its venue and its next date, so it is kept under those (with the language and
whether it is unconfirmed) and outlives the edits of other meetups.
Volunteers' pages, which are never cached whole, reuse the cards too.

The end of a city's or a venue's page (its map, its subscribe links, the snippet that
embeds it elsewhere) reads only the directory's data and the language: a tenth of a
busy city's page, some twenty `url_for` and `_()` calls. It is kept, with the articles,
until the data changes (`kept_part`).

A meetup page is mostly its article (all but the volunteers' buttons), and a
third of that its list of next dates (eight, each with its calendar links). The
article is kept under its meetup's and venue's edit stamps, as a card is, with
what those do not cover: its dates are keyed on everything they show, the dates
themselves included, so an edit, a date passing or the day moving on (which
turns "Tomorrow" into "Today") writes it again.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Hashable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from flask import Flask, current_app, request
from markupsafe import Markup

from meetups.extensions import db
from meetups.lru import BytesLRU
from meetups.models import City, Meetup, Venue
from meetups.schedule import Occurrence, time_zone
from meetups.web.i18n import chosen_language, language

# A quarter of the page cache's memory (PAGE_CACHE_BYTES, whole pages' included): a card
# is some 450 bytes, its key and place thrice that.
SHARE_OF_PAGE_CACHE = 4
# A quarter for meetup pages' articles (one is some 5 KB) and the kept ends of city and
# venue pages (some 3 KB).
ARTICLE_SHARE_OF_PAGE_CACHE = 4
# What an entry costs besides its text, measured (`tests/test_fragments.py`): its key
# (a dozen stamps, dates and names) and its place in the cache. Counted at nothing, a
# page of cards took four times what it was counted at.
KEY_OVERHEAD = 1536


def init_app(app: Flask) -> None:
    # Kept as UTF-8: every card and article holds a character beyond ASCII (a dash, a
    # name), so as `str` each took two bytes a character, twice what it was counted at.
    app.extensions["cards"] = BytesLRU[bytes](
        app.config["PAGE_CACHE_BYTES"] // SHARE_OF_PAGE_CACHE, size=_kept_size
    )
    app.extensions["meetup_articles"] = BytesLRU[bytes](
        app.config["PAGE_CACHE_BYTES"] // ARTICLE_SHARE_OF_PAGE_CACHE, size=_kept_size
    )
    app.jinja_env.globals["meetup_cards"] = meetup_cards
    app.jinja_env.globals["meetup_about"] = meetup_about
    app.jinja_env.globals["kept_part"] = kept_part


def _kept_size(text: bytes) -> int:
    return len(text) + KEY_OVERHEAD


def meetup_cards(
    meetups: Iterable[Meetup],
    next_dates: Mapping[int, Occurrence | None],
    unconfirmed: Container[int],
    show_city: bool = False,
    name_zone: bool = False,
) -> Markup:
    """A listing's cards (the `meetup_card` macro of `_macros.html` for each), each from
    memory when nothing it shows changed; the request's languages are looked up once.

    `name_zone`: say so when the venue's clock is not its city's (a city's own page)."""
    shown_in = (language(), chosen_language())
    cards: BytesLRU[bytes] = current_app.extensions["cards"]
    today: dict[str, date] = {}
    written = []
    for meetup in meetups:
        meetup_id, zone, venue = meetup.id, meetup.timezone, meetup.venue
        city = venue.city
        if zone not in today:
            today[zone] = datetime.now(time_zone(zone)).date()
        next_date = next_dates[meetup_id]
        unconfirmed_now = meetup_id in unconfirmed
        key = (
            meetup_id,
            meetup.updated_at,
            meetup.last_confirmed,
            venue.id,
            venue.updated_at,
            city.name,
            next_date,
            # Its local day too, so that a card may say "today" or "tomorrow" of its next date.
            today[zone],
            unconfirmed_now,
            show_city,
            name_zone and zone != city.timezone,
            *shown_in,
        )
        card = cards.get(key)
        if card is None:
            html = _macros().meetup_card(meetup, next_date, unconfirmed_now, show_city, name_zone)
            card = cards.put(key, str(html).encode())
        written.append(card)
    return Markup(b"".join(written).decode())


def meetup_about(
    meetup: Meetup,
    city: City,
    zone_city: City | None,
    dates: Sequence[Occurrence],
    venues: Mapping[int, Venue],
    markers: list[dict[str, object]],
    reported: Sequence[str],
    confirmed_recently: bool,
    volunteer: bool,
) -> Markup:
    """The `meetup_about` macro of `_macros.html` (a meetup page's article, its volunteers'
    buttons aside), from memory when nothing it shows changed.

    Kept, as cards are, under the edit stamps of the meetup and its venue (every edit of
    theirs moves them), with what they do not cover: the city's and the zone's names,
    the tags, open reports, whether it is confirmed recently, and its dates' own key.
    `markers` come from the venue alone.
    """
    venue = meetup.venue
    key = (
        meetup.id,
        meetup.updated_at,
        venue.id,
        venue.updated_at,
        city.id,
        city.name,
        None if zone_city is None else (zone_city.id, zone_city.name),
        tuple((tag.slug, tag.name) for tag in meetup.tags),
        tuple(reported),
        confirmed_recently,
        _dates_key(meetup, dates, venues, volunteer),
    )
    kept: BytesLRU[bytes] = current_app.extensions["meetup_articles"]
    written = kept.get(key)
    if written is None:
        about = _macros().meetup_about(
            meetup, city, zone_city, dates, venues, markers, reported, confirmed_recently, volunteer
        )
        written = kept.put(key, str(about).encode())
    return Markup(written.decode())


def kept_part(*key: Hashable, caller: Callable[[], str]) -> Markup:
    """What a `{% call kept_part(name, id) %}` block renders, from memory until the data
    changes: for a part of a page that reads nothing but the directory's data, the
    language and the address (links carry the chosen language and start at the root)."""
    version = current_app.extensions["data_version"].current(db.session)
    full_key = ("part", *key, version, language(), chosen_language(), request.script_root)
    kept: BytesLRU[bytes] = current_app.extensions["meetup_articles"]
    written = kept.get(full_key)
    if written is None:
        written = kept.put(full_key, str(caller()).encode())
    return Markup(written.decode())


def _dates_key(
    meetup: Meetup, dates: Sequence[Occurrence], venues: Mapping[int, Venue], volunteer: bool
) -> tuple[object, ...]:
    """What a meetup's list of dates reads, rather than edit stamps: the dates (their notes,
    moves and cancellations), the names and addresses of the venues they happen at
    (calendar links name them), each zone's today, and the visitor's language."""
    moved_to = tuple(_shown(venues.get(o.venue_id)) for o in dates if o.venue_id is not None)
    zones = {occurrence.start.tzinfo for occurrence in dates}
    return (
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


def _shown(venue: Venue | None) -> tuple[object, ...] | None:
    """What a date's line says of the venue it happens at: its link and its calendar entry."""
    if venue is None:
        return None
    return venue.id, venue.slug, venue.name, venue.address, venue.city.name


def _macros() -> Any:
    return current_app.jinja_env.get_template("_macros.html").module
