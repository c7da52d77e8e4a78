"""Meetup cards, rendered once and reused until their meetup or venue changes.

Any edit anywhere moves the data version on, and every cached page with it
(`page_cache`), so after an edit each page a visitor asks for is rendered
again, and a city page is mostly its meetups' cards. A card shows its meetup,
its venue and its next date, so it is kept under those (with the language and
whether it is unconfirmed) and outlives the edits of other meetups.
Volunteers' pages, which are never cached whole, reuse the cards too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app
from markupsafe import Markup

from meetups.lru import BytesLRU
from meetups.models import Meetup
from meetups.schedule import Occurrence, time_zone
from meetups.web.i18n import chosen_language, language

# A quarter of the pages' memory: a card is some 700 bytes.
SHARE_OF_PAGE_CACHE = 4


def init_app(app: Flask) -> None:
    app.extensions["cards"] = BytesLRU[str](
        app.config["PAGE_CACHE_BYTES"] // SHARE_OF_PAGE_CACHE, size=len
    )
    app.jinja_env.globals["meetup_card"] = meetup_card


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


def _macros() -> Any:
    return current_app.jinja_env.get_template("_macros.html").module
