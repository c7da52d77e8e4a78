"""Links that subscribe a calendar app to a feed, for people who never type a URL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

GOOGLE_DATE = "%Y%m%dT%H%M%S"


@dataclass(frozen=True)
class SubscriptionLinks:
    url: str
    # What the feed holds, in the visitor's language: what a shared link is titled.
    name: str
    webcal: str
    google: str
    outlook: str


def subscription_links(feed_url: str, name: str) -> SubscriptionLinks:
    """webcal:// opens Apple Calendar, Outlook and Thunderbird; the web calendars get their own."""
    parts = urlsplit(feed_url)
    webcal = urlunsplit(("webcal", *parts[1:]))
    return SubscriptionLinks(
        url=feed_url,
        name=name,
        webcal=webcal,
        google="https://calendar.google.com/calendar/r?cid=" + quote(webcal, safe=""),
        outlook=(
            "https://outlook.live.com/calendar/0/addfromweb?url="
            + quote(feed_url, safe="")
            + "&name="
            + quote(name, safe="")
        ),
    )


@dataclass(frozen=True)
class DateLinks:
    """Web calendars' "add this event" pages for one date, for people without a calendar app."""

    google: str
    outlook: str


def date_links(title: str, start: datetime, end: datetime, where: str, page: str) -> DateLinks:
    """One date at its local wall-clock time and zone, so that the calendar shows it right
    wherever the traveller's phone is set."""
    local_end = end.astimezone(start.tzinfo)
    shared = _shared_parts(title, str(start.tzinfo), where, page)
    google = urlencode({"dates": f"{start:{GOOGLE_DATE}}/{local_end:{GOOGLE_DATE}}"})
    outlook = urlencode({"startdt": start.isoformat(), "enddt": local_end.isoformat()})
    return DateLinks(
        google=f"{shared.google_head}&{google}&{shared.google_tail}",
        outlook=f"{shared.outlook_head}&{outlook}&{shared.outlook_tail}",
    )


class _SharedParts(NamedTuple):
    google_head: str
    google_tail: str
    outlook_head: str
    outlook_tail: str


@lru_cache(maxsize=1024)
def _shared_parts(title: str, zone: str, where: str, page: str) -> _SharedParts:
    """What every date of one meetup shares in its links, encoded once: a meetup page lists
    eight dates, and encoding it for each made its calendar links a fifth of the page."""
    return _SharedParts(
        "https://calendar.google.com/calendar/render?"
        + urlencode({"action": "TEMPLATE", "text": title}),
        urlencode({"ctz": zone, "location": where, "details": page}),
        "https://outlook.live.com/calendar/0/deeplink/compose?"
        + urlencode({"path": "/calendar/action/compose", "rru": "addevent", "subject": title}),
        urlencode({"location": where, "body": page}),
    )
